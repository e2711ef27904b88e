"""Agents set their own availability, managers anyone's, customers nobody's; out of office takes a day
that has not passed (in the agent's time zone); profiles are for managers; everything is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vafa.accounts.models import AuditLog, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.automation.availability import (
    DRAIN_KIND,
    AvailabilityError,
    Presence,
    agent_is_available,
    agent_profile_update,
    agent_set_out_of_office,
    agent_set_status,
    presence_of,
    profile_of,
)
from vafa.automation.models import AgentProfile, AgentStatus, RoutingMethod
from vafa.automation.tests.factories_routing import routed_team, team_agent
from vafa.catalog.tests.factories import CategoryFactory
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.core.models import PendingWork
from vafa.sla.calendars import schedules_forget
from vafa.sla.tests.factories import calendar_with_hours

UTC = dt.UTC
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    schedules_forget()
    yield
    schedules_forget()


def audit_rows(user) -> list[tuple[str, str, Any, Any]]:
    profile = AgentProfile.objects.get(user=user)
    rows = AuditLog.objects.filter(object_type="automation.agentprofile", object_id=str(profile.pk))
    return [(row.action, row.actor_label, row.before, row.after) for row in rows.order_by("pk")]


# --- who may change whose availability --------------------------------------------------------------


def test_an_agent_sets_themselves_away_and_back(db, agent):
    agent_set_status(actor=agent, user=agent, status=AgentStatus.AWAY)
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AWAY

    agent_set_status(actor=agent, user=agent, status=AgentStatus.AVAILABLE)

    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AVAILABLE
    assert audit_rows(agent) == [
        ("agent.set_status", agent.email, {"status": "available"}, {"status": "away"}),
        ("agent.set_status", agent.email, {"status": "away"}, {"status": "available"}),
    ]


def test_setting_the_same_status_again_changes_and_audits_nothing(db, agent):
    agent_set_status(actor=agent, user=agent, status=AgentStatus.AWAY)
    agent_set_status(actor=agent, user=agent, status=AgentStatus.AWAY)

    assert len(audit_rows(agent)) == 1


def test_an_agent_cannot_change_a_colleagues_availability(db, agent, team):
    colleague = UserFactory.create(role=Role.AGENT)
    team.members.add(colleague)

    with pytest.raises(Forbidden) as refused:
        agent_set_status(actor=agent, user=colleague, status=AgentStatus.AWAY)
    with pytest.raises(Forbidden):
        agent_set_out_of_office(actor=agent, user=colleague, until=dt.date(2099, 1, 1))

    assert refused.value.code == AvailabilityError.NOT_ALLOWED
    assert str(refused.value.message) == "You can change only your own availability."
    assert not AgentProfile.objects.filter(user=colleague).exists()
    assert not AuditLog.objects.filter(object_type="automation.agentprofile").exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_change_anyones_availability(db, agent, role):
    boss = UserFactory.create(role=role)

    agent_set_status(actor=boss, user=agent, status=AgentStatus.AWAY)
    agent_set_out_of_office(actor=boss, user=agent, until=dt.date(2099, 1, 31))

    profile = AgentProfile.objects.get(user=agent)
    assert (profile.status, profile.out_of_office_until) == (AgentStatus.AWAY, dt.date(2099, 1, 31))
    assert [row[:2] for row in audit_rows(agent)] == [
        ("agent.set_status", boss.email),
        ("agent.set_out_of_office", boss.email),
    ]


def test_customers_change_no_availability_not_even_their_own(db, agent, customer_user):
    for user in (agent, customer_user):
        with pytest.raises(Forbidden):
            agent_set_status(actor=customer_user, user=user, status=AgentStatus.AWAY)

    assert not AgentProfile.objects.exists()


def test_a_customer_account_has_no_availability(db, manager, customer_user):
    with pytest.raises(ValidationFailed) as refused:
        agent_set_status(actor=manager, user=customer_user, status=AgentStatus.AWAY)

    assert refused.value.code == AvailabilityError.NOT_STAFF
    assert not AgentProfile.objects.exists()


def test_an_unknown_status_is_refused(db, agent):
    with pytest.raises(ValidationFailed) as refused:
        agent_set_status(actor=agent, user=agent, status="lunch")

    assert refused.value.fields == {"status": ["Choose one of: available, away."]}
    assert not AgentProfile.objects.exists()


# --- out of office -----------------------------------------------------------------------------------


def test_out_of_office_takes_today_or_later_in_the_agents_time_zone(db, time_machine):
    # 21:00 UTC on 10 March is 11 March in Tehran: the 10th has passed there.
    time_machine.move_to(dt.datetime(2026, 3, 10, 21, 0, tzinfo=UTC), tick=False)
    tehran = UserFactory.create(role=Role.AGENT, time_zone="Asia/Tehran")

    with pytest.raises(ValidationFailed) as refused:
        agent_set_out_of_office(actor=tehran, user=tehran, until=dt.date(2026, 3, 10))
    assert refused.value.code == AvailabilityError.DATE_IN_PAST
    assert refused.value.fields == {"until": ["This day has passed."]}
    assert not AgentProfile.objects.exists()

    agent_set_out_of_office(actor=tehran, user=tehran, until=dt.date(2026, 3, 11))
    assert AgentProfile.objects.get(user=tehran).out_of_office_until == dt.date(2026, 3, 11)


def test_out_of_office_ends_early_when_cleared(db, agent, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    agent_set_out_of_office(actor=agent, user=agent, until=dt.date(2026, 3, 20))
    assert not agent_is_available(agent, MONDAY_10)

    agent_set_out_of_office(actor=agent, user=agent, until=None)

    assert agent_is_available(agent, MONDAY_10)
    assert audit_rows(agent)[-1][2:] == ({"out_of_office_until": "2026-03-20"}, {"out_of_office_until": None})


# --- coming back drains the queues -------------------------------------------------------------------


def test_becoming_available_schedules_a_drain_of_each_routed_team(db, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    phones, _routing = routed_team("Phones")
    manual, _manual = routed_team("Manual", method=RoutingMethod.MANUAL)
    ana = team_agent(phones, "Ana", status=AgentStatus.AWAY, out_of_office_until=dt.date(2026, 3, 10))
    manual.members.add(ana)

    agent_set_status(actor=ana, user=ana, status=AgentStatus.AVAILABLE)
    assert not PendingWork.objects.filter(kind=DRAIN_KIND).exists()  # still out of office

    agent_set_out_of_office(actor=ana, user=ana, until=None)
    assert [work.payload for work in PendingWork.objects.filter(kind=DRAIN_KIND)] == [{"team_id": phones.pk}]

    agent_set_status(actor=ana, user=ana, status=AgentStatus.AWAY)
    assert PendingWork.objects.filter(kind=DRAIN_KIND).count() == 1


# --- agent_is_available ------------------------------------------------------------------------------


def test_agent_is_available_reads_status_dates_and_shifts(db, time_machine, admin_user, customer_user):
    time_machine.move_to(MONDAY_10, tick=False)
    weekdays = calendar_with_hours(hours={day: [(dt.time(9), dt.time(17))] for day in range(5)})
    nights = calendar_with_hours(hours={day: [(dt.time(22), dt.time(0))] for day in range(7)})
    team, _routing = routed_team(calendar=nights)
    plain = UserFactory.create(role=Role.AGENT)  # no profile at all
    away = team_agent(team, "Away", status=AgentStatus.AWAY)
    out = team_agent(team, "Out", out_of_office_until=dt.date(2026, 3, 9))
    day_shift = team_agent(team, "Day", calendar=weekdays)
    team_shift = team_agent(team, "Night")
    gone = team_agent(team, "Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    answers = {
        "plain": agent_is_available(plain, MONDAY_10),
        "away": agent_is_available(away, MONDAY_10),
        "out": agent_is_available(out, MONDAY_10),
        "out tomorrow": agent_is_available(out, MONDAY_10 + dt.timedelta(days=1)),
        "day shift": agent_is_available(day_shift, MONDAY_10, team=team),
        "day shift at night": agent_is_available(day_shift, MONDAY_10.replace(hour=23)),
        "team shift, no team given": agent_is_available(team_shift, MONDAY_10),
        "team shift": agent_is_available(team_shift, MONDAY_10, team=team),
        "team shift at night": agent_is_available(team_shift, MONDAY_10.replace(hour=23), team=team),
        "inactive": agent_is_available(gone, MONDAY_10),
        "admin": agent_is_available(admin_user, MONDAY_10),
        "customer": agent_is_available(customer_user, MONDAY_10),
    }

    assert answers == {
        "plain": True,
        "away": False,
        "out": False,
        "out tomorrow": True,
        "day shift": True,
        "day shift at night": False,
        "team shift, no team given": True,
        "team shift": False,
        "team shift at night": True,
        "inactive": False,
        "admin": False,
        "customer": False,
    }


def test_presence_prefers_out_of_office_over_away(db):
    profile = AgentProfile(status=AgentStatus.AWAY, out_of_office_until=dt.date(2026, 3, 9))

    assert presence_of(profile, today=dt.date(2026, 3, 9)) == Presence.OUT_OF_OFFICE
    assert presence_of(profile, today=dt.date(2026, 3, 10)) == Presence.AWAY
    assert presence_of(None, today=dt.date(2026, 3, 10)) == Presence.AVAILABLE


# --- profiles ----------------------------------------------------------------------------------------


def test_a_manager_sets_an_agents_skills_cap_and_shift(db, manager, agent):
    phones, fridges = CategoryFactory.create(code="phones"), CategoryFactory.create(code="fridges")
    shift = calendar_with_hours(hours={0: [(dt.time(9), dt.time(17))]})

    agent_profile_update(
        actor=manager,
        user=agent,
        languages=["fa", "en", "fa"],
        case_kinds=["repair", "question"],
        product_categories=[phones, fridges],
        max_open_cases=8,
        calendar=shift,
    )

    profile = AgentProfile.objects.get(user=agent)
    # Kept in the order of the choices (settings.LANGUAGES, CaseKind), without repeats.
    assert (profile.languages, profile.case_kinds) == (["en", "fa"], ["question", "repair"])
    assert sorted(profile.product_categories.values_list("code", flat=True)) == ["fridges", "phones"]
    assert (profile.max_open_cases, profile.calendar) == (8, shift)
    assert audit_rows(agent) == [
        (
            "agent.update_profile",
            manager.email,
            {
                "languages": [],
                "case_kinds": [],
                "max_open_cases": None,
                "calendar": None,
                "product_categories": [],
            },
            {
                "languages": ["en", "fa"],
                "case_kinds": ["question", "repair"],
                "max_open_cases": 8,
                "calendar": shift.pk,
                "product_categories": sorted([phones.pk, fridges.pk]),
            },
        )
    ]


def test_an_agent_cannot_change_their_own_skills(db, agent):
    with pytest.raises(Forbidden):
        agent_profile_update(
            actor=agent,
            user=agent,
            languages=["fa"],
            case_kinds=[],
            product_categories=[],
            max_open_cases=None,
            calendar=None,
        )

    assert profile_of(agent) is None
    assert not AgentProfile.objects.exists()


def test_unknown_languages_and_kinds_are_refused(db, manager, agent):
    with pytest.raises(ValidationFailed) as refused:
        agent_profile_update(
            actor=manager,
            user=agent,
            languages=["xx"],
            case_kinds=["gossip"],
            product_categories=[],
            max_open_cases=None,
            calendar=None,
        )

    assert sorted(refused.value.fields) == ["case_kinds", "languages"]
    assert refused.value.fields["languages"] == ["Choose one of: ar, en, fa, ru."]
    assert not AgentProfile.objects.exists()


# --- admin ---------------------------------------------------------------------------------------------


def test_an_admin_saves_a_profile_through_the_services(db, client, admin_user, agent):
    phones = CategoryFactory.create(code="phones")
    client.force_login(admin_user)

    response = client.post(
        "/admin/automation/agentprofile/add/",
        {
            "user": str(agent.pk),
            "status": "away",
            "out_of_office_until": "",
            "languages": ["fa", "en"],
            "case_kinds": ["repair"],
            "product_categories": [str(phones.pk)],
            "max_open_cases": "4",
            "calendar": "",
        },
    )

    assert response.status_code == 302
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.status, profile.languages, profile.case_kinds, profile.max_open_cases) == (
        AgentStatus.AWAY,
        ["en", "fa"],
        ["repair"],
        4,
    )
    assert list(profile.product_categories.all()) == [phones]
    assert [row[0] for row in audit_rows(agent)] == ["agent.update_profile", "agent.set_status"]


def test_the_admin_refuses_an_out_of_office_day_that_has_passed(db, client, admin_user, agent, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    client.force_login(admin_user)

    response = client.post(
        "/admin/automation/agentprofile/add/",
        {
            "user": str(agent.pk),
            "status": "available",
            "out_of_office_until": "2026-03-08",
            "max_open_cases": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"out_of_office_until": ["This day has passed."]}
    assert not AgentProfile.objects.exists()


def test_a_teams_routing_is_edited_on_the_team_page(db, client, admin_user, team):
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/team/{team.pk}/change/")
    assert page.status_code == 200
    assert 'name="routing-__prefix__-method"' in page.text  # the empty form "Add another" copies

    response = client.post(
        f"/admin/accounts/team/{team.pk}/change/",
        {
            "name": team.name,
            "description": "",
            "lead": "",
            "members": [],
            "routing-TOTAL_FORMS": "1",
            "routing-INITIAL_FORMS": "0",
            "routing-MIN_NUM_FORMS": "0",
            "routing-MAX_NUM_FORMS": "1",
            "routing-0-method": "least_open",
            "routing-0-use_skills": "on",
            "routing-0-max_open_per_agent": "6",
            "routing-0-calendar": "",
        },
    )

    assert response.status_code == 302
    team.routing.refresh_from_db()
    assert (team.routing.method, team.routing.use_skills, team.routing.skills_required) == (
        "least_open",
        True,
        False,
    )
    assert team.routing.max_open_per_agent == 6
