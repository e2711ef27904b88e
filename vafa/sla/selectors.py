"""Reads of the SLA app: which policy a case falls under, its clocks as people read them, the due
clocks the periodic check takes, and compliance counted in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vafa.core.businesstime import Schedule, business_minutes_between
from vafa.core.errors import ValidationFailed
from vafa.service.models import Case, CaseKind, Channel
from vafa.sla.calendars import schedule_for
from vafa.sla.models import ClockState, Metric, SlaClock, SlaPolicy

DUE_BATCH = 500
ALWAYS = Schedule.always("UTC")


class ViewState:
    """What a clock means to the agent reading it (not stored: it depends on the time of reading)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MET_LATE = "met_late"


VIEW_STATE_LABELS = {
    ViewState.ON_TRACK: _("On track"),
    ViewState.AT_RISK: _("At risk"),
    ViewState.BREACHED: _("Breached"),
    ViewState.PAUSED: _("Paused"),
    ViewState.MET: _("Met"),
    ViewState.MET_LATE: _("Met late"),
}


# --- policies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchFacts:
    """The fields of a case that policies match on, as they were at one moment."""

    priority: str
    kind: str
    channel: str
    tier: str
    organisation_id: int | None
    category_id: int | None


@dataclass(frozen=True)
class PolicyRule:
    """An active policy with its many-to-many conditions loaded, ready to test cases against."""

    policy: SlaPolicy
    organisation_ids: frozenset[int]
    category_ids: frozenset[int]
    # (trigger, metric) of the policy's escalations; metric "" stands for every target.
    escalations: frozenset[tuple[str, str]] = frozenset()

    @property
    def pk(self) -> int:
        return int(self.policy.pk)

    def matches(self, facts: MatchFacts) -> bool:
        """Every condition that is set must hold; an empty condition matches anything."""
        policy = self.policy
        return (
            (not policy.priorities or facts.priority in policy.priorities)
            and (not policy.customer_tiers or facts.tier in policy.customer_tiers)
            and (not policy.kinds or facts.kind in policy.kinds)
            and (not policy.channels or facts.channel in policy.channels)
            and (not self.organisation_ids or facts.organisation_id in self.organisation_ids)
            and (not self.category_ids or facts.category_id in self.category_ids)
        )

    def escalates(self, trigger: str, metric: str) -> bool:
        return (trigger, metric) in self.escalations or (trigger, "") in self.escalations

    def target(self, metric: str) -> int | None:
        return {
            Metric.FIRST_RESPONSE: self.policy.first_response_minutes,
            Metric.NEXT_RESPONSE: self.policy.next_response_minutes,
            Metric.RESOLUTION: self.policy.resolution_minutes,
        }[Metric(metric)]

    @property
    def pause_statuses(self) -> frozenset[str]:
        return frozenset(self.policy.pause_statuses or ())

    @property
    def schedule(self) -> Schedule:
        return schedule_for(self.policy.calendar)


def sla_policy_list() -> QuerySet[SlaPolicy]:
    """Every policy (active or not) in the order they are tried, with its calendar."""
    return SlaPolicy.objects.select_related("calendar").order_by("position", "id")


def sla_policies_active() -> list[PolicyRule]:
    """The active policies in the order they are tried, with their conditions and escalations
    (four queries)."""
    policies = list(
        sla_policy_list()
        .filter(is_active=True)
        .prefetch_related("organisations", "product_categories", "escalations")
    )
    return [
        PolicyRule(
            policy=policy,
            organisation_ids=frozenset(o.pk for o in policy.organisations.all()),
            category_ids=frozenset(c.pk for c in policy.product_categories.all()),
            escalations=frozenset((e.trigger, e.metric) for e in policy.escalations.all()),
        )
        for policy in policies
    ]


def policy_first_match(rules: Sequence[PolicyRule], facts: MatchFacts) -> PolicyRule | None:
    return next((rule for rule in rules if rule.matches(facts)), None)


def case_match_facts(case: Case) -> MatchFacts:
    """The case's matching fields as they are now."""
    return MatchFacts(
        priority=case.priority,
        kind=case.kind,
        channel=case.channel,
        tier=case.customer.tier,
        organisation_id=case.organisation_id,
        category_id=case.product.category_id if case.product is not None else None,
    )


def sla_policy_match(case: Case) -> SlaPolicy | None:
    """The first active policy, in the managers' order, whose every set condition the case meets."""
    rule = policy_first_match(sla_policies_active(), case_match_facts(case))
    return rule.policy if rule is not None else None


