"""Writes of the knowledge base: articles and their translations, feedback, and the deflection record.

Every write that changes what a search can find re-indexes the article in the same transaction
(`vafa.knowledge.search.translation_search_index`), so a published article is findable the moment the
change commits and a rolled-back one never is.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.catalog.models import Category, Product
from vafa.core.errors import Forbidden, NotFound, ValidationFailed
from vafa.core.text import html_to_text, sanitize_html
from vafa.customers.models import Customer
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    DeflectionEvent,
    Visibility,
)
from vafa.knowledge.search import article_search_visibility, translation_search_index
from vafa.service.models import AuthorKind, Case, Message

ARTICLE_AUDIT_FIELDS = ("category", "visibility")
TRANSLATION_AUDIT_FIELDS = ("language", "title", "slug", "summary", "status", "revision", "published_at")
MAX_COMMENT = 2000
MAX_BODY = 200_000
_UNSET: Any = object()


class KnowledgeError(StrEnum):
    """Stable codes of the knowledge base's refusals."""

    STAFF_ONLY = "knowledge_staff_only"
    INVALID_ARTICLE = "invalid_article"
    INVALID_TRANSLATION = "invalid_translation"
    UNKNOWN_LANGUAGE = "unknown_language"
    NOT_PUBLISHED = "article_not_published"
    EMPTY_ARTICLE = "article_empty"
    INVALID_FEEDBACK = "invalid_feedback"
    INVALID_DEFLECTION = "invalid_deflection"
    NOT_A_PUBLIC_REPLY = "not_a_public_reply"


def _require_editor(actor: User | None) -> None:
    """Refuse unless the actor works for the company (the system, `None`, may too)."""
    if actor is not None and (not actor.is_active or not actor.is_company_staff):
        raise Forbidden(_("Only the company's staff can write articles."), code=KnowledgeError.STAFF_ONLY)


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _check_language(language: str) -> str:
    if language not in _languages():
        raise ValidationFailed(
            _("This language is not offered."),
            code=KnowledgeError.UNKNOWN_LANGUAGE,
            fields={"language": [_("Choose English, Persian, Arabic or Russian.")]},
        )
    return language


def _check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise ValidationFailed(
            _("Choose who may read the article."),
            code=KnowledgeError.INVALID_ARTICLE,
            fields={"visibility": [_("Choose public or internal.")]},
        )
    return visibility


def _touch(article: Article) -> None:
    article.updated_at = timezone.now()
    article.save(update_fields=["updated_at"])


# --- articles -------------------------------------------------------------------------------------


@transaction.atomic
def article_create(
    *,
    actor: User | None,
    category: ArticleCategory | None = None,
    visibility: str = Visibility.PUBLIC,
    products: Iterable[Product] = (),
    product_categories: Iterable[Category] = (),
    source_message_id: int | None = None,
) -> Article:
    """Create an article (its translations are added with `article_translation_save`)."""
    _require_editor(actor)
    _check_visibility(visibility)
    now = timezone.now()
    article = Article.objects.create(
        category=category,
        visibility=visibility,
        author=actor,
        source_message_id=source_message_id,
        created_at=now,
        updated_at=now,
    )
    article.products.set(list(products))
    article.product_categories.set(list(product_categories))
    audit_record(
        actor=actor,
        action="article.create",
        obj=article,
        after={
            **snapshot(article, ARTICLE_AUDIT_FIELDS),
            "products": sorted(p.pk for p in article.products.all()),
            "product_categories": sorted(c.pk for c in article.product_categories.all()),
        },
    )
    return article


