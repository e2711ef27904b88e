"""The availability control in the desk bar (English and Persian, with and without htmx) and the
managers' team page: what they show, who may change whose availability, and a fixed query count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.automation.models import AgentProfile, AgentStatus, RoutingMethod
from vafa.automation.tests.factories_routing import routed_team, team_agent, waiting_cases
from vafa.catalog.tests.factories import CategoryFactory
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.services import case_assign
from vafa.sla.calendars import schedules_forget
from vafa.sla.tests.factories import calendar_with_hours

UTC = dt.UTC
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 18 Esfand 1404
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def persian_agent(db, team):
    user = UserFactory.create(
        email="parisa@staff.vafa.test",
        full_name="Parisa",
        role=Role.AGENT,
        language="fa",
        time_zone="Asia/Tehran",
    )
    team.members.add(user)
    return user


def state_badge(html: str) -> str:
    match = re.search(r'id="desk-availability-state">([^<]*)</span>', html)
    assert match is not None, "no availability control on the page"
    return match.group(1)


def in_language(language: str, message: str, **params: str) -> str:
    with translation.override(language):
        return gettext(message) % params if params else gettext(message)


# --- the control in the bar -----------------------------------------------------------------------


def test_the_bar_shows_an_agent_available_until_they_say_otherwise(desk_as, agent):
    response = desk_as(agent).get("/desk/inbox/")

    assert response.status_code == 200
    assert state_badge(response.text) == "Available"
    assert 'class="badge rounded-pill text-bg-success"' in response.text
    for control in ("desk-set-available", "desk-set-away", "desk-ooo-until", "desk-set-ooo"):
        assert f'id="{control}"' in response.text
    assert "For example 2026-03-16." in response.text


def test_admins_have_no_availability_control(desk_as, admin_user):
    response = desk_as(admin_user).get("/desk/inbox/")

    assert response.status_code == 200
    assert 'id="desk-availability"' not in response.text


def test_an_agent_sets_themselves_away_and_available_again_through_htmx(desk_as, agent):
    client = desk_as(agent)

    away = client.post("/desk/availability/", {"state": "away"}, **HTMX)

    assert away.status_code == 200
    assert away.text.lstrip().startswith(
        '<li class="nav-item dropdown desk-availability" id="desk-availability"'
    )
    assert state_badge(away.text) == "Away"
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AWAY
    assert state_badge(client.get("/desk/inbox/").text) == "Away"

    back = client.post("/desk/availability/", {"state": "available"}, **HTMX)

    assert state_badge(back.text) == "Available"
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AVAILABLE


def test_without_javascript_the_form_returns_to_the_page(desk_as, agent):
    response = desk_as(agent).post("/desk/availability/", {"state": "away", "next": "/desk/?view=team"})

    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=team"
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AWAY


def test_out_of_office_until_a_day_and_back(desk_as, agent):
    client = desk_as(agent)
    client.post("/desk/availability/", {"state": "away"}, **HTMX)

    response = client.post("/desk/availability/", {"state": "out_of_office", "until": "2026-03-20"}, **HTMX)

    assert state_badge(response.text) == "Out of office until 2026-03-20"
    profile = AgentProfile.objects.get(user=agent)
    # Out of office starts from "available", so the agent is in again the day after.
    assert (profile.status, profile.out_of_office_until) == (AgentStatus.AVAILABLE, dt.date(2026, 3, 20))

    client.post("/desk/availability/", {"state": "available"}, **HTMX)
    assert AgentProfile.objects.get(user=agent).out_of_office_until is None


def test_a_persian_agent_writes_the_day_in_jalali_with_persian_digits(desk_as, persian_agent):
    client = desk_as(persian_agent)
    page = client.get("/desk/inbox/")
    assert '<html lang="fa" dir="rtl">' in page.text
    assert state_badge(page.text) == in_language("fa", "Available")
    assert in_language("fa", "For example %(example)s.", example="1404/12/25") in page.text

    response = client.post("/desk/availability/", {"state": "out_of_office", "until": "۱۴۰۵/۰۱/۱۵"}, **HTMX)

    assert AgentProfile.objects.get(user=persian_agent).out_of_office_until == dt.date(2026, 4, 4)
    assert state_badge(response.text) == in_language("fa", "Out of office until %(date)s", date="1405/01/15")


def test_a_day_that_has_passed_is_refused_and_changes_nothing(desk_as, agent):
    client = desk_as(agent)

    response = client.post("/desk/availability/", {"state": "out_of_office", "until": "2026-03-08"}, **HTMX)

    assert response.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" id="desk-ooo-error" role="alert">This day has passed.</div>'
        in (response.text)
    )
    assert 'value="2026-03-08"' in response.text
    assert state_badge(response.text) == "Available"
    assert not AgentProfile.objects.exists()


def test_a_day_that_is_not_a_date_is_explained(desk_as, persian_agent):
    response = desk_as(persian_agent).post(
        "/desk/availability/", {"state": "out_of_office", "until": "next week"}, **HTMX
    )

    expected = in_language(
        "fa", "Write the day as year/month/day, for example %(example)s.", example="1404/12/25"
    )
    assert expected in response.text
    assert not AgentProfile.objects.exists()


def test_an_agent_cannot_change_a_colleagues_availability(desk_as, agent, team):
    colleague = UserFactory.create(role=Role.AGENT)
    team.members.add(colleague)

    response = desk_as(agent).post("/desk/availability/", {"state": "away", "user": str(colleague.pk)})

    assert response.status_code == 404
    assert not AgentProfile.objects.exists()


def test_a_manager_marks_an_agent_away_from_the_team_page(desk_as, manager, agent):
    response = desk_as(manager).post(
        "/desk/availability/", {"state": "away", "user": str(agent.pk), "next": "/desk/team/"}, follow=True
    )

    assert response.redirect_chain == [("/desk/team/", 302)]
    assert "Arash Agent is now: Away" in response.text
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AWAY


def test_customers_and_unknown_states_are_refused(client, customer_user, desk_as, agent):
    client.force_login(customer_user)
    assert client.post("/desk/availability/", {"state": "away", "user": str(agent.pk)}).status_code == 404
    assert desk_as(agent).post("/desk/availability/", {"state": "lunch"}).status_code == 404
    assert desk_as(agent).get("/desk/availability/").status_code == 405
    assert not AgentProfile.objects.exists()


def test_the_control_refuses_a_forged_post(csrf_client, agent):
    response = csrf_client(agent).post("/desk/availability/", {"state": "away"})

    assert response.status_code == 403
    assert not AgentProfile.objects.exists()


# --- the team page ------------------------------------------------------------------------------------


def rows(html: str) -> dict[str, list[str]]:
    found = {}
    for row in re.findall(r'<tr data-agent="\d+">(.*?)</tr>', html, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).split()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        texts = [" ".join(words) for words in cells]
        found[texts[0]] = texts[1:7]
    return found


def test_the_team_page_shows_presence_shift_load_and_skills(desk_as, manager):
    phones = CategoryFactory.create(code="phones", name="Phones")
    evenings = calendar_with_hours(hours={day: [(dt.time(17), dt.time(23))] for day in range(7)})
    team, _routing = routed_team("Phones", max_open_per_agent=2)
    ana = team_agent(team, "Ana", languages=["fa", "en"], categories=[phones], case_kinds=["repair"])
    team_agent(team, "Bob", status=AgentStatus.AWAY, max_open_cases=5)
    team_agent(team, "Cyrus", out_of_office_until=dt.date(2026, 3, 12), calendar=evenings)
    for case in waiting_cases(team, CustomerFactory.create(), 2):
        case_assign(actor=None, case=case, assignee=ana)

    response = desk_as(manager).get("/desk/team/")

    assert response.status_code == 200
    assert 'aria-current="page" href="/desk/team/"' in response.text
    assert rows(response.text) == {
        "Ana": ["Available", "Yes", "2 / 2 full", "Persian, English", "Repair", "Phones"],
        "Bob": ["Away", "Yes", "0 / 5", "any", "any", "any"],
        "Cyrus": ["Out of office until 2026-03-12", "No", "0 / 2", "any", "any", "any"],
    }
    assert "Routing: <span data-routing>Round robin</span>" in response.text


def test_the_team_page_in_persian_reads_jalali_dates(desk_as, manager):
    manager.language = "fa"
    manager.save(update_fields=["language"])
    team, _routing = routed_team("Phones", method=RoutingMethod.LEAST_OPEN)
    team_agent(team, "Cyrus", out_of_office_until=dt.date(2026, 3, 12))

    response = desk_as(manager).get("/desk/team/")

    assert '<html lang="fa" dir="rtl">' in response.text
    until = '<time datetime="2026-03-12">1404/12/21</time>'
    assert rows(response.text)["Cyrus"][0] == in_language(
        "fa", "Out of office until %(until)s", until="1404/12/21"
    )
    assert until in response.text


def test_agents_do_not_see_the_team_page(desk_as, agent):
    assert desk_as(agent).get("/desk/team/").status_code == 404


def test_a_manager_sees_only_their_own_teams_and_an_admin_all(desk_as, manager, admin_user):
    mine, _routing = routed_team("Mine")
    other, _other_routing = routed_team("Other")
    mine.members.add(manager)
    team_agent(mine, "Ana")
    team_agent(other, "Olga")

    assert set(rows(desk_as(manager).get("/desk/team/").text)) == {"Ana", "Mina Manager"}
    assert set(rows(desk_as(admin_user).get("/desk/team/").text)) == {"Ana", "Mina Manager", "Olga"}


def test_the_team_page_takes_the_same_queries_however_many_agents(
    desk_as, manager, django_assert_num_queries
):
    phones = CategoryFactory.create(code="phones")
    first, _routing = routed_team("First")
    team_agent(first, "Ana", categories=[phones])
    client = desk_as(manager)
    client.get("/desk/team/")

    with django_assert_num_queries(10) as few:
        client.get("/desk/team/")

    second, _second_routing = routed_team("Second", max_open_per_agent=3)
    for name in ("Bob", "Cyrus", "Dana", "Eve"):
        team_agent(second, name, categories=[phones], languages=["en"])
    team_agent(first, "Farid", status=AgentStatus.AWAY)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/desk/team/")
