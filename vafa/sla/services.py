"""Writes of the SLA app: refreshing a case's clocks from its timeline, the periodic check that
records at-risk and breach moments, and the order managers put the policies in."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.jobs import work_schedule
from vafa.service import events
from vafa.service.models import Case, CaseEvent, EventKind
from vafa.sla.clocks import REPLAYED_KINDS, ClockFigures, TimelineEvent, figures, next_check, replay
from vafa.sla.models import ClockState, EscalationTrigger, SlaClock, SlaEscalation, SlaPolicy
from vafa.sla.selectors import PolicyRule, case_match_facts, sla_clocks_due, sla_policies_active

logger = logging.getLogger(__name__)

ESCALATE_KIND = "sla.escalate"
# The fields the replay owns; at_risk_reached_at and breached_at are written only by the guarded
# updates in `_record_crossing`, so two workers never both record a moment.
_FIGURE_FIELDS = (
    "policy_id",
    "state",
    "target_minutes",
    "started_at",
    "due_at",
    "at_risk_at",
    "used_seconds",
    "paused_at",
    "stopped_at",
    "next_check_at",
)


class SlaError(StrEnum):
    """Stable codes of the SLA rules."""

    POLICY_ORDER = "sla_policy_order"


# --- the clocks of one case -----------------------------------------------------------------------


def _timeline(case_id: int) -> list[TimelineEvent]:
    rows = (
        CaseEvent.objects.filter(case_id=case_id, kind__in=[*REPLAYED_KINDS, EventKind.SLA_APPLIED])
        .order_by("created_at", "id")
        .values_list("kind", "created_at", "data")
    )
    return [TimelineEvent(kind=kind, at=at, data=data or {}) for kind, at, data in rows]


def _values(row: ClockFigures, next_check_at: dt.datetime | None) -> dict[str, Any]:
    return {
        "policy_id": row.policy.pk,
        "state": row.state,
        "target_minutes": row.target_minutes,
        "started_at": row.started_at,
        "due_at": row.due_at,
        "at_risk_at": row.at_risk_at,
        "used_seconds": row.used_seconds,
        "paused_at": row.paused_at,
        "stopped_at": row.stopped_at,
        "next_check_at": next_check_at,
    }


def _escalations_exist(policy_id: int, trigger: str, metric: str) -> bool:
    return (
        SlaEscalation.objects.filter(policy_id=policy_id, trigger=trigger, metric__in=["", metric])
        .only("pk")
        .exists()
    )


def _record_crossing(case: Case, clock: SlaClock, trigger: str, at: dt.datetime, due_at: dt.datetime) -> bool:
    """Record that the clock turned at risk (or breached) at `at`, once: the conditional UPDATE lets
    only one of two concurrent workers write the moment, and only that one writes the event."""
    field = "at_risk_reached_at" if trigger == EscalationTrigger.AT_RISK else "breached_at"
    if not SlaClock.objects.filter(pk=clock.pk, **{f"{field}__isnull": True}).update(**{field: at}):
        return False
    setattr(clock, field, at)
    if trigger == EscalationTrigger.AT_RISK:
        events.sla_at_risk(case, at, clock_id=clock.pk, metric=clock.metric, due_at=due_at)
    else:
        events.sla_breached(case, at, clock_id=clock.pk, metric=clock.metric, due_at=due_at)
    # A clock that already stopped (met late) has nobody left to chase.
    active = clock.state in (ClockState.RUNNING, ClockState.PAUSED)
    if active and clock.policy_id is not None and _escalations_exist(clock.policy_id, trigger, clock.metric):
        work_schedule(
            ESCALATE_KIND,
            {"clock_id": clock.pk, "trigger": trigger},
            dedupe_key=f"{ESCALATE_KIND}:{clock.pk}:{trigger}",
        )
    return True


def _note_policy(
    case: Case, timeline: Sequence[TimelineEvent], policy: PolicyRule | None, since: Any
) -> None:
    """Write sla_applied when the policy in force differs from the last one the timeline names."""
    applied = [event for event in timeline if event.kind == EventKind.SLA_APPLIED]
    last = applied[-1].data.get("policy") if applied else None
    current = policy.pk if policy is not None else None
    if current == last or (not applied and policy is None):
        return
    events.sla_applied(
        case,
        since,
        policy_id=current,
        policy_name=policy.policy.name if policy is not None else "",
    )


@transaction.atomic
def sla_case_refresh(
    *, case_id: int, now: dt.datetime | None = None, rules: Sequence[PolicyRule] | None = None
) -> list[SlaClock]:
    """Recompute every clock of the case from its timeline and record the at-risk and breach
    moments that have passed; return the case's clocks."""
    now = now or timezone.now()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "product")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return []
    timeline = _timeline(case_id)
    result = replay(
        [e for e in timeline if e.kind != EventKind.SLA_APPLIED],
        facts_now=case_match_facts(case),
        rules=sla_policies_active() if rules is None else rules,
    )
    existing = {(clock.metric, clock.cycle): clock for clock in SlaClock.objects.filter(case_id=case_id)}
    if result is None:
        return list(existing.values())
    _note_policy(case, timeline, result.policy, result.policy_since)

    clocks: list[SlaClock] = []
    for row in figures(result):
        clock = existing.pop(row.key, None)
        at_risk_due = (
            (clock is None or clock.at_risk_reached_at is None)
            and row.at_risk_crossed is not None
            and row.at_risk_crossed <= now
        )
        breach_due = (
            (clock is None or clock.breached_at is None)
            and row.breach_crossed is not None
            and row.breach_crossed <= now
        )
        values = _values(
            row,
            next_check(
                row,
                at_risk_recorded=at_risk_due or (clock is not None and clock.at_risk_reached_at is not None),
                breach_recorded=breach_due or (clock is not None and clock.breached_at is not None),
            ),
        )
        if clock is None:
            clock = SlaClock.objects.create(case=case, metric=row.metric, cycle=row.cycle, **values)
        else:
            changed = [name for name in _FIGURE_FIELDS if getattr(clock, name) != values[name]]
            if changed:
                for name in changed:
                    setattr(clock, name, values[name])
                clock.save(update_fields=[*changed, "updated_at"])
        if at_risk_due and row.at_risk_crossed is not None:
            due = row.due_projected or row.at_risk_crossed
            _record_crossing(case, clock, EscalationTrigger.AT_RISK, row.at_risk_crossed, due)
        if breach_due and row.breach_crossed is not None:
            _record_crossing(case, clock, EscalationTrigger.BREACHED, row.breach_crossed, row.breach_crossed)
        clocks.append(clock)

    # Clocks the timeline no longer backs (the policy in force dropped that target, or none applies).
    for clock in existing.values():
        if clock.state != ClockState.CANCELLED or clock.next_check_at is not None:
            clock.state = ClockState.CANCELLED
            clock.next_check_at = None
            clock.save(update_fields=["state", "next_check_at", "updated_at"])
        clocks.append(clock)
    return clocks


