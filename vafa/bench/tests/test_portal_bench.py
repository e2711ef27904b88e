"""The self-service bench: its seed (cases topped up in SQL, a portal customer, indexed articles in
four languages) and its query battery."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from vafa.accounts.models import User
from vafa.bench.portal import (
    KB_QUERIES,
    PORTAL_CUSTOMER_EMAIL,
    SHELF,
    article_texts,
    kb_search_path,
    seed_self_service,
)
from vafa.bench.results import unit_of
from vafa.catalog.models import Product
from vafa.knowledge.models import Article, ArticleSearchDocument, ArticleTranslation
from vafa.knowledge.selectors import article_search
from vafa.service.models import Case, CaseEvent, Message


def test_the_seed_tops_up_cases_signs_a_customer_in_and_indexes_articles_in_four_languages(db):
    seeded = seed_self_service(cases=300, articles=19, customer_cases=25)
    again = seed_self_service(cases=300, articles=19, customer_cases=25)

    account = User.objects.get(email=PORTAL_CUSTOMER_EMAIL)
    own = Case.objects.filter(customer=account.customer)
    assert (seeded["cases"], again["cases"], again["cases_added"]) == (300, 300, 0)
    assert seeded["customer_cases"] == own.count() == 25
    assert Message.objects.filter(case__in=own).count() == 75
    assert CaseEvent.objects.filter(case__in=own, kind="opened").count() == 25
    assert seeded["first_page"] == 20
    assert (seeded["articles"], seeded["translations"], seeded["translations_indexed"]) == (19, 76, 76)
    assert (again["articles_added"], again["translations_indexed"]) == (0, 0)
    assert ArticleSearchDocument.objects.count() == 76
    assert set(ArticleTranslation.objects.values_list("language", flat=True)) == {"en", "fa", "ar", "ru"}
    assert not Article.objects.filter(category__slug=SHELF, products__isnull=True).exists()
    assert SessionStore(session_key=seeded["session"]).load()[SESSION_KEY] == str(account.pk)
    assert seeded["requests_plan"]


def test_every_query_of_the_battery_finds_seeded_articles_in_its_language(db):
    seed_self_service(cases=40, articles=19, customer_cases=5)

    for language, query in KB_QUERIES:
        hits = article_search(query=query, language=language, viewer=None)
        assert hits and hits[0].language == language, (language, query)


def test_generated_articles_name_their_product_and_differ_by_situation(db):
    product = Product(sku="X", name="Xiaomi TV A 43", names={"fa": "تلویزیون شیائومی"})

    first = article_texts(0, product=product, key="tv-no-picture", other="returns", language="fa")
    second = article_texts(1, product=product, key="tv-no-picture", other="returns", language="fa")

    assert "تلویزیون شیائومی" in first[0] and "تلویزیون شیائومی" in first[2]
    assert first[0] != second[0]
    assert "KB-00000" in first[2]


def test_the_battery_covers_four_languages_and_the_figures_are_in_milliseconds():
    assert {language for language, _query in KB_QUERIES} == {"en", "fa", "ar", "ru"}
    assert kb_search_path(4) == "/help/fa/search/?q=%D8%A8%D8%A7%D8%AA%D8%B1%D9%8A%20%DA%AF%D9%88%D8%B4%D9%8A"
    assert [unit_of(name) for name in ("kb_search_ms", "portal_requests_ms")] == ["ms", "ms"]
