"""A visitor uses the help centre in a real browser: searches (Persian typed with Arabic letters),
opens the article, switches it to another language, and answers "Was this helpful?" (htmx) — in
English and in Persian (right to left)."""

from __future__ import annotations

import re

import pytest

from vafa.knowledge.tests.factories import published_article, translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": ("Resetting the router", "Press the Reset button on the back for ten seconds."),
    "fa": ("ریست کردن روتر", "دکمه Reset پشت روتر را ده ثانیه نگه دارید."),
    "ru": ("Как сбросить роутер", "Нажмите кнопку Reset на задней панели на десять секунд."),
}
QUERY = {"en": "reset router", "fa": "ريست كردن روتر"}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_visitor_finds_reads_switches_language_and_answers(page, live_server, language):
    # given
    article = published_article(texts=TEXTS)

    # when the visitor searches from the help centre's home
    page.goto(f"/help/{language}/")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")
    page.fill("#help-q", QUERY[language])
    page.click("#help-search-submit")
    page.wait_for_url(re.compile(r".*/search/\?q=.*"))

    # then the article is the first result, with the words marked
    first = page.locator("#help-results .help-hit-title").first
    assert first.inner_text() == TEXTS[language][0]
    assert page.locator("#help-results mark").count() >= 1

    # when the visitor opens it and says it helped
    first.click()
    page.wait_for_selector("#help-article-body")
    page.click("#help-feedback-yes")
    page.wait_for_selector("#help-feedback-title[role=status]")

    # then the answer is counted without leaving the page
    assert translation(article, language).helpful_count == 1
    assert page.locator("#help-feedback-form").count() == 0

    # when the visitor switches the page to Russian
    page.select_option("#portal-language", "ru")
    page.wait_for_url(re.compile(r".*/help/ru/articles/.*"))

    # then the same article is shown in Russian
    assert page.locator("#help-article-title").inner_text() == TEXTS["ru"][0]
