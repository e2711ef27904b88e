"""Writes of the SLA app: refreshing a case's clocks from its timeline, the periodic check that
records at-risk and breach moments, and the order managers put the policies in."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from vafa.sla.models import ClockState, EscalationTrigger, SlaClock, SlaPolicy
from vafa.sla.selectors import PolicyRule, case_match_facts, sla_clocks_due, sla_policies_active

logger = logging.getLogger(__name__)

ESCALATE_KIND = "sla.escalate"
CHECK_CHUNK = 100
# The fields the replay owns; at_risk_reached_at and breached_at are written only by the guarded
# updates in `_write`, so two workers never both record a moment.
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


@dataclass
class _Loaded:
    """What a refresh reads of one case: the case (locked), its timeline, its clocks."""

    case: Case
    timeline: list[TimelineEvent] = field(default_factory=list)
    clocks: dict[tuple[str, int], SlaClock] = field(default_factory=dict)


def _load(case_ids: Sequence[int]) -> dict[int, _Loaded]:
    """Lock the cases (in id order) and read their timelines and clocks: three queries however many."""
    cases = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "product")
        .filter(pk__in=list(case_ids))
        .order_by("pk")
    )
    loaded = {case.pk: _Loaded(case=case) for case in cases}
    if not loaded:
        return loaded
    rows = (
        CaseEvent.objects.filter(case_id__in=list(loaded), kind__in=[*REPLAYED_KINDS, EventKind.SLA_APPLIED])
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "kind", "created_at", "data", "actor_kind")
    )
    for case_id, kind, at, data, actor_kind in rows:
        loaded[case_id].timeline.append(
            TimelineEvent(kind=kind, at=at, data=data or {}, actor_kind=actor_kind)
        )
    for clock in SlaClock.objects.filter(case_id__in=list(loaded)):
        loaded[clock.case_id].clocks[(clock.metric, clock.cycle)] = clock
    return loaded


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


def _announce(
    case: Case, clock: SlaClock, field: str, at: dt.datetime, due: dt.datetime, rule: PolicyRule
) -> None:
    """Write the at-risk or breach event of a moment just claimed, and schedule the escalations."""
    if field == "at_risk_reached_at":
        trigger = EscalationTrigger.AT_RISK
        events.sla_at_risk(case, at, clock_id=clock.pk, metric=clock.metric, due_at=due)
    else:
        trigger = EscalationTrigger.BREACHED
        events.sla_breached(case, at, clock_id=clock.pk, metric=clock.metric, due_at=due)
    # A clock that already stopped (met late) has nobody left to chase.
    if clock.state in (ClockState.RUNNING, ClockState.PAUSED) and rule.escalates(trigger, clock.metric):
        work_schedule(
            ESCALATE_KIND,
            {"clock_id": clock.pk, "trigger": trigger},
            dedupe_key=f"{ESCALATE_KIND}:{clock.pk}:{trigger}",
        )


def _write(
    case: Case,
    clock: SlaClock | None,
    row: ClockFigures,
    values: dict[str, Any],
    moments: dict[str, dt.datetime],
) -> tuple[SlaClock, list[str]]:
    """Create or update the clock's row and claim its passed moments; return it and the moments
    this call recorded (those another worker recorded first are left to it)."""
    if clock is None:
        # A new row: nobody can have recorded its moments yet (the case row is locked meanwhile).
        created = SlaClock.objects.create(case=case, metric=row.metric, cycle=row.cycle, **values, **moments)
        return created, list(moments)
    changed = {name: values[name] for name in _FIGURE_FIELDS if getattr(clock, name) != values[name]}
    claimed: list[str] = []
    now = timezone.now()
    if moments:
        # One conditional UPDATE writes the figures and claims the moments (WHERE … IS NULL): of two
        # workers, only one matches. If it matches nothing, the moments are claimed one by one.
        guard = {f"{name}__isnull": True for name in moments}
        if SlaClock.objects.filter(pk=clock.pk, **guard).update(**changed, **moments, updated_at=now):
            claimed = list(moments)
        else:
            if changed:
                SlaClock.objects.filter(pk=clock.pk).update(**changed, updated_at=now)
            claimed = [
                name
                for name, at in moments.items()
                if SlaClock.objects.filter(pk=clock.pk, **{f"{name}__isnull": True}).update(**{name: at})
            ]
    elif changed:
        SlaClock.objects.filter(pk=clock.pk).update(**changed, updated_at=now)
    for name, value in changed.items():
        setattr(clock, name, value)
    for name in claimed:
        setattr(clock, name, moments[name])
    return clock, claimed


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
    loaded = _load([case_id]).get(case_id)
    if loaded is None:
        return []
    return _refresh(
        loaded, now=now or timezone.now(), rules=sla_policies_active() if rules is None else rules
    )


def _refresh(loaded: _Loaded, *, now: dt.datetime, rules: Sequence[PolicyRule]) -> list[SlaClock]:
    case, timeline, existing = loaded.case, loaded.timeline, dict(loaded.clocks)
    result = replay(
        [e for e in timeline if e.kind != EventKind.SLA_APPLIED],
        facts_now=case_match_facts(case),
        rules=rules,
    )
    if result is None:
        return list(existing.values())
    _note_policy(case, timeline, result.policy, result.policy_since)

    clocks: list[SlaClock] = []
    for row in figures(result):
        clock = existing.pop(row.key, None)
        # The moments that have passed and are not on record yet.
        moments: dict[str, dt.datetime] = {}
        for name, at in (("at_risk_reached_at", row.at_risk_crossed), ("breached_at", row.breach_crossed)):
            if at is not None and at <= now and (clock is None or getattr(clock, name) is None):
                moments[name] = at
        values = _values(
            row,
            next_check(
                row,
                at_risk_recorded="at_risk_reached_at" in moments
                or (clock is not None and clock.at_risk_reached_at is not None),
                breach_recorded="breached_at" in moments
                or (clock is not None and clock.breached_at is not None),
            ),
        )
        clock, claimed = _write(case, clock, row, values, moments)
        for name in claimed:
            due = row.breach_crossed if name == "breached_at" else row.due_projected
            _announce(case, clock, name, moments[name], due or moments[name], row.policy)
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
    # A chunk of cases per transaction (one commit, three reads for all of them); each case in its
    # own savepoint, so one that cannot be measured (a calendar never open) rolls back alone.
    for start in range(0, len(case_ids), CHECK_CHUNK):
        with transaction.atomic():
            for case_id, loaded in _load(case_ids[start : start + CHECK_CHUNK]).items():
                try:
                    with transaction.atomic():
                        _refresh(loaded, now=now, rules=rules)
                except Exception:
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
