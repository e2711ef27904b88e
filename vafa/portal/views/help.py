"""The public help centre at /help/: categories, search and articles, readable without signing in.

Every page's address carries its language (/help/fa/…), which the page is shown in; the addresses
without one (/help/, /help/articles/<id>/, /help/search/, /help/categories/<slug>/) lead to the same
page in the reader's language, which is what the language switcher goes through. Internal articles
are shown to the company's staff only; anything a reader may not see is "not found".

Searches and reads are recorded as self-service steps (DeflectionEvent, source "help") under a
visit key kept in the session; "was this helpful?" is posted with htmx, or as a plain form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts.models import User
from vafa.catalog.models import Product
from vafa.core.context import via
from vafa.core.errors import Forbidden, NotFound, ValidationFailed
from vafa.core.throttle import throttle_hit
from vafa.customers.models import Customer
from vafa.knowledge.models import ArticleTranslation, DeflectionEvent
from vafa.knowledge.selectors import (
    article_get,
    article_languages,
    article_search,
    article_url,
    articles_popular,
    category_articles,
    category_get,
    category_list,
    language_codes,
    visit_key_new,
)
from vafa.knowledge.services import article_feedback, article_viewed, deflection_record
from vafa.portal.spam import client_ip

SESSION_VISIT = "kb_visit"
RESULTS = 20
POPULAR = 8
FEEDBACK_LIMIT = 60
"""Feedback posts per address and hour: a reader votes a few times, a script many."""

View = Callable[..., HttpResponse]


def session_visit(request: HttpRequest) -> str:
    """The visit key of this browser session for self-service steps (made on first use)."""
    visit = request.session.get(SESSION_VISIT)
    if not isinstance(visit, str) or not visit:
        visit = visit_key_new()
        request.session[SESSION_VISIT] = visit
    return visit


def _reader_key(request: HttpRequest) -> str:
    # The session's visit key, hashed: one answer per browser session, and nothing in the
    # feedback row that could be used as the session itself.
    return hashlib.sha256(f"kb-reader:{session_visit(request)}".encode()).hexdigest()


def _viewer(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated and user.is_active else None


def _customer(request: HttpRequest) -> Customer | None:
    user = _viewer(request)
    if user is None or not user.is_customer or user.customer_id is None:
        return None
    return user.customer


def help_page(view: View) -> View:
    """Show the page in the language of its address (unknown: 404); NotFound and Forbidden are 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, lang: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if lang not in language_codes():
            raise Http404
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        try:
            return view(request, lang, *args, **kwargs)
        except (NotFound, Forbidden) as exc:
            raise Http404 from exc

    return wrapper


def _active_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in language_codes() else settings.LANGUAGE_CODE[:2]


# --- the addresses without a language: to the reader's language -----------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("help:index", args=[_active_language()]))


@require_GET
def search_any(request: HttpRequest) -> HttpResponse:
    target = reverse("help:search", args=[_active_language()])
    query = request.GET.urlencode()
    return HttpResponseRedirect(f"{target}?{query}" if query else target)


@require_GET
def category_any(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponseRedirect(reverse("help:category", args=[_active_language(), slug]))


@require_GET
def article_any(request: HttpRequest, article_id: int) -> HttpResponse:
    language = _active_language()
    try:
        readable = article_get(article_id=article_id, language=language, viewer=_viewer(request))
    except NotFound:
        # Not in this language: the page that lists the languages it is in.
        return HttpResponseRedirect(reverse("help:article_bare", args=[language, article_id]))
    return HttpResponseRedirect(article_url(readable))


# --- pages ----------------------------------------------------------------------------------------


@require_GET
@help_page
def index(request: HttpRequest, lang: str) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "nav": "help",
        "lang": lang,
        "categories": category_list(language=lang, viewer=viewer),
        "popular": articles_popular(language=lang, viewer=viewer, limit=POPULAR),
        "language_next": reverse("help:home"),
    }
    return render(request, "portal/help/index.html", context)


def _product_id(raw: str) -> int | None:
    if not raw.isdigit():
        return None
    return Product.objects.filter(pk=int(raw)).values_list("pk", flat=True).first()


@require_GET
@help_page
def search(request: HttpRequest, lang: str) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:200]
    product_id = _product_id(request.GET.get("product", ""))
    hits = []
    if query:
        hits = article_search(
            query=query, language=lang, viewer=_viewer(request), product_id=product_id, limit=RESULTS
        )
        with via("web"):
            deflection_record(
                kind=DeflectionEvent.Kind.SEARCH,
                source=DeflectionEvent.Source.HELP_CENTRE,
                visit=session_visit(request),
                language=lang,
                query=query,
                result_count=len(hits),
                product=Product(pk=product_id) if product_id is not None else None,
                customer=_customer(request),
            )
    neutral = reverse("help:search_any")
    context = {
        "nav": "help",
        "lang": lang,
        "query": query,
        "hits": hits,
        "other_language": any(hit.language != lang for hit in hits),
        "language_next": f"{neutral}?{request.GET.urlencode()}" if query else reverse("help:home"),
    }
    return render(request, "portal/help/search.html", context)