@transaction.atomic
def article_update(
    *,
    actor: User | None,
    article: Article,
    category: ArticleCategory | None = _UNSET,
    visibility: str = _UNSET,
    products: Iterable[Product] = _UNSET,
    product_categories: Iterable[Category] = _UNSET,
) -> Article:
    """Change an article's shelf, who may read it, and the products it is about; re-index it."""
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    before = {
        **snapshot(article, ARTICLE_AUDIT_FIELDS),
        "products": sorted(article.products.values_list("pk", flat=True)),
        "product_categories": sorted(article.product_categories.values_list("pk", flat=True)),
    }
    fields: list[str] = []
    if category is not _UNSET and article.category_id != (category.pk if category else None):
        article.category = category
        fields.append("category")
    if visibility is not _UNSET and article.visibility != _check_visibility(visibility):
        article.visibility = visibility
        fields.append("visibility")
    if products is not _UNSET:
        article.products.set(list(products))
    if product_categories is not _UNSET:
        article.product_categories.set(list(product_categories))
    after = {
        **snapshot(article, ARTICLE_AUDIT_FIELDS),
        "products": sorted(article.products.values_list("pk", flat=True)),
        "product_categories": sorted(article.product_categories.values_list("pk", flat=True)),
    }
    old, new = changed(before, after)
    if not new:
        return article
    article.updated_at = timezone.now()
    article.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, action="article.update", obj=article, before=old, after=new)
    if "visibility" in fields:
        article_search_visibility(article.pk, article.visibility)
    return article


def _slug_for(title: str, article: Article) -> str:
    slug = slugify(title, allow_unicode=True)[:120].strip("-")
    return slug or str(article.pk)


def _revision(translation: ArticleTranslation, *, actor: User | None, note: str) -> ArticleRevision:
    return ArticleRevision.objects.create(
        translation=translation,
        number=translation.revision,
        title=translation.title,
        summary=translation.summary,
        body_html=translation.body_html,
        status=translation.status,
        author=actor,
        note=note[:200],
    )


@transaction.atomic
def article_translation_save(
    *,
    actor: User | None,
    article: Article,
    language: str,
    title: str,
    body_html: str,
    summary: str = "",
    note: str = "",
) -> ArticleTranslation:
    """Create or change the article's text in one language and record the revision.

    The body is sanitised (nh3) and kept as plain text too; the address name follows the title.
    A save that changes nothing writes nothing. A published translation stays published (and is
    re-indexed); a new one starts as a draft.
    """
    _require_editor(actor)
    _check_language(language)
    title = " ".join((title or "").split())
    summary = " ".join((summary or "").split())
    errors: dict[str, list[Any]] = {}
    if not title:
        errors["title"] = [_("Enter a title.")]
    elif len(title) > 200:
        errors["title"] = [_("Keep the title under 200 characters.")]
    if len(summary) > 300:
        errors["summary"] = [_("Keep the summary under 300 characters.")]
    if len(body_html or "") > MAX_BODY:
        errors["body_html"] = [_("The text is too long.")]
    if errors:
        raise ValidationFailed(
            _("Some fields are not valid."), code=KnowledgeError.INVALID_TRANSLATION, fields=errors
        )
    clean = sanitize_html(body_html or "")
    plain = html_to_text(clean)
    article = Article.objects.select_for_update().get(pk=article.pk)
    slug = _slug_for(title, article)
    now = timezone.now()
    translation = (
        ArticleTranslation.objects.select_for_update().filter(article=article, language=language).first()
    )
    if translation is None:
        translation = ArticleTranslation.objects.create(
            article=article,
            language=language,
            title=title,
            slug=slug,
            summary=summary,
            body_html=clean,
            body_text=plain,
            status=ArticleStatus.DRAFT,
            revision=1,
            author=actor,
            created_at=now,
            updated_at=now,
        )
        _revision(translation, actor=actor, note=note)
        audit_record(
            actor=actor,
            action="article.translation_create",
            obj=translation,
            after=snapshot(translation, TRANSLATION_AUDIT_FIELDS),
        )
    else:
        if (translation.title, translation.summary, translation.body_html) == (title, summary, clean):
            return translation
        before = snapshot(translation, TRANSLATION_AUDIT_FIELDS)
        translation.title = title
        translation.slug = slug
        translation.summary = summary
        translation.body_html = clean
        translation.body_text = plain
        translation.revision = F("revision") + 1
        translation.author = actor
        translation.updated_at = now
        translation.save(
            update_fields=[
                "title",
                "slug",
                "summary",
                "body_html",
                "body_text",
                "revision",
                "author",
                "updated_at",
            ]
        )
        translation.refresh_from_db(fields=["revision"])
        _revision(translation, actor=actor, note=note)
        old, new = changed(before, snapshot(translation, TRANSLATION_AUDIT_FIELDS))
        audit_record(actor=actor, action="article.translation_update", obj=translation, before=old, after=new)
    _touch(article)
    translation_search_index(translation, visibility=article.visibility)
    return translation


