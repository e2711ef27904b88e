"""The issue's scenario end to end, exact to the minute: a case opened on a Thursday evening in
Tehran, paused while the agent waits for the customer, resumed, then at risk and breached."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.accounts.models import Notification
from vafa.service.models import CaseEvent, CaseStatus
from vafa.service.services import case_customer_reply, case_reply
from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import EscalationAction, EscalationTrigger, Metric
from vafa.sla.services import sla_check_once
from vafa.sla.tests.factories import SlaEscalationFactory, SlaPolicyFactory, tehran_calendar
from vafa.sla.tests.factories_sla import clock_fields, run_sla_work, tehran


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def policy(db):
    # First response 4 business hours, resolution 16, at risk at 75%; no next-response target.
    policy = SlaPolicyFactory(
        name="Standard",
        calendar=tehran_calendar(),
        first_response_minutes=240,
        next_response_minutes=None,
        resolution_minutes=960,
        at_risk_percent=75,
    )
    SlaEscalationFactory(
        policy=policy, trigger=EscalationTrigger.BREACHED, action=EscalationAction.NOTIFY_MANAGERS
    )
    return policy


def _events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("created_at", "id"))


def test_thursday_evening_case_paused_resumed_and_breached(
    time_machine, policy, agent, manager, customer, team
):
    # Given a case opened on Thursday 6 November 2025 at 18:30 Tehran time (after Thursday's 12:00 close)
    time_machine.move_to(tehran(6, 18, 30), tick=False)
    case = make_case(customer, team=team)
    assert run_sla_work() == ["sla.refresh"]

    # Friday is closed; Saturday opens 08:00.
    # First response: 4 h → Saturday 08:00–12:00 → due Sat 12:00; 75% (3 h) → Sat 11:00.
    assert clock_fields(case, Metric.FIRST_RESPONSE) == {
        "state": "running",
        "due_at": tehran(8, 12, 0),
        "at_risk_at": tehran(8, 11, 0),
        "used_minutes": 0,
        "next_check_at": tehran(8, 11, 0),
    }
    # Resolution: 16 h = Sat 7 h (08–12, 13–16) + Sun 7 h + Mon 08:00–10:00 → due Mon 10 Nov 10:00;
    # 75% (12 h) = Sat 7 h + Sun 08–12 and 13–14 → Sun 9 Nov 14:00.
    assert clock_fields(case, Metric.RESOLUTION) == {
        "state": "running",
        "due_at": tehran(10, 10, 0),
        "at_risk_at": tehran(9, 14, 0),
        "used_minutes": 0,
        "next_check_at": tehran(9, 14, 0),
    }
    applied = _events(case, "sla_applied")
    assert [(e.created_at, e.data["policy_name"]) for e in applied] == [(tehran(6, 18, 30), "Standard")]

    # When the agent answers on Saturday at 10:00 and asks the customer something
    time_machine.move_to(tehran(8, 10, 0), tick=False)
    case_reply(actor=agent, case=case, body="Which model is it?", status=CaseStatus.PENDING_CUSTOMER)
    run_sla_work()

    # Then the first response is met (2 h used, on time) and the resolution clock pauses with 2 h used
    assert clock_fields(case, Metric.FIRST_RESPONSE) == {
        "state": "met",
        "due_at": tehran(8, 12, 0),
        "at_risk_at": tehran(8, 11, 0),
        "used_minutes": 120,
        "next_check_at": None,
    }
    assert clock_fields(case, Metric.RESOLUTION) == {
        "state": "paused",
        "due_at": None,
        "at_risk_at": None,
        "used_minutes": 120,
        "next_check_at": None,
    }
    # Nothing is due while it waits: the check finds nothing on Sunday afternoon.
    assert sla_check_once(tehran(9, 15, 0)) == 0

    # When the customer answers two days later, on Monday at 10:00
    time_machine.move_to(tehran(10, 10, 0), tick=False)
    case_customer_reply(case=case, customer=customer, body="It is the X200.")
    run_sla_work()

    # Then the clock resumes with 14 h left: Mon 10–12 and 13–16 (5 h), Tue 7 h, Wed 08:00–10:00;
    # at risk when 12 h are used: 10 h left from Monday 10:00 → Tuesday 14:00.
    assert clock_fields(case, Metric.RESOLUTION) == {
        "state": "running",
        "due_at": tehran(12, 10, 0),
        "at_risk_at": tehran(11, 14, 0),
        "used_minutes": 120,
        "next_check_at": tehran(11, 14, 0),
    }

    # When the check runs on Tuesday at 14:30, the at-risk moment is recorded at exactly 14:00
    time_machine.move_to(tehran(11, 14, 30), tick=False)
    assert sla_check_once(tehran(11, 14, 30)) == 1
    at_risk = _events(case, "sla_at_risk")
    assert [
        (e.created_at, e.data["metric"], dt.datetime.fromisoformat(e.data["due_at"])) for e in at_risk
    ] == [(tehran(11, 14, 0), "resolution", tehran(12, 10, 0))]
    assert clock_fields(case, Metric.RESOLUTION)["next_check_at"] == tehran(12, 10, 0)

    # When the check runs past the due time — twice, as two overlapping runs would
    time_machine.move_to(tehran(12, 10, 5), tick=False)
    assert sla_check_once(tehran(12, 10, 5)) == 1
    assert sla_check_once(tehran(12, 10, 6)) == 0
    run_sla_work()
    assert sla_check_once(tehran(12, 10, 7)) == 0

    # Then the breach is on the timeline once, at exactly the due time
    breached = _events(case, "sla_breached")
    assert [(e.created_at, e.data["metric"]) for e in breached] == [(tehran(12, 10, 0), "resolution")]
    row = clock_fields(case, Metric.RESOLUTION)
    assert (row["state"], row["next_check_at"]) == ("running", None)
    # and the manager is told once, in their language, with a link to the case
    notes = list(Notification.objects.filter(user=manager))
    assert [(n.kind, n.title, n.url) for n in notes] == [
        ("sla_breached", f"{case.reference} missed its Resolution target", f"/desk/cases/{case.number}/")
    ]
    assert len(_events(case, "sla_at_risk")) == 1
