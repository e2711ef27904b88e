"""Escalations: who is told, what changes on the case, and that each happens once."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.accounts.models import Notification, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.core.models import PendingWork
from vafa.service.models import CaseEvent
from vafa.service.services import case_reply
from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import EscalationAction, EscalationTrigger, Metric
from vafa.sla.services import sla_check_once
from vafa.sla.tests.factories import SlaEscalationFactory, SlaPolicyFactory, calendar_with_hours
from vafa.sla.tests.factories_sla import run_sla_work

T0 = dt.datetime(2025, 11, 12, 6, 0, tzinfo=dt.UTC)  # Wednesday 09:30 in Tehran


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def policy(db):
    always = calendar_with_hours(name="Always", hours={day: [(dt.time(0), dt.time(0))] for day in range(7)})
    return SlaPolicyFactory(
        name="Gold",
        calendar=always,
        first_response_minutes=60,
        next_response_minutes=None,
        resolution_minutes=600,
        at_risk_percent=50,
    )


def escalate(policy, action, *, trigger=EscalationTrigger.BREACHED, metric="", team=None):
    return SlaEscalationFactory(policy=policy, trigger=trigger, action=action, metric=metric, team=team)


def open_and_breach_first_response(time_machine, customer, **fields):
    """A case opened at T0, checked 61 minutes later: its first response breached at T0 + 60."""
    time_machine.move_to(at(0), tick=False)
    case = make_case(customer, **fields)
    run_sla_work()
    time_machine.move_to(at(61), tick=False)
    sla_check_once(at(61))
    return case


def test_assignee_is_told_in_their_language_with_the_due_time_in_their_calendar(
    time_machine, policy, team, customer
):
    persian = UserFactory(role=Role.AGENT, language="fa", time_zone="Asia/Tehran", full_name="Parisa")
    team.members.add(persian)
    escalate(policy, EscalationAction.NOTIFY_ASSIGNEE)
    case = open_and_breach_first_response(
        time_machine, customer, team=team, assignee=persian, subject="No sound"
    )
    run_sla_work()
    notes = list(Notification.objects.filter(user=persian))
    # Due 07:00 UTC = 10:30 in Tehran on 21 Aban 1404.
    assert [(n.kind, n.body, n.url) for n in notes] == [
        ("sla_breached", "No sound — سررسید: 1404/08/21 10:30 (Gold).", f"/desk/cases/{case.number}/")
    ]


def test_team_lead_and_managers_are_told_once_each(time_machine, policy, team, agent, manager, customer):
    lead = UserFactory(role=Role.AGENT, full_name="Lena Lead")
    team.lead = lead
    team.save()
    second_manager = UserFactory(role=Role.MANAGER)
    UserFactory(role=Role.MANAGER, is_active=False)
    escalate(policy, EscalationAction.NOTIFY_TEAM_LEAD)
    escalate(policy, EscalationAction.NOTIFY_MANAGERS)
    # The same manager named twice (by two escalations) still gets one notification.
    escalate(policy, EscalationAction.NOTIFY_MANAGERS, metric=Metric.FIRST_RESPONSE)
    case = open_and_breach_first_response(time_machine, customer, team=team)
    run_sla_work()
    sla_check_once(at(62))
    run_sla_work()
    told = sorted(Notification.objects.values_list("user__email", "title"))
    title = f"{case.reference} missed its First response target"
    assert told == sorted([(lead.email, title), (manager.email, title), (second_manager.email, title)])


def test_raise_priority_one_step_as_the_system_marked_as_caused_by_the_clock(time_machine, policy, customer):
    escalate(policy, EscalationAction.RAISE_PRIORITY)
    case = open_and_breach_first_response(time_machine, customer, priority="high")
    work = PendingWork.objects.get(kind="sla.escalate")
    run_sla_work()
    case.refresh_from_db()
    assert case.priority == "urgent"
    event = CaseEvent.objects.get(case=case, kind="priority_changed")
    assert (event.actor_id, event.actor_kind, event.data) == (
        None,
        "system",
        {"from": "high", "to": "urgent"},
    )
    refresh = PendingWork.objects.filter(kind="sla.refresh", payload__event="case.priority_changed").get()
    assert refresh.payload["origin"] == [{"sla": work.payload["clock_id"]}]


def test_urgent_stays_urgent(time_machine, policy, customer):
    escalate(policy, EscalationAction.RAISE_PRIORITY)
    case = open_and_breach_first_response(time_machine, customer, priority="urgent")
    run_sla_work()
    case.refresh_from_db()
    assert case.priority == "urgent"
    assert not CaseEvent.objects.filter(case=case, kind="priority_changed").exists()


def test_reassign_to_a_team_with_the_reason_on_the_timeline(
    time_machine, policy, team, other_team, agent, customer
):
    escalate(policy, EscalationAction.REASSIGN_TEAM, team=other_team)
    case = open_and_breach_first_response(time_machine, customer, team=team, assignee=agent)
    run_sla_work()
    case.refresh_from_db()
    assert (case.team, case.assignee) == (other_team, None)
    moved = CaseEvent.objects.filter(case=case, kind="transferred").latest("id")
    assert moved.data == {"from": team.pk, "to": other_team.pk, "reason": "SLA breached"}


def test_at_risk_escalations_fire_at_risk_and_metric_filters_hold(time_machine, policy, manager, customer):
    escalate(
        policy, EscalationAction.NOTIFY_MANAGERS, trigger=EscalationTrigger.AT_RISK, metric=Metric.RESOLUTION
    )
    time_machine.move_to(at(0), tick=False)
    case = make_case(customer)
    run_sla_work()
    # 40 minutes in the first response is at risk (30): not the resolution's, so nobody is told.
    time_machine.move_to(at(40), tick=False)
    sla_check_once(at(40))
    run_sla_work()
    assert not Notification.objects.exists()
    # The resolution turns at risk at 300 minutes.
    time_machine.move_to(at(301), tick=False)
    sla_check_once(at(301))
    run_sla_work()
    assert list(Notification.objects.values_list("kind", "title")) == [
        ("sla_at_risk", f"{case.reference} is at risk of missing its Resolution target")
    ]


def test_an_answer_before_the_escalation_runs_stops_it(time_machine, policy, agent, manager, customer):
    escalate(policy, EscalationAction.NOTIFY_MANAGERS)
    escalate(policy, EscalationAction.RAISE_PRIORITY)
    case = open_and_breach_first_response(time_machine, customer)
    # The breach is recorded and its escalation waits; the agent answers before a worker runs it.
    assert PendingWork.objects.filter(kind="sla.escalate", state="pending").count() == 1
    case_reply(actor=agent, case=case, body="Here I am.")
    run_sla_work()
    case.refresh_from_db()
    assert case.priority == "normal"
    assert not Notification.objects.exists()
    assert CaseEvent.objects.filter(case=case, kind="sla_breached").count() == 1


def test_no_escalation_work_when_the_policy_has_none(time_machine, policy, customer):
    open_and_breach_first_response(time_machine, customer)
    assert not PendingWork.objects.filter(kind="sla.escalate").exists()
