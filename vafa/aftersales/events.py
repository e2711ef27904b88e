"""Timeline events of after-sales records: every step writes one case event naming its record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vafa.accounts.models import User
from vafa.aftersales.models.base import CaseRecord
from vafa.service import events as case_events
from vafa.service.models import CaseEvent

RECORD_TYPES = {
    "WarrantyClaim": "claim",
    "ReturnRequest": "return",
    "Replacement": "replacement",
    "Refund": "refund",
    "RepairOrder": "repair",
    "Visit": "visit",
    "Goodwill": "goodwill",
}


def record_ref(record: CaseRecord) -> dict[str, Any]:
    """How an event names its record: type, id and the reference people quote."""
    return {"type": RECORD_TYPES[type(record).__name__], "id": record.pk, "reference": record.reference}


def step(
    record: CaseRecord,
    kind: str,
    actor: User | None,
    at: dt.datetime,
    *,
    actor_kind: str | None = None,
    **data: Any,
) -> CaseEvent:
    """Write the timeline event of one step of `record` on its case.

    `actor_kind` names who acted when there is no signed-in user (a customer using a signed link).
    """
    return case_events.aftersales_step(
        record.case, kind, actor, at, data={"record": record_ref(record), **data}, actor_kind=actor_kind
    )
