"""Helpers of the clock tests: run the services at chosen instants and the SLA work they schedule.

Services stamp `timezone.now()`, so each step freezes the time first (time-machine's fixture).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.service.models import Case
from vafa.sla.models import SlaClock

TEHRAN = ZoneInfo("Asia/Tehran")


def tehran(day: int, hour: int, minute: int = 0, *, month: int = 11, year: int = 2025) -> dt.datetime:
    """An instant on Tehran's wall clock (2025-11-06 is a Thursday)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def run_sla_work() -> list[str]:
    """Run every pending SLA job (refreshes, escalations) as a worker would; return their kinds."""
    ran: list[str] = []
    while True:
        pending = list(
            PendingWork.objects.filter(kind__startswith="sla.", state=PendingWork.State.PENDING)
            .order_by("id")
            .values_list("pk", "kind")
        )
        if not pending:
            return ran
        for pk, kind in pending:
            assert work_execute(pk) == "done", PendingWork.objects.get(pk=pk).last_error
            ran.append(kind)


def clock(case: Case, metric: str, cycle: int = 1) -> SlaClock:
    return SlaClock.objects.get(case=case, metric=metric, cycle=cycle)


def clock_fields(case: Case, metric: str, cycle: int = 1) -> dict[str, Any]:
    """The figures of one clock, with instants on Tehran's wall clock for readable asserts."""
    row = clock(case, metric, cycle)

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(TEHRAN) if value is not None else None

    return {
        "state": row.state,
        "due_at": local(row.due_at),
        "at_risk_at": local(row.at_risk_at),
        "used_minutes": row.used_seconds / 60,
        "next_check_at": local(row.next_check_at),
    }
