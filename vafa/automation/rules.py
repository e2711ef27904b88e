"""The rule engine: event triggers answer case events, time triggers answer cases that have waited.

Event triggers. Every active trigger (case.opened, case.customer_replied, …) has work of the kind
`automation.event` subscribed to it; the subscriber's `when` asks a per-process cache whether any
active rule has that trigger, so an event nobody answers costs no row. The work runs that trigger's
active rules in `position` order on the case as each earlier rule left it.

Time triggers. `automation_time_rules` runs every minute. For each active time rule it reads the
cases in the rule's status (an indexed column) whose latest status change is at least
`time_minutes` wall-clock minutes old — a safe bound, since business minutes never outrun wall
minutes — and that the rule has not answered for that stay; then it tests the business time in
Python with the rule's calendar, and the conditions. The rule fires once per stay in the status:
its key is the status change that began the stay.

At most once. A rule records its RuleRun (rule, case, key) before it acts; the unique constraint
on (rule, event_key) makes a second run of the same work, or a second scheduler tick, do nothing.

No loops. Whatever a rule's actions publish carries the chain of rules that caused it
(`payload["origin"]`). A rule never answers an event its own actions caused, and a chain longer
than `MAX_CHAIN` stops: both are logged as `loop_stopped`, with no action.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django_tasks import task

from vafa.automation.actions import ActionContext, action_apply, action_for_log
from vafa.automation.conditions import CaseFacts, conditions_match
from vafa.automation.models import Rule, RuleRun, RunOutcome, Trigger
from vafa.core.businesstime import CalendarNeverOpen, business_between
from vafa.core.errors import VafaError
from vafa.core.jobs import periodic, work_handler, work_origin, work_subscribe
from vafa.service import events
from vafa.service.models import Case, CaseEvent, EventKind
from vafa.sla.calendars import schedule_for

logger = logging.getLogger(__name__)

EVENT_KIND = "automation.event"
EVENT_TRIGGERS = tuple(trigger for trigger in Trigger.values if trigger != Trigger.TIME)
REPLY_TRIGGERS = frozenset({Trigger.CUSTOMER_REPLIED, Trigger.AGENT_REPLIED})
# A rule acting on an event caused by this many rules in a row is stopped: a longer chain is a loop
# through several rules (A → B → C → A) or a cascade nobody meant.
MAX_CHAIN = 5
TRIGGERS_CACHE_SECONDS = 5.0
TIME_BATCH = 500
# The kinds of timeline event that change a case's status; the latest one began the current stay.
STATUS_EVENT_KINDS = (
    EventKind.OPENED,
    EventKind.STATUS_CHANGED,
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.MERGED,
)

_active: tuple[float, frozenset[str]] | None = None
_lock = threading.Lock()


# --- which triggers have rules --------------------------------------------------------------------


def rule_triggers_active() -> frozenset[str]:
    """The triggers of the active rules; cached for a few seconds in each process."""
    global _active
    now = time.monotonic()
    cached = _active
    if cached is not None and now - cached[0] < TRIGGERS_CACHE_SECONDS:
        return cached[1]
    triggers = frozenset(Rule.objects.filter(is_active=True).values_list("trigger", flat=True).distinct())
    with _lock:
        _active = (now, triggers)
    return triggers


def rule_triggers_forget() -> None:
    """Drop the cached answer of `rule_triggers_active` (a rule changed in this process)."""
    global _active
    with _lock:
        _active = None


def _wanted(event: str, payload: dict[str, Any]) -> bool:
    return event in rule_triggers_active()


# --- firing one rule ------------------------------------------------------------------------------


def _chain(origin: Iterable[Any]) -> list[int]:
    """The ids of the rules in an origin chain, oldest first."""
    ids: list[int] = []
    for item in origin:
        if isinstance(item, dict) and isinstance(item.get("rule"), int):
            ids.append(item["rule"])
    return ids


def _load(case_id: int) -> Case | None:
    return (
        Case.objects.select_related("customer", "unit", "product", "assignee")
        .filter(pk=case_id, merged_into__isnull=True)
        .first()
    )


def rule_fire(
    *,
    rule: Rule,
    case_id: int,
    event_key: str,
    origin: Sequence[dict[str, Any]] = (),
    message_id: int | None = None,
    now: dt.datetime | None = None,
) -> RuleRun | None:
    """Run one rule on a case for one event: None when it does not match or already answered the event."""
    case = _load(case_id)
    if case is None:
        return None
    now = now or timezone.now()
    matched = conditions_match(rule.conditions, CaseFacts(case, message_id=message_id, now=now))
    if matched is None:
        return None
    chain = _chain(origin)
    looping = rule.pk in chain or len(chain) >= MAX_CHAIN
    detail: dict[str, Any] = {"matched": matched, "actions": [], "errors": []}
    if looping:
        detail["chain"] = chain
    try:
        with transaction.atomic():
            run = RuleRun.objects.create(
                rule=rule,
                case=case,
                event_key=event_key,
                outcome=RunOutcome.LOOP_STOPPED if looping else RunOutcome.APPLIED,
                detail=detail,
                fired_at=now,
            )
    except IntegrityError:
        return None  # this rule already answered this event
    if looping:
        return run
    context = ActionContext(actor=None, rule_id=rule.pk, rule_name=rule.name, trigger=rule.trigger)
    done: list[str] = []
    steps: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        # What the actions publish carries the whole chain, this rule last.
        for item in origin:
            stack.enter_context(work_origin(**item))
        stack.enter_context(work_origin(rule=rule.pk))
        for index, action in enumerate(rule.actions):
            try:
                with transaction.atomic():
                    done.append(
                        action_apply(action, case=case, context=replace(context, key=f"{run.pk}:{index}"))
                    )
                steps.append(action_for_log(action))
            except DatabaseError:
                raise  # the database itself failed: the whole work is tried again
            except VafaError as exc:
                errors.append({"action": action_for_log(action), "error": str(exc.message), "code": exc.code})
            except Exception as exc:
                logger.exception("Rule %s: action %s failed on case %s", rule.pk, action.get("type"), case.pk)
                errors.append(
                    {"action": action_for_log(action), "error": f"{type(exc).__name__}: {exc}"[:500]}
                )
        events.rule_applied(
            case, timezone.now(), rule_id=rule.pk, rule_name=rule.name, actions=done, steps=steps
        )
    run.detail = {**detail, "actions": done, "errors": errors}
    run.outcome = RunOutcome.FAILED if errors else RunOutcome.APPLIED
    run.save(update_fields=["detail", "outcome"])
    return run


# --- event triggers -------------------------------------------------------------------------------


def rules_run_event(payload: dict[str, Any]) -> list[RuleRun]:
    """Run the active rules of the event's trigger on its case, in order; return what fired."""
    trigger = payload.get("event", "")
    if trigger not in EVENT_TRIGGERS:
        return []
    case_id, event_id = int(payload["case_id"]), int(payload["event_id"])
    origin = [item for item in payload.get("origin") or () if isinstance(item, dict)]
    message_id = None
    if trigger in REPLY_TRIGGERS:
        raw = (payload.get("data") or {}).get("message")
        message_id = int(raw) if isinstance(raw, int) else None
    runs: list[RuleRun] = []
    for rule in Rule.objects.filter(trigger=trigger, is_active=True).order_by("position", "id"):
        run = rule_fire(
            rule=rule, case_id=case_id, event_key=f"event:{event_id}", origin=origin, message_id=message_id
        )
        if run is not None:
            runs.append(run)
    return runs


