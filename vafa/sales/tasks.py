"""Background work of the sales app: telling a customer what became of their product registration."""

from __future__ import annotations

from typing import Any

from vafa.core.jobs import work_handler
from vafa.sales.services import REGISTRATION_NOTIFY_KIND, unit_registration_notify


@work_handler(REGISTRATION_NOTIFY_KIND, atomic=False)
def registration_notify_work(payload: dict[str, Any]) -> None:
    unit_registration_notify(registration_id=int(payload["registration_id"]))
