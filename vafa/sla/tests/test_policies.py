"""Which policy a case falls under: the first active one whose conditions all hold, in the order a
manager sets; and a case that changes priority or kind is matched again."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory
from vafa.core.errors import Forbidden, NotFound, ValidationFailed
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.service.models import CaseEvent
from vafa.service.services import case_set_priority, case_update
from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import SlaClock, SlaPolicy
from vafa.sla.selectors import sla_policy_match
from vafa.sla.services import sla_policy_move, sla_policy_reorder
from vafa.sla.tests.factories import SlaPolicyFactory, calendar_with_hours
from vafa.sla.tests.factories_sla import run_sla_work

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def always(db):
    return calendar_with_hours(name="Always", hours={day: [(dt.time(0), dt.time(0))] for day in range(7)})


@pytest.fixture
def policies(always):
    urgent = SlaPolicyFactory(
        name="Urgent", calendar=always, position=0, priorities=["urgent"], resolution_minutes=120
    )
    complaints = SlaPolicyFactory(
        name="Complaints", calendar=always, position=1, kinds=["complaint"], resolution_minutes=240
    )
    anything = SlaPolicyFactory(name="Everything else", calendar=always, position=2, resolution_minutes=600)
    return urgent, complaints, anything


def _names_in_order() -> list[str]:
    return list(SlaPolicy.objects.order_by("position", "id").values_list("name", flat=True))


def test_first_matching_policy_in_order_wins(policies, customer):
    urgent, complaints, anything = policies
    assert sla_policy_match(make_case(customer, priority="urgent", kind="complaint")) == urgent
    assert sla_policy_match(make_case(customer, priority="normal", kind="complaint")) == complaints
    assert sla_policy_match(make_case(customer, priority="normal", kind="question")) == anything


def test_every_set_condition_must_hold(always):
    gold_org = OrganisationFactory(name="Gold Org")
    phones = CategoryFactory(code="phones", name="Phones")
    strict = SlaPolicyFactory(
        name="Gold phones by e-mail",
        calendar=always,
        position=0,
        customer_tiers=["gold"],
        channels=["email"],
    )
    strict.organisations.add(gold_org)
    strict.product_categories.add(phones)
    fallback = SlaPolicyFactory(name="Fallback", calendar=always, position=1)
    phone = ProductFactory(category=phones)
    gold = CustomerFactory(tier="gold", organisation=gold_org)
    standard = CustomerFactory(tier="standard", organisation=gold_org)
    assert sla_policy_match(make_case(gold, product=phone, channel="email")) == strict
    assert sla_policy_match(make_case(gold, product=phone, channel="phone")) == fallback
    assert sla_policy_match(make_case(standard, product=phone, channel="email")) == fallback
    assert sla_policy_match(make_case(gold, product=ProductFactory(), channel="email")) == fallback
    assert (
        sla_policy_match(make_case(CustomerFactory(tier="gold"), product=phone, channel="email")) == fallback
    )


def test_inactive_policies_are_skipped_and_no_match_means_no_clocks(always, customer, time_machine):
    SlaPolicyFactory(name="Off", calendar=always, is_active=False)
    time_machine.move_to(T0, tick=False)
    case = make_case(customer)
    assert sla_policy_match(case) is None
    run_sla_work()
    assert not SlaClock.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, kind="sla_applied").exists()


def test_manager_reorders_and_the_new_first_match_wins(policies, manager, customer):
    urgent, complaints, anything = policies
    sla_policy_reorder(actor=manager, ordered_ids=[complaints.pk, urgent.pk])
    assert _names_in_order() == ["Complaints", "Urgent", "Everything else"]
    assert sla_policy_match(make_case(customer, priority="urgent", kind="complaint")) == complaints
    assert sorted(
        AuditLog.objects.filter(action="sla_policy.reorder").values_list("object_id", "before", "after")
    ) == sorted(
        [
            (str(complaints.pk), {"position": 1}, {"position": 0}),
            (str(urgent.pk), {"position": 0}, {"position": 1}),
        ]
    )


def test_moving_a_policy_up_and_down(policies, admin_user):
    urgent, complaints, anything = policies
    sla_policy_move(actor=admin_user, policy_id=anything.pk, direction="up")
    assert _names_in_order() == ["Urgent", "Everything else", "Complaints"]
    sla_policy_move(actor=admin_user, policy_id=urgent.pk, direction="up")  # already first
    assert _names_in_order() == ["Urgent", "Everything else", "Complaints"]
    sla_policy_move(actor=admin_user, policy_id=urgent.pk, direction="down")
    assert _names_in_order() == ["Everything else", "Urgent", "Complaints"]


def test_agent_may_not_reorder_and_nothing_changes(policies, agent):
    urgent, complaints, anything = policies
    with pytest.raises(Forbidden):
        sla_policy_reorder(actor=agent, ordered_ids=[anything.pk, complaints.pk, urgent.pk])
    with pytest.raises(Forbidden):
        sla_policy_move(actor=agent, policy_id=anything.pk, direction="up")
    assert _names_in_order() == ["Urgent", "Complaints", "Everything else"]
    assert not AuditLog.objects.filter(action="sla_policy.reorder").exists()


def test_reorder_refuses_unknown_and_repeated_ids(policies, manager):
    urgent, complaints, anything = policies
    with pytest.raises(NotFound):
        sla_policy_reorder(actor=manager, ordered_ids=[urgent.pk, 999_999])
    with pytest.raises(ValidationFailed):
        sla_policy_reorder(actor=manager, ordered_ids=[urgent.pk, urgent.pk])
    assert _names_in_order() == ["Urgent", "Complaints", "Everything else"]


def _applied(case) -> list[tuple[dt.datetime, str]]:
    return [
        (e.created_at, e.data["policy_name"])
        for e in CaseEvent.objects.filter(case=case, kind="sla_applied").order_by("created_at", "id")
    ]


def test_priority_change_matches_again_keeping_start_times(policies, agent, customer, time_machine):
    # Given a normal question under "Everything else" (resolution 600 min, due at 19:00)
    time_machine.move_to(T0, tick=False)
    case = make_case(customer, priority="normal", kind="question")
    run_sla_work()
    resolution = SlaClock.objects.get(case=case, metric="resolution")
    assert (resolution.policy.name, resolution.due_at) == ("Everything else", T0 + dt.timedelta(minutes=600))
    # When it turns urgent 30 minutes in
    time_machine.move_to(T0 + dt.timedelta(minutes=30), tick=False)
    case_set_priority(actor=agent, case=case, priority="urgent")
    run_sla_work()
    # Then "Urgent" applies from then on, and its 120 minutes count from the opening
    resolution.refresh_from_db()
    assert (resolution.policy.name, resolution.started_at, resolution.due_at, resolution.target_minutes) == (
        "Urgent",
        T0,
        T0 + dt.timedelta(minutes=120),
        120,
    )
    assert _applied(case) == [(T0, "Everything else"), (T0 + dt.timedelta(minutes=30), "Urgent")]
    # Refreshing again records nothing new
    run_sla_work()
    from vafa.sla.services import sla_case_refresh

    sla_case_refresh(case_id=case.pk)
    assert len(_applied(case)) == 2


def test_kind_change_matches_again_and_a_round_trip_before_the_refresh_records_nothing(
    policies, agent, customer, time_machine
):
    time_machine.move_to(T0, tick=False)
    case = make_case(customer, priority="normal", kind="question")
    run_sla_work()
    time_machine.move_to(T0 + dt.timedelta(minutes=5), tick=False)
    case_update(actor=agent, case=case, kind="complaint")
    run_sla_work()
    assert _applied(case)[-1] == (T0 + dt.timedelta(minutes=5), "Complaints")
    # Urgent and back to normal before any refresh ran: the policy in force did not change.
    time_machine.move_to(T0 + dt.timedelta(minutes=6), tick=False)
    case_set_priority(actor=agent, case=case, priority="urgent")
    case_set_priority(actor=agent, case=case, priority="normal")
    run_sla_work()
    assert [name for _at, name in _applied(case)] == ["Everything else", "Complaints"]
    resolution = SlaClock.objects.get(case=case, metric="resolution")
    assert (resolution.policy.name, resolution.due_at) == ("Complaints", T0 + dt.timedelta(minutes=240))
