"""An agent says where they are from the desk bar, in a real browser, in English and in Persian (right
to left): Away, then out of office until a day written in their calendar, then Available again. The
state in the bar changes without a page load and survives one; no page logs a console error.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.automation.availability import agent_today
from vafa.automation.models import AgentProfile, AgentStatus
from vafa.core.dates import format_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "back-in-five-2026"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_agent_goes_away_and_comes_back_from_the_bar(page, team, language):
    agent = UserFactory.create(
        email=f"presence-{language}@staff.vafa.test",
        role=Role.AGENT,
        full_name="Arash Agent",
        language=language,
        time_zone="Asia/Tehran",
    )
    agent.set_password(PASSWORD)
    agent.save()
    team.members.add(agent)
    back_on = agent_today(agent, timezone.now()) + dt.timedelta(days=3)
    typed = format_date(back_on, language=language, with_time=False)  # 1405/01/15 or 2026-04-04
    with translation.override(language):
        available, away = gettext("Available"), gettext("Away")
        out_until = gettext("Out of office until %(date)s") % {"date": typed}
    state = page.locator("#desk-availability-state")

    page.goto("/desk/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/inbox/.*"))
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")
    assert state.inner_text().strip() == available
    inbox_url = page.url

    # Away: the bar says so at once, without leaving the page.
    page.click("#desk-availability-toggle")
    page.click("#desk-set-away")
    page.wait_for_function("document.querySelector('#desk-availability').dataset.presence === 'away'")
    assert state.inner_text().strip() == away
    assert page.url == inbox_url
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.AWAY

    # Out of office until a day written as the agent writes dates (Jalali for Persian).
    page.click("#desk-availability-toggle")
    page.fill("#desk-ooo-until", typed)
    page.click("#desk-set-ooo")
    page.wait_for_function(
        "document.querySelector('#desk-availability').dataset.presence === 'out_of_office'"
    )
    assert state.inner_text().strip() == out_until
    assert AgentProfile.objects.get(user=agent).out_of_office_until == back_on

    # The state is the account's, not the page's: a reload shows it too.
    page.reload()
    assert state.inner_text().strip() == out_until

    # Available again.
    page.click("#desk-availability-toggle")
    page.click("#desk-set-available")
    page.wait_for_function("document.querySelector('#desk-availability').dataset.presence === 'available'")
    assert state.inner_text().strip() == available
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.status, profile.out_of_office_until) == (AgentStatus.AVAILABLE, None)
    assert page.console_errors == []
