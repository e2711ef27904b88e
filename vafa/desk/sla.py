"""What the desk shows of service levels: the case card, the inbox badge, the compliance page and
the list of policies — texts in the viewer's language and digits, figures from vafa.sla.selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vafa.core.dates import to_local_digits
from vafa.customers.models import Tier
from vafa.service.models import CaseKind, Channel, Priority
from vafa.sla.models import Metric, SlaPolicy
from vafa.sla.selectors import (
    GROUP_LABELS,
    GROUPS,
    ClockView,
    ComplianceRow,
    ViewState,
    case_sla_policy_name,
    compliance_total,
    sla_compliance,
)

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
STATE_BADGES = {
    ViewState.ON_TRACK: "text-bg-success",
    ViewState.AT_RISK: "text-bg-warning",
    ViewState.BREACHED: "text-bg-danger",
    ViewState.PAUSED: "text-bg-secondary",
    ViewState.MET: "text-bg-light border",
    ViewState.MET_LATE: "text-bg-light border border-danger text-danger",
}
ALL_METRICS = gettext_lazy("All targets")


def business_span_text(minutes: int, language: str, *, native_digits: bool) -> str:
    """Business time as hours and minutes ("3 h 20 min", "45 min"): a business day is not 24 hours,
    so days are not used."""
    hours, mins = divmod(abs(minutes), 60)
    if hours:
        text = _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    else:
        text = _("%(minutes)d min") % {"minutes": mins}
    return to_local_digits(text, language, native_digits=native_digits)


def time_left_text(view: ClockView, language: str, *, native_digits: bool) -> str:
    """ "3 h 20 min left", "overdue by 45 min", "2 h left when it resumes"; empty once stopped."""
    if view.minutes_left is None:
        return ""
    span = business_span_text(view.minutes_left, language, native_digits=native_digits)
    if view.state == ViewState.PAUSED:
        return _("%(span)s left when it resumes") % {"span": span}
    if view.minutes_left < 0 or view.state == ViewState.BREACHED:
        return _("overdue by %(span)s") % {"span": span}
    return _("%(span)s left") % {"span": span}


@dataclass(frozen=True)
class ClockLine:
    """One target on the case card."""

    view: ClockView
    badge: str
    left: str


@dataclass(frozen=True)
class SlaCard:
    policy_name: str
    lines: list[ClockLine]


def sla_card(clocks: Sequence[ClockView], language: str, *, native_digits: bool) -> SlaCard | None:
    """The case page's "Service level" card; None when no policy measures the case."""
    if not clocks:
        return None
    return SlaCard(
        policy_name=case_sla_policy_name(clocks),
        lines=[
            ClockLine(
                view=view,
                badge=STATE_BADGES[view.state],
                left=time_left_text(view, language, native_digits=native_digits),
            )
            for view in clocks
        ],
    )


@dataclass(frozen=True)
class Badge:
    """The inbox's small SLA badge: the nearest running target's time left, or that it breached."""

    css: str
    text: str
    title: str


def inbox_badge(view: ClockView, language: str, *, native_digits: bool) -> Badge:
    if view.state == ViewState.BREACHED:
        text = _("Breached")
    else:
        text = business_span_text(view.minutes_left or 0, language, native_digits=native_digits)
    title = _("%(target)s: %(state)s") % {"target": view.label, "state": view.state_label}
    return Badge(css=STATE_BADGES[view.state], text=text, title=title)


# --- compliance -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceFilters:
    period: int
    group_by: str
    metric: str  # "" for every target


def parse_compliance_filters(
    *, period: str | None, group_by: str | None, metric: str | None
) -> ComplianceFilters:
    """The filters from the query string; anything unknown falls back to the default."""
    try:
        days = int(period or DEFAULT_PERIOD)
    except ValueError:
        days = DEFAULT_PERIOD
    return ComplianceFilters(
        period=days if days in PERIODS else DEFAULT_PERIOD,
        group_by=group_by if group_by in GROUPS else "policy",
        metric=metric if metric in Metric.values else "",
    )


@dataclass(frozen=True)
class CompliancePage:
    filters: ComplianceFilters
    since: dt.datetime
    until: dt.datetime
    rows: list[ComplianceRow]
    total: ComplianceRow
    group_label: str

    def chart_data(self, language: str, *, native_digits: bool) -> dict[str, Any]:
        """What the chart draws: the compliance column of the table, per group."""
        decided = [row for row in self.rows if row.compliance is not None]
        return {
            "locale": {"language": language, "native_digits": native_digits},
            "labels": [row.label for row in decided],
            "label": _("Met on time (%)"),
            "data": [float(row.compliance) for row in decided if row.compliance is not None],
        }


def compliance_page(*, filters: ComplianceFilters, now: dt.datetime | None = None) -> CompliancePage:
    """Compliance of the clocks started in the last `period` days, grouped as asked."""
    until = now or timezone.now()
    since = until - dt.timedelta(days=filters.period)
    rows = sla_compliance(since=since, until=until, group_by=filters.group_by, metric=filters.metric or None)
    return CompliancePage(
        filters=filters,
        since=since,
        until=until,
        rows=rows,
        total=compliance_total(rows),
        group_label=str(GROUP_LABELS[filters.group_by]),
    )


def grouping_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in GROUP_LABELS.items()]


def metric_choices() -> list[tuple[str, str]]:
    return [("", str(ALL_METRICS)), *((value, str(label)) for value, label in Metric.choices)]


# --- policies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyLine:
    """A policy as the list shows it: its conditions and its targets in business time."""

    policy: SlaPolicy
    conditions: list[str]
    targets: list[tuple[str, str]]


def _target_text(minutes: int | None, language: str, native_digits: bool) -> str:
    if not minutes:
        return "—"
    return business_span_text(minutes, language, native_digits=native_digits)


def policy_lines(policies: Sequence[SlaPolicy], language: str, *, native_digits: bool) -> list[PolicyLine]:
    """Policies (with organisations and product categories prefetched) as the list shows them."""

    def labels(values: Sequence[str], choices: Any) -> str:
        named = dict(choices)
        return ", ".join(str(named.get(value, value)) for value in values)

    lines = []
    for policy in policies:
        conditions = []
        if policy.priorities:
            conditions.append(
                _("Priority: %(values)s") % {"values": labels(policy.priorities, Priority.choices)}
            )
        if policy.customer_tiers:
            conditions.append(_("Tier: %(values)s") % {"values": labels(policy.customer_tiers, Tier.choices)})
        if policy.kinds:
            conditions.append(_("Kind: %(values)s") % {"values": labels(policy.kinds, CaseKind.choices)})
        if policy.channels:
            conditions.append(_("Channel: %(values)s") % {"values": labels(policy.channels, Channel.choices)})
        organisations = [o.name for o in policy.organisations.all()]
        if organisations:
            conditions.append(_("Organisation: %(values)s") % {"values": ", ".join(organisations)})
        categories = [c.name for c in policy.product_categories.all()]
        if categories:
            conditions.append(_("Product category: %(values)s") % {"values": ", ".join(categories)})
        lines.append(
            PolicyLine(
                policy=policy,
                conditions=conditions or [_("Every case")],
                targets=[
                    (
                        str(Metric.FIRST_RESPONSE.label),
                        _target_text(policy.first_response_minutes, language, native_digits),
                    ),
                    (
                        str(Metric.NEXT_RESPONSE.label),
                        _target_text(policy.next_response_minutes, language, native_digits),
                    ),
                    (
                        str(Metric.RESOLUTION.label),
                        _target_text(policy.resolution_minutes, language, native_digits),
                    ),
                ],
            )
        )
    return lines