# --- clocks as people read them -------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    """One target of a case for the desk and the API: its state now and the business time left."""

    clock_id: int
    metric: str
    label: str
    cycle: int
    state: str
    due_at: dt.datetime | None
    at_risk_at: dt.datetime | None
    stopped_at: dt.datetime | None
    target_minutes: int
    # Business minutes to the due time (negative: overdue by that much); for a paused clock, what
    # is left of the target. None once the clock has stopped.
    minutes_left: int | None
    policy_name: str

    @property
    def state_label(self) -> str:
        return str(VIEW_STATE_LABELS[self.state])

    @property
    def running(self) -> bool:
        return self.state in (ViewState.ON_TRACK, ViewState.AT_RISK, ViewState.BREACHED)


def clock_view_state(clock: SlaClock, now: dt.datetime) -> str:
    if clock.state == ClockState.RUNNING:
        if clock.breached_at is not None or (clock.due_at is not None and clock.due_at <= now):
            return ViewState.BREACHED
        if clock.at_risk_reached_at is not None or (clock.at_risk_at is not None and clock.at_risk_at <= now):
            return ViewState.AT_RISK
        return ViewState.ON_TRACK
    if clock.state == ClockState.PAUSED:
        return ViewState.PAUSED
    late = clock.breached_at is not None or clock.used_seconds > clock.target_minutes * 60
    return ViewState.MET_LATE if late else ViewState.MET


