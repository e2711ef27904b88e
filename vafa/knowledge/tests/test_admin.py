"""The knowledge base's admin saves through the services: revisions, audit and search documents."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import ProductFactory
from vafa.knowledge.models import Article, ArticleRevision, ArticleSearchDocument, ArticleStatus
from vafa.knowledge.selectors import article_search
from vafa.knowledge.services import article_feedback, deflection_record
from vafa.knowledge.tests.factories import published_article, translation

pytestmark = pytest.mark.django_db

ADD = reverse("admin:knowledge_article_add")


def article_data(**changes):
    data = {
        "category": "",
        "visibility": "public",
        "products": [],
        "product_categories": [],
        "translations-TOTAL_FORMS": "1",
        "translations-INITIAL_FORMS": "0",
        "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "1000",
        "translations-0-language": "en",
        "translations-0-title": "Resetting the router",
        "translations-0-summary": "",
        "translations-0-body_html": "<p>Press Reset for ten seconds.</p><script>x()</script>",
        "translations-0-note": "first version",
    }
    data.update(changes)
    return data


def test_adding_an_article_in_the_admin_goes_through_the_services(client, admin_user):
    # given
    client.force_login(admin_user)
    product = ProductFactory()

    # when
    response = client.post(ADD, article_data(products=[product.pk]))

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    saved = translation(article, "en")
    assert (saved.body_html, saved.status, saved.revision, saved.author) == (
        "<p>Press Reset for ten seconds.</p>",
        ArticleStatus.DRAFT,
        1,
        admin_user,
    )
    assert list(article.products.all()) == [product]
    assert list(ArticleRevision.objects.values_list("number", "note")) == [(1, "first version")]
    assert set(AuditLog.objects.values_list("action", "via")) == {
        ("article.create", "admin"),
        ("article.translation_create", "admin"),
    }


def test_editing_a_published_translation_in_the_admin_writes_a_revision_and_reindexes(client, admin_user):
    # given
    client.force_login(admin_user)
    article = published_article(texts={"en": ("Resetting the router", "Press Reset.")})
    readable = translation(article, "en")
    data = article_data(
        **{
            "translations-INITIAL_FORMS": "1",
            "translations-0-id": str(readable.pk),
            "translations-0-article": str(article.pk),
            "translations-0-title": "Restarting the modem",
            "translations-0-body_html": "<p>Unplug the modem.</p>",
            "translations-0-note": "renamed",
        }
    )

    # when
    response = client.post(reverse("admin:knowledge_article_change", args=[article.pk]), data)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    readable.refresh_from_db()
    assert (readable.title, readable.revision, readable.status) == ("Restarting the modem", 3, "published")
    assert [h.title for h in article_search(query="modem", language="en", viewer=None)] == [
        "Restarting the modem"
    ]
    assert ArticleRevision.objects.get(translation=readable, number=3).note == "renamed"


def test_publish_and_unpublish_actions(client, admin_user):
    # given
    client.force_login(admin_user)
    article = published_article(texts={"en": ("Router", "Press Reset.")}, drafts=["en"])
    changelist = reverse("admin:knowledge_articletranslation_changelist")
    selected = [translation(article, "en").pk]

    # when
    client.post(changelist, {"action": "publish", "_selected_action": selected})

    # then
    assert translation(article, "en").status == ArticleStatus.PUBLISHED
    assert ArticleSearchDocument.objects.count() == 1

    # when
    client.post(changelist, {"action": "unpublish", "_selected_action": selected})

    # then
    assert translation(article, "en").status == ArticleStatus.DRAFT
    assert not ArticleSearchDocument.objects.exists()


def test_the_admin_pages_open(client, admin_user):
    # given
    client.force_login(admin_user)
    article = published_article(texts={"en": ("Router", "Press Reset."), "fa": ("روتر", "دکمه را بزنید.")})
    readable = translation(article, "fa")
    article_feedback(translation=readable, helpful=False, comment="کجاست؟", reader_key="r")
    deflection_record(kind="search", source="help", visit="v", language="fa", query="روتر", result_count=1)

    # when / then
    for name, args in [
        ("admin:knowledge_article_changelist", []),
        ("admin:knowledge_article_change", [article.pk]),
        ("admin:knowledge_articletranslation_change", [readable.pk]),
        ("admin:knowledge_articlefeedback_changelist", []),
        ("admin:knowledge_deflectionevent_changelist", []),
        ("admin:knowledge_articlecategory_add", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    history = client.get(
        reverse("admin:knowledge_articletranslation_change", args=[readable.pk])
    ).content.decode()
    assert "published" in history.lower()
    assert client.get(reverse("admin:knowledge_articlefeedback_add")).status_code == 403
