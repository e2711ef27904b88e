"""The clock engine on a calendar open around the clock (UTC), so every figure is plain arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.service.models import CaseEvent, CaseStatus
from vafa.service.services import (
    case_customer_reply,
    case_merge,
    case_note,
    case_reopen,
    case_reply,
    case_resolve,
    case_set_status,
)
from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import ClockState, Metric, SlaClock
from vafa.sla.services import sla_case_refresh, sla_check_once
from vafa.sla.tests.factories import SlaPolicyFactory, calendar_with_hours
from vafa.sla.tests.factories_sla import run_sla_work

T = dt.time
T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)  # a Monday


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def policy(db):
    always = calendar_with_hours(name="Always", hours={day: [(T(0), T(0))] for day in range(7)})
    return SlaPolicyFactory(
        name="Around the clock",
        calendar=always,
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=600,
        at_risk_percent=50,
    )


@pytest.fixture
def step(time_machine):
    """`step(minutes)`: move the frozen clock to T0 + minutes (services stamp the current time)."""

    def move(minutes: float) -> None:
        time_machine.move_to(at(minutes), tick=False)

    return move


def clocks(case) -> dict[tuple[str, int], tuple]:
    return {
        (c.metric, c.cycle): (c.state, c.due_at, c.used_seconds // 60)
        for c in SlaClock.objects.filter(case=case).order_by("metric", "cycle")
    }


def test_next_response_cycles_start_at_customer_messages_after_an_answer(policy, step, agent, customer):
    # Given a case answered once
    step(0)
    case = make_case(customer)
    step(20)
    case_reply(actor=agent, case=case, body="Try a restart.")
    # When the customer writes twice, the agent answers, and the customer writes again
    step(40)
    case_customer_reply(case=case, customer=customer, body="Did not help.")
    step(50)
    case_customer_reply(case=case, customer=customer, body="Still nothing.")
    step(80)
    case_reply(actor=agent, case=case, body="Send it in.")
    step(100)
    case_customer_reply(case=case, customer=customer, body="Where to?")
    run_sla_work()
    # Then one cycle per wait: the second message joined the running cycle; the first cycle
    # (from 40, 30 min target) was met late at 80 (40 min used); the second runs from 100.
    assert clocks(case) == {
        ("first_response", 1): ("met", at(60), 20),
        ("next_response", 1): ("met", at(70), 40),
        ("next_response", 2): ("running", at(130), 0),
        ("resolution", 1): ("running", at(600), 0),
    }


def test_customer_message_before_the_first_answer_starts_no_next_response(policy, step, customer):
    step(0)
    case = make_case(customer)
    step(10)
    case_customer_reply(case=case, customer=customer, body="Anyone there?")
    run_sla_work()
    assert set(clocks(case)) == {("first_response", 1), ("resolution", 1)}


def test_waiting_on_the_customer_before_any_answer_pauses_the_first_response(policy, step, agent, customer):
    step(0)
    case = make_case(customer)
    step(15)
    case_set_status(actor=agent, case=case, status=CaseStatus.PENDING_CUSTOMER)
    run_sla_work()
    first = SlaClock.objects.get(case=case, metric=Metric.FIRST_RESPONSE)
    assert (first.state, first.used_seconds, first.paused_at, first.due_at, first.next_check_at) == (
        "paused",
        15 * 60,
        at(15),
        None,
        None,
    )
    # The customer answers after 2 hours: 45 minutes were left.
    step(135)
    case_customer_reply(case=case, customer=customer, body="Here is the photo.")
    run_sla_work()
    assert clocks(case)[("first_response", 1)] == ("running", at(180), 15)


def test_reopen_resumes_resolution_without_counting_the_resolved_time(policy, step, agent, customer):
    step(0)
    case = make_case(customer)
    step(30)
    case_reply(actor=agent, case=case, body="Fixed.")
    step(100)
    case_resolve(actor=agent, case=case)
    run_sla_work()
    assert clocks(case)[("resolution", 1)] == ("met", at(600), 100)
    # Reopened a day later: 500 of the 600 minutes are left from then.
    step(100 + 24 * 60)
    case_reopen(actor=agent, case=case, reason="Broke again")
    run_sla_work()
    resolution = SlaClock.objects.get(case=case, metric=Metric.RESOLUTION)
    assert (resolution.state, resolution.due_at, resolution.used_seconds, resolution.stopped_at) == (
        "running",
        at(100 + 24 * 60 + 500),
        100 * 60,
        None,
    )
    assert resolution.started_at == at(0)


def test_a_customer_reply_that_reopens_a_resolved_case_starts_a_next_response(policy, step, agent, customer):
    step(0)
    case = make_case(customer)
    step(10)
    case_reply(actor=agent, case=case, body="Done.", resolve=True)
    step(70)
    case_customer_reply(case=case, customer=customer, body="No, it is not.")
    run_sla_work()
    assert clocks(case) == {
        ("first_response", 1): ("met", at(60), 10),
        ("next_response", 1): ("running", at(100), 0),
        ("resolution", 1): ("running", at(660), 10),
    }


def test_merged_case_stops_its_clocks_for_good(policy, step, agent, customer):
    step(0)
    source = make_case(customer)
    target = make_case(customer)
    step(20)
    case_merge(actor=agent, source=source, target=target)
    run_sla_work()
    assert {c.metric: (c.state, c.next_check_at) for c in SlaClock.objects.filter(case=source)} == {
        "first_response": ("cancelled", None),
        "resolution": ("cancelled", None),
    }
    # Long after, the check finds nothing of the merged case to record.
    assert sla_check_once(at(10_000)) == 1  # the target's own clocks
    assert not CaseEvent.objects.filter(case=source, kind__in=["sla_at_risk", "sla_breached"]).exists()
    assert CaseEvent.objects.filter(case=target, kind="sla_breached").count() == 2


def test_notes_and_tags_do_not_touch_the_clocks(policy, step, agent, customer):
    step(0)
    case = make_case(customer)
    run_sla_work()
    step(5)
    case_note(actor=agent, case=case, body="Internal.")
    assert run_sla_work() == []


def test_refresh_is_exact_however_late_and_however_often_it_runs(policy, step, agent, customer):
    # Given two identical histories, one refreshed after each event and one only at the very end
    histories = []
    for eager in (True, False):
        step(0)
        case = make_case(customer)
        for minute, action in (
            (10, lambda c: case_set_status(actor=agent, case=c, status=CaseStatus.ON_HOLD)),
            (70, lambda c: case_set_status(actor=agent, case=c, status=CaseStatus.OPEN)),
            (90, lambda c: case_reply(actor=agent, case=c, body="Hello")),
            (95, lambda c: case_customer_reply(case=c, customer=customer, body="Hi")),
        ):
            if eager:
                run_sla_work()
            step(minute)
            action(case)
        step(5000)
        run_sla_work()
        sla_case_refresh(case_id=case.pk)
        histories.append(case)
    # Then both have the same clocks (paused 60 min on hold), and refreshing again changes nothing
    eager_case, late_case = histories
    expected = {
        # first response: 10 + 20 min used, answered at 90 — on time against 60 + the 60 paused
        ("first_response", 1): ("met", at(120), 30),
        ("next_response", 1): ("running", at(125), 0),
        ("resolution", 1): ("running", at(660), 10),
    }
    assert clocks(eager_case) == clocks(late_case) == expected
    before = list(SlaClock.objects.filter(case=late_case).values())
    sla_case_refresh(case_id=late_case.pk, now=at(5000))
    assert list(SlaClock.objects.filter(case=late_case).values()) == before
    # Both breached the next response at 125 and the resolution at 660, recorded once each
    for case in histories:
        assert sorted(
            (e.data["metric"], e.created_at) for e in CaseEvent.objects.filter(case=case, kind="sla_breached")
        ) == [("next_response", at(125)), ("resolution", at(660))]


def test_a_target_met_late_is_recorded_as_breached_at_its_due_time(policy, step, agent, customer):
    step(0)
    case = make_case(customer)
    run_sla_work()
    # The agent answers 90 minutes in, before any check ran: the first response was due at 60.
    step(90)
    case_reply(actor=agent, case=case, body="Sorry for the wait.")
    run_sla_work()
    first = SlaClock.objects.get(case=case, metric=Metric.FIRST_RESPONSE)
    assert (first.state, first.breached_at, first.at_risk_reached_at) == (ClockState.MET, at(60), at(30))
    assert [(e.kind, e.created_at) for e in CaseEvent.objects.filter(case=case, kind__startswith="sla_")] == [
        ("sla_applied", at(0)),
        ("sla_at_risk", at(30)),
        ("sla_breached", at(60)),
    ]


def test_the_due_query_reads_the_next_check_index(db, customer):
    # A plan test, not a timing: the check's query is a range scan of sla_clock_next_check.
    from django.db import connection

    from vafa.sla.selectors import sla_clocks_due_query

    query = sla_clocks_due_query(until=at(60))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a tiny table the planner would rightly prefer reading it whole (or a bitmap and a
            # sort); ask what it does when it must not, as at a million rows with LIMIT 500.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "sla_clock_next_check" in plan
    assert "SCAN sla_slaclock " not in plan + " "
    assert "Sort" not in plan and "TEMP B-TREE" not in plan


def test_an_automatic_message_is_not_a_response(policy, step, agent, customer):
    # Given a case that a rule answers by itself (a reminder, an acknowledgement)
    step(0)
    case = make_case(customer)
    step(5)
    case_reply(actor=None, case=case, body="We got your message.")
    # When a person answers later
    step(45)
    case_reply(actor=agent, case=case, body="Hello, I am on it.")
    run_sla_work()
    # Then only the person's answer meets the first response, and marks it
    case.refresh_from_db()
    assert clocks(case)[("first_response", 1)] == ("met", at(60), 45)
    assert case.first_response_at == at(45)
