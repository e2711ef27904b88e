"""An agent answers with a macro in a real browser, in English and in Persian (right to left): the
picker opens in the reply box, the macro's text arrives with the customer's name and the case
number where the cursor was, its changes show on the case, and the reply goes out. No console error.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.automation.tests.factories import make_macro
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import Message
from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "canned-replies-2026"
OPENING = {"en": "Thank you for waiting.\n", "fa": "ممنون از صبرتان.\n"}
NAME = {"en": "Sara Ahmadi", "fa": "سارا احمدی"}
TEXTS = {
    "en": "Hello {customer_name}, we have opened {case_number} and a courier is on the way.",
    "fa": "{customer_name} عزیز، پرونده‌ی {case_number} باز شد و پیک در راه است.",
}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_agent_inserts_a_macro_and_sends_it(page, team, language):
    agent = UserFactory.create(
        email=f"macro-{language}@staff.vafa.test", role=Role.AGENT, full_name="Arash Agent", language=language
    )
    agent.set_password(PASSWORD)
    agent.save()
    team.members.add(agent)
    case = make_case(
        CustomerFactory(name=NAME[language], language=language), subject="Broken screen", team=team
    )
    make_macro(name="Courier", texts=TEXTS, actions=[{"type": "add_tag", "tag": "courier"}])
    make_macro(name="A colleague's courier note", texts={"en": "Not yours"}, owner=UserFactory.create())
    expected = {
        "en": f"Hello Sara Ahmadi, we have opened {case.reference} and a courier is on the way.",
        "fa": f"سارا احمدی عزیز، پرونده‌ی {case.reference} باز شد و پیک در راه است.",
    }[language]

    page.goto("/desk/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/.*"))
    page.goto(f"/desk/cases/{case.number}/")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")

    # The agent types a first line, opens the picker, finds the macro and picks it.
    page.fill("#case-body", OPENING[language])
    page.click("#case-macros-toggle")
    page.wait_for_selector("#case-macro-search")
    page.fill("#case-macro-search", "cour")
    page.wait_for_function("document.querySelectorAll('#case-macro-items [data-macro-apply]').length === 1")
    page.click("#case-macro-items [data-macro-apply]")

    page.wait_for_function(f"document.getElementById('case-body').value === {OPENING[language] + expected!r}")
    assert page.locator("#case-macro-done").is_visible()
    with translation.override(language):
        tag_added = gettext("Tag added: %(value)s") % {"value": "courier"}
    assert page.locator("#case-macro-changes li").all_inner_texts() == [tag_added]
    assert page.get_attribute("#case-macros", "open") is None  # the picker closed
    # The stream shows the tag the macro put on.
    page.wait_for_function("document.getElementById('case-stream').innerText.includes('courier')")

    page.click("#case-send")
    page.wait_for_url(re.compile(rf".*/desk/cases/{case.number}/#message-\d+"))
    page.wait_for_load_state("networkidle")  # the page's own requests done before the test reads the database
    sent = Message.objects.filter(case=case, author_kind="agent").get()
    # A browser sends a text box's line breaks as CR LF.
    assert sent.body_text.replace("\r\n", "\n") == OPENING[language] + expected
    assert list(case.tags.values_list("name", flat=True)) == ["courier"]
    # End on a page that polls nothing, so no request of the case page is in flight at teardown.
    page.goto("/desk/macros/")
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []
