"""The SLA figures: sla_due_query_ms and scheduler_tick_ms, at 1,000,000 open cases (50,000 with --quick).

Seeding: the open cases and their two running clocks each (first response and resolution) are
written with INSERT … SELECT over a generated series (PostgreSQL's generate_series, a recursive CTE
on SQLite), never through the ORM; their next check times are spread evenly over the next 30 days,
as a steady flow of cases would leave them, so about one in 43,000 falls in any given minute.

- sla_due_query_ms: the median time of the periodic check's own query (`sla_clocks_due`: clocks
  whose next check falls before now + 1 minute, soonest first, 500 at most), with its plan recorded;
  measured on the steady state, before the cases of the tick measurement are added.
- scheduler_tick_ms: the median time of one scheduler tick (which enqueues the SLA check) plus one
  `sla_check_once` that finds 100 due clocks of 100 real cases (opened, status changed) and does
  their full work: replays each timeline, records the at-risk and breach moments as case events at
  their exact instants, and schedules the managers' notifications. Each run takes a fresh set of 100
  cases whose moments fall in its own quarter hour on a Tehran working morning ten days back.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from vafa.bench.results import Result, make_result
from vafa.bench.runner import Target, run_child

DUE_PER_TICK = 100
FILLER_SPREAD_SECONDS = 30 * 24 * 3600
TEHRAN = ZoneInfo("Asia/Tehran")
_T = dt.time
# Saturday–Wednesday 08:00–12:00 and 13:00–16:00, Thursday 08:00–12:00 (weekday numbers from Monday = 0).
TEHRAN_HOURS = {
    **{day: [(_T(8), _T(12)), (_T(13), _T(16))] for day in (5, 6, 0, 1, 2)},
    3: [(_T(8), _T(12))],
}


# --- seeding (runs in the child process, with Django set up) --------------------------------------


def _policy() -> Any:
    from vafa.accounts.models import Role, User
    from vafa.sla.models import (
        BusinessCalendar,
        EscalationAction,
        EscalationTrigger,
        SlaEscalation,
        SlaPolicy,
        WeeklyHours,
    )

    calendar, created = BusinessCalendar.objects.get_or_create(
        name="Bench Tehran", defaults={"time_zone": "Asia/Tehran"}
    )
    if created:
        WeeklyHours.objects.bulk_create(
            WeeklyHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, intervals in TEHRAN_HOURS.items()
            for start, end in intervals
        )
    policy, created = SlaPolicy.objects.get_or_create(
        name="Bench standard",
        defaults={
            "calendar": calendar,
            "first_response_minutes": 10,
            "next_response_minutes": None,
            # Two working days and a bit: its at-risk moment (half of it) falls on the Sunday after
            # the Saturday morning the measured checks look at.
            "resolution_minutes": 960,
            "at_risk_percent": 50,
        },
    )
    if created:
        SlaEscalation.objects.create(
            policy=policy, trigger=EscalationTrigger.BREACHED, action=EscalationAction.NOTIFY_MANAGERS
        )
    if not User.objects.filter(role=Role.MANAGER).exists():
        User.objects.create_user(
            "bench.manager@bench.vafa.test", None, role=Role.MANAGER, full_name="Bench Manager"
        )
    return policy


def _customers(count: int) -> tuple[int, int]:
    from vafa.customers.models import Customer

    have = Customer.objects.filter(external_source="bench-sla").count()
    if have < count:
        Customer.objects.bulk_create(
            Customer(name=f"SLA bench {i}", language="fa", external_source="bench-sla", external_id=f"sla{i}")
            for i in range(have, count)
        )
    ids = list(
        Customer.objects.filter(external_source="bench-sla").order_by("pk").values_list("pk", flat=True)
    )
    return ids[0], len(ids)


def seed_open_cases(total: int, *, policy_id: int) -> int:
    """Insert `total` open cases with two running clocks each, in SQL; return the cases added."""
    from django.db import connection, transaction
    from django.db.models import Max

    from vafa.core.models import Counter
    from vafa.service.models import Case

    first_customer, customers = _customers(200)
    base = Case.objects.aggregate(top=Max("number"))["top"] or 0
    top_id = Case.objects.aggregate(top=Max("pk"))["top"] or 0
    postgres = connection.vendor == "postgresql"
    if postgres:
        series = "SELECT n FROM generate_series(1, %s) AS n"
        at = "now() - (n %% 600) * interval '1 minute'"
        next_check = "now() - interval '30 seconds' + ((n * 7919) %% {spread}) * interval '1 second'"
        now = "now()"
    else:
        series = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %s) SELECT n FROM seq"
        at = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || (n %% 600) || ' minutes')"
        next_check = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-30 seconds', '+' || ((n * 7919) %% {spread}) || ' seconds')"
        now = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"
    next_check = next_check.format(spread=FILLER_SPREAD_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO service_case (number, subject, customer_id, kind, channel, status, priority, language, "  # noqa: S608 - fixed SQL
            "warranty_status_at_open, created_at, updated_at, reopen_count, resolution_summary, external_id) "
            f"SELECT %s + n, 'SLA bench case', %s + (n %% %s), 'problem', 'email', 'open', 'normal', 'fa', '', "
            f"{at}, {at}, 0, '', '' FROM ({series}) AS seq",
            [base, first_customer, customers, total],
        )
        for metric, target in (("first_response", 240), ("resolution", 960)):
            cursor.execute(
                "INSERT INTO sla_slaclock (case_id, policy_id, metric, cycle, state, target_minutes, started_at, "  # noqa: S608
                "due_at, at_risk_at, used_seconds, next_check_at, updated_at) "
                f"SELECT c.id, %s, %s, 1, 'running', %s, c.created_at, {next_check}, {next_check}, 0, {next_check}, {now} "
                f"FROM service_case c JOIN (SELECT id, id - %s AS n FROM service_case WHERE id > %s) s ON s.id = c.id",
                [policy_id, metric, target, top_id, top_id],
            )
    Counter.objects.update_or_create(name="case", defaults={"value": base + total})
    return total


def seed_due_cases(*, opened_at: dt.datetime, count: int) -> list[int]:
    """`count` cases opened at `opened_at` (opened, then taken into work) and their clocks as of then."""
    from django.db import transaction

    from vafa.core.models import Counter
    from vafa.service.models import Case, CaseEvent
    from vafa.sla.services import sla_case_refresh

    first_customer, customers = _customers(200)
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name="case")
        number = counter.value
        cases = Case.objects.bulk_create(
            Case(
                number=number + i + 1,
                subject="SLA bench due case",
                customer_id=first_customer + i % customers,
                kind="problem",
                channel="email",
                status="open",
                priority="normal",
                language="fa",
                created_at=opened_at,
                updated_at=opened_at,
            )
            for i in range(count)
        )
        Counter.objects.filter(name="case").update(value=number + count)
        CaseEvent.objects.bulk_create(
            event
            for case in cases
            for event in (
                CaseEvent(
                    case=case,
                    kind="opened",
                    data={"channel": "email", "kind": "problem"},
                    created_at=opened_at,
                ),
                CaseEvent(
                    case=case, kind="status_changed", data={"from": "new", "to": "open"}, created_at=opened_at
                ),
            )
        )
    for case in cases:
        sla_case_refresh(case_id=case.pk, now=opened_at)
    return [case.pk for case in cases]


def _plan() -> str:
    from django.db import connection
    from django.utils import timezone

    from vafa.sla.selectors import sla_clocks_due_query

    sql, params = sla_clocks_due_query(until=timezone.now() + dt.timedelta(minutes=1)).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            ("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params
        )
        return " | ".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


def _working_morning() -> dt.datetime:
    """09:00 in Tehran on the Saturday at least ten days back."""
    day = (dt.datetime.now(TEHRAN) - dt.timedelta(days=10)).date()
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=TEHRAN)


def measure_sla(*, cases: int, runs: int, query_runs: int) -> dict[str, Any]:
    """Seed, then time the due query and scheduler ticks with their SLA checks; return the figures."""
    from django.utils import timezone

    from vafa.core.housekeeping import database_statistics_refresh
    from vafa.core.jobs import scheduler_tick
    from vafa.core.models import PeriodicRun
    from vafa.service.models import CaseEvent
    from vafa.sla.models import SlaClock
    from vafa.sla.selectors import sla_clocks_due
    from vafa.sla.services import sla_check_once

    policy = _policy()
    started = time.perf_counter()
    have = SlaClock.objects.count() // 2
    if have < cases:
        seed_open_cases(cases - have, policy_id=policy.pk)
    database_statistics_refresh(full=True)
    seed_seconds = time.perf_counter() - started
    plan = _plan()

    due_counts = []
    timings = []
    for _ in range(max(3, query_runs // 10)):
        sla_clocks_due(until=timezone.now() + dt.timedelta(minutes=1))
    for _ in range(query_runs):
        t0 = time.perf_counter()
        due = sla_clocks_due(until=timezone.now() + dt.timedelta(minutes=1))
        timings.append((time.perf_counter() - t0) * 1000)
        due_counts.append(len(due))

    # Then one set of due cases per tick, a quarter hour apart: opened at 09:00, 09:15, …; each set
    # turns at risk 5 business minutes in and breaches at 10 (first response), before the next opens.
    morning = _working_morning()
    sets = [
        seed_due_cases(opened_at=morning + dt.timedelta(minutes=15 * i), count=DUE_PER_TICK)
        for i in range(runs)
    ]
    ticks = []
    refreshed = []
    for i, case_ids in enumerate(sets):
        PeriodicRun.objects.filter(name="sla_check").update(next_run_at=None)
        check_at = morning + dt.timedelta(minutes=15 * i + 12)
        t0 = time.perf_counter()
        fired = scheduler_tick(holder="bench")
        done = sla_check_once(check_at)
        ticks.append((time.perf_counter() - t0) * 1000)
        recorded = CaseEvent.objects.filter(
            case_id__in=case_ids, kind__in=["sla_at_risk", "sla_breached"]
        ).count()
        if done != DUE_PER_TICK or recorded != 2 * DUE_PER_TICK or "sla_check" not in fired:
            raise RuntimeError(
                f"tick {i}: refreshed {done} cases, recorded {recorded} moments, fired {fired}"
            )
        refreshed.append(done)
    return {
        "cases": SlaClock.objects.count() // 2,
        "clocks": SlaClock.objects.count(),
        "seed_seconds": round(seed_seconds, 1),
        "due_query_ms": statistics.median(timings),
        "due_query_p95_ms": sorted(timings)[int(len(timings) * 0.95) - 1],
        "due_rows": statistics.median(due_counts),
        "query_runs": query_runs,
        "plan": plan,
        "uses_index": "sla_clock_next_check" in plan,
        "tick_ms": statistics.median(ticks),
        "tick_max_ms": max(ticks),
        "ticks": len(ticks),
        "due_per_tick": DUE_PER_TICK,
    }


# --- the runner (parent process) ------------------------------------------------------------------


def run_sla(target: Target, *, quick: bool, log: Callable[[str], None]) -> list[Result]:
    """The SLA issue's figures on one database."""
    cases = 50_000 if quick else 1_000_000
    runs = 5 if quick else 10
    query_runs = 50 if quick else 300
    log(f"[{target.name}] migrating")
    run_child(target, "migrate", "--noinput", "-v", "0")
    log(f"[{target.name}] seeding {cases} open cases with running clocks; measuring")
    out = run_child(
        target, "bench_sla", "--cases", str(cases), "--runs", str(runs), "--query-runs", str(query_runs)
    )
    figures = json.loads(out.strip().splitlines()[-1])
    if not figures["uses_index"]:
        raise RuntimeError(
            f"the due query does not use sla_clock_next_check on {target.name}: {figures['plan']}"
        )
    log(
        f"[{target.name}]   sla_due_query_ms {figures['due_query_ms']:.2f}, "
        f"scheduler_tick_ms {figures['tick_ms']:.1f} (seeded in {figures['seed_seconds']} s)"
    )
    scale = {"open_cases": figures["cases"], "clocks": figures["clocks"]}
    return [
        make_result(
            "sla_due_query_ms",
            figures["due_query_ms"],
            database=target.name,
            scale={
                **scale,
                "window": "next_check_at <= now + 1 minute, soonest first, limit 500",
                "rows_found": figures["due_rows"],
                "runs": figures["query_runs"],
                "p95_ms": round(figures["due_query_p95_ms"], 3),
                "plan": figures["plan"][:300],
            },
        ),
        make_result(
            "scheduler_tick_ms",
            figures["tick_ms"],
            database=target.name,
            scale={
                **scale,
                "due_clocks_per_tick": figures["due_per_tick"],
                "ticks": figures["ticks"],
                "max_ms": round(figures["tick_max_ms"], 1),
                "work": "scheduler_tick + sla_check_once: replay, at-risk and breach events, escalation work",
            },
        ),
    ]
