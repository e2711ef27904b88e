"""The inbox page and its live refresh: who may see it, what it shows, pages, and its fixed query count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from vafa.core.keyset import cursor_of
from vafa.desk.inbox import SORTS
from vafa.desk.services import saved_view_create
from vafa.desk.tests.inbox_factories import make_inbox_case
from vafa.service.models import Case
from vafa.service.services import case_tag

pytestmark = pytest.mark.django_db

INBOX = "/desk/inbox/"
ROWS = "/desk/inbox/rows/"


def _references(html: str) -> list[str]:
    """The case references of the rows, in order."""
    return re.findall(r'<a class="fw-semibold" href="[^"]+">([^<]+)</a>', html)


def _link(html: str, rel: str) -> str | None:
    match = re.search(rf'href="(/desk/inbox/\?[^"]+)" rel="{rel}"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_a_customer_gets_not_found(desk_as, customer_user):
    assert desk_as(customer_user).get(INBOX).status_code == 404
    assert desk_as(customer_user).get(ROWS).status_code == 404


def test_the_agent_sees_their_cases_and_never_another_teams(desk_as, agent, team, other_team, customer):
    mine = make_inbox_case(customer, team=team, assignee=agent, subject="Screen flickers")
    hidden = make_inbox_case(customer, team=other_team, subject="Fridge is loud")

    response = desk_as(agent).get(INBOX, {"view": "all"})

    html = response.content.decode()
    assert response.status_code == 200
    assert _references(html) == [mine.reference]
    assert "Fridge is loud" not in html
    assert hidden.reference not in html
    assert f'href="/desk/cases/{mine.number}/"' in html


def test_the_default_view_is_my_open_cases_with_counts_in_the_left_column(desk_as, agent, team, customer):
    make_inbox_case(customer, team=team, assignee=agent)
    make_inbox_case(customer, team=team)

    html = desk_as(agent).get(INBOX).content.decode()

    assert "<h1" in html and "My open cases</h1>" in html
    assert 'id="inbox-count-mine">1<' in html
    assert 'id="inbox-count-unassigned">1<' in html
    assert 'id="inbox-count-team">2<' in html
    assert 'id="inbox-count-all"' not in html  # "All cases" is not counted


def test_rows_show_status_and_priority_as_text(desk_as, agent, team, customer):
    make_inbox_case(customer, team=team, assignee=agent, priority="urgent", status="pending_customer")

    html = desk_as(agent).get(INBOX).content.decode()

    assert '<span class="badge text-bg-warning">Pending customer</span>' in html
    assert '<span class="badge text-bg-danger">Urgent</span>' in html


def test_a_value_that_cannot_be_used_shows_a_message_not_an_error_page(desk_as, agent):
    response = desk_as(agent).get(INBOX, {"status": "lost", "created_from": "soon", "after": "x" * 2000})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Status: “lost” is not one of the choices, so it was ignored." in html
    assert "Opened from: “soon” is not a date (write year/month/day), so it was ignored." in html
    assert "That page link is out of date or broken; here is the first page." in html


def test_a_foreign_or_unknown_saved_view_is_not_found(desk_as, agent, other_agent):
    theirs = saved_view_create(actor=other_agent, name="Theirs", filters={"view": "open"}, sort="-updated")

    assert desk_as(agent).get(INBOX, {"saved": theirs.pk}).status_code == 404
    assert desk_as(agent).get(INBOX, {"saved": "999999"}).status_code == 404
    assert desk_as(agent).get(INBOX, {"saved": "abc"}).status_code == 404


def test_a_saved_view_applies_its_filters_and_sort(desk_as, agent, team, customer):
    urgent = make_inbox_case(customer, team=team, priority="urgent")
    make_inbox_case(customer, team=team, priority="low")
    view = saved_view_create(
        actor=agent, name="Urgent", filters={"view": "open", "priority": ["urgent"]}, sort="priority"
    )

    html = desk_as(agent).get(INBOX, {"saved": view.pk}).content.decode()

    assert _references(html) == [urgent.reference]
    assert "Urgent</h1>" in html
    assert f'id="inbox-count-saved-{view.pk}">1<' in html
    assert "Save changes to this view" not in html


def test_changing_a_saved_views_filters_offers_to_save_them(desk_as, agent, team, customer):
    view = saved_view_create(
        actor=agent, name="Urgent", filters={"view": "open", "priority": ["urgent"]}, sort="-updated"
    )

    html = (
        desk_as(agent)
        .get(INBOX, {"saved": view.pk, "filtered": "1", "view": "open", "priority": ["urgent", "high"]})
        .content.decode()
    )

    assert "Save changes to this view" in html
    assert '<input type="hidden" name="priority" value="high">' in html


def test_the_live_refresh_returns_only_the_list_and_the_counts(desk_as, agent, team, customer):
    case = make_inbox_case(customer, team=team, assignee=agent)

    response = desk_as(agent).get(ROWS, {"view": "mine"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="inbox-results"')
    assert "<html" not in html
    assert 'id="inbox-filters"' not in html
    assert 'id="inbox-bulk"' not in html
    assert _references(html) == [case.reference]
    assert '<span class="badge rounded-pill inbox-count" id="inbox-count-mine" hx-swap-oob="true">1<' in html
    assert 'hx-get="/desk/inbox/rows/?view=mine"' in html
    assert 'hx-trigger="every 30s, inbox-refresh"' in html


def test_the_live_refresh_asks_for_the_same_list(desk_as, admin_user, customer):
    make_inbox_case(customer)

    html = desk_as(admin_user).get(INBOX, {"view": "open", "sort": "priority", "tag": "vip"}).content.decode()

    assert 'hx-get="/desk/inbox/rows/?view=open&amp;tag=vip&amp;sort=priority"' in html


# --- pages ----------------------------------------------------------------------------------------


def _walk(client, params: dict[str, str]) -> tuple[list[str], list[str]]:
    """Follow the next-page links to the end, then the previous-page links back to the start."""
    forward: list[str] = []
    html = client.get(INBOX, params).content.decode()
    forward += _references(html)
    pages = [html]
    while (link := _link(html, "next")) is not None:
        html = client.get(link).content.decode()
        forward += _references(html)
        pages.append(html)
    backward: list[str] = []
    while (link := _link(html, "prev")) is not None:
        html = client.get(link).content.decode()
        backward = _references(html) + backward
    return forward, backward


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_pages_cover_every_case_once_even_with_equal_times(desk_as, admin_user, customer, sort):
    made = [make_inbox_case(customer, priority=["low", "urgent", "high"][i % 3]) for i in range(11)]
    same = timezone.now() - dt.timedelta(hours=1)
    Case.objects.filter(pk__in=[case.pk for case in made]).update(updated_at=same, created_at=same)
    client = desk_as(admin_user)

    forward, backward = _walk(client, {"view": "all", "sort": sort, "per_page": "10"})

    assert sorted(forward) == sorted(case.reference for case in made)
    assert len(forward) == 11
    assert backward == forward[:10]


def test_previous_page_returns_exactly_the_page_before(desk_as, admin_user, customer):
    made = [make_inbox_case(customer) for _ in range(25)]
    client = desk_as(admin_user)
    first = client.get(INBOX, {"view": "all", "per_page": "10"}).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    third = client.get(_link(second, "next")).content.decode()

    back_to_second = client.get(_link(third, "prev")).content.decode()
    back_to_first = client.get(_link(back_to_second, "prev")).content.decode()

    newest_first = [case.reference for case in reversed(made)]
    assert _references(first) == newest_first[:10]
    assert _references(third) == newest_first[20:]
    assert _references(back_to_second) == newest_first[10:20]
    assert _references(back_to_first) == newest_first[:10]
    assert _link(back_to_first, "prev") is None
    assert _link(third, "next") is None


def test_a_cursor_pointing_at_another_teams_case_shows_only_the_agents_own_cases(
    desk_as, agent, team, other_team, customer
):
    hidden = [make_inbox_case(customer, team=other_team) for _ in range(3)]
    mine = make_inbox_case(customer, team=team)
    Case.objects.filter(pk=mine.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))
    after = cursor_of(SORTS["-updated"], Case.objects.get(pk=hidden[-1].pk))

    html = desk_as(agent).get(INBOX, {"view": "all", "after": after}).content.decode()

    assert _references(html) == [mine.reference]


# --- fixed number of queries ----------------------------------------------------------------------


def _fill(customer, team, agent, count: int) -> None:
    for i in range(count):
        case = make_inbox_case(customer, team=team, assignee=agent)
        if i % 2 == 0:
            case_tag(actor=agent, case=case, names=["battery", f"t{i}"])


@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_runs_the_same_queries_for_5_or_50_rows(
    desk_as, agent, team, customer, django_assert_num_queries, rows
):
    _fill(customer, team, agent, rows)
    saved_view_create(
        actor=agent, name="Batteries", filters={"view": "open", "tag": ["battery"]}, sort="priority"
    )
    client = desk_as(agent)
    client.get(INBOX)  # the session is warm

    # Session, user; saved views; agents, teams, products; the agent's teams for the scope and for
    # "My teams"; the page's rows; their tags; their SLA clocks; the counts of every view; the bar's
    # unread notifications and the agent's availability.
    with django_assert_num_queries(14):
        response = client.get(INBOX, {"view": "mine", "per_page": "50"})

    assert len(_references(response.content.decode())) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_live_refresh_runs_the_same_queries_for_5_or_50_rows(
    desk_as, agent, team, customer, django_assert_num_queries, rows
):
    _fill(customer, team, agent, rows)
    client = desk_as(agent)
    client.get(ROWS)

    # Session, user; saved views; the agent's teams (twice, as above); rows; tags; counts.
    with django_assert_num_queries(9):
        response = client.get(ROWS, {"view": "team", "sort": "priority", "per_page": "50"})

    assert len(_references(response.content.decode())) == rows


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("view", ["mine", "unassigned", "team", "open", "pending", "resolved", "all"])
def test_every_view_in_every_sort_answers_for_a_viewer_in_no_team(desk_as, admin_user, customer, view, sort):
    make_inbox_case(customer)

    response = desk_as(admin_user).get(INBOX, {"view": view, "sort": sort})

    assert response.status_code == 200