def _set_status(
    translation: ArticleTranslation, *, actor: User | None, status: str, note: str, action: str
) -> ArticleTranslation:
    _require_editor(actor)
    translation = (
        ArticleTranslation.objects.select_for_update().select_related("article").get(pk=translation.pk)
    )
    if translation.status == status:
        return translation
    before = snapshot(translation, TRANSLATION_AUDIT_FIELDS)
    now = timezone.now()
    translation.status = status
    if status == ArticleStatus.PUBLISHED:
        translation.published_at = now
    translation.revision = F("revision") + 1
    translation.author = actor
    translation.updated_at = now
    translation.save(update_fields=["status", "published_at", "revision", "author", "updated_at"])
    translation.refresh_from_db(fields=["revision"])
    _revision(translation, actor=actor, note=note)
    old, new = changed(before, snapshot(translation, TRANSLATION_AUDIT_FIELDS))
    audit_record(actor=actor, action=action, obj=translation, before=old, after=new)
    _touch(translation.article)
    translation_search_index(translation, visibility=translation.article.visibility)
    return translation


@transaction.atomic
def article_publish(
    *, actor: User | None, translation: ArticleTranslation, note: str = ""
) -> ArticleTranslation:
    """Publish the translation (readers and the search find it from now on); nothing if it is already."""
    if not translation.body_text.strip():
        raise ValidationFailed(
            _("Write the article's text before publishing it."),
            code=KnowledgeError.EMPTY_ARTICLE,
            fields={"body_html": [_("Write the article's text before publishing it.")]},
        )
    return _set_status(
        translation,
        actor=actor,
        status=ArticleStatus.PUBLISHED,
        note=note or str(_("Published")),
        action="article.publish",
    )


@transaction.atomic
def article_unpublish(
    *, actor: User | None, translation: ArticleTranslation, note: str = ""
) -> ArticleTranslation:
    """Take the translation back to draft: readers and the search no longer find it."""
    if translation.status != ArticleStatus.PUBLISHED:
        return translation
    return _set_status(
        translation,
        actor=actor,
        status=ArticleStatus.DRAFT,
        note=note or str(_("Unpublished")),
        action="article.unpublish",
    )


@transaction.atomic
def article_archive(
    *, actor: User | None, translation: ArticleTranslation, note: str = ""
) -> ArticleTranslation:
    """Archive the translation: kept with its history, never shown or found."""
    return _set_status(
        translation,
        actor=actor,
        status=ArticleStatus.ARCHIVED,
        note=note or str(_("Archived")),
        action="article.archive",
    )


@transaction.atomic
def article_draft_from_message(*, actor: User, message: Message, language: str | None = None) -> Article:
    """Start a draft article from an agent's public reply, in the case's language."""
    _require_editor(actor)
    if message.author_kind != AuthorKind.AGENT or message.is_internal or not message.body_text.strip():
        raise ValidationFailed(
            _("Only an agent's public reply can become an article."), code=KnowledgeError.NOT_A_PUBLIC_REPLY
        )
    case: Case = message.case
    language = _check_language(language or case.language)
    products = [case.product] if case.product_id is not None and case.product is not None else []
    article = article_create(actor=actor, products=products, source_message_id=message.pk)
    article_translation_save(
        actor=actor,
        article=article,
        language=language,
        title=case.subject[:200] or str(_("New article")),
        body_html=message.body_html or message.body_text,
        note=str(_("Drafted from a reply")),
    )
    return article


# --- readers --------------------------------------------------------------------------------------


def _published(translation: ArticleTranslation) -> None:
    if translation.status != ArticleStatus.PUBLISHED:
        raise NotFound(_("No such article."), code=KnowledgeError.NOT_PUBLISHED)


