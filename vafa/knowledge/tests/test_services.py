from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory
from vafa.core.errors import Forbidden, NotFound, ValidationFailed
from vafa.core.search import search_reindex
from vafa.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleSearchDocument,
    ArticleStatus,
    ArticleTranslation,
    DeflectionEvent,
    Visibility,
)
from vafa.knowledge.selectors import article_search, articles_for_product
from vafa.knowledge.services import (
    KnowledgeError,
    article_archive,
    article_create,
    article_draft_from_message,
    article_feedback,
    article_publish,
    article_translation_save,
    article_unpublish,
    article_update,
    article_viewed,
    deflection_record,
)
from vafa.knowledge.tests.factories import published_article, translation
from vafa.service.services import case_note, case_reply
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

ROUTER = {"en": ("Resetting the router", "Press the Reset button for ten seconds.")}


def test_translation_save_sanitises_keeps_text_and_writes_revision_one(agent):
    # given
    article = article_create(actor=agent)

    # when
    saved = article_translation_save(
        actor=agent,
        article=article,
        language="fa",
        title="  باتری گوشی زود خالی می‌شود ",
        body_html='<p onclick="x()">نور صفحه را کم کنید</p><script>alert(1)</script>',
        note="first draft",
    )

    # then
    saved.refresh_from_db()
    assert saved.title == "باتری گوشی زود خالی می‌شود"
    assert saved.slug == "باتری-گوشی-زود-خالی-میشود"
    assert saved.body_html == "<p>نور صفحه را کم کنید</p>"
    assert saved.body_text == "نور صفحه را کم کنید"
    assert (saved.status, saved.revision, saved.author) == (ArticleStatus.DRAFT, 1, agent)
    revisions = list(
        ArticleRevision.objects.filter(translation=saved).values_list("number", "note", "author")
    )
    assert revisions == [(1, "first draft", agent.pk)]
    assert AuditLog.objects.filter(action="article.translation_create", object_id=str(saved.pk)).count() == 1
    assert not ArticleSearchDocument.objects.exists()


def test_second_save_bumps_the_revision_and_an_unchanged_save_writes_nothing(agent):
    # given
    article = article_create(actor=agent)
    article_translation_save(actor=agent, article=article, language="en", title="Old", body_html="<p>a</p>")

    # when
    second = article_translation_save(
        actor=agent, article=article, language="en", title="New title", body_html="<p>b</p>", note="clearer"
    )
    third = article_translation_save(
        actor=agent, article=article, language="en", title="New title", body_html="<p>b</p>"
    )

    # then
    assert (second.revision, second.slug, third.revision) == (2, "new-title", 2)
    numbers = list(
        ArticleRevision.objects.filter(translation=second)
        .order_by("number")
        .values_list("number", "title", "note")
    )
    assert numbers == [(1, "Old", ""), (2, "New title", "clearer")]


def test_customers_cannot_write_articles_and_nothing_changes(customer_user, agent):
    # given
    article = article_create(actor=agent)

    # when / then
    with pytest.raises(Forbidden) as refused:
        article_create(actor=customer_user)
    assert refused.value.code == KnowledgeError.STAFF_ONLY
    with pytest.raises(Forbidden):
        article_translation_save(
            actor=customer_user, article=article, language="en", title="x", body_html="y"
        )
    assert Article.objects.count() == 1
    assert not ArticleTranslation.objects.exists()


@pytest.mark.parametrize(
    ("language", "title", "code"),
    [("de", "Hallo", KnowledgeError.UNKNOWN_LANGUAGE), ("en", "   ", KnowledgeError.INVALID_TRANSLATION)],
)
def test_bad_translation_is_refused_and_nothing_is_written(agent, language, title, code):
    # given
    article = article_create(actor=agent)

    # when
    with pytest.raises(ValidationFailed) as refused:
        article_translation_save(
            actor=agent, article=article, language=language, title=title, body_html="<p>x</p>"
        )

    # then
    assert refused.value.code == code
    assert not ArticleTranslation.objects.exists()
    assert not ArticleRevision.objects.exists()


