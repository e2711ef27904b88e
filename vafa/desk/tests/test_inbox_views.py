"""The inbox's built-in views, filters, sorts and counts: the right cases for each viewer, nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.catalog.tests.factories import ProductFactory
from vafa.desk import inbox as ib
from vafa.desk.tests.inbox_factories import make_inbox_case, set_times
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import Case
from vafa.service.services import case_merge, case_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_user, agent, other_agent, team, other_team, customer, other_customer):
    """Cases across the two teams, no team, both agents and every kind of status."""
    teammate = UserFactory.create(full_name="Tina Teammate")
    team.members.add(teammate)
    made = {
        "mine_new": make_inbox_case(customer, team=team, assignee=agent),
        "mine_pending": make_inbox_case(customer, team=team, assignee=agent, status="pending_customer"),
        "mine_resolved": make_inbox_case(customer, team=team, assignee=agent, status="resolved"),
        "team_unassigned": make_inbox_case(customer, team=team),
        "team_teammate": make_inbox_case(customer, team=team, assignee=teammate, status="on_hold"),
        "queue": make_inbox_case(other_customer),  # no team, nobody: the general queue
        "queue_closed": make_inbox_case(other_customer, status="closed"),
        "other_team": make_inbox_case(other_customer, team=other_team, assignee=other_agent),
        "other_unassigned": make_inbox_case(other_customer, team=other_team, status="pending_customer"),
        "other_resolved": make_inbox_case(other_customer, team=other_team, status="resolved"),
        "mine_elsewhere": make_inbox_case(other_customer, team=other_team, status="open"),
    }
    # Another team's case given to the agent while they were in that team: still theirs to see.
    Case.objects.filter(pk=made["mine_elsewhere"].pk).update(assignee=agent)
    return made


def _names(world: dict[str, Case], cases: list[Case]) -> set[str]:
    by_pk = {case.pk: name for name, case in world.items()}
    return {by_pk[case.pk] for case in cases}


def _view(viewer, slug: str, **params: str) -> list[Case]:
    query = ib.inbox_query(QueryDict(mutable=True) | {"view": slug, **params, "per_page": "100"})
    return ib.inbox_cases(scope=ib.inbox_scope(viewer=viewer), query=query).items


# --- built-in views -------------------------------------------------------------------------------


def test_each_view_holds_exactly_its_cases_for_an_agent(world, agent):
    assert _names(world, _view(agent, "mine")) == {"mine_new", "mine_pending", "mine_elsewhere"}
    assert _names(world, _view(agent, "unassigned")) == {"team_unassigned", "queue"}
    assert _names(world, _view(agent, "team")) == {
        "mine_new",
        "mine_pending",
        "team_unassigned",
        "team_teammate",
    }
    assert _names(world, _view(agent, "open")) == {
        "mine_new",
        "mine_pending",
        "team_unassigned",
        "team_teammate",
        "queue",
        "mine_elsewhere",
    }
    assert _names(world, _view(agent, "pending")) == {"mine_pending"}
    assert _names(world, _view(agent, "resolved")) == {"mine_resolved", "queue_closed"}
    assert _names(world, _view(agent, "all")) == {
        "mine_new",
        "mine_pending",
        "mine_resolved",
        "team_unassigned",
        "team_teammate",
        "queue",
        "queue_closed",
        "mine_elsewhere",
    }


def test_an_admin_sees_every_team_in_the_shared_views(world, admin_user):
    assert _names(world, _view(admin_user, "mine")) == set()
    assert _names(world, _view(admin_user, "team")) == set()  # an admin in no team
    assert _names(world, _view(admin_user, "unassigned")) == {"team_unassigned", "queue", "other_unassigned"}
    assert _names(world, _view(admin_user, "pending")) == {"mine_pending", "other_unassigned"}
    assert _names(world, _view(admin_user, "resolved")) == {"mine_resolved", "queue_closed", "other_resolved"}
    assert len(_view(admin_user, "all")) == len(world)


def test_counts_match_the_views_and_come_from_one_query(world, agent, django_assert_num_queries):
    scope = ib.inbox_scope(viewer=agent)

    with django_assert_num_queries(1):
        counts = ib.inbox_counts(scope=scope)

    assert counts == {"mine": 3, "unassigned": 2, "team": 4, "open": 6, "pending": 1, "resolved": 2}


def test_another_teams_agent_sees_none_of_the_agents_team_in_any_view_or_count(world, other_agent):
    scope = ib.inbox_scope(viewer=other_agent)

    seen = set()
    for view in ib.BUILTIN_VIEWS:
        seen |= _names(world, _view(other_agent, view.slug))

    assert seen == {
        "queue",
        "queue_closed",
        "other_team",
        "other_unassigned",
        "other_resolved",
        "mine_elsewhere",
    }
    assert ib.inbox_counts(scope=scope) == {
        "mine": 1,
        "unassigned": 2,
        "team": 3,
        "open": 4,
        "pending": 1,
        "resolved": 2,
    }


def test_a_crafted_filter_cannot_reach_outside_the_scope(world, other_agent, team):
    cases = _view(other_agent, "all", team=str(team.pk), assignee="none")

    assert cases == []


def test_resolved_view_leaves_out_old_and_merged_cases(world, admin_user, customer, team):
    old = make_inbox_case(customer, team=team, status="resolved")
    Case.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    merged = make_inbox_case(customer, team=team)
    case_merge(actor=admin_user, source=merged, target=world["mine_new"])

    names = {case.pk for case in _view(admin_user, "resolved")}

    assert old.pk not in names
    assert merged.pk not in names
    assert names == {world["mine_resolved"].pk, world["queue_closed"].pk, world["other_resolved"].pk}


# --- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "pending_customer"}, {"mine_pending", "other_unassigned"}),
        ({"status": ["resolved", "closed"]}, {"mine_resolved", "queue_closed", "other_resolved"}),
        ({"assignee": "me"}, {"mine_new", "mine_pending", "mine_resolved", "mine_elsewhere"}),
        ({"assignee": "none", "team": "none"}, {"queue", "queue_closed"}),
        ({"assignee": ["me", "none"], "status": "new"}, {"mine_new", "team_unassigned", "queue"}),
    ],
)
def test_status_assignee_and_team_filters(world, admin_user, agent, params, expected):
    query_dict = QueryDict(mutable=True)
    query_dict.setlist("view", ["all"])
    for key, value in params.items():
        query_dict.setlist(key, value if isinstance(value, list) else [value])
    query = ib.inbox_query(query_dict)
    viewer = agent if "me" in str(params.get("assignee")) else admin_user

    cases = ib.inbox_cases(scope=ib.inbox_scope(viewer=viewer), query=query).items

    assert _names(world, cases) == expected


def test_kind_channel_priority_language_and_product_filters(admin_user, customer, other_customer):
    product = ProductFactory()
    match = make_inbox_case(
        customer, kind="repair", channel="phone", priority="urgent", language="fa", product=product
    )
    for field, value in [
        ("kind", "question"),
        ("channel", "email"),
        ("priority", "low"),
        ("language", "en"),
        ("product", None),
    ]:
        fields = {
            "kind": "repair",
            "channel": "phone",
            "priority": "urgent",
            "language": "fa",
            "product": product,
        }
        fields[field] = value
        make_inbox_case(other_customer, **fields)

    query = ib.inbox_query(
        QueryDict(f"view=all&kind=repair&channel=phone&priority=urgent&language=fa&product={product.pk}")
    )
    cases = ib.inbox_cases(scope=ib.inbox_scope(viewer=admin_user), query=query).items

    assert [case.pk for case in cases] == [match.pk]


def test_tag_filter_matches_any_of_the_tags(admin_user, customer):
    battery = make_inbox_case(customer)
    screen = make_inbox_case(customer)
    make_inbox_case(customer)
    case_tag(actor=admin_user, case=battery, names=["battery", "vip"])
    case_tag(actor=admin_user, case=screen, names=["screen"])

    query = ib.inbox_query(QueryDict("view=all&tag=Battery, screen"))
    cases = ib.inbox_cases(scope=ib.inbox_scope(viewer=admin_user), query=query).items

    assert {case.pk for case in cases} == {battery.pk, screen.pk}


def test_warranty_filter_reads_the_units_warranty_today_and_else_the_status_at_opening(admin_user, customer):
    today = timezone.localdate()
    # Under warranty when opened, expired since: an agent asks about the warranty today.
    lapsed_unit = UnitFactory(owner=customer, warranty_start=today - dt.timedelta(days=400))
    lapsed_unit.warranty_end = today - dt.timedelta(days=35)
    lapsed_unit.save()
    lapsed = make_inbox_case(customer, unit=lapsed_unit)
    Case.objects.filter(pk=lapsed.pk).update(warranty_status_at_open="in_warranty")
    covered = make_inbox_case(customer, unit=UnitFactory(owner=customer))
    no_unit_expired = make_inbox_case(customer)
    Case.objects.filter(pk=no_unit_expired.pk).update(warranty_status_at_open="expired")
    make_inbox_case(customer)  # no unit, nothing known

    def warranty(status: str) -> set[int]:
        query = ib.inbox_query(QueryDict(f"view=all&warranty={status}"))
        return {
            case.pk for case in ib.inbox_cases(scope=ib.inbox_scope(viewer=admin_user), query=query).items
        }

    assert warranty("expired") == {lapsed.pk, no_unit_expired.pk}
    assert warranty("in_warranty") == {covered.pk}


def test_date_ranges_take_whole_days_in_the_readers_calendar(admin_user, customer):
    early = make_inbox_case(customer)
    inside = make_inbox_case(customer)
    late = make_inbox_case(customer)
    set_times(early, created="2026-03-19T23:30:00+03:30")
    set_times(inside, created="2026-03-21T12:00:00+03:30", updated="2026-03-25T10:00:00+03:30")
    set_times(late, created="2026-03-23T00:10:00+03:30")

    def pks(params: str) -> set[int]:
        query = ib.inbox_query(QueryDict(params))
        return {
            case.pk for case in ib.inbox_cases(scope=ib.inbox_scope(viewer=admin_user), query=query).items
        }

    with timezone.override("Asia/Tehran"):
        # 1405/01/01 is 2026-03-21; Persian digits are read too.
        assert pks("view=all&created_from=۱۴۰۵/۰۱/۰۱&created_to=1405/01/02") == {inside.pk}
        assert pks("view=all&created_from=2026-03-20&created_to=2026-03-22") == {inside.pk}
        assert pks("view=all&updated_from=2026-03-25") == {inside.pk}
        assert pks("view=all&created_to=2026-03-19") == {early.pk}


def test_parse_date_reads_jalali_gregorian_and_native_digits():
    assert ib.parse_date("1405/01/01") == dt.date(2026, 3, 21)
    assert ib.parse_date("۱۴۰۵/۰۱/۰۱") == dt.date(2026, 3, 21)
    assert ib.parse_date("٢٠٢٦-٠٣-٢١") == dt.date(2026, 3, 21)
    assert ib.parse_date("2026.3.21") == dt.date(2026, 3, 21)
    assert ib.parse_date("1405/13/01") is None
    assert ib.parse_date("2026-02-30") is None
    assert ib.parse_date("tomorrow") is None
    assert ib.parse_date("9999-01-01") is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("status=lost", "Status: “lost” is not one of the choices, so it was ignored."),
        ("priority=asap", "Priority: “asap” is not one of the choices, so it was ignored."),
        ("team=abc", "Team: “abc” is not one of the choices, so it was ignored."),
        ("assignee=-3", "Assignee: “-3” is not one of the choices, so it was ignored."),
        (
            "created_from=yesterday",
            "Opened from: “yesterday” is not a date (write year/month/day), so it was ignored.",
        ),
        ("view=everything", "There is no view “everything”; showing your open cases."),
        ("sort=name", "There is no sort order “name”; sorted by last update."),
        ("after=not-a-cursor", "That page link is out of date or broken; here is the first page."),
        ("per_page=1000", "Show 10, 25, 50, 100 cases per page."),
        (
            "created_from=2026-05-02&created_to=2026-05-01",
            "Opened from is after Opened until: no case can match.",
        ),
    ],
)
def test_values_that_cannot_be_used_are_reported_and_left_out(params, message):
    query = ib.inbox_query(QueryDict(params))

    assert list(query.errors) == [message]


def test_ids_the_filter_bar_does_not_offer_are_refused(agent, team):
    choices = ib.inbox_choices()

    query = ib.inbox_query(QueryDict(f"team={team.pk}&team=999999&product=5"), choices=choices)

    assert query.filters.team == (team.pk,)
    assert query.filters.product == ()
    assert list(query.errors) == [
        "Team: “999999” is not one of the choices, so it was ignored.",
        "Product: “5” is not one of the choices, so it was ignored.",
    ]


def test_agent_choices_are_active_staff_in_one_query(
    admin_user, agent, other_agent, customer_user, django_assert_num_queries
):
    UserFactory.create(full_name="Gone Agent", is_active=False)
    manager = UserFactory.create(full_name="Bahar Manager", role=Role.MANAGER)

    with django_assert_num_queries(1):
        agents = ib.agent_choices()

    assert [user.pk for user in agents] == [admin_user.pk, agent.pk, manager.pk, other_agent.pk]


# --- sorts ----------------------------------------------------------------------------------------


def test_each_sort_orders_the_cases(admin_user, customer):
    a = make_inbox_case(customer, priority="low")
    b = make_inbox_case(customer, priority="urgent")
    c = make_inbox_case(customer, priority="high")
    d = make_inbox_case(customer, priority="urgent")
    set_times(a, created="2026-01-01T10:00:00+00:00", updated="2026-01-05T10:00:00+00:00")
    set_times(b, created="2026-01-02T10:00:00+00:00", updated="2026-01-03T10:00:00+00:00")
    set_times(c, created="2026-01-03T10:00:00+00:00", updated="2026-01-06T10:00:00+00:00")
    set_times(d, created="2026-01-04T10:00:00+00:00", updated="2026-01-04T10:00:00+00:00")

    def order(sort: str) -> list[int]:
        return [case.pk for case in _view(admin_user, "all", sort=sort)]

    assert order("-updated") == [c.pk, a.pk, d.pk, b.pk]
    assert order("updated") == [b.pk, d.pk, a.pk, c.pk]
    assert order("-created") == [d.pk, c.pk, b.pk, a.pk]
    assert order("created") == [a.pk, b.pk, c.pk, d.pk]
    assert order("priority") == [d.pk, b.pk, c.pk, a.pk]
