"""Cases for the inbox's tests: opened through the services, then moved to the status a test needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vafa.customers.models import Customer
from vafa.service.models import Case
from vafa.service.services import case_close, case_resolve, case_set_status
from vafa.service.tests.factories import make_case


def make_inbox_case(customer: Customer, *, status: str = "new", **fields: Any) -> Case:
    """A case opened for `customer` (team, assignee, priority … as given), then brought to `status`."""
    case = make_case(customer, **fields)
    if status in ("resolved", "closed"):
        case = case_resolve(actor=None, case=case, summary="Done")
        if status == "closed":
            case = case_close(actor=None, case=case)
    elif status != "new":
        case = case_set_status(actor=None, case=case, status=status)
    return Case.objects.get(pk=case.pk)


def set_times(case: Case, *, created: str | None = None, updated: str | None = None) -> None:
    """Put a case at a given opening and last-update time (ISO 8601 with an offset)."""
    fields: dict[str, dt.datetime] = {}
    if created is not None:
        fields["created_at"] = dt.datetime.fromisoformat(created)
    if updated is not None:
        fields["updated_at"] = dt.datetime.fromisoformat(updated)
    elif created is not None:
        fields["updated_at"] = fields["created_at"]
    Case.objects.filter(pk=case.pk).update(**fields)