def test_publish_indexes_and_unpublish_and_archive_forget(agent):
    # given
    article = article_create(actor=agent)
    draft = article_translation_save(actor=agent, article=article, language="en", **_router())

    # when
    published = article_publish(actor=agent, translation=draft)

    # then
    assert published.status == ArticleStatus.PUBLISHED
    assert published.published_at is not None
    assert published.revision == 2
    assert [h.article_id for h in article_search(query="reset", language="en", viewer=None)] == [article.pk]

    # when
    article_unpublish(actor=agent, translation=published)

    # then
    assert article_search(query="reset", language="en", viewer=None) == []
    assert translation(article, "en").status == ArticleStatus.DRAFT

    # when
    archived = article_archive(actor=agent, translation=translation(article, "en"))
    article_publish(actor=agent, translation=archived)
    archived = article_archive(actor=agent, translation=translation(article, "en"))

    # then
    assert archived.status == ArticleStatus.ARCHIVED
    assert not ArticleSearchDocument.objects.exists()
    notes = list(
        ArticleRevision.objects.filter(translation=archived)
        .order_by("number")
        .values_list("status", flat=True)
    )
    assert notes == ["draft", "published", "draft", "archived", "published", "archived"]


def test_an_empty_article_cannot_be_published(agent):
    # given
    article = article_create(actor=agent)
    draft = article_translation_save(actor=agent, article=article, language="en", title="Soon", body_html="")

    # when
    with pytest.raises(ValidationFailed) as refused:
        article_publish(actor=agent, translation=draft)

    # then
    assert refused.value.code == KnowledgeError.EMPTY_ARTICLE
    assert translation(article, "en").status == ArticleStatus.DRAFT
    assert not ArticleSearchDocument.objects.exists()


def test_editing_a_published_translation_updates_what_search_finds(agent):
    # given
    article = published_article(texts=ROUTER)

    # when
    article_translation_save(
        actor=agent,
        article=article,
        language="en",
        title="Restarting the modem",
        body_html="<p>Unplug it.</p>",
    )

    # then
    assert article_search(query="router", language="en", viewer=None) == []
    assert [h.title for h in article_search(query="modem", language="en", viewer=None)] == [
        "Restarting the modem"
    ]
    assert translation(article, "en").status == ArticleStatus.PUBLISHED


def test_making_an_article_internal_hides_it_from_customers_at_once(agent, customer_user):
    # given
    article = published_article(texts=ROUTER)
    shelf_product = ProductFactory()

    # when
    article_update(actor=agent, article=article, visibility=Visibility.INTERNAL, products=[shelf_product])

    # then
    assert article_search(query="router", language="en", viewer=customer_user) == []
    assert [h.article_id for h in article_search(query="router", language="en", viewer=agent)] == [article.pk]
    assert list(Article.objects.get(pk=article.pk).products.all()) == [shelf_product]
    log = AuditLog.objects.get(action="article.update")
    assert log.after == {"visibility": "internal", "products": [shelf_product.pk]}


def test_a_rolled_back_publish_leaves_nothing_to_find(agent):
    # given
    article = article_create(actor=agent)
    draft = article_translation_save(actor=agent, article=article, language="en", **_router())

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        article_publish(actor=agent, translation=draft)
        raise RuntimeError

    # then
    assert article_search(query="router", language="en", viewer=None) == []


def test_feedback_counts_once_per_reader_and_a_second_vote_changes_it(customer):
    # given
    article = published_article(texts=ROUTER)
    readable = translation(article, "en")

    # when
    article_feedback(translation=readable, helpful=True, reader_key="a", customer=customer)
    article_feedback(translation=readable, helpful=True, reader_key="b")
    article_feedback(
        translation=readable, helpful=False, reader_key="a", comment="The button is on the side."
    )
    article_feedback(translation=readable, helpful=False, reader_key="a")

    # then
    readable.refresh_from_db()
    assert (readable.helpful_count, readable.unhelpful_count) == (1, 1)
    rows = list(
        ArticleFeedback.objects.order_by("reader_key").values_list("reader_key", "helpful", "comment")
    )
    assert rows == [("a", False, "The button is on the side."), ("b", True, "")]


def test_feedback_on_a_draft_or_without_a_reader_is_refused(agent):
    # given
    article = published_article(texts=ROUTER, drafts=["en"])

    # when / then
    with pytest.raises(NotFound):
        article_feedback(translation=translation(article, "en"), helpful=True, reader_key="a")
    published = published_article(texts=ROUTER)
    with pytest.raises(ValidationFailed):
        article_feedback(translation=translation(published, "en"), helpful=True, reader_key="")
    with pytest.raises(ValidationFailed):
        article_feedback(
            translation=translation(published, "en"), helpful=True, reader_key="a", comment="x" * 2001
        )
    assert not ArticleFeedback.objects.exists()
    assert translation(published, "en").helpful_count == 0


def test_a_view_counts_and_is_a_self_service_step(customer):
    # given
    article = published_article(texts=ROUTER)

    # when
    event = article_viewed(translation=translation(article, "en"), visit="v1", customer=customer)

    # then
    assert translation(article, "en").view_count == 1
    assert (event.kind, event.source, event.visit, event.article_id, event.language, event.customer) == (
        "view",
        "help",
        "v1",
        article.pk,
        "en",
        customer,
    )


