"""The knowledge base in the desk: the staff's article list, the deflection report, the articles
suggested beside a case's reply box, and "Turn into article" on an agent's public reply.

Articles are written and edited in the Django admin (vafa.knowledge.admin); these pages list them,
measure them and bring them to the case. Every figure of the report is counted by the database
(vafa.knowledge.reports).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.core.context import via
from vafa.core.dates import format_date
from vafa.core.errors import VafaError
from vafa.core.keyset import KeysetPage, SortKey, keyset_page
from vafa.core.text import text_to_html
from vafa.desk.access import desk_user, desk_view, is_htmx, manager_view
from vafa.desk.dashboard import viewer_zone
from vafa.desk.services import error_text
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleStatus,
    ArticleTranslation,
    Visibility,
)
from vafa.knowledge.reports import articles_needing_attention, deflection_report, deflection_rows
from vafa.knowledge.selectors import ArticleHit, article_search, article_url
from vafa.knowledge.services import article_draft_from_message
from vafa.service.models import AuthorKind, Case, Message
from vafa.service.selectors import case_get_by_number

MAX_DB_INT = 2**63 - 1
PAGE_SIZE = 30
SEARCH_LIMIT = 50
SUGGESTION_LIMIT = 5
# The automatic query: the case's subject and the customer's latest message, cut to this length.
SUGGESTION_QUERY_CHARS = 300
MAX_QUERY_CHARS = 200
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
ATTENTION_LIMIT = 20
NEWEST_FIRST = SortKey("-updated_at", (("updated_at", "datetime"),), True)


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def _admin_links() -> dict[str, str]:
    """The admin's article pages, when the knowledge admin is installed."""
    if not admin.site.is_registered(Article):
        return {"add": "", "change": ""}
    return {"add": reverse("admin:knowledge_article_add"), "change": "admin:knowledge_article_change"}


def _int_param(value: str | None) -> int | None:
    if value and value.isdigit() and 0 < int(value) <= MAX_DB_INT:
        return int(value)
    return None


# --- the article list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    language: str  # "" for every language
    state: str  # "" for every state
    category: int | None
    query: str

    @property
    def any(self) -> bool:
        return bool(self.language or self.state or self.category or self.query)


def _list_filters(request: HttpRequest) -> ListFilters:
    language = request.GET.get("language", "")
    state = request.GET.get("state", "")
    return ListFilters(
        language=language if language in dict(settings.LANGUAGES) else "",
        state=state if state in ArticleStatus.values else "",
        category=_int_param(request.GET.get("category")),
        query=" ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS],
    )


