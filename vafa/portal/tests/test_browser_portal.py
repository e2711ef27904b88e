"""A customer's whole way through the portal in a real browser, in English and in Persian (right to
left, Jalali dates): sign up, register a unit and see its warranty, ask for help and get an article
suggested while typing, send the request anyway, read the agent's reply, answer, and rate the
resolution. And the help widget on a shop's plain page, served from another origin, sends a request.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail

from vafa.accounts.tests.portal_mail import mail_link_path, portal_mail_deliver
from vafa.catalog.tests.factories import ProductFactory
from vafa.core.dates import format_date
from vafa.knowledge.tests.factories import published_article
from vafa.sales.models import Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.models import Case, CaseRating, Message
from vafa.service.services import case_reply, case_resolve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kettle-journey-2026"
TEXT = {
    "en": {
        "name": "Lena Park",
        "article": (
            "Kettle does not heat: clean the base",
            "Unplug the kettle and clean the contacts of its base.",
        ),
        "typed": "kettle does not heat",
        "description": "The light comes on but the water stays cold.",
        "agent": "Please send us a photo of the base plate.",
        "customer": "Here it is: the plate looks burnt.",
        "comment": "Quick and friendly.",
    },
    "fa": {
        "name": "لیلا پارسا",
        "article": (
            "کتری گرم نمی‌شود: پایه را تمیز کنید",
            "دوشاخه را بکشید و اتصالات پایه کتری را تمیز کنید.",
        ),
        "typed": "کتری گرم نمیشود",
        "description": "چراغ روشن می‌شود ولی آب سرد می‌ماند.",
        "agent": "لطفاً از صفحه پایه عکس بفرستید.",
        "customer": "بفرمایید: صفحه سوخته به نظر می‌رسد.",
        "comment": "سریع و مهربان.",
    },
}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_customer_signs_up_registers_asks_and_rates(page, agent, language):
    text = TEXT[language]
    kettle = ProductFactory(name="Kettle K2", names={"fa": "کتری K2"})
    order = OrderFactory(number=f"SHOP-{language}-1001")
    unit = UnitFactory(
        product=kettle,
        owner=None,
        serial_number=f"K2-{language}-0001",
        order_line=OrderLineFactory(order=order, product=kettle),
        warranty_end=dt.date(2027, 6, 30),
    )
    article = published_article(texts={language: text["article"]}, products=[kettle])
    email = f"lena-{language}@example.test"
    expected_dir = "rtl" if language == "fa" else "ltr"

    # Sign up in the reader's language, confirm the address from the e-mail.
    page.goto("/portal/signup/")
    if language != "en":
        with page.expect_navigation():
            page.select_option("#portal-language", language)
    assert page.get_attribute("html", "dir") == expected_dir
    page.fill("#id_full_name", text["name"])
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.select_option("#id_language", language)
    page.click("#portal-signup-submit")
    page.wait_for_url(re.compile(r".*/portal/signup/sent/"))
    assert portal_mail_deliver() == 1
    page.goto(mail_link_path(mail.outbox[-1], "/portal/signup/confirm/"))
    page.click("#portal-verify-submit")
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == expected_dir

    # Register the unit with the order number: proven at once, the warranty end shows.
    page.click("#portal-home-register")
    page.fill("#id_serial_number", unit.serial_number)
    page.fill("#id_order_number", order.number)
    page.click("#portal-register-submit")
    page.wait_for_selector("#portal-register-result[data-status=approved]")
    unit = Unit.objects.get(pk=unit.pk)
    ends = format_date(unit.warranty_end, language=language, with_time=False)
    assert ends in page.inner_text("#portal-register-warranty")
    if language == "fa":
        assert "۱۴۰۶" in ends or "1406" in ends  # 30 June 2027 is in the Jalali year 1406

    # Ask for help about the unit: an article for that product appears while typing; read it.
    page.goto(f"/portal/ask/?unit={unit.pk}")
    assert page.is_checked(f"#ask-about-unit-{unit.pk}")
    page.select_option("#id_kind", "problem")
    page.locator("#id_subject").press_sequentially(text["typed"])
    hit = page.locator("#ask-hits a", has_text=text["article"][0])
    hit.wait_for()
    hit.click()
    page.wait_for_selector("#ask-article-title")
    assert text["article"][1] in page.inner_text("#ask-article")

    # Not answered after all: send the request.
    page.fill("#id_description", text["description"])
    page.click("#ask-submit")
    page.wait_for_selector("#ask-sent-number")
    case = Case.objects.get()
    assert page.inner_text("#ask-sent-number") == case.reference
    assert (case.unit_id, case.product_id, case.channel, case.language) == (
        unit.pk,
        kettle.pk,
        "portal",
        language,
    )
    assert case.customer.account.email == email

    # An agent answers; the customer reads it and replies.
    case_reply(actor=agent, case=case, body=text["agent"], status="pending_customer")
    page.click("#ask-sent-open")
    page.wait_for_selector("#request-conversation")
    assert text["agent"] in page.inner_text("#request-conversation")
    assert page.inner_text("#request-opened") == format_date(
        Case.objects.get(pk=case.pk).created_at, language=language
    )
    page.fill("#id_body", text["customer"])
    page.click("#request-reply-submit")
    page.wait_for_selector(f"#request-conversation >> text={text['customer']}")
    assert Message.objects.filter(case=case, author_kind="customer").count() == 2

    # The agent resolves; the customer rates five stars.
    case_resolve(actor=agent, case=case)
    page.reload()
    page.click("label[for=rating-5]")
    page.fill("#id_comment", text["comment"])
    page.click("#request-rating-submit")
    page.wait_for_selector("#request-rating-given")
    rating = CaseRating.objects.get()
    assert (rating.case_id, rating.score, rating.comment) == (case.pk, 5, text["comment"])
    assert page.get_attribute("html", "dir") == expected_dir
    assert page.console_errors == []
    assert article.pk


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def shop_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain static web server on another port: another origin than Vafa's live server."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_help_widget_on_a_shops_page_finds_an_article_and_sends_a_request(page, live_server, shop_site):
    folder, shop_url = shop_site
    published_article(
        texts={"en": ("Track your order", "Open the link in your order e-mail to follow the parcel.")}
    )
    (folder / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'><title>Shop</title></head>"
        "<body><h1>Kettle shop</h1>"
        f'<script src="{live_server.url}/static/portal/widget.js" data-vafa-language="en" async></script>'
        "</body></html>",
        encoding="utf-8",
    )

    page.goto(f"{shop_url}/index.html")
    page.click("#vafa-help-button")
    assert page.get_attribute("#vafa-help-button", "aria-expanded") == "true"
    frame = page.frame_locator("#vafa-help-frame")
    frame.locator("#widget-q").fill("track order")
    frame.locator("#widget-search-submit").click()
    frame.locator("#widget-hits a", has_text="Track your order").click()
    frame.locator("#widget-article-title").wait_for()
    frame.locator("#widget-ask-link").click()
    frame.locator("#id_name").fill("Nima Rahimi")
    frame.locator("#id_email").fill("nima@example.test")
    frame.locator("#id_subject").fill("Where is my kettle?")
    frame.locator("#id_description").fill("The tracking link says nothing since Monday.")
    frame.locator("#widget-ask-submit").click()
    frame.locator("#widget-sent-number").wait_for()

    case = Case.objects.get()
    assert frame.locator("#widget-sent-number").inner_text() == case.reference
    assert (case.subject, case.channel, case.customer.name) == (
        "Where is my kettle?",
        "portal",
        "Nima Rahimi",
    )
    assert case.customer.contact_points.get().value == "nima@example.test"
    assert page.url.startswith(shop_url)
    assert page.console_errors == []
