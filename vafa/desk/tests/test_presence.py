"""The collision notice: who else has the case open, who is typing, and news since the page loaded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vafa.accounts.tests.factories import UserFactory
from vafa.desk.models import CasePresence
from vafa.desk.presence import presence_leave, presence_others, presence_touch
from vafa.service import services
from vafa.service.models import CaseEvent
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    user = UserFactory(full_name="Olga Colleague")
    team.members.add(user)
    return user


# --- presence.py ----------------------------------------------------------------------------------


def test_touch_records_one_row_per_agent_and_case(agent, team, customer):
    case = make_case(customer, team=team)

    presence_touch(user=agent, case=case, typing=False)
    presence_touch(user=agent, case=case, typing=True)

    row = CasePresence.objects.get()
    assert (row.case, row.user, row.is_typing) == (case, agent, True)


def test_others_are_the_other_agents_seen_lately_typists_first(agent, colleague, admin_user, team, customer):
    case = make_case(customer, team=team)
    presence_touch(user=agent, case=case, typing=False)
    presence_touch(user=admin_user, case=case, typing=False)
    presence_touch(user=colleague, case=case, typing=True)

    others = presence_others(case=case, user=agent)

    assert [(p.user, p.is_typing) for p in others] == [(colleague, True), (admin_user, False)]


def test_agents_not_heard_from_lately_are_gone(agent, colleague, team, customer):
    case = make_case(customer, team=team)
    presence_touch(user=colleague, case=case, typing=True)
    CasePresence.objects.update(seen_at=timezone.now() - dt.timedelta(seconds=31))

    assert presence_others(case=case, user=agent) == []


def test_other_cases_do_not_count(agent, colleague, team, customer):
    case = make_case(customer, team=team)
    elsewhere = make_case(customer, team=team)
    presence_touch(user=colleague, case=elsewhere, typing=False)

    assert presence_others(case=case, user=agent) == []


def test_stale_rows_are_cleaned_on_the_next_touch(agent, colleague, team, customer):
    case = make_case(customer, team=team)
    elsewhere = make_case(customer, team=team)
    presence_touch(user=colleague, case=elsewhere, typing=False)
    CasePresence.objects.update(seen_at=timezone.now() - dt.timedelta(minutes=6))

    presence_touch(user=agent, case=case, typing=False)

    assert list(CasePresence.objects.values_list("user_id", "case_id")) == [(agent.pk, case.pk)]


def test_leave_forgets_the_agent(agent, team, customer):
    case = make_case(customer, team=team)
    presence_touch(user=agent, case=case, typing=False)

    presence_leave(user=agent, case=case)

    assert CasePresence.objects.count() == 0


def test_deactivated_agents_are_not_shown(agent, colleague, team, customer):
    case = make_case(customer, team=team)
    presence_touch(user=colleague, case=case, typing=False)
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])

    assert presence_others(case=case, user=agent) == []


# --- the page's ping ------------------------------------------------------------------------------


def _ping(client, case, *, typing: bool = False, since: int | str | None = None):
    if since is None:  # as the page does: the newest event when it was loaded
        since = CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
    return client.post(
        f"/desk/cases/{case.number}/presence/",
        {"typing": "1" if typing else "0", "since": str(since)},
        HTTP_HX_REQUEST="true",
    )


def test_two_agents_see_each_other(desk_as, agent, colleague, team, customer):
    case = make_case(customer, team=team)
    mine, theirs = desk_as(agent), desk_as(colleague)

    first = _ping(mine, case)
    _ping(theirs, case)
    second = _ping(mine, case)
    their_view = _ping(theirs, case)

    assert first.content.decode().strip() == ""
    assert "Olga Colleague is viewing this case" in second.content.decode()
    assert "Arash Agent is viewing this case" in their_view.content.decode()


def test_typing_shows(desk_as, agent, colleague, team, customer):
    case = make_case(customer, team=team)

    _ping(desk_as(colleague), case, typing=True)
    response = _ping(desk_as(agent), case)

    assert "Olga Colleague is typing a reply" in response.content.decode()


def test_page_shows_who_is_there_at_once(desk_as, agent, colleague, team, customer):
    case = make_case(customer, team=team)
    _ping(desk_as(colleague), case)

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    region = html[html.index('id="case-presence-status"') :]
    assert region.startswith(
        'id="case-presence-status" class="case-presence" role="status" aria-live="polite">'
    )
    assert "Olga Colleague is viewing this case" in region[:600]


def test_page_pings_every_ten_seconds_and_on_typing(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    last_event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert 'hx-trigger="load, every 10s, case-presence-ping"' in html
    assert f'<input type="hidden" name="since" value="{last_event.pk}">' in html


def test_news_from_someone_else_asks_to_reload(desk_as, agent, colleague, team, customer):
    case = make_case(customer, team=team)
    since = CaseEvent.objects.filter(case=case).order_by("-id").first().pk
    services.case_reply(actor=colleague, case=case, body="I answered already.")

    response = _ping(desk_as(agent), case, since=since)

    assert "New activity since you opened this case." in response.content.decode()


def test_own_changes_are_not_news(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    since = CaseEvent.objects.filter(case=case).order_by("-id").first().pk
    services.case_set_priority(actor=agent, case=case, priority="high")

    response = _ping(desk_as(agent), case, since=since)

    assert "New activity" not in response.content.decode()


def test_customer_message_is_news(desk_as, agent, team, customer, customer_user):
    case = make_case(customer, team=team)
    since = CaseEvent.objects.filter(case=case).order_by("-id").first().pk
    services.case_customer_reply(case=case, customer=customer, actor=customer_user, body="Any news?")

    response = _ping(desk_as(agent), case, since=since)

    assert "New activity since you opened this case." in response.content.decode()


@pytest.mark.parametrize("since", ["", "abc", "-1", "9" * 40])
def test_odd_since_values_are_ignored(desk_as, agent, team, customer, since):
    case = make_case(customer, team=team)

    response = _ping(desk_as(agent), case, since=since)

    assert response.status_code == 200
    assert "New activity" not in response.content.decode()


def test_ping_takes_a_fixed_number_of_queries(
    desk_as, agent, colleague, admin_user, team, customer, django_assert_num_queries
):
    case = make_case(customer, team=team)
    _ping(desk_as(colleague), case, typing=True)
    _ping(desk_as(admin_user), case)
    client = desk_as(agent)
    _ping(client, case)

    # session, user, teams (scope), the case, update the row, clean stale rows, others, news
    with django_assert_num_queries(8):
        _ping(client, case, since=1)


def test_leaving_the_page_removes_the_agent_at_once(desk_as, agent, colleague, team, customer):
    case = make_case(customer, team=team)
    _ping(desk_as(colleague), case)

    response = desk_as(colleague).post(f"/desk/cases/{case.number}/presence/", {"leave": "1"})

    assert response.status_code == 204
    assert "Olga" not in _ping(desk_as(agent), case).content.decode()


def test_agent_outside_the_scope_cannot_ping(desk_as, other_agent, team, customer):
    case = make_case(customer, team=team)

    response = _ping(desk_as(other_agent), case)

    assert response.status_code == 404
    assert CasePresence.objects.count() == 0


def test_ping_refuses_forged_posts(csrf_client, agent, team, customer):
    case = make_case(customer, team=team)

    response = _ping(csrf_client(agent), case)

    assert response.status_code == 403
    assert CasePresence.objects.count() == 0


def test_ping_is_post_only(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    assert desk_as(agent).get(f"/desk/cases/{case.number}/presence/").status_code == 405