def _page_links(request: HttpRequest, page: KeysetPage[Any]) -> dict[str, str | None]:
    def link(direction: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        query = request.GET.copy()
        query.pop("after", None)
        query.pop("before", None)
        query[direction] = cursor
        return f"?{query.urlencode()}"

    return {"previous": link("before", page.previous), "next": link("after", page.next)}


def _translations(filters: ListFilters) -> Any:
    rows = ArticleTranslation.objects.select_related("article__category")
    if filters.language:
        rows = rows.filter(language=filters.language)
    if filters.state:
        rows = rows.filter(status=filters.state)
    if filters.category:
        rows = rows.filter(article__category_id=filters.category)
    return rows


@desk_view
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """Every article translation, newest change first, in every state; or the search's hits."""
    filters = _list_filters(request)
    viewer = desk_user(request)
    language = translation.get_language() or "en"
    context: dict[str, Any] = {
        "nav": "knowledge",
        "filters": filters,
        "language_choices": settings.LANGUAGES,
        "states": ArticleStatus.choices,
        "categories": [
            (category.pk, category.name_in(language))
            for category in ArticleCategory.objects.order_by("position", "slug")
        ],
        "admin": _admin_links() if viewer.is_staff else {"add": "", "change": ""},
        "can_report": viewer.is_staff,
    }
    if filters.query:
        hits = article_search(
            query=filters.query,
            language=filters.language or language,
            viewer=viewer,
            limit=SEARCH_LIMIT,
        )
        context["rows"] = _rows(_hits_with_state(hits, filters))
    else:
        queryset = _translations(filters)
        after, before = request.GET.get("after") or None, request.GET.get("before") or None
        try:
            page = keyset_page(queryset, sort=NEWEST_FIRST, size=PAGE_SIZE, after=after, before=before)
        except VafaError:
            page = keyset_page(queryset, sort=NEWEST_FIRST, size=PAGE_SIZE)
        context["rows"] = _rows(page.items)
        context["links"] = _page_links(request, page)
    return render(request, "desk/knowledge/list.html", context)


@dataclass(frozen=True)
class ListRow:
    translation: ArticleTranslation
    category: str
    url: str  # on the help centre, when published


def _rows(translations: list[ArticleTranslation]) -> list[ListRow]:
    language = translation.get_language() or "en"
    return [
        ListRow(
            translation=row,
            category=row.article.category.name_in(language) if row.article.category else "",
            url=article_url(row) if row.status == ArticleStatus.PUBLISHED else "",
        )
        for row in translations
    ]


def _hits_with_state(hits: list[ArticleHit], filters: ListFilters) -> list[ArticleTranslation]:
    """The search's hits as translations (one query), in the search's order, narrowed by the filters."""
    order = {hit.translation_id: place for place, hit in enumerate(hits)}
    rows = list(_translations(filters).filter(pk__in=list(order)))
    rows.sort(key=lambda row: order[row.pk])
    return rows


# --- the deflection report ------------------------------------------------------------------------


def _period(value: str | None) -> int:
    try:
        days = int(value or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _rate_number(value: Any) -> float | None:
    return float(value) if value is not None else None


@manager_view
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Self-service over the last 7, 30 or 90 days: totals, by product, by language, per day; and
    the articles editors should look at."""
    viewer = desk_user(request)
    period = _period(request.GET.get("period"))
    zone = viewer_zone(viewer)
    until = timezone.now().astimezone(zone).date()
    since = until - dt.timedelta(days=period - 1)
    language = translation.get_language() or "en"
    native = bool(viewer.native_digits)
    result = deflection_report(since=since, until=until, group_by="product", zone=zone, language=language)
    by_language = deflection_rows(since=since, until=until, group_by="language", zone=zone, language=language)
    attention = articles_needing_attention(since=since, limit=ATTENTION_LIMIT, zone=zone)
    chart = {
        "locale": {"language": language, "native_digits": native},
        "labels": [format_date(day.day, language=language, native_digits=native) for day in result.days],
        "datasets": [
            {"label": _("Searches"), "data": [day.searches for day in result.days]},
            {"label": _("Article views"), "data": [day.views for day in result.days]},
            {"label": _("Answered"), "data": [day.answered for day in result.days]},
            {"label": _("Requests sent"), "data": [day.submitted for day in result.days]},
        ],
    }
    return render(
        request,
        "desk/knowledge/report.html",
        {
            "nav": "knowledge",
            "period": period,
            "periods": PERIODS,
            "report": result,
            "by_language": by_language,
            "attention": attention,
            "chart_data": chart,
            "admin": _admin_links(),
        },
    )


# --- suggested articles beside the reply box ------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """An article the agent may send: the link in the customer's language when there is one."""

    hit: ArticleHit
    title: str
    language: str
    url: str  # absolute, for the customer
    internal: bool
    other_language: bool  # no translation in the customer's language: the link is to this one
    language_name: str


def _absolute(url: str) -> str:
    return settings.VAFA_BASE_URL.rstrip("/") + url


def _automatic_query(case: Case) -> str:
    latest = (
        Message.objects.filter(case=case, author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .order_by("-created_at", "-id")
        .values_list("body_text", flat=True)
        .first()
    )
    text = " ".join(f"{case.subject} {latest or ''}".split())
    return text[:SUGGESTION_QUERY_CHARS]


def suggestions_for(case: Case, hits: list[ArticleHit]) -> list[Suggestion]:
    """The hits with the link to send: the translation in the case's language (published) if the
    article has one, else the hit's own; internal articles are marked (one query)."""
    if not hits:
        return []
    article_ids = {hit.article_id for hit in hits}
    rows = (
        ArticleTranslation.objects.filter(article_id__in=article_ids, status=ArticleStatus.PUBLISHED)
        .filter(Q(language=case.language) | Q(pk__in=[hit.translation_id for hit in hits]))
        .select_related("article")
        .only("pk", "article_id", "language", "title", "slug", "status", "article__visibility")
    )
    found: dict[int, ArticleTranslation] = {}
    visibility: dict[int, str] = {}
    for row in rows:
        visibility[row.article_id] = row.article.visibility
        if row.language == case.language:
            found[row.article_id] = row
    result = []
    for hit in hits:
        own = found.get(hit.article_id)
        if own is not None:
            title, language, url = own.title, own.language, _absolute(article_url(own))
        else:
            title, language, url = hit.title, hit.language, _absolute(hit.url)
        result.append(
            Suggestion(
                hit=hit,
                title=title,
                language=language,
                url=url,
                internal=visibility.get(hit.article_id) == Visibility.INTERNAL,
                other_language=language != case.language,
                language_name=_language_name(language),
            )
        )
    return result


@desk_view
@require_GET
def case_articles(request: HttpRequest, number: int) -> HttpResponse:
    """Articles for the case's product and text (or for what the agent typed in `q`)."""
    if number > MAX_DB_INT:
        raise Http404
    viewer = desk_user(request)
    case = case_get_by_number(viewer=viewer, number=number)
    typed = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS]
    query = typed or _automatic_query(case)
    hits = (
        article_search(
            query=query,
            language=case.language,
            viewer=viewer,
            product_id=case.product_id,
            limit=SUGGESTION_LIMIT,
        )
        if query
        else []
    )
    context = {
        "case": case,
        "query": typed,
        "suggestions": suggestions_for(case, hits),
        "customer_language": _language_name(case.language),
        "nav": "inbox",
    }
    if is_htmx(request):
        return render(request, "desk/knowledge/_case_results.html", context)
    return render(request, "desk/knowledge/case_articles.html", context)


# --- links to articles in a sent reply ------------------------------------------------------------


def _help_link_pattern() -> re.Pattern[str]:
    base = html.escape(settings.VAFA_BASE_URL.rstrip("/"))
    # Addresses of help-centre articles as text_to_html escaped them: they end with a slash.
    return re.compile(re.escape(base) + r"/help/[a-z]{2}(?:-[a-z]+)?/articles/\d+-[^\s<>\"'/]*/")


def reply_html_with_article_links(text: str) -> SafeString | None:
    """The HTML of a reply typed as text, with the help centre's article addresses made links; None
    when it holds none (the service then makes the HTML from the text as always)."""
    body = text_to_html(text.strip())
    pattern = _help_link_pattern()
    if not pattern.search(body):
        return None

    def link(match: re.Match[str]) -> str:
        shown = match.group(0)
        href = html.escape(iri_to_uri(html.unescape(shown)))
        return f'<a href="{href}">{shown}</a>'

    # The text was escaped by text_to_html; only addresses matched above become tags.
    return mark_safe(pattern.sub(link, body))  # noqa: S308


# --- a reply becomes a draft article --------------------------------------------------------------


@desk_view
@require_POST
def message_to_article(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """Turn an agent's public reply into a draft article in the case's language."""
    if number > MAX_DB_INT or message_id > MAX_DB_INT:
        raise Http404
    actor = desk_user(request)
    case = case_get_by_number(viewer=actor, number=number)
    message = Message.objects.filter(pk=message_id, case=case).select_related("case").first()
    if message is None:
        raise Http404
    back = reverse("desk:case", args=[case.number]) + f"#message-{message.pk}"
    try:
        with via("web"):
            article = article_draft_from_message(actor=actor, message=message)
    except VafaError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(back)
    links = _admin_links()
    if actor.is_staff and links["change"]:
        messages.success(
            request, _("A draft article was made from the reply. Edit it and publish it when it is ready.")
        )
        return HttpResponseRedirect(reverse(links["change"], args=[article.pk]))
    messages.success(
        request,
        _("A draft article (#%(number)s) was made from the reply; an editor will review and publish it.")
        % {"number": article.pk},
    )
    return HttpResponseRedirect(back)


urlpatterns = [
    path("knowledge/", article_list, name="knowledge"),
    path("knowledge/report/", report, name="knowledge_report"),
    path("cases/<int:number>/articles/", case_articles, name="case_articles"),
    path(
        "cases/<int:number>/messages/<int:message_id>/article/",
        message_to_article,
        name="case_message_article",
    ),
]