def _minutes_left(clock: SlaClock, schedule: Schedule, now: dt.datetime) -> int | None:
    if clock.state == ClockState.PAUSED:
        return int((clock.target_minutes * 60 - clock.used_seconds) // 60)
    if clock.state != ClockState.RUNNING or clock.due_at is None:
        return None
    if clock.due_at >= now:
        return int(business_minutes_between(schedule, now, clock.due_at))
    return -int(business_minutes_between(schedule, clock.due_at, now))


def clock_view(clock: SlaClock, now: dt.datetime) -> ClockView:
    """A clock (with its policy and calendar loaded) as the desk shows it at `now`."""
    policy = clock.policy
    # A clock whose policy was deleted keeps its figures; the time left is then plain time.
    schedule = schedule_for(policy.calendar) if policy is not None else ALWAYS
    return ClockView(
        clock_id=clock.pk,
        metric=clock.metric,
        label=str(Metric(clock.metric).label),
        cycle=clock.cycle,
        state=clock_view_state(clock, now),
        due_at=clock.due_at,
        at_risk_at=clock.at_risk_at,
        stopped_at=clock.stopped_at,
        target_minutes=clock.target_minutes,
        minutes_left=_minutes_left(clock, schedule, now),
        policy_name=policy.name if policy is not None else "",
    )


_METRIC_ORDER = {Metric.FIRST_RESPONSE: 0, Metric.NEXT_RESPONSE: 1, Metric.RESOLUTION: 2}


def case_clocks(case: Case, *, now: dt.datetime | None = None) -> list[ClockView]:
    """The case's clocks that measure something (cancelled ones left out): first response, the
    latest next response, resolution; one query."""
    now = now or timezone.now()
    clocks = list(
        SlaClock.objects.filter(case_id=case.pk)
        .exclude(state=ClockState.CANCELLED)
        .select_related("policy__calendar")
        .order_by("metric", "-cycle")
    )
    latest: dict[str, SlaClock] = {}
    for clock in clocks:
        latest.setdefault(clock.metric, clock)
    shown = sorted(latest.values(), key=lambda c: _METRIC_ORDER[Metric(c.metric)])
    return [clock_view(clock, now) for clock in shown]


def case_sla_policy_name(clocks: Sequence[ClockView]) -> str:
    """The policy the case is measured by now (the one of its running or latest clock)."""
    for view in clocks:
        if view.running or view.state == ViewState.PAUSED:
            return view.policy_name
    return clocks[-1].policy_name if clocks else ""


def cases_nearest_clock(case_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, ClockView]:
    """For each case, its running clock due first (for list badges); one query for all the cases."""
    now = now or timezone.now()
    ids = list(case_ids)
    if not ids:
        return {}
    nearest: dict[int, ClockView] = {}
    running = (
        SlaClock.objects.filter(case_id__in=ids, state=ClockState.RUNNING)
        .select_related("policy__calendar")
        .order_by("due_at", "id")
    )
    for clock in running:
        if clock.case_id not in nearest:
            nearest[clock.case_id] = clock_view(clock, now)
    return nearest


# --- the periodic check ---------------------------------------------------------------------------


def sla_clocks_due_query(*, until: dt.datetime, limit: int = DUE_BATCH) -> QuerySet[SlaClock]:
    """Clocks that turn at risk or breached by `until`, soonest first: a range scan of the
    next_check_at index, never a scan of the table."""
    return SlaClock.objects.filter(next_check_at__lte=until).order_by("next_check_at")[:limit]


def sla_clocks_due(*, until: dt.datetime, limit: int = DUE_BATCH) -> list[tuple[int, int]]:
    """(clock id, case id) of the clocks due by `until`, soonest first (one indexed query)."""
    return list(sla_clocks_due_query(until=until, limit=limit).values_list("pk", "case_id"))


# --- compliance -----------------------------------------------------------------------------------

GROUPS: dict[str, tuple[str, str | None]] = {
    # group_by → (the column grouped on, the column holding its name)
    "policy": ("policy_id", "policy__name"),
    "team": ("case__team_id", "case__team__name"),
    "agent": ("case__assignee_id", "case__assignee__full_name"),
    "channel": ("case__channel", None),
    "kind": ("case__kind", None),
}
GROUP_LABELS = {
    "policy": pgettext_lazy("SLA", "Policy"),
    "team": _("Team"),
    "agent": _("Agent"),
    "channel": _("Channel"),
    "kind": _("Kind"),
}


@dataclass(frozen=True)
class ComplianceRow:
    """One group's clocks over the period: met on time, breached, still running, and the share kept."""

    key: Any
    label: str
    met: int
    breached: int
    pending: int
    # Met on time out of those decided (met or breached), in percent with one decimal; None when
    # nothing was decided yet.
    compliance: Decimal | None

    @property
    def total(self) -> int:
        return self.met + self.breached + self.pending


def _compliance_percent(met: int, breached: int) -> Decimal | None:
    decided = met + breached
    if not decided:
        return None
    return (Decimal(met) * 100 / Decimal(decided)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _label(group_by: str, key: Any, name: Any) -> str:
    if group_by == "channel":
        return str(Channel(key).label) if key in Channel.values else str(key)
    if group_by == "kind":
        return str(CaseKind(key).label) if key in CaseKind.values else str(key)
    if key is None:
        return str(
            {"policy": _("No policy"), "team": _("No team"), "agent": _("Unassigned")}.get(group_by, "—")
        )
    return str(name or key)


def sla_compliance(
    *, since: dt.datetime, until: dt.datetime, group_by: str = "policy", metric: str | None = None
) -> list[ComplianceRow]:
    """Clocks started in [since, until), grouped, counted in one SQL query: met on time, breached
    (at any point, even if later met), pending (running or paused, not breached). Cancelled clocks
    (a merged case, a target the policy dropped) are left out."""
    if group_by not in GROUPS:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"group_by": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(GROUPS)}]},
        )
    if metric is not None and metric not in Metric.values:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"metric": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Metric.values)}]},
        )
    column, name_column = GROUPS[group_by]
    clocks = SlaClock.objects.filter(started_at__gte=since, started_at__lt=until).exclude(
        state=ClockState.CANCELLED
    )
    if metric:
        clocks = clocks.filter(metric=metric)
    columns = [column] + ([name_column] if name_column else [])
    rows = (
        clocks.order_by()
        .values(*columns)
        .annotate(
            met=Count("pk", filter=Q(state=ClockState.MET, breached_at__isnull=True)),
            breached=Count("pk", filter=Q(breached_at__isnull=False)),
            pending=Count(
                "pk", filter=Q(state__in=[ClockState.RUNNING, ClockState.PAUSED], breached_at__isnull=True)
            ),
        )
    )
    result = [
        ComplianceRow(
            key=row[column],
            label=_label(group_by, row[column], row.get(name_column) if name_column else None),
            met=row["met"],
            breached=row["breached"],
            pending=row["pending"],
            compliance=_compliance_percent(row["met"], row["breached"]),
        )
        for row in rows
    ]
    result.sort(key=lambda r: (r.label.casefold(), str(r.key)))
    return result


def compliance_total(rows: Sequence[ComplianceRow]) -> ComplianceRow:
    """The sum of the rows (every group together)."""
    met = sum(r.met for r in rows)
    breached = sum(r.breached for r in rows)
    pending = sum(r.pending for r in rows)
    return ComplianceRow(
        key="all",
        label=str(_("All")),
        met=met,
        breached=breached,
        pending=pending,
        compliance=_compliance_percent(met, breached),
    )
