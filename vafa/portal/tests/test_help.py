"""The public help centre: pages per language, search, articles, feedback, visibility, query counts."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.encoding import iri_to_uri

from vafa.catalog.tests.factories import ProductFactory
from vafa.knowledge.models import ArticleFeedback, DeflectionEvent, Visibility
from vafa.knowledge.services import article_update
from vafa.knowledge.tests.factories import ArticleCategoryFactory, published_article, translation

pytestmark = pytest.mark.django_db

BATTERY = {
    "en": ("Battery drains fast", "Lower the screen brightness and turn off background refresh."),
    "fa": ("باتری گوشی زود خالی می‌شود", "نور صفحه را کم کنید و به‌روزرسانی پس‌زمینه را خاموش کنید."),
    "ru": ("Батарея быстро разряжается", "Уменьшите яркость экрана и отключите фоновое обновление."),
}


@pytest.fixture
def shelf():
    return ArticleCategoryFactory(slug="phones", names={"en": "Phones", "fa": "گوشی‌ها"})


@pytest.fixture
def battery(shelf):
    return published_article(texts=BATTERY, category=shelf)


def url_of(article, language: str) -> str:
    return f"/help/{language}/articles/{article.pk}-{translation(article, language).slug}/"


def location_of(article, language: str) -> str:
    """The address as a Location header carries it (percent-encoded)."""
    return iri_to_uri(url_of(article, language))


def test_help_redirects_to_the_active_language(client: Client):
    # when
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="ru")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/help/ru/"


def test_unknown_language_is_not_found(client: Client):
    assert client.get("/help/de/").status_code == 404
    assert client.get("/help/xx/search/?q=battery").status_code == 404


def test_home_lists_topics_and_popular_articles_in_its_language(client: Client, battery):
    # when
    response = client.get("/help/fa/")

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="fa" dir="rtl"' in body
    assert "گوشی‌ها" in body
    assert url_of(battery, "fa") in body
    assert 'name="next" type="hidden" value="/help/"' in body


def test_search_finds_persian_typed_with_arabic_letters_and_records_the_step(client: Client, battery):
    # when
    response = client.get("/help/fa/search/?q=" + quote("باتري نور صفحه"))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert url_of(battery, "fa") in body
    assert "<mark>" in body
    event = DeflectionEvent.objects.get()
    assert (event.kind, event.source, event.language, event.query, event.result_count) == (
        "search",
        "help",
        "fa",
        "باتري نور صفحه",
        1,
    )
    assert event.visit == client.session["kb_visit"]


def test_search_with_no_match_says_so_and_offers_to_ask(client: Client, battery):
    # when
    response = client.get("/help/en/search/?q=zzyzx")

    # then
    body = response.content.decode()
    assert 'id="help-no-results"' in body
    assert 'id="help-ask"' in body
    assert DeflectionEvent.objects.get().result_count == 0


def test_an_empty_search_records_nothing(client: Client):
    assert client.get("/help/en/search/?q=+").status_code == 200
    assert not DeflectionEvent.objects.exists()


def test_article_page_shows_the_text_other_languages_and_counts_the_view(client: Client, battery):
    # when
    response = client.get(url_of(battery, "en"))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lower the screen brightness" in body
    assert 'id="help-also-in"' in body
    assert "فارسی" in body and "Русский" in body
    assert f'value="/help/articles/{battery.pk}/"' in body
    assert translation(battery, "en").view_count == 1
    view = DeflectionEvent.objects.get()
    assert (view.kind, view.article_id, view.source) == ("view", battery.pk, "help")


def test_a_wrong_or_missing_name_moves_permanently_to_the_right_address(client: Client, battery):
    # when
    wrong = client.get(f"/help/en/articles/{battery.pk}-old-title/")
    missing = client.get(f"/help/en/articles/{battery.pk}/")

    # then
    assert (wrong.status_code, wrong["Location"]) == (301, url_of(battery, "en"))
    assert (missing.status_code, missing["Location"]) == (301, url_of(battery, "en"))
    assert not DeflectionEvent.objects.exists()


def test_an_article_not_in_the_language_is_not_found_but_lists_its_languages(client: Client, battery):
    # when
    response = client.get(f"/help/ar/articles/{battery.pk}-x/")

    # then
    assert response.status_code == 404
    body = response.content.decode()
    assert url_of(battery, "fa") in body
    assert url_of(battery, "en") in body


def test_the_language_switcher_leads_to_the_same_article_in_the_chosen_language(client: Client, battery):
    # when the reader switches to Russian on the English article
    switched = client.post("/portal/language/", {"language": "ru", "next": f"/help/articles/{battery.pk}/"})
    landed = client.get(switched["Location"])

    # then
    assert switched["Location"] == f"/help/articles/{battery.pk}/"
    assert (landed.status_code, landed["Location"]) == (302, location_of(battery, "ru"))


def test_the_language_switcher_on_a_missing_language_lists_the_others(client: Client, battery):
    # when
    landed = client.get(f"/help/articles/{battery.pk}/", HTTP_ACCEPT_LANGUAGE="ar")

    # then
    assert landed["Location"] == f"/help/ar/articles/{battery.pk}/"
    assert client.get(landed["Location"]).status_code == 404


def test_internal_articles_are_for_staff_only(client: Client, agent, customer_user, battery):
    # given
    article_update(actor=None, article=battery, visibility=Visibility.INTERNAL)
    address = url_of(battery, "en")

    # when
    anonymous = client.get(address)
    client.force_login(customer_user)
    customer = client.get(address)
    client.force_login(agent)
    staff = client.get(address)

    # then
    assert (anonymous.status_code, customer.status_code, staff.status_code) == (404, 404, 200)
    assert 'id="help-internal"' in staff.content.decode()


def test_drafts_are_not_shown(client: Client):
    # given
    draft = published_article(texts={"en": BATTERY["en"]}, drafts=["en"])

    # when
    response = client.get(url_of(draft, "en"))

    # then
    assert response.status_code == 404


def test_category_page_lists_its_articles(client: Client, battery, shelf):
    # when
    response = client.get("/help/fa/categories/phones/")

    # then
    assert response.status_code == 200
    assert url_of(battery, "fa") in response.content.decode()
    assert client.get("/help/fa/categories/nothing/").status_code == 404


def test_feedback_with_htmx_thanks_and_a_second_answer_changes_it(client: Client, battery):
    # given
    address = f"/help/en/articles/{battery.pk}/feedback/"
    client.get(url_of(battery, "en"))

    # when
    first = client.post(address, {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    second = client.post(
        address, {"helpful": "no", "comment": "Where is background refresh?"}, HTTP_HX_REQUEST="true"
    )

    # then
    assert first.status_code == 200 and "Thank you! We are glad it helped." in first.content.decode()
    assert second.status_code == 200
    row = ArticleFeedback.objects.get()
    assert (row.helpful, row.comment, len(row.reader_key)) == (False, "Where is background refresh?", 64)
    readable = translation(battery, "en")
    assert (readable.helpful_count, readable.unhelpful_count) == (0, 1)


def test_feedback_without_htmx_redirects_back_to_the_article(client: Client, battery):
    # when
    response = client.post(f"/help/fa/articles/{battery.pk}/feedback/", {"helpful": "yes"})

    # then
    assert response.status_code == 302
    assert response["Location"] == location_of(battery, "fa") + "#help-feedback"
    assert translation(battery, "fa").helpful_count == 1


def test_bad_feedback_is_refused_and_nothing_changes(client: Client, battery):
    # when
    response = client.post(
        f"/help/en/articles/{battery.pk}/feedback/", {"helpful": "maybe"}, HTTP_HX_REQUEST="true"
    )
    on_draft = client.post(
        f"/help/en/articles/{published_article(texts={'en': BATTERY['en']}, drafts=['en']).pk}/feedback/",
        {"helpful": "yes"},
    )

    # then
    assert response.status_code == 422
    assert on_draft.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_help_pages_need_a_fixed_number_of_queries(client: Client, shelf, django_assert_num_queries):
    # given a session already made, and several articles
    articles = [published_article(texts=BATTERY, category=shelf) for _ in range(5)]
    client.get("/help/en/search/?q=battery")
    address = url_of(articles[0], "en")

    # when / then: the same count whatever the number of articles
    with django_assert_num_queries(4):  # session, topics (2), popular
        client.get("/help/en/")
    with django_assert_num_queries(3):  # session, search, the search step
        client.get("/help/en/search/?q=battery")
    with django_assert_num_queries(7):  # session, article, its languages; in a savepoint: count, step
        client.get(address)
    with django_assert_num_queries(3):  # session, topic, its articles
        client.get("/help/en/categories/phones/")


def test_search_for_a_product_records_it_and_an_unknown_product_is_ignored(client: Client, battery):
    # given
    product = ProductFactory.create()

    # when
    client.get(f"/help/en/search/?q=battery&product={product.pk}")
    client.get("/help/en/search/?q=battery&product=999999")

    # then
    assert list(DeflectionEvent.objects.order_by("id").values_list("product_id", "result_count")) == [
        (product.pk, 1),
        (None, 1),
    ]
