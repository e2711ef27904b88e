"""The manager home: who may open it, and every figure exact for cases placed on known days."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from html import unescape

import pytest

from vafa.desk.dashboard import Filters, dashboard_get, parse_filters
from vafa.service.models import CaseStatus
from vafa.service.services import case_assign, case_reply, case_resolve, case_set_status
from vafa.service.tests.factories import make_case

UTC = dt.UTC
# 12:00 UTC is 15:30 in Tehran (UTC+3:30 all year since 2022): both zones are on 10 March 2026.
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(time_machine, moment: dt.datetime) -> None:
    time_machine.move_to(moment, tick=False)


def open_case(time_machine, moment: dt.datetime, customer, **fields):
    at(time_machine, moment)
    return make_case(customer, **fields)


def page_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert match is not None
    return json.loads(unescape(match.group(1)))


def table_rows(response, table_id: str) -> list[list[str]]:
    """The rows of a table on the page as lists of cell texts (tags stripped)."""
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', response.text, re.S)
    assert match is not None
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(1), re.S)
    assert body is not None
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


# --- who may see it ---------------------------------------------------------------------------------


def test_an_agent_gets_404(desk_as, agent):
    response = desk_as(agent).get("/desk/dashboard/")

    assert response.status_code == 404


def test_a_customer_gets_404(desk_as, customer_user):
    response = desk_as(customer_user).get("/desk/dashboard/")

    assert response.status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/desk/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_see_it(desk_as, request, role):
    user = request.getfixturevalue(role)

    response = desk_as(user).get("/desk/dashboard/")

    assert response.status_code == 200
    assert 'aria-current="page" href="/desk/dashboard/"' in response.text
    assert "vendor/chart.umd.min.js" in response.text
    assert "desk/dashboard.js" in response.text


# --- figures ----------------------------------------------------------------------------------------


def test_opened_and_resolved_are_counted_on_the_viewers_days(time_machine, manager, customer, agent):
    # Given a manager in Tehran and cases around the Tehran midnight (20:30 UTC)
    manager.time_zone = "Asia/Tehran"
    manager.save(update_fields=["time_zone"])
    late_on_9th = open_case(
        time_machine, dt.datetime(2026, 3, 9, 20, 0, tzinfo=UTC), customer
    )  # 23:30 on the 9th
    open_case(time_machine, dt.datetime(2026, 3, 9, 21, 0, tzinfo=UTC), customer)  # 00:30 on the 10th
    early = open_case(time_machine, dt.datetime(2026, 3, 1, 10, 0, tzinfo=UTC), customer)
    open_case(
        time_machine, dt.datetime(2026, 2, 8, 20, 29, tzinfo=UTC), customer
    )  # 23:59 on 8 Feb: before the period
    open_case(
        time_machine, dt.datetime(2026, 2, 8, 20, 30, tzinfo=UTC), customer
    )  # 00:00 on 9 Feb: first day
    at(time_machine, dt.datetime(2026, 3, 9, 21, 10, tzinfo=UTC))  # 00:40 on the 10th
    case_resolve(actor=agent, case=early)
    at(time_machine, dt.datetime(2026, 3, 9, 20, 10, tzinfo=UTC))  # 23:40 on the 9th
    case_resolve(actor=agent, case=late_on_9th)
    at(time_machine, NOW)

    # When the figures are read for the last 30 days
    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    # Then each case falls on its Tehran day
    assert len(data.days) == 30
    assert data.days[0].day == dt.date(2026, 2, 9)
    assert data.days[-1].day == dt.date(2026, 3, 10)
    opened = {d.day: d.opened for d in data.days if d.opened}
    resolved = {d.day: d.resolved for d in data.days if d.resolved}
    assert opened == {
        dt.date(2026, 2, 9): 1,
        dt.date(2026, 3, 1): 1,
        dt.date(2026, 3, 9): 1,
        dt.date(2026, 3, 10): 1,
    }
    assert resolved == {dt.date(2026, 3, 9): 1, dt.date(2026, 3, 10): 1}
    assert (data.opened_in_period, data.resolved_in_period) == (4, 2)
    assert (data.opened_today, data.resolved_today) == (1, 1)
    assert data.days[-1].label == "2026-03-10"


def test_the_same_cases_fall_on_utc_days_for_a_viewer_in_utc(time_machine, manager, customer):
    open_case(time_machine, dt.datetime(2026, 3, 9, 20, 0, tzinfo=UTC), customer)
    open_case(time_machine, dt.datetime(2026, 3, 9, 21, 0, tzinfo=UTC), customer)
    at(time_machine, NOW)

    data = dashboard_get(viewer=manager, filters=Filters(period=7, team=""), language="en")

    assert [(d.day, d.opened) for d in data.days if d.opened] == [(dt.date(2026, 3, 9), 2)]
    assert len(data.days) == 7
    assert data.opened_today == 0


def test_aging_buckets_take_each_boundary_into_the_older_bucket(time_machine, manager, customer, agent):
    # Given open cases just inside and exactly on each boundary, and a resolved old one
    ages = {
        "a": dt.timedelta(hours=23, minutes=59),
        "b": dt.timedelta(days=1),
        "c": dt.timedelta(days=2, hours=23),
        "d": dt.timedelta(days=3),
        "e": dt.timedelta(days=6, hours=23),
        "f": dt.timedelta(days=7),
        "g": dt.timedelta(days=29, hours=23),
        "h": dt.timedelta(days=30),
        "i": dt.timedelta(days=400),
    }
    for age in ages.values():
        open_case(time_machine, NOW - age, customer)
    done = open_case(time_machine, NOW - dt.timedelta(days=50), customer)
    case_resolve(actor=agent, case=done)
    at(time_machine, NOW)

    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    assert [(b.key, b.count) for b in data.aging] == [
        ("under_1d", 1),
        ("1d_3d", 2),
        ("3d_7d", 2),
        ("7d_30d", 2),
        ("over_30d", 2),
    ]
    assert [b.percent for b in data.aging] == [
        Decimal("11.1"),
        Decimal("22.2"),
        Decimal("22.2"),
        Decimal("22.2"),
        Decimal("22.2"),
    ]
    assert data.open == 9


def test_channel_mix_counts_cases_opened_in_the_period(time_machine, manager, customer):
    for _ in range(3):
        open_case(time_machine, NOW - dt.timedelta(days=2), customer, channel="email")
    open_case(time_machine, NOW - dt.timedelta(days=5), customer, channel="phone")
    open_case(time_machine, NOW - dt.timedelta(days=40), customer, channel="chat")  # before the period
    at(time_machine, NOW)

    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    assert [(c.key, c.label, c.count, c.percent) for c in data.channels] == [
        ("email", "E-mail", 3, Decimal("75.0")),
        ("phone", "Phone", 1, Decimal("25.0")),
    ]
    assert data.channel_total == 4


def test_backlog_by_team_and_status(time_machine, manager, customer, agent, team, other_team):
    at(time_machine, NOW - dt.timedelta(days=1))
    make_case(customer, team=team)
    pending = make_case(customer, team=team)
    case_set_status(actor=agent, case=pending, status=CaseStatus.PENDING_CUSTOMER)
    make_case(customer, team=other_team)
    make_case(customer)  # no team
    resolved = make_case(customer, team=team)
    case_resolve(actor=agent, case=resolved)
    at(time_machine, NOW)

    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    assert [(s.key, s.count) for s in data.statuses] == [
        ("new", 3),
        ("open", 0),
        ("pending_customer", 1),
        ("on_hold", 0),
    ]
    assert [(row.name, row.total, row.by_status) for row in data.backlog] == [
        ("Phones", 2, (1, 0, 1, 0)),
        ("Appliances", 1, (1, 0, 0, 0)),
        ("No team", 1, (1, 0, 0, 0)),
    ]
    assert (data.open, data.unassigned) == (4, 4)


def test_unassigned_counts_open_cases_without_an_assignee(time_machine, manager, customer, agent, team):
    at(time_machine, NOW)
    taken = make_case(customer, team=team)
    case_assign(actor=manager, case=taken, assignee=agent)
    make_case(customer, team=team)

    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    assert (data.open, data.unassigned) == (2, 1)


def test_the_team_filter_limits_every_figure(time_machine, manager, customer, team, other_team):
    at(time_machine, NOW - dt.timedelta(hours=2))
    make_case(customer, team=team, channel="email")
    make_case(customer, team=other_team, channel="phone")
    make_case(customer, channel="chat")
    at(time_machine, NOW)

    mine = dashboard_get(viewer=manager, filters=Filters(period=30, team=str(team.pk)), language="en")
    general = dashboard_get(viewer=manager, filters=Filters(period=30, team="none"), language="en")

    assert (mine.open, mine.opened_today, [c.key for c in mine.channels]) == (1, 1, ["email"])
    assert [row.name for row in mine.backlog] == ["Phones"]
    assert (general.open, [c.key for c in general.channels]) == (1, ["chat"])
    assert [row.name for row in general.backlog] == ["No team"]


def test_median_first_response_of_an_even_and_an_odd_count(time_machine, manager, customer, agent):
    # Given four cases answered after 10, 30, 50 and 70 minutes
    waits = [10, 30, 50, 70]
    for i, minutes in enumerate(waits):
        opened = NOW - dt.timedelta(days=3, hours=i)
        case = open_case(time_machine, opened, customer)
        at(time_machine, opened + dt.timedelta(minutes=minutes))
        case_reply(actor=agent, case=case, body="On it.")
    open_case(time_machine, NOW - dt.timedelta(days=1), customer)  # not answered yet
    at(time_machine, NOW)

    even = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    # Then the median is the mean of the middle two
    assert even.responded == 4
    assert even.median_first_response == dt.timedelta(minutes=40)
    assert even.median_first_response_text == "40 min"

    # And with a fifth answered after 2 h 5 min it is the middle one
    case = open_case(time_machine, NOW - dt.timedelta(days=2), customer)
    at(time_machine, NOW - dt.timedelta(days=2) + dt.timedelta(hours=2, minutes=5))
    case_reply(actor=agent, case=case, body="Done.")
    at(time_machine, NOW)
    odd = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")
    assert odd.responded == 5
    assert odd.median_first_response == dt.timedelta(minutes=50)


def test_no_answered_case_has_no_median(time_machine, manager, customer):
    open_case(time_machine, NOW - dt.timedelta(days=1), customer)
    at(time_machine, NOW)

    data = dashboard_get(viewer=manager, filters=Filters(period=30, team=""), language="en")

    assert (data.responded, data.median_first_response, data.median_first_response_text) == (0, None, "")


@pytest.mark.parametrize(
    ("period", "team", "expected"),
    [
        (None, None, Filters(30, "")),
        ("7", "12", Filters(7, "12")),
        ("90", "none", Filters(90, "none")),
        ("31", "abc", Filters(30, "")),
        ("x", "-1", Filters(30, "")),
        ("7", "99999999999999999999999", Filters(7, "")),
    ],
)
def test_filters_fall_back_to_the_defaults(period, team, expected):
    assert parse_filters(period=period, team=team) == expected


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_figures_and_the_chart_data_equals_the_tables(
    time_machine, desk_as, manager, customer, team
):
    # Given cases on known days, channels and ages
    open_case(time_machine, NOW - dt.timedelta(days=2), customer, channel="email", team=team)
    open_case(time_machine, NOW - dt.timedelta(days=2), customer, channel="email")
    open_case(time_machine, NOW - dt.timedelta(hours=3), customer, channel="phone", team=team)
    open_case(time_machine, NOW - dt.timedelta(days=45), customer, channel="chat")
    at(time_machine, NOW)

    # When the manager opens the dashboard for 7 days
    response = desk_as(manager).get("/desk/dashboard/", {"period": "7"})

    # Then the headline and the tables show the figures
    assert response.status_code == 200
    assert '<dd class="fs-3 fw-semibold mb-0" data-figure="open">4</dd>' in response.text
    assert '<dd class="fs-3 fw-semibold mb-0" data-figure="opened-today">1</dd>' in response.text
    assert table_rows(response, "table-channels") == [["E-mail", "2", "66.7%"], ["Phone", "1", "33.3%"]]
    assert table_rows(response, "table-aging") == [
        ["Under 1 day", "1", "25.0%"],
        ["1–3 days", "2", "50.0%"],
        ["3–7 days", "0", "0.0%"],
        ["7–30 days", "0", "0.0%"],
        ["Over 30 days", "1", "25.0%"],
    ]
    assert table_rows(response, "table-backlog") == [
        ["Phones", "2", "0", "0", "0", "2"],
        ["No team", "2", "0", "0", "0", "2"],
    ]
    daily = table_rows(response, "table-daily")
    assert daily == [
        ["2026-03-04", "0", "0"],
        ["2026-03-05", "0", "0"],
        ["2026-03-06", "0", "0"],
        ["2026-03-07", "0", "0"],
        ["2026-03-08", "2", "0"],
        ["2026-03-09", "0", "0"],
        ["2026-03-10", "1", "0"],
    ]

    # And the chart data holds exactly the same numbers
    data = page_data(response)
    assert data["daily"]["labels"] == [row[0] for row in daily]
    assert data["daily"]["datasets"][0]["data"] == [int(row[1]) for row in daily]
    assert data["daily"]["datasets"][1]["data"] == [int(row[2]) for row in daily]
    assert data["channels"]["labels"] == ["E-mail", "Phone"]
    assert data["channels"]["datasets"][0]["data"] == [2, 1]
    assert data["aging"]["datasets"][0]["data"] == [1, 2, 0, 0, 1]
    assert data["backlog"]["labels"] == ["Phones", "No team"]
    assert [s["data"] for s in data["backlog"]["datasets"]] == [[2, 2], [0, 0], [0, 0], [0, 0]]
    assert [s["key"] for s in data["backlog"]["datasets"]] == ["new", "open", "pending_customer", "on_hold"]


def test_a_persian_viewer_reads_jalali_days_and_native_digits(time_machine, desk_as, manager, customer):
    manager.language = "fa"
    manager.time_zone = "Asia/Tehran"
    manager.native_digits = True
    manager.save(update_fields=["language", "time_zone", "native_digits"])
    open_case(time_machine, NOW - dt.timedelta(hours=1), customer)
    at(time_machine, NOW)

    response = desk_as(manager).get("/desk/dashboard/", {"period": "7"})

    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in response.text
    data = page_data(response)
    # 10 March 2026 is 19 Esfand 1404.
    assert data["daily"]["labels"][-1] == "۱۴۰۴/۱۲/۱۹"
    assert data["daily"]["labels"][0] == "۱۴۰۴/۱۲/۱۳"
    assert data["locale"] == {"language": "fa", "native_digits": True}
    assert table_rows(response, "table-daily")[-1] == ["۱۴۰۴/۱۲/۱۹", "۱", "۰"]
    assert '<dd class="fs-3 fw-semibold mb-0" data-figure="open">۱</dd>' in response.text


def test_the_team_and_period_filters_come_back_selected(desk_as, manager, team):
    response = desk_as(manager).get("/desk/dashboard/", {"period": "90", "team": str(team.pk)})

    assert response.status_code == 200
    assert '<option value="90" selected>' in response.text
    assert f'<option value="{team.pk}" selected>Phones</option>' in response.text


def test_the_page_makes_the_same_number_of_queries_with_few_and_many_cases(
    time_machine, desk_as, manager, customer, team, other_team, agent, django_assert_num_queries
):
    client = desk_as(manager)
    at(time_machine, NOW - dt.timedelta(days=3))
    first = make_case(customer, team=team)
    case_reply(actor=agent, case=first, body="Hello")
    at(time_machine, NOW)
    client.get("/desk/dashboard/")  # warm the session

    # Among them the bar's quarantine badge (managers and admins).
    with django_assert_num_queries(12) as few:
        client.get("/desk/dashboard/")

    for i in range(12):
        at(time_machine, NOW - dt.timedelta(days=i, hours=i))
        case = make_case(customer, team=team if i % 2 else other_team, channel="phone" if i % 3 else "chat")
        if i % 4 == 0:
            case_reply(actor=agent, case=case, body="Hello")
        if i % 5 == 0:
            case_resolve(actor=agent, case=case)
    at(time_machine, NOW)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/desk/dashboard/")
