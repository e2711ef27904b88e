"""An agent sends a suggested article in a real browser: the suggestion appears beside the reply box,
"Insert link" puts the address in the customer's language where the cursor is, and the sent reply
holds it as a link — in English and in Persian (right to left)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.catalog.tests.factories import ProductFactory
from vafa.customers.tests.factories import CustomerFactory
from vafa.knowledge.tests.factories import published_article, translation
from vafa.service.models import Message
from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "send-the-article-2026"
TEXT = {
    "en": {"subject": "Kettle full of scale", "greeting": "Hello, this guide shows how:"},
    "fa": {"subject": "جرم کتری زیاد شده", "greeting": "سلام، این راهنما روش کار را می‌گوید:"},
}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_agent_inserts_a_suggested_article_and_sends_it(page, live_server, settings, team, language):
    settings.VAFA_BASE_URL = live_server.url
    agent = UserFactory.create(
        email=f"kb-{language}@staff.vafa.test", role=Role.AGENT, full_name="Kian Agent", language=language
    )
    agent.set_password(PASSWORD)
    agent.save()
    team.members.add(agent)
    kettle = ProductFactory(name="Kettle", names={"fa": "کتری"})
    article = published_article(
        texts={
            "en": ("Descale the kettle", "Kettle scale: boil water and vinegar, then rinse."),
            "fa": ("جرم‌گیری کتری", "جرم کتری: آب و سرکه را بجوشانید و بشویید."),
        },
        products=[kettle],
    )
    sent = translation(article, language)
    customer = CustomerFactory(name="Sara Ahmadi", language=language)
    case = make_case(
        customer, team=team, subject=TEXT[language]["subject"], product=kettle, language=language
    )
    expected = f"{live_server.url}/help/{language}/articles/{article.pk}-{sent.slug}/"

    page.goto("/desk/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/inbox/.*"))
    page.goto(f"/desk/cases/{case.number}/")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")

    # The article for the case's product and text appears beside the reply box, in the customer's language.
    suggestion = page.locator(f'#case-articles-results [data-kb-article="{article.pk}"]')
    suggestion.wait_for()
    assert sent.title in suggestion.inner_text()

    # Write a line, then insert the link where the cursor is.
    page.click("label[for=case-mode-reply]")
    page.fill("#case-body", TEXT[language]["greeting"])
    suggestion.locator("[data-kb-insert]").click()
    typed = page.input_value("#case-body")
    assert typed == f"{TEXT[language]['greeting']}\n{sent.title}: {expected}\n", repr(typed)

    page.click("#case-send")
    link = page.locator(f'#case-stream a[href*="/help/{language}/articles/{article.pk}-"]')
    link.wait_for()
    page.wait_for_load_state("networkidle")  # the page's own requests done before the test reads the database

    reply = Message.objects.filter(case=case, author_kind="agent").get()
    hrefs = [unquote(href) for href in re.findall(r'href="([^"]+)"', reply.body_html)]
    assert hrefs == [expected]
    # A browser posts a text area's lines with CRLF.
    assert reply.body_text.replace("\r\n", "\n") == f"{TEXT[language]['greeting']}\n{sent.title}: {expected}"
    assert unquote(link.get_attribute("href") or "") == expected
    assert page.console_errors == []
    # End on a page that polls nothing, so no request of the case page is in flight at teardown.
    page.goto("/desk/knowledge/")
    page.wait_for_load_state("networkidle")
