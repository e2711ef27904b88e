"""The desk's Automation pages: rules in order with their switch and figures, the run log in keyset
pages — for managers and admins only, in English and Persian, with fixed query counts."""

from __future__ import annotations

import datetime as dt
import re

import jdatetime
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.automation import selectors
from vafa.automation.models import Rule, RuleRun
from vafa.automation.tests.factories import make_rule, rule_triggers_fresh  # noqa: F401
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def run(rule, case, *, outcome="applied", days_ago=0.0, detail=None, key=None):
    return RuleRun.objects.create(
        rule=rule,
        case=case,
        event_key=key or f"event:{RuleRun.objects.count() + 1}",
        outcome=outcome,
        detail=detail or {"matched": [], "actions": ["add_tag: auto"], "errors": []},
        fired_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def rule_rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="rule-\d+" data-rule="(\d+)"', response.content.decode())]


def run_rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-run="(\d+)"', response.content.decode())]


def test_agents_and_customers_find_no_automation_pages(desk_as, agent, customer_user):
    rule = make_rule()
    for user in (agent, customer_user):
        client = desk_as(user)
        assert client.get("/desk/automation/").status_code == 404
        assert client.get("/desk/automation/log/").status_code == 404
        assert client.post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "0"}).status_code == 404
        assert (
            client.post(f"/desk/automation/rules/{rule.pk}/move/", {"direction": "down"}).status_code == 404
        )
    rule.refresh_from_db()
    assert rule.is_active is True
    assert "desk-nav-automation" not in desk_as(agent).get("/desk/").content.decode()


def test_a_manager_sees_the_rules_in_order_with_their_figures(desk_as, manager):
    first = make_rule(name="Welcome", trigger="case.opened")
    second = make_rule(
        name="Chase", trigger="time", time_status="pending_customer", time_minutes=1260, is_active=False
    )
    case = make_case()
    run(first, case, days_ago=1)
    run(first, case, days_ago=2)
    run(first, case, days_ago=9)

    response = desk_as(manager).get("/desk/automation/")

    assert response.status_code == 200
    assert rule_rows(response) == [first.pk, second.pk]
    html = response.content.decode()
    assert 'id="desk-nav-automation"' in html
    assert "Case opened" in html
    assert "Pending customer for 1260 business minutes" in html
    assert f'href="/desk/automation/log/?rule={first.pk}" data-runs="2">2</a>' in html
    assert f'href="/desk/automation/log/?rule={second.pk}" data-runs="0">0</a>' in html
    assert html.count('data-active="1"') == 1 and html.count('data-active="0"') == 1


def test_the_page_is_persian_and_right_to_left_for_a_persian_manager(desk_as, manager):
    manager.language = "fa"
    manager.save()
    rule = make_rule(name="خوشامد")
    run(rule, make_case(), days_ago=0)

    html = desk_as(manager).get("/desk/automation/").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert "خوشامد" in html
    fired = RuleRun.objects.get().fired_at
    assert jdatetime.datetime.fromgregorian(datetime=fired).strftime("%Y/%m/%d") in html


def test_moving_a_rule_up_and_down_changes_the_order(desk_as, manager):
    a, b, c = make_rule(name="A"), make_rule(name="B"), make_rule(name="C")
    client = desk_as(manager)

    response = client.post(f"/desk/automation/rules/{c.pk}/move/", {"direction": "up"})

    assert response.status_code == 302
    assert response["Location"] == f"/desk/automation/#rule-{c.pk}"
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["A", "C", "B"]
    client.post(f"/desk/automation/rules/{a.pk}/move/", {"direction": "down"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["C", "A", "B"]
    assert AuditLog.objects.filter(action="rule.reorder").count() == 2
    assert client.post(f"/desk/automation/rules/{b.pk}/move/", {"direction": "sideways"}).status_code == 404


def test_switching_a_rule_off_and_on(desk_as, manager):
    rule = make_rule(name="Welcome")
    client = desk_as(manager)

    response = client.post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "0"}, follow=True)

    rule.refresh_from_db()
    assert rule.is_active is False
    assert "“Welcome” is off." in response.content.decode()
    client.post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "1"})
    rule.refresh_from_db()
    assert rule.is_active is True


def test_the_forms_need_the_csrf_token(csrf_client, manager):
    rule = make_rule()

    assert (
        csrf_client(manager).post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "0"}).status_code
        == 403
    )
    rule.refresh_from_db()
    assert rule.is_active is True


def test_the_log_lists_runs_newest_first_with_links_to_cases_and_filters(desk_as, manager):
    welcome, chase = make_rule(name="Welcome"), make_rule(name="Chase")
    case = make_case()
    old = run(welcome, case, days_ago=2)
    failed = run(
        chase,
        case,
        outcome="failed",
        days_ago=1,
        detail={
            "matched": [],
            "actions": [],
            "errors": [
                {"action": {"type": "set_status", "status": "closed"}, "error": "Not now.", "code": "x"}
            ],
        },
    )
    stopped = run(welcome, case, outcome="loop_stopped", days_ago=0)
    client = desk_as(manager)

    response = client.get("/desk/automation/log/")

    assert run_rows(response) == [stopped.pk, failed.pk, old.pk]
    html = response.content.decode()
    assert f'<a href="/desk/cases/{case.number}/">{case.reference}</a>' in html
    assert "Status: Closed: Not now." in html
    assert '<code dir="ltr">add_tag: auto</code>' in html
    assert run_rows(client.get(f"/desk/automation/log/?rule={welcome.pk}")) == [stopped.pk, old.pk]
    assert run_rows(client.get("/desk/automation/log/?outcome=failed")) == [failed.pk]
    assert run_rows(client.get("/desk/automation/log/?outcome=nonsense&rule=x")) == [
        stopped.pk,
        failed.pk,
        old.pk,
    ]


def test_the_log_walks_keyset_pages_and_survives_a_broken_cursor(desk_as, manager, monkeypatch):
    monkeypatch.setattr(selectors, "RUN_PAGE_SIZE", 2)
    rule, case = make_rule(), make_case()
    runs = [run(rule, case, days_ago=5 - n) for n in range(5)]
    newest_first = [r.pk for r in reversed(runs)]
    client = desk_as(manager)

    first = client.get("/desk/automation/log/")
    next_query = (
        re.search(r'rel="next" href="\?([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    )
    second = client.get(f"/desk/automation/log/?{next_query}")

    assert run_rows(first) == newest_first[:2]
    assert run_rows(second) == newest_first[2:4]
    assert run_rows(client.get("/desk/automation/log/?after=not-a-cursor")) == newest_first[:2]


def test_the_log_and_the_rules_take_the_same_queries_for_few_rows_or_many(
    desk_as, manager, django_assert_num_queries
):
    rule = make_rule()
    run(rule, make_case())
    client = desk_as(manager)
    client.get("/desk/automation/log/")
    with CaptureQueriesContext(connection) as few_log:
        client.get("/desk/automation/log/")
    with CaptureQueriesContext(connection) as few_rules:
        client.get("/desk/automation/")
    for _ in range(4):
        other = make_rule()
        for _n in range(3):
            run(other, make_case())

    # session, user, the page of runs (with rule and case), the rules of the filter, and the bar's
    # quarantine badge, the agent's availability and unread notifications.
    with django_assert_num_queries(len(few_log.captured_queries)):
        response = client.get("/desk/automation/log/")
    assert len(few_log.captured_queries) == 7
    assert len(run_rows(response)) == 13
    with django_assert_num_queries(len(few_rules.captured_queries)):
        response = client.get("/desk/automation/")
    assert len(rule_rows(response)) == 5
