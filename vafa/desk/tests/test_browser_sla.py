"""Service levels in a real browser, in English and in Persian (right to left): an agent opens a case
and reads its Service level card — the due time in their calendar and the state in words — and a
manager opens Service levels from the bar and reads the compliance table. No page logs a console
error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.core.dates import format_date
from vafa.service.tests.factories import make_case
from vafa.sla.calendars import schedules_forget
from vafa.sla.models import Metric, SlaClock
from vafa.sla.selectors import VIEW_STATE_LABELS, ViewState
from vafa.sla.tests.factories import SlaPolicyFactory, calendar_with_hours
from vafa.sla.tests.factories_sla import run_sla_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "keep-the-promise-2026"


def sign_in(page, user) -> None:
    page.goto("/desk/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/.*"))


def staff(role: str, language: str, team):
    user = UserFactory.create(
        email=f"sla-{role}-{language}@staff.vafa.test",
        role=role,
        full_name=f"{role.title()} {language}",
        language=language,
        time_zone="Asia/Tehran",
    )
    user.set_password(PASSWORD)
    user.save()
    if role == Role.AGENT:
        team.members.add(user)
    return user


@pytest.mark.parametrize("language", ["en", "fa"])
def test_agent_reads_the_card_and_manager_reads_compliance(
    browser, live_server, page, team, customer, language
):
    schedules_forget()
    always = calendar_with_hours(name="Always", hours={day: [(dt.time(0), dt.time(0))] for day in range(7)})
    SlaPolicyFactory(
        name="Standard",
        calendar=always,
        first_response_minutes=240,
        next_response_minutes=None,
        resolution_minutes=960,
    )
    agent = staff(Role.AGENT, language, team)
    manager = staff(Role.MANAGER, language, team)
    case = make_case(customer, team=team)
    run_sla_work()
    first = SlaClock.objects.get(case=case, metric=Metric.FIRST_RESPONSE)
    due = format_date(first.due_at, language=language, tz="Asia/Tehran")
    with translation.override(language):
        title = gettext("Service level")
        on_track = str(VIEW_STATE_LABELS[ViewState.ON_TRACK])
        first_label = str(Metric.FIRST_RESPONSE.label)
    direction = "rtl" if language == "fa" else "ltr"

    # The agent opens the case: the card names each target, its due time and its state.
    sign_in(page, agent)
    page.goto(f"/desk/cases/{case.number}/")
    assert page.get_attribute("html", "dir") == direction
    card = page.locator("#case-sla")
    assert card.locator("#case-sla-title").inner_text().strip() == title
    line = card.locator('[data-sla-metric="first_response"]')
    assert first_label in line.inner_text()
    assert line.locator("[data-sla-badge]").inner_text().strip() == on_track
    assert due in line.locator("[data-sla-due]").inner_text()
    assert page.locator("#desk-nav-sla").count() == 0
    assert page.console_errors == []

    # The manager opens Service levels from the bar and reads the table by policy.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    manager_page = context.new_page()
    errors: list[str] = []
    manager_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    manager_page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(manager_page, manager)
    manager_page.click("#desk-nav-sla")
    manager_page.wait_for_url(re.compile(r".*/desk/sla/$"))
    assert manager_page.get_attribute("html", "dir") == direction
    row = manager_page.locator("#table-sla tbody tr")
    assert row.count() == 1
    cells = [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
    # Standard: nothing met or breached yet, two targets running, no share yet.
    assert cells[0] == "Standard"
    assert cells[1:] == (["۰", "۰", "۲", "—"] if manager.native_digits else ["0", "0", "2", "—"])
    assert manager_page.locator("#chart-sla").count() == 1
    assert errors == []
    context.close()
