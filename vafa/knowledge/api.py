"""REST endpoints of the knowledge base: search and read published articles.

Open without a token for public articles (the help widget and shops' sites use them); a staff
token or session also finds internal ones. A wrong token is refused, never read as anonymous.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from vafa.accounts.models import User
from vafa.api.auth import bearer_auth, session_auth
from vafa.api.errors import ERRORS
from vafa.api.types import Id, Language, Text
from vafa.knowledge import selectors


def anyone(request: HttpRequest) -> bool | None:
    """Let a request without credentials through as an anonymous reader (not one with a wrong token)."""
    return None if request.headers.get("Authorization") else True


router = Router(tags=["knowledge base"], auth=[bearer_auth, session_auth, anyone])


def _reader(request: HttpRequest) -> User | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else None


def _language(requested: str | None) -> str:
    return requested or (translation.get_language() or "en")[:2]


class ArticleHitOut(Schema):
    article_id: int
    language: str
    title: str
    summary: str
    excerpt_html: str = Field(..., description="Escaped text around the first match, matches in <mark>.")
    url: str = Field(..., description="The article's help-centre address.")
    score: float


class SearchOut(Schema):
    items: list[ArticleHitOut]


class SearchParams(Schema):
    q: Text(200) = Field("", description="What the reader typed.")  # type: ignore[valid-type]
    language: Language | None = Field(None, description="The reader's language (default: the request's).")  # type: ignore[valid-type]
    product_id: Id | None = Field(
        None, description="Articles about this product (or its category) rank first."
    )
    limit: int = Field(10, ge=1, le=50)


@router.get("/kb/search", response={200: SearchOut, **ERRORS})
def kb_search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    """Published articles matching the words, in the reader's language when any match."""
    hits = selectors.article_search(
        query=params.q,
        language=_language(params.language),
        viewer=_reader(request),
        product_id=params.product_id,
        limit=params.limit,
    )
    return {"items": hits}


class LanguageOut(Schema):
    language: str
    name: str
    url: str


class ArticleOut(Schema):
    article_id: int
    language: str
    title: str
    summary: str
    body_html: str = Field(..., description="The article's text, sanitised HTML.")
    url: str
    visibility: str
    category: str | None = Field(None, description="The topic's address name.")
    published_at: dt.datetime | None
    updated_at: dt.datetime
    helpful_count: int
    unhelpful_count: int
    languages: list[LanguageOut] = Field(..., description="Every language the article can be read in.")


class ArticleParams(Schema):
    language: Language | None = Field(None, description="Default: the request's language.")  # type: ignore[valid-type]


@router.get("/kb/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def kb_article(request: HttpRequest, article_id: Id, params: Query[ArticleParams]) -> Any:
    """A published article in one language; 404 when it is not written in it (see `languages` of another)."""
    reader = _reader(request)
    readable = selectors.article_get(
        article_id=article_id, language=_language(params.language), viewer=reader
    )
    category = readable.article.category
    return {
        "article_id": readable.article_id,
        "language": readable.language,
        "title": readable.title,
        "summary": readable.summary,
        "body_html": readable.body_html,
        "url": selectors.article_url(readable),
        "visibility": readable.article.visibility,
        "category": category.slug if category is not None else None,
        "published_at": readable.published_at,
        "updated_at": readable.updated_at,
        "helpful_count": readable.helpful_count,
        "unhelpful_count": readable.unhelpful_count,
        "languages": selectors.article_languages(article_id=article_id, viewer=reader),
    }
