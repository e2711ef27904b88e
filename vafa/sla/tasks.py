"""Background work of the SLA app: the refresh of a case's clocks after each event that can move
them, the escalations, and the periodic check that records at-risk and breach moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django_tasks import task

from vafa.core.jobs import periodic, work_handler, work_subscribe
from vafa.service.models import EventKind
from vafa.sla.clocks import REPLAYED_KINDS
from vafa.sla.escalation import sla_escalate
from vafa.sla.services import ESCALATE_KIND, sla_case_refresh, sla_check_once

REFRESH_KIND = "sla.refresh"


@work_handler(REFRESH_KIND)
def refresh(payload: dict[str, Any]) -> None:
    sla_case_refresh(case_id=int(payload["case_id"]))


@work_handler(ESCALATE_KIND)
def escalate(payload: dict[str, Any]) -> None:
    sla_escalate(clock_id=int(payload["clock_id"]), trigger=str(payload["trigger"]))


def _kind_changed(event: str, payload: dict[str, Any]) -> bool:
    # Of the corrections a case.updated event carries, only a new kind can change the policy.
    return "kind" in ((payload.get("data") or {}).get("to") or {})


def _one_per_change(event: str, payload: dict[str, Any]) -> str:
    # The events of one service call share its moment and its transaction (or, inside an outer
    # transaction such as a test's, its savepoint): one replay after the commit sees them all.
    savepoints = connection.savepoint_ids
    moment = payload.get("at") or payload.get("event_id", "")
    return f"case:{payload['case_id']}:{moment}:{savepoints[-1] if savepoints else ''}"


for _kind in REPLAYED_KINDS:
    work_subscribe(
        f"case.{_kind}",
        REFRESH_KIND,
        when=_kind_changed if _kind == EventKind.UPDATED else None,
        key=_one_per_change,
    )


@periodic("sla_check", every=dt.timedelta(seconds=30))
@task()
def sla_check() -> int:
    return sla_check_once()