# --- the periodic check ---------------------------------------------------------------------------


def sla_check_once(now: dt.datetime | None = None, *, limit: int | None = None) -> int:
    """Refresh the cases whose clocks turn at risk or breached by `now` (recording those moments
    exactly when they happened); return how many cases were refreshed."""
    now = now or timezone.now()
    due = sla_clocks_due(until=now, **({"limit": limit} if limit else {}))
    case_ids = list(dict.fromkeys(case_id for _clock_id, case_id in due))
    if not case_ids:
        return 0
    rules = sla_policies_active()
    done = 0
    for case_id in case_ids:
        try:
            sla_case_refresh(case_id=case_id, now=now, rules=rules)
        except Exception:
            # One case that cannot be measured (a calendar never open) must not hold up the others.
            logger.exception("SLA check of case %s failed", case_id)
            continue
        done += 1
    return done


# --- policy order ---------------------------------------------------------------------------------


@transaction.atomic
def sla_policy_reorder(*, actor: User | None, ordered_ids: Sequence[int]) -> list[SlaPolicy]:
    """Put the policies in this order (the first that matches a case wins); those left out follow."""
    require_manager(actor)
    policies = list(SlaPolicy.objects.select_for_update().order_by("position", "id"))
    by_id = {policy.pk: policy for policy in policies}
    if len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationFailed(_("Each policy can appear only once."), code=SlaError.POLICY_ORDER)
    if any(pk not in by_id for pk in ordered_ids):
        raise NotFound(_("No such SLA policy."))
    chosen = set(ordered_ids)
    ordered = [by_id[pk] for pk in ordered_ids] + [p for p in policies if p.pk not in chosen]
    now = timezone.now()
    for position, policy in enumerate(ordered):
        if policy.position != position:
            old = policy.position
            policy.position = position
            policy.updated_at = now
            policy.save(update_fields=["position", "updated_at"])
            audit_record(
                actor=actor,
                action="sla_policy.reorder",
                obj=policy,
                before={"position": old},
                after={"position": position},
            )
    return ordered


def sla_policy_move(*, actor: User | None, policy_id: int, direction: str) -> list[SlaPolicy]:
    """Move one policy a place up (tried earlier) or down (tried later)."""
    require_manager(actor)
    ids = list(SlaPolicy.objects.order_by("position", "id").values_list("pk", flat=True))
    if policy_id not in ids:
        raise NotFound(_("No such SLA policy."))
    if direction not in ("up", "down"):
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"direction": [_("Choose up or down.")]}
        )
    index = ids.index(policy_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return sla_policy_reorder(actor=actor, ordered_ids=ids)
