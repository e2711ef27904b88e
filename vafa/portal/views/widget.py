"""The help widget: a shop's own site shows these pages in a frame (static/portal/widget.js puts it there).

Inside the frame a visitor searches the knowledge base, reads an article, says it answered them, or
sends a request into the same pipeline as the portal's (`case_open`, channel "portal"), found or
created as a customer by their e-mail address. The frame is another site's, so neither the session
nor the CSRF cookie reaches these pages: the request form carries a signed, time-limited token
instead, with the honeypot and limits per address and per IP. Which sites may frame the pages is
VAFA_WIDGET_ALLOWED_ORIGINS (sent as Content-Security-Policy frame-ancestors).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.core.text import html_for_display, text_to_html
from vafa.core.throttle import throttle_hit
from vafa.customers.services import customer_for_email
from vafa.knowledge.models import DeflectionEvent
from vafa.knowledge.selectors import article_get, article_search, articles_popular, visit_key_new
from vafa.knowledge.services import article_viewed, deflection_record
from vafa.portal.forms_requests import WidgetRequestForm, visit_or_none
from vafa.portal.spam import client_ip, honeypot_tripped
from vafa.service.models import Case, Channel
from vafa.service.services import case_open

MAX_DB_INT = 2**63 - 1
FORM_SALT = "vafa.portal.widget.form"
TOKEN_MAX_AGE_SECONDS = 2 * 3600
RESULTS = 8
WINDOW_SECONDS = 3600
View = Callable[..., HttpResponse]


def frame_ancestors() -> str:
    """The Content-Security-Policy frame-ancestors value of the widget's pages."""
    origins = [origin for origin in settings.VAFA_WIDGET_ALLOWED_ORIGINS if origin]
    if "*" in origins:
        return "frame-ancestors *"
    return " ".join(["frame-ancestors 'self'", *origins])


def widget_page(view: View) -> View:
    """A page of the frame: in the language the address asks for, framable by the allowed sites."""

    @xframe_options_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = _language(request)
        with translation.override(language):
            response = view(request, *args, language=language, **kwargs)
        response["Content-Security-Policy"] = frame_ancestors()
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _language(request: HttpRequest) -> str:
    raw = (request.POST.get("language") if request.method == "POST" else None) or request.GET.get(
        "language", ""
    )
    language = str(raw)[:2].lower()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE[:2]


def _visit(request: HttpRequest) -> str:
    raw = request.POST.get("visit") if request.method == "POST" else request.GET.get("visit")
    return visit_or_none(raw) or visit_key_new()


def _link(name: str, *args: Any, **params: str) -> str:
    return f"{reverse(name, args=args)}?{urlencode(params)}"


def _article_link(article_id: int, text_language: str, language: str, visit: str) -> str:
    """The frame's address of an article: `text` is the language it is written in, `language` the page's."""
    return _link("portal:widget_article", article_id, language=language, text=text_language, visit=visit)


def _text_language(raw: str, default: str) -> str:
    return raw if raw in dict(settings.LANGUAGES) else default


def _context(language: str, visit: str, **extra: Any) -> dict[str, Any]:
    return {
        "language": language,
        "rtl": get_language_bidi(),
        "visit": visit,
        "home_url": _link("portal:widget", language=language, visit=visit),
        "ask_url": _link("portal:widget_ask", language=language, visit=visit),
        **extra,
    }


def form_token(visit: str) -> str:
    """A token for one request form: signed, bound to the visit, good for two hours."""
    return signing.TimestampSigner(salt=FORM_SALT).sign(visit)


