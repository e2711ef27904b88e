"""A person's first walk through Vafa in Chromium: the home page, languages, and a case in the admin."""

import pytest

from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_switches_to_persian_right_to_left(page):
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "en"

    page.select_option("#vafa-language", "fa")
    page.locator(".vafa-lang button").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    assert page.locator("h1").inner_text() != ""
    assert page.console_errors == []


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("fa", "rtl")])
def test_manager_signs_in_and_reads_a_case_in_the_admin(page, manager, customer, language, direction):
    manager.language = language
    manager.save(update_fields=["language"])
    case = make_case(customer, subject="Washing machine leaks", body="Water on the floor after every wash.")

    page.goto("/admin/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", "pw-Vafa-2026")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/admin/service/case/{case.pk}/change/")

    assert page.locator("html").get_attribute("dir") == direction
    assert page.get_by_text("Water on the floor after every wash.", exact=True).is_visible()
    assert page.console_errors == []


def test_a_script_in_a_customer_message_stays_inert(page, manager, customer):
    case = make_case(
        customer,
        subject="<img src=x onerror=alert(1)>",
        body_html="<p>Hi<script>window.pwned=1</script></p>",
        body=None,
    )
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))

    page.goto("/admin/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", "pw-Vafa-2026")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/admin/service/case/{case.pk}/change/")

    assert page.evaluate("window.pwned") is None
    assert page.console_errors == []
