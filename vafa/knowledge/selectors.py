"""Reads of the knowledge base, with its visibility rule: drafts are never shown to readers, and
internal articles only to the company's staff.

`article_search` is what the help centre, the portal, the widget, the desk's reply box and the API
call; the rules of the search and its ranking are in `vafa.knowledge.search` and docs/knowledge.md.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.catalog.models import Product
from vafa.core.errors import NotFound
from vafa.core.search.highlight import excerpt
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleStatus,
    ArticleTranslation,
    Visibility,
)
from vafa.knowledge.search import (
    Match,
    article_query,
    content_words,
    match_articles,
    stem_forms,
    visibilities_for,
)

EXCERPT_LENGTH = 220


@dataclass(frozen=True)
class ArticleHit:
    """An article found for a reader: its text in one language, a marked excerpt and its address."""

    article_id: int
    translation_id: int
    language: str
    title: str
    summary: str
    excerpt_html: str
    url: str
    score: float


def viewer_is_staff(viewer: User | None) -> bool:
    """Whether `viewer` may read internal articles (the company's active staff)."""
    return viewer is not None and viewer.is_authenticated and viewer.is_active and viewer.is_company_staff


def visit_key_new() -> str:
    """A random key for the self-service steps of one visit (`DeflectionEvent.visit`)."""
    return secrets.token_urlsafe(16)


def language_codes() -> list[str]:
    """The languages articles are written in, in the order of the settings."""
    return [code for code, _name in settings.LANGUAGES]


def _url(*, language: str, article_id: int, slug: str) -> str:
    return f"/help/{language}/articles/{article_id}-{slug}/"


def article_url(translation: ArticleTranslation) -> str:
    """The help-centre address of the translation: /help/<language>/articles/<id>-<slug>/."""
    return _url(language=translation.language, article_id=translation.article_id, slug=translation.slug)


def _clean_language(language: str | None) -> str:
    language = (language or "")[:2]
    return language if language in language_codes() else settings.LANGUAGE_CODE[:2]


def article_search(
    *,
    query: str,
    language: str,
    viewer: User | None,
    product_id: int | None = None,
    limit: int = 10,
) -> list[ArticleHit]:
    """The published articles matching `query`, best first, in the reader's language when any match.

    Stop words are left out. Articles with all the words come first; when none has them all, those
    with any of them. Only when nothing matches in `language` are the other languages searched, for
    all the words (one hit per article, in the language it matched best). Internal articles are
    found by staff viewers only.
    """
    language = _clean_language(language)
    limit = max(0, min(int(limit), 50))
    parsed = article_query((query or "")[:500])
    if not parsed or limit == 0:
        return []
    visibilities = visibilities_for(viewer_is_staff(viewer))
    words, any_words = content_words(parsed), content_words(parsed, any_word=True)
    # All the words in the reader's language, then any of them; only then all the words in the
    # other languages (any word of another language would mostly find noise).
    attempts: list[tuple[list[str], list[str], bool]] = [
        ([language], [], False),
        ([language], [], True),
        ([], [language], False),
    ]
    matches: list[Match] = []
    for languages, excluded, loosely in attempts:
        if loosely and (len(words.clauses) == 1 or not any_words):
            continue
        matches = match_articles(
            any_words if loosely else words,
            languages=languages,
            exclude_languages=excluded,
            visibilities=visibilities,
            product_id=product_id,
            any_word=loosely,
            limit=limit,
        )
        if matches:
            break
    hits = []
    for match in matches:
        text = match.body_text or match.summary
        hits.append(
            ArticleHit(
                article_id=match.article_id,
                translation_id=match.translation_id,
                language=match.language,
                title=match.title,
                summary=match.summary,
                excerpt_html=str(excerpt(text, parsed, length=EXCERPT_LENGTH, forms=stem_forms)),
                url=_url(language=match.language, article_id=match.article_id, slug=match.slug),
                score=match.score,
            )
        )
    return hits


def published_translations(*, viewer: User | None) -> QuerySet[ArticleTranslation]:
    """Every published translation `viewer` may read."""
    translations = ArticleTranslation.objects.filter(status=ArticleStatus.PUBLISHED)
    if not viewer_is_staff(viewer):
        translations = translations.filter(article__visibility=Visibility.PUBLIC)
    return translations


def _hit(translation: ArticleTranslation, score: float = 0.0) -> ArticleHit:
    text = translation.summary or " ".join(translation.body_text.split())[:EXCERPT_LENGTH]
    return ArticleHit(
        article_id=translation.article_id,
        translation_id=translation.pk,
        language=translation.language,
        title=translation.title,
        summary=translation.summary,
        excerpt_html=str(excerpt(text, article_query(""), length=EXCERPT_LENGTH)),
        url=article_url(translation),
        score=score,
    )


_LIST_FIELDS = ("pk", "article_id", "language", "title", "slug", "summary", "body_text")


def _by_helpfulness(translations: QuerySet[ArticleTranslation]) -> QuerySet[ArticleTranslation]:
    # The smoothed helpful ratio of the ranking, then the reads.
    ratio = (F("helpful_count") + 1.0) / (F("helpful_count") + F("unhelpful_count") + 2.0)
    return translations.annotate(helpfulness=ratio).order_by(
        "-helpfulness", "-view_count", "-published_at", "pk"
    )


def articles_for_product(
    *, product_id: int, language: str, viewer: User | None, limit: int = 5
) -> list[ArticleHit]:
    """Published articles linked to the product or its product category, in `language`, best-rated first."""
    language = _clean_language(language)
    category_id = Product.objects.filter(pk=product_id).values_list("category_id", flat=True).first()
    linked = Q(products__pk=product_id)
    if category_id is not None:
        linked |= Q(product_categories__pk=category_id)
    ids = Article.objects.filter(linked)
    translations = published_translations(viewer=viewer).filter(
        Exists(ids.filter(pk=OuterRef("article_id"))), language=language
    )
    rows = _by_helpfulness(translations).only(*_LIST_FIELDS)[: max(0, min(limit, 50))]
    return [_hit(row) for row in rows]


def articles_popular(*, language: str, viewer: User | None, limit: int = 8) -> list[ArticleHit]:
    """The most read published articles in `language` (helpfulness breaks ties)."""
    language = _clean_language(language)
    rows = (
        published_translations(viewer=viewer)
        .filter(language=language)
        .annotate(helpfulness=(F("helpful_count") + 1.0) / (F("helpful_count") + F("unhelpful_count") + 2.0))
        .order_by("-view_count", "-helpfulness", "-published_at", "pk")
        .only(*_LIST_FIELDS)[: max(0, min(limit, 50))]
    )
    return [_hit(row) for row in rows]


@dataclass(frozen=True)
class CategoryEntry:
    """A help-centre shelf in one language and how many articles it holds for the reader."""

    slug: str
    name: str
    description: str
    article_count: int


def category_list(*, language: str, viewer: User | None) -> list[CategoryEntry]:
    """The shelves with at least one article the reader may read in `language`, in their order."""
    language = _clean_language(language)
    counts: dict[int, int] = {}
    rows = (
        published_translations(viewer=viewer)
        .filter(language=language, article__category__isnull=False)
        .values_list("article__category_id", flat=True)
    )
    for category_id in rows:
        counts[category_id] = counts.get(category_id, 0) + 1
    if not counts:
        return []
    return [
        CategoryEntry(
            slug=category.slug,
            name=category.name_in(language),
            description=(category.descriptions or {}).get(language, ""),
            article_count=counts[category.pk],
        )
        for category in ArticleCategory.objects.filter(pk__in=counts)
    ]


def category_get(*, slug: str) -> ArticleCategory:
    """The shelf with this address name, or NotFound."""
    category = ArticleCategory.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound(_("No such category."))
    return category


def category_articles(
    *, category: ArticleCategory, language: str, viewer: User | None, limit: int = 200
) -> list[ArticleHit]:
    """The articles of a shelf the reader may read in `language`, best-rated first."""
    language = _clean_language(language)
    translations = published_translations(viewer=viewer).filter(language=language, article__category=category)
    return [_hit(row) for row in _by_helpfulness(translations).only(*_LIST_FIELDS)[:limit]]


def article_get(*, article_id: int, language: str, viewer: User | None) -> ArticleTranslation:
    """The published translation of the article in `language` the viewer may read, or NotFound.

    The translation comes with its article and category loaded.
    """
    translation = (
        published_translations(viewer=viewer)
        .select_related("article", "article__category")
        .filter(article_id=article_id, language=language)
        .first()
    )
    if translation is None:
        raise NotFound(_("No such article."))
    return translation


@dataclass(frozen=True)
class LanguageVersion:
    """The same article in another language (for "also in" and the language switcher)."""

    language: str
    name: str
    url: str


def article_languages(*, article_id: int, viewer: User | None) -> list[LanguageVersion]:
    """Every published language of the article the viewer may read, in the settings' order."""
    rows = {
        t.language: t
        for t in published_translations(viewer=viewer)
        .filter(article_id=article_id)
        .only("pk", "article_id", "language", "slug")
    }
    return [
        LanguageVersion(
            language=code, name=get_language_info(code)["name_local"], url=article_url(rows[code])
        )
        for code in language_codes()
        if code in rows
    ]