def form_token_visit(token: str) -> str | None:
    """The visit a form token was made for, or None when it is forged or too old."""
    try:
        return signing.TimestampSigner(salt=FORM_SALT).unsign(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None


def _safe_body(html: str, text: str) -> SafeString:
    if html:
        return mark_safe(html_for_display(html))  # noqa: S308 - sanitised just now
    return mark_safe(text_to_html(text))  # noqa: S308 - text_to_html escapes


# --- the launcher's words ---------------------------------------------------------------------------


@require_GET
def widget_config(request: HttpRequest) -> HttpResponse:
    """The launcher's words in the page's language, read by widget.js from any site."""
    language = _language(request)
    with translation.override(language):
        data = {
            "language": language,
            "dir": "rtl" if get_language_bidi() else "ltr",
            "label": _("Help"),
            "title": _("Help and support"),
            "close": _("Close help"),
            "frame": _link("portal:widget", language=language),
        }
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- searching and reading --------------------------------------------------------------------------


@widget_page
@require_GET
def widget_home(request: HttpRequest, *, language: str) -> HttpResponse:
    """The frame's first page: a search box, the most read articles and a way to ask."""
    visit = _visit(request)
    popular = articles_popular(language=language, viewer=None, limit=5)
    hits = [(hit, _article_link(hit.article_id, hit.language, language, visit)) for hit in popular]
    return render(request, "portal/widget/home.html", _context(language, visit, hits=hits, query=""))


@widget_page
@require_GET
def widget_search(request: HttpRequest, *, language: str) -> HttpResponse:
    """Articles for what the visitor typed; each search is a self-service step."""
    visit = _visit(request)
    query = " ".join(request.GET.get("q", "").split())[:200]
    found = article_search(query=query, language=language, viewer=None, limit=RESULTS) if query else []
    if query:
        deflection_record(
            kind=DeflectionEvent.Kind.SEARCH,
            source=DeflectionEvent.Source.WIDGET,
            visit=visit,
            language=language,
            query=query,
            result_count=len(found),
        )
    hits = [(hit, _article_link(hit.article_id, hit.language, language, visit)) for hit in found]
    return render(
        request, "portal/widget/home.html", _context(language, visit, hits=hits, query=query, searched=True)
    )


@widget_page
@require_GET
def widget_article(request: HttpRequest, article_id: int, *, language: str) -> HttpResponse:
    """One article, read in the frame (a view step) with "This answered my question"."""
    if not 0 < article_id <= MAX_DB_INT:
        raise Http404
    visit = _visit(request)
    text = _text_language(request.GET.get("text", ""), language)
    try:
        article = article_get(article_id=article_id, language=text, viewer=None)
    except VafaError as exc:
        raise Http404 from exc
    article_viewed(translation=article, visit=visit, source=DeflectionEvent.Source.WIDGET)
    context = _context(
        language,
        visit,
        article=article,
        body=_safe_body(article.body_html, article.body_text),
        token=form_token(visit),
    )
    return render(request, "portal/widget/article.html", context)


@csrf_exempt
@widget_page
@require_POST
def widget_answered(request: HttpRequest, *, language: str) -> HttpResponse:
    """ "This answered my question": the deflection is recorded, and nothing else happens."""
    visit = _visit(request)
    raw = request.POST.get("article", "")
    if (
        not raw.isdigit()
        or not 0 < int(raw) <= MAX_DB_INT
        or form_token_visit(request.POST.get("token", "")) is None
    ):
        raise Http404
    text = _text_language(request.POST.get("text", ""), language)
    try:
        article = article_get(article_id=int(raw), language=text, viewer=None)
    except VafaError as exc:
        raise Http404 from exc
    deflection_record(
        kind=DeflectionEvent.Kind.ANSWERED,
        source=DeflectionEvent.Source.WIDGET,
        visit=visit,
        language=language,
        article=article.article,
    )
    return render(request, "portal/widget/answered.html", _context(language, visit, article=article))


# --- asking -----------------------------------------------------------------------------------------


def _render_ask(
    request: HttpRequest, form: WidgetRequestForm, language: str, visit: str, *, status: int = 200
) -> HttpResponse:
    context = _context(language, visit, form=form, token=form_token(visit))
    return render(request, "portal/widget/ask.html", context, status=status)


@csrf_exempt
@widget_page
@require_http_methods(["GET", "POST"])
def widget_ask(request: HttpRequest, *, language: str) -> HttpResponse:
    """The request form: name, e-mail, subject and description, into the same pipeline as the portal's."""
    visit = _visit(request)
    if request.method != "POST":
        return _render_ask(request, WidgetRequestForm(), language, visit)
    if honeypot_tripped(request.POST):
        # Answered as a success, so a bot learns nothing; nothing is recorded.
        return render(request, "portal/widget/sent.html", _context(language, visit, case=None))
    form = WidgetRequestForm(request.POST)
    if not form.is_valid():
        return _render_ask(request, form, language, visit, status=422)
    data = form.cleaned_data
    token_visit = form_token_visit(data["token"])
    if token_visit is None:
        form.add_error(None, _("This form was open too long. Please send it again."))
        return _render_ask(request, form, language, visit, status=400)
    email = data["email"].strip().lower()
    allowed = [
        throttle_hit(
            f"portal:widget:ip:{client_ip(request)}",
            limit=settings.VAFA_WIDGET_IP_LIMIT,
            window_seconds=WINDOW_SECONDS,
        ),
        throttle_hit(
            f"portal:widget:email:{email}",
            limit=settings.VAFA_WIDGET_ADDRESS_LIMIT,
            window_seconds=WINDOW_SECONDS,
        ),
    ]
    if not all(allowed):
        form.add_error(None, _("Too many requests were sent from here. Please wait a while and try again."))
        return _render_ask(request, form, language, visit, status=429)
    try:
        with via("web"), transaction.atomic():
            customer = customer_for_email(email=email, name=data["name"], language=language)
            case: Case = case_open(
                actor=None,
                customer=customer,
                subject=data["subject"],
                body=data["description"],
                channel=Channel.PORTAL,
                language=language,
            )
            deflection_record(
                kind=DeflectionEvent.Kind.SUBMITTED,
                source=DeflectionEvent.Source.WIDGET,
                visit=token_visit,
                language=language,
                query=data["subject"],
                customer=customer,
                case=case,
            )
    except VafaError as exc:
        for name, errors in (exc.fields or {}).items():
            field = "description" if name == "body" else name
            for error in errors if isinstance(errors, list | tuple) else [errors]:
                form.add_error(field if field in form.fields else None, str(error))
        if not exc.fields:
            form.add_error(None, str(exc.message))
        return _render_ask(request, form, language, visit, status=exc.status)
    return render(request, "portal/widget/sent.html", _context(language, visit, case=case))


urlpatterns: list[URLPattern] = [
    path("widget/", widget_home, name="widget"),
    path("widget/config.json", widget_config, name="widget_config"),
    path("widget/search/", widget_search, name="widget_search"),
    path("widget/articles/<int:article_id>/", widget_article, name="widget_article"),
    path("widget/answered/", widget_answered, name="widget_answered"),
    path("widget/ask/", widget_ask, name="widget_ask"),
]
