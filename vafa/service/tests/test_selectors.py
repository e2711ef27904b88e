import pytest

from vafa.core.errors import NotFound
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.service.selectors import case_get, case_list, message_list
from vafa.service.services import case_assign, case_note
from vafa.service.tests.factories import make_case


def test_agents_see_their_teams_unteamed_and_assigned_cases(
    db, manager, agent, other_agent, team, other_team, customer
):
    mine = make_case(customer)
    case_assign(actor=manager, case=mine, team=team)
    theirs = make_case(customer)
    case_assign(actor=manager, case=theirs, team=other_team)
    queue = make_case(customer)
    given = make_case(customer)
    case_assign(actor=manager, case=given, team=other_team)
    other_team.members.add(agent)
    case_assign(actor=manager, case=given, assignee=agent)
    other_team.members.remove(agent)

    assert set(case_list(viewer=agent)) == {mine, queue, given}
    assert set(case_list(viewer=other_agent)) == {theirs, queue, given}
    assert set(case_list(viewer=manager)) == {mine, theirs, queue, given}
    with pytest.raises(NotFound):
        case_get(viewer=agent, case_id=theirs.pk)


def test_agent_with_all_cases_flag_sees_everything(db, manager, agent, other_team, customer):
    case = make_case(customer)
    case_assign(actor=manager, case=case, team=other_team)
    agent.sees_all_cases = True
    agent.save(update_fields=["sees_all_cases"])

    assert list(case_list(viewer=agent)) == [case]


def test_customer_sees_only_own_cases(db, customer, customer_user, other_customer):
    own = make_case(customer)
    make_case(other_customer)

    assert list(case_list(viewer=customer_user)) == [own]


def test_organisation_sharing_widens_a_customers_view(db):
    from vafa.accounts.services import customer_account_ensure

    org = OrganisationFactory(share_with_members=False)
    alice = CustomerFactory(organisation=org)
    bob = CustomerFactory(organisation=org)
    alice_user = customer_account_ensure(actor=None, customer=alice)
    bobs_case = make_case(bob)

    assert list(case_list(viewer=alice_user)) == []
    org.share_with_members = True
    org.save(update_fields=["share_with_members"])
    assert list(case_list(viewer=alice_user)) == [bobs_case]


def test_inactive_users_see_nothing(db, manager, customer):
    make_case(customer)
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    assert list(case_list(viewer=manager)) == []


def test_customers_never_see_internal_notes(db, agent, customer, customer_user):
    case = make_case(customer)
    case_note(actor=agent, case=case, body="VIP, be generous")

    assert [m.is_internal for m in message_list(viewer=customer_user, case=case)] == [False]
    assert [m.is_internal for m in message_list(viewer=agent, case=case)] == [False, True]


@pytest.mark.parametrize("rows", [3, 12])
def test_case_list_query_count_does_not_grow_with_rows(
    db, manager, agent, customer, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_case(customer)

    with django_assert_num_queries(1):
        seen = [
            (c.customer.name, c.team, c.assignee, c.unit, c.product) for c in case_list(viewer=manager)[:50]
        ]
    assert len(seen) == rows
    with django_assert_num_queries(2):  # the agent's teams, then the cases
        seen = [(c.customer.name, c.team, c.assignee) for c in case_list(viewer=agent)[:50]]
    assert len(seen) == rows