@transaction.atomic
def article_feedback(
    *,
    translation: ArticleTranslation,
    helpful: bool,
    comment: str = "",
    reader_key: str,
    customer: Customer | None = None,
    user: User | None = None,
) -> ArticleFeedback:
    """Record a reader's "was this helpful?"; the same reader answering again changes the answer."""
    _published(translation)
    comment = (comment or "").strip()
    reader_key = (reader_key or "").strip()[:64]
    if not reader_key:
        raise ValidationFailed(_("The reader is not known."), code=KnowledgeError.INVALID_FEEDBACK)
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            _("Keep the comment under 2000 characters."),
            code=KnowledgeError.INVALID_FEEDBACK,
            fields={"comment": [_("Keep the comment under 2000 characters.")]},
        )
    now = timezone.now()
    counters = ArticleTranslation.objects.filter(pk=translation.pk)
    existing = (
        ArticleFeedback.objects.select_for_update()
        .filter(translation=translation, reader_key=reader_key)
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                feedback = ArticleFeedback.objects.create(
                    translation=translation,
                    helpful=helpful,
                    comment=comment,
                    reader_key=reader_key,
                    customer=customer,
                    user=user if user is not None and user.pk else None,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            # The same reader's other click got there first: this one changes its answer.
            existing = ArticleFeedback.objects.select_for_update().get(
                translation=translation, reader_key=reader_key
            )
        else:
            if helpful:
                counters.update(helpful_count=F("helpful_count") + 1)
            else:
                counters.update(unhelpful_count=F("unhelpful_count") + 1)
            return feedback
    fields = ["updated_at"]
    if existing.helpful != helpful:
        if helpful:
            counters.update(helpful_count=F("helpful_count") + 1, unhelpful_count=F("unhelpful_count") - 1)
        else:
            counters.update(helpful_count=F("helpful_count") - 1, unhelpful_count=F("unhelpful_count") + 1)
        existing.helpful = helpful
        fields.append("helpful")
    if comment and comment != existing.comment:
        existing.comment = comment
        fields.append("comment")
    if customer is not None and existing.customer_id is None:
        existing.customer = customer
        fields.append("customer")
    existing.updated_at = now
    existing.save(update_fields=fields)
    return existing


def _clean_choice(value: str, choices: list[str], field: str) -> str:
    if value not in choices:
        raise ValidationFailed(
            _("The self-service step is not valid."),
            code=KnowledgeError.INVALID_DEFLECTION,
            fields={field: [_("Not a known value.")]},
        )
    return value


def deflection_record(
    *,
    kind: str,
    source: str,
    visit: str,
    language: str,
    query: str = "",
    result_count: int | None = None,
    product: Product | None = None,
    article: Article | None = None,
    customer: Customer | None = None,
    case: Case | None = None,
) -> DeflectionEvent:
    """Record one step of a customer's way to an answer (a search, a read, "answered", a request sent).

    A request sent (`submitted`) without an article is credited to the last article read in the
    same visit, which is how "asked after reading" is told apart from "asked straight away".
    """
    _clean_choice(kind, DeflectionEvent.Kind.values, "kind")
    _clean_choice(source, DeflectionEvent.Source.values, "source")
    if language not in _languages():
        language = settings.LANGUAGE_CODE[:2]
    visit = (visit or "").strip()[:64]
    if result_count is not None and result_count < 0:
        result_count = 0
    article_id = article.pk if article is not None else None
    if kind == DeflectionEvent.Kind.SUBMITTED and article_id is None and visit:
        article_id = (
            DeflectionEvent.objects.filter(visit=visit, kind=DeflectionEvent.Kind.VIEW, article__isnull=False)
            .order_by("-created_at", "-id")
            .values_list("article_id", flat=True)
            .first()
        )
    return DeflectionEvent.objects.create(
        kind=kind,
        source=source,
        visit=visit,
        language=language,
        query=" ".join((query or "").split())[:200],
        result_count=result_count,
        product=product,
        article_id=article_id,
        customer=customer,
        case=case,
    )


@transaction.atomic
def article_viewed(
    *,
    translation: ArticleTranslation,
    visit: str,
    source: str = DeflectionEvent.Source.HELP_CENTRE,
    customer: Customer | None = None,
    product: Product | None = None,
) -> DeflectionEvent:
    """Count a read of the translation and record it as a self-service step."""
    ArticleTranslation.objects.filter(pk=translation.pk).update(view_count=F("view_count") + 1)
    return deflection_record(
        kind=DeflectionEvent.Kind.VIEW,
        source=source,
        visit=visit,
        language=translation.language,
        product=product,
        article=translation.article,
        customer=customer,
    )
