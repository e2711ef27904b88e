"""Background work of the accounts app: e-mailing notifications to staff."""

from __future__ import annotations

from typing import Any

from vafa.accounts.services import NOTIFICATION_EMAIL_KIND, notification_email
from vafa.core.jobs import work_handler


@work_handler(NOTIFICATION_EMAIL_KIND, atomic=False)
def notification_email_work(payload: dict[str, Any]) -> None:
    notification_email(notification_id=int(payload["notification_id"]))
