"""Compliance: met on time, breached and pending clocks per policy, team, agent, channel and kind,
counted in one SQL query whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vafa.core.errors import ValidationFailed
from vafa.service.tests.factories import make_case
from vafa.sla.models import ClockState, Metric, SlaClock
from vafa.sla.selectors import compliance_total, sla_compliance
from vafa.sla.tests.factories import SlaPolicyFactory

SINCE = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
INSIDE = dt.datetime(2025, 11, 10, 9, 0, tzinfo=dt.UTC)


def _clock(case, policy, metric, state, *, breached=False, started=INSIDE):
    due = started + dt.timedelta(hours=1)
    return SlaClock.objects.create(
        case=case,
        policy=policy,
        metric=metric,
        state=state,
        target_minutes=60,
        started_at=started,
        due_at=due,
        breached_at=due if breached else None,
        used_seconds=4000 if breached else 1200,
    )


@pytest.fixture
def world(db, team, other_team, agent, other_agent, customer):
    a = SlaPolicyFactory(name="Alpha")
    b = SlaPolicyFactory(name="Beta")
    one = make_case(customer, team=team, assignee=agent, channel="email", kind="problem")
    two = make_case(customer, team=other_team, assignee=other_agent, channel="phone", kind="complaint")
    three = make_case(customer, channel="email", kind="problem")
    old = make_case(customer, team=team, channel="email", kind="problem")
    _clock(one, a, Metric.FIRST_RESPONSE, ClockState.MET)
    _clock(one, a, Metric.RESOLUTION, ClockState.RUNNING, breached=True)
    _clock(two, b, Metric.FIRST_RESPONSE, ClockState.MET, breached=True)
    _clock(two, b, Metric.RESOLUTION, ClockState.RUNNING)
    _clock(three, a, Metric.FIRST_RESPONSE, ClockState.CANCELLED)
    _clock(three, a, Metric.RESOLUTION, ClockState.MET)
    _clock(old, a, Metric.RESOLUTION, ClockState.MET, breached=True, started=SINCE - dt.timedelta(minutes=1))
    return a, b


def rows(group_by, metric=None):
    return [
        (r.label, r.met, r.breached, r.pending, r.compliance)
        for r in sla_compliance(since=SINCE, until=UNTIL, group_by=group_by, metric=metric)
    ]


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("policy", [("Alpha", 2, 1, 0, Decimal("66.7")), ("Beta", 0, 1, 1, Decimal("0.0"))]),
        (
            "team",
            [
                ("Appliances", 0, 1, 1, Decimal("0.0")),
                ("No team", 1, 0, 0, Decimal("100.0")),
                ("Phones", 1, 1, 0, Decimal("50.0")),
            ],
        ),
        (
            "agent",
            [
                ("Arash Agent", 1, 1, 0, Decimal("50.0")),
                ("Olga Agent", 0, 1, 1, Decimal("0.0")),
                ("Unassigned", 1, 0, 0, Decimal("100.0")),
            ],
        ),
        ("channel", [("E-mail", 2, 1, 0, Decimal("66.7")), ("Phone", 0, 1, 1, Decimal("0.0"))]),
        ("kind", [("Complaint", 0, 1, 1, Decimal("0.0")), ("Problem", 2, 1, 0, Decimal("66.7"))]),
    ],
)
def test_compliance_by_each_grouping_in_one_query(world, group_by, expected, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rows(group_by) == expected


def test_one_metric_only(world):
    assert rows("policy", Metric.FIRST_RESPONSE) == [
        ("Alpha", 1, 0, 0, Decimal("100.0")),
        ("Beta", 0, 1, 0, Decimal("0.0")),
    ]


def test_total_and_a_group_with_nothing_decided(world):
    total = compliance_total(sla_compliance(since=SINCE, until=UNTIL, group_by="policy"))
    assert (total.met, total.breached, total.pending, total.compliance) == (2, 2, 1, Decimal("50.0"))
    only_pending = sla_compliance(since=INSIDE + dt.timedelta(minutes=1), until=UNTIL, group_by="policy")
    assert only_pending == []


def test_the_query_count_does_not_grow_with_the_rows(world, customer, django_assert_num_queries):
    alpha, _beta = world
    for _ in range(20):
        _clock(make_case(customer), alpha, Metric.RESOLUTION, ClockState.MET)
    with django_assert_num_queries(1):
        assert rows("policy")[0] == ("Alpha", 22, 1, 0, Decimal("95.7"))


def test_unknown_grouping_or_metric_is_refused(db):
    with pytest.raises(ValidationFailed):
        sla_compliance(since=SINCE, until=UNTIL, group_by="customer")
    with pytest.raises(ValidationFailed):
        sla_compliance(since=SINCE, until=UNTIL, group_by="policy", metric="lunch")
