"""An agent's day in a real browser: sign in, filter the inbox, open a case, reply, note, reassign,
resolve — in English and in Persian (right to left, Jalali dates). A script a customer sent never
runs, and no page logs a console error.
"""

from __future__ import annotations

import re

import pytest

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.core.dates import format_date
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import CaseStatus, Message
from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "walk-the-desk-2026"
PAYLOAD = '<p>Help!</p><script>window.__xss = "script"</script><img src="x" onerror="window.__xss = \'img\'">'

TEXT = {
    "en": {
        "reply": "We are sending a courier for the phone tomorrow.",
        "note": "Checked the warranty: valid.",
    },
    "fa": {"reply": "فردا پیک برای گوشی می‌فرستیم.", "note": "گارانتی بررسی شد: معتبر است."},
}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_agent_works_a_case_from_inbox_to_resolved(page, team, language):
    agent = UserFactory.create(
        email=f"walker-{language}@staff.vafa.test",
        role=Role.AGENT,
        full_name="Walker Agent",
        language=language,
        time_zone="Asia/Tehran",
    )
    agent.set_password(PASSWORD)
    agent.save()
    colleague = UserFactory.create(
        email="colleague@staff.vafa.test", role=Role.AGENT, full_name="Cora Colleague"
    )
    team.members.add(agent, colleague)
    customer = CustomerFactory(name="Sara Ahmadi", language=language)
    case = make_case(customer, subject="Phone screen flickers", body_html=PAYLOAD, priority="high", team=team)
    make_case(
        CustomerFactory(name="Quiet Customer"), subject="Low priority question", priority="low", team=team
    )
    expected_dir = "rtl" if language == "fa" else "ltr"

    # Sign in.
    page.goto("/desk/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/inbox/.*"))
    assert page.get_attribute("html", "dir") == expected_dir
    assert page.get_attribute("html", "lang") == language

    # Filter the inbox to high-priority cases.
    page.goto("/desk/inbox/?view=open")
    page.click("#inbox-filters details.inbox-filter-panel > summary")
    page.select_option("#inbox-f-priority", ["high"])
    page.click("#inbox-filters details.inbox-filter-panel button[type=submit]")
    page.wait_for_url(re.compile(r".*priority=high.*"))
    rows = page.locator("#inbox-results tr[data-row-link]")
    assert rows.count() == 1
    assert "Phone screen flickers" in rows.first.inner_text()

    # Open the case: the customer's script is shown inert.
    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/desk/cases/{case.number}/.*"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#case-stream script").count() == 0
    assert page.locator("#case-stream [onerror]").count() == 0
    assert page.locator("#case-stream img").count() == 0  # the customer's image is a link, not loaded
    opened = format_date(case.created_at, language=language, tz="Asia/Tehran")
    assert opened in page.locator("#case-header").inner_text()
    if language == "fa":
        assert re.search(r"1[34]\d\d/\d\d/\d\d", opened)  # a Jalali year, 13xx or 14xx

    # Reply to the customer.
    page.click("label[for=case-mode-reply]")
    page.fill("#case-body", TEXT[language]["reply"])
    page.click("#case-send")
    page.locator("#case-stream").get_by_text(TEXT[language]["reply"]).wait_for()

    # Add an internal note: it looks different from a reply.
    page.click("label[for=case-mode-note]")
    page.fill("#case-body", TEXT[language]["note"])
    page.click("#case-send")
    note = page.locator("#case-stream .desk-note").filter(has_text=TEXT[language]["note"])
    note.wait_for()
    assert note.count() == 1

    # Reassign to a colleague.
    page.click('#case-header a.case-edit[hx-get$="/field/assignee/"]')
    page.select_option("select[name=edit-assignee]", str(colleague.pk))
    page.locator("#case-header form:has(select[name=edit-assignee]) button[type=submit]").click()
    page.locator("#case-header dd").get_by_text("Cora Colleague").wait_for()

    # Resolve.
    page.click('#case-header a[hx-get$="/field/status/"]')
    page.fill("textarea[name=edit-summary]", "Courier booked.")
    page.click("#case-header button[name=edit-do][value=resolve]")
    page.locator("#case-header .case-status-resolved").wait_for()

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.assignee_id == colleague.pk
    assert case.resolution_summary == "Courier booked."
    bodies = list(Message.objects.filter(case=case).order_by("id").values_list("is_internal", "body_text"))
    assert bodies[-2:] == [(False, TEXT[language]["reply"]), (True, TEXT[language]["note"])]
    assert page.console_errors == []
