"""The SLA endpoints: a case's clocks for staff who see the case, compliance for managers."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import ClockState, Metric, SlaClock
from vafa.sla.tests.factories import SlaPolicyFactory, calendar_with_hours
from vafa.sla.tests.factories_sla import run_sla_work

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def case(db, time_machine, team, customer):
    always = calendar_with_hours(name="Always", hours={day: [(dt.time(0), dt.time(0))] for day in range(7)})
    SlaPolicyFactory(
        name="Standard",
        calendar=always,
        first_response_minutes=60,
        next_response_minutes=None,
        resolution_minutes=600,
        at_risk_percent=50,
    )
    time_machine.move_to(T0, tick=False)
    case = make_case(customer, team=team)
    run_sla_work()
    time_machine.move_to(T0 + dt.timedelta(minutes=45), tick=False)
    return case


def test_agent_of_the_team_reads_the_clocks(api_as, agent, case):
    response = api_as(agent).get(f"/api/v1/cases/{case.pk}/sla")
    assert response.status_code == 200
    assert response.json() == {
        "case_id": case.pk,
        "number": case.number,
        "policy": "Standard",
        "clocks": [
            {
                "metric": "first_response",
                "label": "First response",
                "cycle": 1,
                "state": "at_risk",
                "state_label": "At risk",
                "target_minutes": 60,
                "due_at": "2025-11-03T10:00:00Z",
                "at_risk_at": "2025-11-03T09:30:00Z",
                "stopped_at": None,
                "minutes_left": 15,
            },
            {
                "metric": "resolution",
                "label": "Resolution",
                "cycle": 1,
                "state": "on_track",
                "state_label": "On track",
                "target_minutes": 600,
                "due_at": "2025-11-03T19:00:00Z",
                "at_risk_at": "2025-11-03T14:00:00Z",
                "stopped_at": None,
                "minutes_left": 555,
            },
        ],
    }


def test_customer_and_agents_of_other_teams_get_not_found(api_as, customer_user, other_agent, case):
    for user in (customer_user, other_agent):
        response = api_as(user).get(f"/api/v1/cases/{case.pk}/sla")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_manager_reads_compliance_agent_is_refused(api_as, manager, agent, case):
    SlaClock.objects.filter(case=case, metric=Metric.FIRST_RESPONSE).update(state=ClockState.MET)
    url = "/api/v1/sla/compliance?group_by=team&since=2025-11-01T00:00:00Z&until=2025-12-01T00:00:00Z"
    response = api_as(manager).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [
        {"key": case.team_id, "label": "Phones", "met": 1, "breached": 0, "pending": 1, "compliance": "100.0"}
    ]
    assert body["total"]["compliance"] == "100.0"
    refused = api_as(agent).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "managers_only"


def test_compliance_refuses_a_backwards_period(api_as, manager, case):
    url = "/api/v1/sla/compliance?since=2025-12-01T00:00:00Z&until=2025-11-01T00:00:00Z"
    response = api_as(manager).get(url)
    assert response.status_code == 422
    assert "since" in response.json()["error"]["fields"]
    assert api_as(manager).get("/api/v1/sla/compliance?group_by=moon").status_code == 422