def test_a_request_sent_after_reading_is_credited_to_the_last_article_read():
    # given
    first = published_article(texts=ROUTER)
    second = published_article(texts={"en": ("Descaling", "Hold the descale button.")})
    article_viewed(translation=translation(first, "en"), visit="v1")
    article_viewed(translation=translation(second, "en"), visit="v1")
    article_viewed(translation=translation(first, "en"), visit="v2")

    # when
    after_reading = deflection_record(kind="submitted", source="portal", visit="v1", language="en")
    straight_away = deflection_record(kind="submitted", source="portal", visit="v3", language="en")

    # then
    assert after_reading.article_id == second.pk
    assert straight_away.article_id is None


def test_a_search_step_keeps_the_query_and_count():
    # when
    event = deflection_record(
        kind="search", source="widget", visit="v", language="fa", query="  باتری   زود ", result_count=3
    )

    # then
    assert (event.query, event.result_count, event.source) == ("باتری زود", 3, "widget")


def test_an_unknown_step_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        deflection_record(kind="bought", source="portal", visit="v", language="en")
    assert refused.value.code == KnowledgeError.INVALID_DEFLECTION
    assert not DeflectionEvent.objects.exists()


def test_a_public_reply_becomes_a_draft_in_the_cases_language(agent):
    # given
    product = ProductFactory()
    case = make_case(subject="Кофемашина не греет", language="ru", product=product)
    reply = case_reply(actor=agent, case=case, body="Очистите кофемашину от накипи.\n\nЗатем включите её.")

    # when
    article = article_draft_from_message(actor=agent, message=reply)

    # then
    draft = translation(article, "ru")
    assert (draft.title, draft.status, draft.body_text) == (
        "Кофемашина не греет",
        ArticleStatus.DRAFT,
        "Очистите кофемашину от накипи.\nЗатем включите её.",
    )
    assert article.source_message_id == reply.pk
    assert list(article.products.all()) == [product]
    assert ArticleRevision.objects.get(translation=draft).author == agent


def test_an_internal_note_cannot_become_an_article(agent):
    # given
    case = make_case()
    note = case_note(actor=agent, case=case, body="Customer is difficult.")

    # when
    with pytest.raises(ValidationFailed) as refused:
        article_draft_from_message(actor=agent, message=note)

    # then
    assert refused.value.code == KnowledgeError.NOT_A_PUBLIC_REPLY
    assert not Article.objects.exists()


def test_reindex_rebuilds_the_article_documents(agent):
    # given
    article = published_article(texts=ROUTER)
    published_article(texts={"en": ("Draft", "Not yet.")}, drafts=["en"])
    ArticleSearchDocument.objects.all().delete()

    # when
    results = search_reindex(["article"])
    call_command("search", "reindex", "--kind", "article", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then
    assert [(r.kind, r.documents) for r in results] == [("article", 1)]
    assert [h.article_id for h in article_search(query="router", language="en", viewer=None)] == [article.pk]


def test_articles_for_a_product_come_from_the_product_and_its_category_best_rated_first(agent, customer_user):
    # given
    phones = CategoryFactory(code="phones")
    x2 = ProductFactory(category=phones)
    for_product = published_article(texts={"en": ("X2 battery", "Charge it.")}, products=[x2])
    for_category = published_article(
        texts={"en": ("Phone care", "Keep it dry.")}, product_categories=[phones]
    )
    published_article(texts={"en": ("Other", "Unrelated.")}, products=[ProductFactory()])
    published_article(
        texts={"en": ("X2 secrets", "Agents only.")}, products=[x2], visibility=Visibility.INTERNAL
    )
    published_article(texts={"fa": ("باتری X2", "شارژ کنید.")}, products=[x2])
    article_feedback(translation=translation(for_category, "en"), helpful=True, reader_key="r")

    # when
    hits = articles_for_product(product_id=x2.pk, language="en", viewer=customer_user)
    staff_hits = articles_for_product(product_id=x2.pk, language="en", viewer=agent)

    # then
    assert [h.article_id for h in hits] == [for_category.pk, for_product.pk]
    assert len(staff_hits) == 3


def test_search_is_one_query_when_the_readers_language_has_matches(django_assert_num_queries):
    # given
    published_article(texts=ROUTER)

    # when / then
    with django_assert_num_queries(1):
        hits = article_search(query="router", language="en", viewer=None)
    assert len(hits) == 1


def _router() -> dict[str, str]:
    title, body = ROUTER["en"]
    return {"title": title, "body_html": f"<p>{body}</p>"}
