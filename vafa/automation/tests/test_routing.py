"""What sets routing off (a case moved into a routed team, unassigned, reopened), which cases it leaves
alone, and how much it costs: one load query for the whole team."""

from __future__ import annotations

from django.utils import translation

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.automation.models import RoutingMethod
from vafa.automation.routing import ROUTE_KIND, ROUTING_REASONS, case_route, team_queue_drain
from vafa.automation.tests.factories_routing import routed_team, team_agent, waiting_case, waiting_cases
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import Case, CaseStatus
from vafa.service.services import case_assign, case_merge, case_reopen, case_resolve
from vafa.service.tests.factories import make_case


def run_routing_work() -> list[str]:
    """Run the routing work that is waiting, as a worker would; return each outcome."""
    works = PendingWork.objects.filter(kind=ROUTE_KIND, state=PendingWork.State.PENDING).order_by("pk")
    return [work_execute(work.pk) for work in works]


def routing_work_for(case: Case) -> int:
    return PendingWork.objects.filter(kind=ROUTE_KIND, payload__case_id=case.pk).count()


def test_a_case_opened_in_a_routed_team_is_assigned_by_the_worker(db):
    team, _routing = routed_team()
    ana = team_agent(team, "Ana")

    case = waiting_case(team)
    assert case.assignee is None
    assert run_routing_work() == ["done"]

    case.refresh_from_db()
    assert case.assignee == ana


def test_a_case_moved_into_a_routed_team_is_routed_there(db, manager):
    team, _routing = routed_team()
    ana = team_agent(team, "Ana")
    elsewhere = make_case(subject="Wrong desk")
    assert routing_work_for(elsewhere) == 0

    case_assign(actor=manager, case=elsewhere, team=team, assignee=None)
    run_routing_work()

    elsewhere.refresh_from_db()
    assert (elsewhere.team, elsewhere.assignee) == (team, ana)


def test_a_case_its_agent_lets_go_of_goes_to_the_next_agent(db):
    team, _routing = routed_team()
    ana, bob = team_agent(team, "Ana"), team_agent(team, "Bob")
    case = waiting_case(team)
    run_routing_work()
    case.refresh_from_db()
    assert case.assignee == ana

    case_assign(actor=ana, case=case, assignee=None)
    run_routing_work()

    case.refresh_from_db()
    assert case.assignee == bob


def test_routing_its_own_assignment_schedules_no_more_routing(db):
    team, _routing = routed_team()
    team_agent(team, "Ana")
    case = waiting_case(team)

    run_routing_work()

    # One row for the move into the team; the assignment it made is not a reason to route again.
    assert routing_work_for(case) == 1


def test_a_reopened_case_without_an_agent_is_routed_and_one_with_an_agent_keeps_them(db, manager):
    team, _routing = routed_team()
    ana, bob = team_agent(team, "Ana"), team_agent(team, "Bob")
    kept = make_case(team=team, assignee=ana)
    orphan = waiting_case(team)
    run_routing_work()  # the orphan goes to Ana, the first in turn
    for case in (kept, orphan):
        case.refresh_from_db()
        case_resolve(actor=manager, case=case)
    case_assign(actor=manager, case=orphan, assignee=None)
    run_routing_work()

    for case in (kept, orphan):
        case_reopen(actor=manager, case=case)
    run_routing_work()

    kept.refresh_from_db()
    orphan.refresh_from_db()
    assert kept.assignee == ana
    assert (orphan.status, orphan.assignee) == (CaseStatus.OPEN, bob)


def test_a_manual_team_keeps_its_cases_in_the_queue(db):
    team, _routing = routed_team(method=RoutingMethod.MANUAL)
    team_agent(team, "Ana")
    case = waiting_case(team)

    assert case_route(case=case) is None
    assert team_queue_drain(team_id=team.pk) == 0
    case.refresh_from_db()
    assert case.assignee is None


def test_a_team_without_routing_and_a_case_without_a_team_are_left_alone(db, team, agent):
    in_team = waiting_case(team)
    no_team = make_case(subject="Nobody's yet")

    assert case_route(case=in_team) is None
    assert case_route(case=no_team) is None
    assert Case.objects.filter(assignee__isnull=False).count() == 0


def test_resolved_merged_and_assigned_cases_are_not_routed(db, manager):
    team, _routing = routed_team()
    ana = team_agent(team, "Ana")
    customer = CustomerFactory.create()
    resolved, merged, target = waiting_cases(team, customer, 3)
    case_resolve(actor=manager, case=resolved)
    case_merge(actor=manager, source=merged, target=target)
    taken = make_case(customer, team=team, assignee=ana)

    assert [case_route(case=case) for case in (resolved, merged, taken)] == [None, None, None]
    resolved.refresh_from_db()
    merged.refresh_from_db()
    taken.refresh_from_db()
    assert (resolved.assignee, merged.assignee, taken.assignee) == (None, None, ana)


def test_routing_reads_the_case_as_it_is_when_the_work_runs(db, manager):
    team, _routing = routed_team()
    team_agent(team, "Ana")
    other, _other_routing = routed_team("Appliances")
    olga = team_agent(other, "Olga")
    case = waiting_case(team)
    # Before the worker gets to it, a manager moves the case on.
    case_assign(actor=manager, case=case, team=other, assignee=None)

    run_routing_work()

    case.refresh_from_db()
    assert (case.team, case.assignee) == (other, olga)


def test_the_load_is_counted_in_one_query_however_many_agents(db, django_assert_num_queries):
    customer = CustomerFactory.create()
    small, _small_routing = routed_team("Small")
    large, _large_routing = routed_team("Large")
    for i in range(2):
        team_agent(small, f"Small{i}")
    for i in range(12):
        team_agent(large, f"Large{i}")
    cases = waiting_cases(small, customer, 2) + waiting_cases(large, customer, 2)
    for case in (cases[0], cases[2]):  # both teams now have a last assigned agent
        case_route(case=case)

    with django_assert_num_queries(15) as small_queries:
        case_route(case=cases[1])
    with django_assert_num_queries(len(small_queries.captured_queries)):
        case_route(case=cases[3])


def test_the_routing_reason_is_stored_as_a_code_and_read_in_the_readers_language(db):
    team, _routing = routed_team(method=RoutingMethod.LEAST_OPEN)
    team_agent(team, "Ana")
    case = waiting_case(team)

    case_route(case=case)

    reason = case.events.get(kind="assigned").data["reason"]
    assert reason == "least_open"
    with translation.override("en"):
        assert str(ROUTING_REASONS[reason]) == "least open cases"


def test_a_customer_account_is_never_a_candidate(db, customer_user):
    team, _routing = routed_team()
    team.members.add(customer_user)
    staff = UserFactory.create(role=Role.AGENT, full_name="Staff")
    team.members.add(staff)

    assert case_route(case=waiting_case(team)) == staff
