from __future__ import annotations

import pytest
from django.test import Client

from vafa.catalog.tests.factories import ProductFactory
from vafa.knowledge.models import Visibility
from vafa.knowledge.tests.factories import published_article

pytestmark = pytest.mark.django_db

ROUTER = {
    "en": ("Resetting the router", "Press the Reset button for ten seconds."),
    "ru": ("Как сбросить роутер", "Нажмите кнопку Reset на десять секунд."),
}


def test_anyone_searches_public_articles_without_a_token(client: Client):
    # given
    article = published_article(texts=ROUTER)

    # when
    response = client.get("/api/v1/kb/search", {"q": "сброс роутера", "language": "ru"})

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["article_id"], i["language"], i["title"]) for i in items] == [
        (article.pk, "ru", "Как сбросить роутер")
    ]
    assert items[0]["url"] == f"/help/ru/articles/{article.pk}-как-сбросить-роутер/"


def test_internal_articles_need_a_staff_token(client: Client, api_as, agent, customer_user):
    # given
    article = published_article(texts=ROUTER, visibility=Visibility.INTERNAL)
    query = {"q": "router", "language": "en"}

    # when
    anonymous = client.get("/api/v1/kb/search", query).json()["items"]
    customer = api_as(customer_user).get("/api/v1/kb/search", query).json()["items"]
    staff = api_as(agent).get("/api/v1/kb/search", query).json()["items"]
    read_anonymous = client.get(f"/api/v1/kb/articles/{article.pk}", {"language": "en"})
    read_staff = api_as(agent).get(f"/api/v1/kb/articles/{article.pk}", {"language": "en"})

    # then
    assert (anonymous, customer) == ([], [])
    assert [i["article_id"] for i in staff] == [article.pk]
    assert read_anonymous.status_code == 404
    assert read_anonymous.json()["error"]["code"] == "not_found"
    assert read_staff.status_code == 200
    assert read_staff.json()["visibility"] == "internal"


def test_a_wrong_token_is_refused(client: Client):
    response = client.get("/api/v1/kb/search", {"q": "router"}, HTTP_AUTHORIZATION="Bearer vafa_wrong")
    assert response.status_code == 401


def test_an_article_reads_in_the_asked_language_with_its_other_languages(client: Client):
    # given
    article = published_article(texts=ROUTER)

    # when
    response = client.get(f"/api/v1/kb/articles/{article.pk}", {"language": "en"})
    missing = client.get(f"/api/v1/kb/articles/{article.pk}", {"language": "fa"})

    # then
    body = response.json()
    assert (body["title"], body["body_html"], body["helpful_count"]) == (
        "Resetting the router",
        "<p>Press the Reset button for ten seconds.</p>",
        0,
    )
    assert [(v["language"], v["name"]) for v in body["languages"]] == [("en", "English"), ("ru", "Русский")]
    assert missing.status_code == 404


def test_search_takes_a_product_and_checks_its_input(client: Client):
    # given
    product = ProductFactory.create()
    article = published_article(texts=ROUTER, products=[product])

    # when
    found = client.get("/api/v1/kb/search", {"q": "router", "language": "en", "product_id": product.pk})
    bad_language = client.get("/api/v1/kb/search", {"q": "router", "language": "de"})
    bad_limit = client.get("/api/v1/kb/search", {"q": "router", "limit": "500"})

    # then
    assert [i["article_id"] for i in found.json()["items"]] == [article.pk]
    assert (bad_language.status_code, bad_limit.status_code) == (422, 422)
    assert bad_language.json()["error"]["code"] == "validation_error"
