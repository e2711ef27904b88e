"""Service levels in the desk: the case card, the inbox badge, compliance and the policy order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import ClockState, Metric, SlaClock, SlaPolicy
from vafa.sla.tests.factories import SlaPolicyFactory, calendar_with_hours, tehran_calendar
from vafa.sla.tests.factories_sla import run_sla_work, tehran

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)
INBOX = "/desk/inbox/"


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def always(db):
    return calendar_with_hours(name="Always", hours={day: [(dt.time(0), dt.time(0))] for day in range(7)})


@pytest.fixture
def standard(always):
    return SlaPolicyFactory(
        name="Standard",
        calendar=always,
        position=0,
        first_response_minutes=60,
        next_response_minutes=None,
        resolution_minutes=600,
        at_risk_percent=50,
    )


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _card(html: str) -> str:
    match = re.search(r'<section[^>]*id="case-sla".*?</section>', html, re.S)
    assert match, "no Service level card"
    return _text(match.group(0))


def test_case_page_shows_the_service_level_card(desk_as, time_machine, standard, agent, team, customer):
    time_machine.move_to(T0, tick=False)
    case = make_case(customer, team=team)
    run_sla_work()
    time_machine.move_to(T0 + dt.timedelta(minutes=45), tick=False)
    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()
    assert _card(html) == (
        "Service level Policy: Standard "
        "First response At risk Due 2025-11-03 10:00 15 min left "
        "Resolution On track Due 2025-11-03 19:00 9 h 15 min left "
        "Times left count business hours only."
    )


def test_card_after_an_answer_and_while_paused(desk_as, time_machine, standard, agent, team, customer):
    from vafa.service.services import case_reply

    time_machine.move_to(T0, tick=False)
    case = make_case(customer, team=team)
    time_machine.move_to(T0 + dt.timedelta(minutes=20), tick=False)
    case_reply(actor=agent, case=case, body="Which model?", status="pending_customer")
    run_sla_work()
    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()
    assert _card(html) == (
        "Service level Policy: Standard "
        "First response Met Met 2025-11-03 09:20 · due 2025-11-03 10:00 "
        "Resolution Paused 9 h 40 min left when it resumes "
        "Times left count business hours only."
    )


def test_persian_agent_reads_jalali_dates_in_tehran_time(desk_as, time_machine, agent, team, customer):
    SlaPolicyFactory(
        name="Iran", calendar=tehran_calendar(), first_response_minutes=240, resolution_minutes=960
    )
    agent.language = "fa"
    agent.time_zone = "Asia/Tehran"
    agent.save()
    time_machine.move_to(tehran(6, 18, 30), tick=False)
    case = make_case(customer, team=team)
    run_sla_work()
    client = desk_as(agent)
    html = client.get(f"/desk/cases/{case.number}/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    card = _card(html)
    # Due Saturday 8 November 2025 12:00 and Monday 10 November 10:00 in Tehran: 17 and 19 Aban 1404.
    assert "1404/08/17 12:00" in card
    assert "1404/08/19 10:00" in card
    assert 'lang="fa" dir="rtl"' in html


def test_no_card_when_no_policy_measures_the_case(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    run_sla_work()
    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="case-sla"' not in html


def _badges(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-row-link data-case-id="(\d+)">(.*?)</tr>', html, re.S)
    found = {}
    for case_id, row in rows:
        badge = re.search(r"<span[^>]*data-sla-badge>([^<]*)</span>", row)
        found[case_id] = badge.group(1) if badge else ""
    return found


def test_inbox_rows_show_time_left_or_breached_with_one_query_for_the_page(
    desk_as, time_machine, standard, agent, team, customer, django_assert_num_queries
):
    time_machine.move_to(T0, tick=False)
    late = make_case(customer, team=team, subject="Late")
    time_machine.move_to(T0 + dt.timedelta(minutes=50), tick=False)
    fresh = make_case(customer, team=team, subject="Fresh")
    quiet = make_case(customer, team=team, subject="No clock")
    run_sla_work()
    SlaClock.objects.filter(case=quiet).delete()
    time_machine.move_to(T0 + dt.timedelta(minutes=70), tick=False)
    client = desk_as(agent)
    html = client.get(INBOX, {"view": "open"}).content.decode()
    assert _badges(html) == {str(late.pk): "Breached", str(fresh.pk): "40 min", str(quiet.pk): ""}
    # The badges of a page are one query, however many rows carry one.
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX, {"view": "open"})
    for _ in range(4):
        make_case(customer, team=team)
    run_sla_work()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(INBOX, {"view": "open"})
    clocks = [q["sql"] for q in few.captured_queries if "sla_slaclock" in q["sql"]]
    assert len(clocks) == 1


def test_manager_sees_compliance_by_team(desk_as, manager, team, customer):
    case = make_case(customer, team=team)
    now = dt.datetime.now(dt.UTC)
    SlaClock.objects.create(
        case=case,
        policy=SlaPolicyFactory(name="Gold"),
        metric=Metric.RESOLUTION,
        state=ClockState.MET,
        target_minutes=60,
        started_at=now - dt.timedelta(days=2),
        due_at=now,
        used_seconds=600,
    )
    response = desk_as(manager).get("/desk/sla/", {"group_by": "team", "period": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    table = _text(re.search(r'<table[^>]*id="table-sla".*?</table>', html, re.S).group(0))
    assert "Phones 1 0 0 100.0%" in table
    assert "Total 1 0 0 100.0%" in table
    assert 'id="chart-sla"' in html and 'id="sla-data"' in html
    assert 'id="desk-nav-sla"' in html


def test_compliance_page_in_persian_shows_jalali_dates(desk_as, manager):
    manager.language = "fa"
    manager.save()
    html = desk_as(manager).get("/desk/sla/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert 'dir="rtl"' in html
    assert re.search(r"14\d\d/\d\d/\d\d \d\d:\d\d", html)


def test_agents_get_not_found_and_no_nav_link(desk_as, agent, standard):
    client = desk_as(agent)
    assert client.get("/desk/sla/").status_code == 404
    assert client.get("/desk/sla/policies/").status_code == 404
    response = client.post(f"/desk/sla/policies/{standard.pk}/move/", {"direction": "down"})
    assert response.status_code == 404
    assert 'id="desk-nav-sla"' not in client.get(INBOX).content.decode()


def test_manager_moves_a_policy_down_the_list(desk_as, manager, always, standard):
    complaints = SlaPolicyFactory(name="Complaints", calendar=always, position=1, kinds=["complaint"])
    client = desk_as(manager)
    page = _text(client.get("/desk/sla/policies/").content.decode())
    assert page.index("Standard") < page.index("Complaints")
    assert "Kind: Complaint" in page and "Every case" in page
    response = client.post(f"/desk/sla/policies/{standard.pk}/move/", {"direction": "down"})
    assert response.status_code == 302
    assert list(SlaPolicy.objects.order_by("position").values_list("name", flat=True)) == [
        "Complaints",
        "Standard",
    ]
    assert complaints.pk in SlaPolicy.objects.values_list("pk", flat=True)
    assert client.post("/desk/sla/policies/999999/move/", {"direction": "up"}).status_code == 404


def test_policies_page_in_persian(desk_as, manager, standard):
    manager.language = "fa"
    manager.native_digits = True
    manager.save()
    html = desk_as(manager).get("/desk/sla/policies/").content.decode()
    assert 'dir="rtl"' in html
    assert "Standard" in html
    # The first-response target (60 business minutes) in Persian words and digits.
    assert "۱ ساعت و ۰ دقیقه" in _text(html)