@work_handler(EVENT_KIND)
def rules_event_work(payload: dict[str, Any]) -> None:
    rules_run_event(payload)


for _trigger in EVENT_TRIGGERS:
    work_subscribe(_trigger, EVENT_KIND, when=_wanted)


# --- time triggers --------------------------------------------------------------------------------


def time_candidates(
    rule: Rule, *, now: dt.datetime, after_id: int = 0, limit: int = TIME_BATCH
) -> list[Case]:
    """Cases in the rule's status for at least its minutes of wall-clock time, not yet answered in this
    stay, in id order after `after_id`; each with `status_event_id` and `entered_at` annotated."""
    assert rule.time_minutes is not None
    latest = CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=STATUS_EVENT_KINDS).order_by(
        "-created_at", "-id"
    )
    answered = RuleRun.objects.filter(
        rule=rule,
        case=OuterRef("pk"),
        event_key=Concat(Value("time:"), Cast(OuterRef("status_event_id"), CharField())),
    )
    return list(
        Case.objects.filter(status=rule.time_status, merged_into__isnull=True, pk__gt=after_id)
        .annotate(
            status_event_id=Subquery(latest.values("pk")[:1]),
            entered_at=Subquery(latest.values("created_at")[:1]),
        )
        .filter(entered_at__lte=now - dt.timedelta(minutes=rule.time_minutes))
        .exclude(Exists(answered))
        .select_related("customer", "product__category")
        .prefetch_related("tags")
        .order_by("pk")[:limit]
    )


def time_rule_run(rule: Rule, *, now: dt.datetime | None = None) -> list[RuleRun]:
    """Fire one time rule on every case that has waited its business minutes in its status."""
    now = now or timezone.now()
    if rule.trigger != Trigger.TIME or rule.time_minutes is None or not rule.is_active:
        return []
    schedule = schedule_for(rule.time_calendar)
    wait = dt.timedelta(minutes=rule.time_minutes)
    runs: list[RuleRun] = []
    after_id = 0
    while True:
        batch = time_candidates(rule, now=now, after_id=after_id)
        if not batch:
            return runs
        after_id = batch[-1].pk
        for case in batch:
            try:
                waited = business_between(schedule, case.entered_at, now)  # type: ignore[attr-defined]
            except CalendarNeverOpen:
                logger.warning("Time rule %s: its calendar is never open; it cannot fire", rule.pk)
                return runs
            if waited < wait:
                continue
            # A first look on the batch's loaded rows (tags prefetched): most cases that wait without
            # matching cost no query; the firing checks again on the case read afresh.
            if conditions_match(rule.conditions, CaseFacts(case, now=now)) is None:
                continue
            try:
                with transaction.atomic():
                    run = rule_fire(
                        rule=rule,
                        case_id=case.pk,
                        event_key=f"time:{case.status_event_id}",  # type: ignore[attr-defined]
                        now=now,
                    )
            except DatabaseError:
                logger.exception(
                    "Time rule %s failed on case %s; the next tick tries again", rule.pk, case.pk
                )
                continue
            if run is not None:
                runs.append(run)


def time_rules_run(*, now: dt.datetime | None = None) -> list[RuleRun]:
    """Fire every active time rule, in order, on the cases that have waited long enough."""
    now = now or timezone.now()
    runs: list[RuleRun] = []
    for rule in Rule.objects.filter(trigger=Trigger.TIME, is_active=True).select_related("time_calendar"):
        runs.extend(time_rule_run(rule, now=now))
    return runs


@periodic("automation_time_rules", every=dt.timedelta(minutes=1))
@task()
def automation_time_rules() -> int:
    return len(time_rules_run())
