"""Routing hands a team's cases out fairly and only to agents who can take them: round robin in turn,
least open evening loads out, load caps, away / out of office / off shift, the Persian-speaking agent
for a Persian case, the queue drained when an agent comes back, and the team lock under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from vafa.automation.availability import DRAIN_KIND, agent_set_status
from vafa.automation.models import AgentStatus, RoutingMethod, TeamRouting
from vafa.automation.routing import case_route, routing_drain, team_queue_drain
from vafa.automation.tests.factories_routing import routed_team, team_agent, waiting_case, waiting_cases
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import Case, EventKind
from vafa.service.selectors import case_list
from vafa.service.services import case_open
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import Weekday
from vafa.sla.tests.factories import calendar_with_hours

T = dt.time
UTC = dt.UTC
# A Monday, 10:00 UTC: inside the 09:00–17:00 shifts below.
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_schedules():
    # Calendars are cached by id and updated_at; frozen time can repeat both across tests.
    schedules_forget()
    yield
    schedules_forget()


@pytest.fixture
def customer_one(db):
    return CustomerFactory.create(name="Reza Karimi", language="en")


def route_all(team, customer, count: int, **fields) -> list[str | None]:
    names = []
    for _ in range(count):
        user = case_route(case=waiting_case(team, customer=customer, **fields))
        names.append(user.full_name if user is not None else None)
    return names


def open_load(user) -> int:
    return Case.objects.filter(
        assignee=user, status__in=["new", "open", "pending_customer", "on_hold"]
    ).count()


def test_300_cases_go_round_robin_100_to_each_agent_in_turn(db, customer_one):
    team, routing = routed_team()
    ana, bob, cyrus = (team_agent(team, name) for name in ("Ana", "Bob", "Cyrus"))

    cases = waiting_cases(team, customer_one, 300)

    names = [case_route(case=case).full_name for case in cases]

    assert names == ["Ana", "Bob", "Cyrus"] * 100
    assert [open_load(agent) for agent in (ana, bob, cyrus)] == [100, 100, 100]
    routing.refresh_from_db()
    assert routing.last_assigned == cyrus
    event = cases[0].events.get(kind=EventKind.ASSIGNED)
    assert event.data == {"from": None, "to": ana.pk, "reason": "round_robin"}
    assert event.actor is None


def test_round_robin_continues_after_the_last_agent_assigned(db, customer_one):
    team, routing = routed_team()
    ana, bob, cyrus = (team_agent(team, name) for name in ("Ana", "Bob", "Cyrus"))
    TeamRouting.objects.filter(pk=routing.pk).update(last_assigned=bob)

    assert route_all(team, customer_one, 4) == ["Cyrus", "Ana", "Bob", "Cyrus"]


def test_least_open_evens_out_unequal_loads(db, customer_one):
    team, _routing = routed_team(method=RoutingMethod.LEAST_OPEN)
    ana, bob, cyrus = (team_agent(team, name) for name in ("Ana", "Bob", "Cyrus"))
    for agent, load in ((ana, 5), (bob, 2)):
        for _ in range(load):
            case_open(
                actor=None, customer=customer_one, subject="Earlier", body="x", team=team, assignee=agent
            )

    names = route_all(team, customer_one, 10)

    # Cyrus catches up first; equal loads then rotate in turn (after the last agent assigned).
    assert names == ["Cyrus", "Cyrus", "Bob", "Cyrus", "Bob", "Cyrus", "Bob", "Cyrus", "Ana", "Bob"]
    assert [open_load(agent) for agent in (ana, bob, cyrus)] == [6, 6, 5]


def test_resolved_cases_do_not_count_towards_the_load(db, customer_one, admin_user):
    from vafa.service.services import case_resolve

    team, _routing = routed_team(method=RoutingMethod.LEAST_OPEN)
    ana, bob = team_agent(team, "Ana"), team_agent(team, "Bob")
    for _ in range(3):
        done = case_open(actor=None, customer=customer_one, subject="Done", body="x", team=team, assignee=ana)
        case_resolve(actor=admin_user, case=done)
    case_open(actor=None, customer=customer_one, subject="Open", body="x", team=team, assignee=bob)

    assert route_all(team, customer_one, 1) == ["Ana"]


def test_the_load_cap_leaves_cases_waiting_in_the_team_queue(db, customer_one):
    team, _routing = routed_team(max_open_per_agent=2)
    ana = team_agent(team, "Ana")
    bob = team_agent(team, "Bob", max_open_cases=3)  # his own cap wins over the team's

    names = route_all(team, customer_one, 7)

    assert names == ["Ana", "Bob", "Ana", "Bob", "Bob", None, None]
    assert [open_load(ana), open_load(bob)] == [2, 3]
    queue = case_list(viewer=ana).filter(team=team, assignee__isnull=True)
    assert queue.count() == 2


def test_a_cap_of_zero_means_no_cases(db, customer_one):
    team, _routing = routed_team()
    team_agent(team, "Ana", max_open_cases=0)
    team_agent(team, "Bob")

    assert route_all(team, customer_one, 3) == ["Bob", "Bob", "Bob"]


def test_away_out_of_office_and_off_shift_agents_get_no_cases(db, customer_one, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    weekend_shift = calendar_with_hours(hours={Weekday.SATURDAY: [(T(9), T(17))]})
    team, _routing = routed_team()
    team_agent(team, "Away", status=AgentStatus.AWAY)
    team_agent(team, "Holiday", out_of_office_until=dt.date(2026, 3, 9))  # out through today
    team_agent(team, "Weekend", calendar=weekend_shift)
    team_agent(team, "Back", out_of_office_until=dt.date(2026, 3, 8))  # back since this morning
    team_agent(team, "Dana")

    assert route_all(team, customer_one, 4) == ["Back", "Dana", "Back", "Dana"]


def test_out_of_office_ends_at_midnight_in_the_agents_own_time_zone(db, customer_one, time_machine):
    # 21:00 UTC on 10 March is already 11 March, 00:30, in Tehran.
    time_machine.move_to(dt.datetime(2026, 3, 10, 21, 0, tzinfo=UTC), tick=False)
    team, _routing = routed_team()
    team_agent(team, "London", out_of_office_until=dt.date(2026, 3, 10), time_zone="Europe/London")
    team_agent(team, "Tehran", out_of_office_until=dt.date(2026, 3, 10), time_zone="Asia/Tehran")

    assert route_all(team, customer_one, 2) == ["Tehran", "Tehran"]


def test_the_team_shift_applies_unless_the_agent_has_their_own(db, customer_one, time_machine):
    weekdays = calendar_with_hours(hours={day: [(T(9), T(17))] for day in range(5)})
    evenings = calendar_with_hours(hours={day: [(T(17), T(23))] for day in range(7)})
    team, _routing = routed_team(calendar=weekdays)
    team_agent(team, "Day")
    team_agent(team, "Evening", calendar=evenings)

    time_machine.move_to(MONDAY_10, tick=False)
    assert route_all(team, customer_one, 2) == ["Day", "Day"]
    time_machine.move_to(MONDAY_10.replace(hour=18), tick=False)
    assert route_all(team, customer_one, 2) == ["Evening", "Evening"]
    time_machine.move_to(dt.datetime(2026, 3, 10, 3, 0, tzinfo=UTC), tick=False)
    assert route_all(team, customer_one, 1) == [None]


def test_inactive_members_admins_and_other_teams_agents_get_no_cases(db, customer_one, admin_user):
    team, _routing = routed_team()
    other, _other_routing = routed_team("Appliances")
    gone = team_agent(team, "Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    team.members.add(admin_user)
    team_agent(other, "Elsewhere")
    team_agent(team, "Mina", role="manager")

    assert route_all(team, customer_one, 2) == ["Mina", "Mina"]


def test_a_persian_case_goes_to_the_persian_speaking_agent(db, customer_one):
    team, _routing = routed_team()
    team_agent(team, "Ann", languages=["en"])
    team_agent(team, "Any")  # speaks whatever is needed, but names no language
    team_agent(team, "Parisa", languages=["fa", "en"])

    assert route_all(team, customer_one, 3, language="fa") == ["Parisa", "Parisa", "Parisa"]
    # English cases rotate between the two who name English; the generalist is the fallback.
    assert route_all(team, customer_one, 2, language="en") == ["Ann", "Parisa"]


def test_a_persian_case_goes_to_someone_else_when_no_persian_speaker_is_free(db, customer_one):
    team, _routing = routed_team()
    team_agent(team, "Ann", languages=["en"])
    team_agent(team, "Ben", languages=["en"])
    team_agent(team, "Parisa", languages=["fa"], status=AgentStatus.AWAY)

    assert route_all(team, customer_one, 2, language="fa") == ["Ann", "Ben"]


def test_with_skills_required_a_persian_case_waits_for_a_persian_speaker(db, customer_one):
    team, _routing = routed_team(skills_required=True)
    team_agent(team, "Ann", languages=["en"])
    parisa = team_agent(team, "Parisa", languages=["fa"], status=AgentStatus.AWAY)

    assert route_all(team, customer_one, 1, language="fa") == [None]
    assert route_all(team, customer_one, 1, language="en") == ["Ann"]

    agent_set_status(actor=parisa, user=parisa, status=AgentStatus.AVAILABLE)
    assert team_queue_drain(team_id=team.pk) == 1
    assert Case.objects.get(language="fa").assignee == parisa


def test_without_skill_matching_the_language_is_ignored(db, customer_one):
    team, _routing = routed_team(use_skills=False)
    team_agent(team, "Ann", languages=["en"])
    team_agent(team, "Parisa", languages=["fa"])

    assert route_all(team, customer_one, 2, language="fa") == ["Ann", "Parisa"]


def test_product_category_and_case_kind_pick_the_specialist(db, customer_one):
    phones, fridges = CategoryFactory.create(code="phones"), CategoryFactory.create(code="fridges")
    phone, fridge = ProductFactory.create(category=phones), ProductFactory.create(category=fridges)
    team, _routing = routed_team()
    team_agent(team, "Generalist")
    team_agent(team, "Phoebe", categories=[phones])
    team_agent(team, "Ray", categories=[fridges], case_kinds=["repair"])

    assert route_all(team, customer_one, 2, product=phone) == ["Phoebe", "Phoebe"]
    assert route_all(team, customer_one, 1, product=fridge, kind="repair") == ["Ray"]
    # A fridge question: Ray takes only repairs and Phoebe only phones, so the generalist answers.
    assert route_all(team, customer_one, 2, product=fridge, kind="question") == ["Generalist", "Generalist"]


def test_language_outweighs_the_other_skills(db, customer_one):
    phones = CategoryFactory.create(code="phones")
    phone = ProductFactory.create(category=phones)
    team, _routing = routed_team()
    team_agent(team, "Phoebe", languages=["en"], categories=[phones], case_kinds=["problem"])
    team_agent(team, "Parisa", languages=["fa"])

    # Phoebe fits the product and the kind, Parisa the language: a Persian customer reaches Parisa.
    assert route_all(team, customer_one, 1, language="fa", product=phone) == ["Parisa"]


def test_a_returning_agent_gets_the_waiting_cases_at_once(db, customer_one):
    team, _routing = routed_team()
    ana = team_agent(team, "Ana", status=AgentStatus.AWAY)
    assert route_all(team, customer_one, 3) == [None, None, None]

    agent_set_status(actor=ana, user=ana, status=AgentStatus.AVAILABLE)

    drain = PendingWork.objects.get(kind=DRAIN_KIND)
    assert drain.payload == {"team_id": team.pk}
    assert work_execute(drain.pk) == "done"
    assert Case.objects.filter(team=team, assignee=ana).count() == 3


def test_the_periodic_drain_assigns_the_oldest_waiting_cases_when_an_agent_comes_back(
    db, customer_one, time_machine
):
    time_machine.move_to(MONDAY_10, tick=False)
    team, _routing = routed_team(max_open_per_agent=2)
    team_agent(team, "Ana", out_of_office_until=dt.date(2026, 3, 9))
    quiet, _quiet_routing = routed_team("Quiet", method=RoutingMethod.MANUAL)
    team_agent(quiet, "Quinn")
    first, second, third = (waiting_case(team, customer=customer_one) for _ in range(3))
    manual = waiting_case(quiet, customer=customer_one)
    assert routing_drain.call() == 0  # type: ignore[attr-defined]

    time_machine.move_to(MONDAY_10 + dt.timedelta(days=1), tick=False)
    assert routing_drain.call() == 2  # type: ignore[attr-defined]

    assigned = {case.pk: case.assignee.full_name if case.assignee else None for case in Case.objects.all()}
    assert assigned == {first.pk: "Ana", second.pk: "Ana", third.pk: None, manual.pk: None}


def test_a_full_drain_batch_schedules_the_next_one(db, customer_one):
    team, _routing = routed_team()
    team_agent(team, "Ana")
    for _ in range(3):
        waiting_case(team, customer=customer_one)

    assert team_queue_drain(team_id=team.pk, limit=2) == 2
    assert PendingWork.objects.filter(kind=DRAIN_KIND, payload={"team_id": team.pk}).count() == 1
    assert team_queue_drain(team_id=team.pk, limit=2) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_workers_routing_at_once_never_break_the_cap():
    customer = CustomerFactory.create()
    team, routing = routed_team(max_open_per_agent=1)
    ana = team_agent(team, "Ana")
    first, second = waiting_case(team, customer=customer), waiting_case(team, customer=customer)
    results: dict[str, object] = {}

    def other_worker() -> None:
        try:
            results["second"] = case_route(case=second)
        finally:
            connection.close()

    with transaction.atomic():
        # This worker holds the team's routing lock; the other must wait for it, then see the new load.
        TeamRouting.objects.select_for_update().get(pk=routing.pk)
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second worker routed without waiting for the team lock"
        results["first"] = case_route(case=first)
    worker.join(timeout=10)

    assert results == {"first": ana, "second": None}
    assert list(Case.objects.filter(assignee=ana).values_list("pk", flat=True)) == [first.pk]