@require_GET
@help_page
def category(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    shelf = category_get(slug=slug)
    articles = category_articles(category=shelf, language=lang, viewer=_viewer(request))
    context = {
        "nav": "help",
        "lang": lang,
        "category_name": shelf.name_in(lang),
        "category_description": (shelf.descriptions or {}).get(lang, ""),
        "articles": articles,
        "language_next": reverse("help:category_any", args=[slug]),
    }
    return render(request, "portal/help/category.html", context)


def _not_in_language(request: HttpRequest, lang: str, article_id: int) -> HttpResponse:
    versions = article_languages(article_id=article_id, viewer=_viewer(request))
    if not versions:
        raise Http404
    context = {
        "nav": "help",
        "lang": lang,
        "versions": versions,
        "language_next": reverse("help:article_any", args=[article_id]),
    }
    return render(request, "portal/help/not_in_language.html", context, status=404)


@require_GET
@help_page
def article_bare(request: HttpRequest, lang: str, article_id: int) -> HttpResponse:
    """The article's address without (or with a wrong) name: moved permanently to the right one."""
    try:
        readable = article_get(article_id=article_id, language=lang, viewer=_viewer(request))
    except NotFound:
        return _not_in_language(request, lang, article_id)
    return HttpResponseRedirect(article_url(readable), status=301)


def _feedback_context(
    readable: ArticleTranslation, lang: str, *, answered: bool | None = None
) -> dict[str, Any]:
    return {
        "article": readable,
        "lang": lang,
        "answered": answered,
        "feedback_url": reverse("help:feedback", args=[lang, readable.article_id]),
    }


@require_GET
@help_page
def article(request: HttpRequest, lang: str, article_id: int, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        readable = article_get(article_id=article_id, language=lang, viewer=viewer)
    except NotFound:
        return _not_in_language(request, lang, article_id)
    if slug != readable.slug:
        return HttpResponseRedirect(article_url(readable), status=301)
    versions = article_languages(article_id=article_id, viewer=viewer)
    with via("web"):
        article_viewed(translation=readable, visit=session_visit(request), customer=_customer(request))
    shelf = readable.article.category
    context = {
        "nav": "help",
        "lang": lang,
        "article": readable,
        "category_name": shelf.name_in(lang) if shelf is not None else "",
        "category_slug": shelf.slug if shelf is not None else "",
        "also_in": [version for version in versions if version.language != lang],
        "language_next": reverse("help:article_any", args=[article_id]),
        **_feedback_context(readable, lang),
    }
    return render(request, "portal/help/article.html", context)


@require_POST
@help_page
def feedback(request: HttpRequest, lang: str, article_id: int) -> HttpResponse:
    readable = article_get(article_id=article_id, language=lang, viewer=_viewer(request))
    is_htmx = request.headers.get("HX-Request") == "true"
    answer = request.POST.get("helpful", "")
    error = ""
    if answer not in ("yes", "no"):
        error = _("Choose Yes or No.")
    elif not throttle_hit(f"help:feedback:{client_ip(request)}", limit=FEEDBACK_LIMIT, window_seconds=3600):
        error = _("Thank you — we have received many answers from you already. Please try again later.")
    else:
        try:
            with via("web"):
                article_feedback(
                    translation=readable,
                    helpful=answer == "yes",
                    comment=request.POST.get("comment", ""),
                    reader_key=_reader_key(request),
                    customer=_customer(request),
                    user=_viewer(request),
                )
        except ValidationFailed as exc:
            error = str(exc.message)
    if is_htmx:
        context = {
            **_feedback_context(readable, lang, answered=None if error else answer == "yes"),
            "error": error,
        }
        return render(request, "portal/help/_feedback.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you for your answer."))
    return HttpResponseRedirect(article_url(readable) + "#help-feedback")


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("search/", search_any, name="search_any"),
    path("categories/<slug:slug>/", category_any, name="category_any"),
    path("articles/<int:article_id>/", article_any, name="article_any"),
    path("<str:lang>/", index, name="index"),
    path("<str:lang>/search/", search, name="search"),
    path("<str:lang>/categories/<slug:slug>/", category, name="category"),
    path("<str:lang>/articles/<int:article_id>/", article_bare, name="article_bare"),
    path("<str:lang>/articles/<int:article_id>-<str:slug>/", article, name="article"),
    path("<str:lang>/articles/<int:article_id>/feedback/", feedback, name="feedback"),
]
