"""The portal's home, "Ask for help" (two screens) and "My requests".

Ask for help: screen one says what it is about and what happened; while the customer types, the
articles that may answer it appear (that product's first). Reading one records a view; "This
answered my question" records the deflection and ends there, with no request. Sending opens the
case and screen two shows its number. Every self-service step carries the visit key the first
screen was drawn with.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.accounts.models import User
from vafa.catalog.selectors import product_list
from vafa.core.context import via
from vafa.core.errors import NotFound, VafaError, ValidationFailed
from vafa.core.keyset import KeysetPage
from vafa.core.text import html_for_display, text_to_html
from vafa.core.throttle import throttle_hit
from vafa.customers.selectors import shared_organisation_id
from vafa.knowledge.models import DeflectionEvent
from vafa.knowledge.selectors import article_get, article_search, article_url, visit_key_new
from vafa.knowledge.services import article_viewed, deflection_record
from vafa.portal.access import portal_customer, portal_user, portal_view
from vafa.portal.forms_requests import (
    ABOUT_OTHER,
    ABOUT_PRODUCT,
    AskForm,
    RatingForm,
    ReplyForm,
    read_uploads,
    unit_choice,
    visit_or_none,
)
from vafa.portal.spam import honeypot_tripped
from vafa.sales.models import Unit
from vafa.sales.selectors import unit_list, unit_warranty_status
from vafa.service.models import OPEN_STATUSES, AuthorKind, Case, CaseStatus, Channel, Message
from vafa.service.selectors import (
    attachment_get,
    case_conversation_page,
    case_get_by_number,
    case_rating,
    case_reopen_until,
    customer_case_page,
    customer_open_cases,
)
from vafa.service.services import case_customer_reply, case_open, case_rate, case_reopen

MAX_DB_INT = 2**63 - 1
PAGE_SIZE = 20
CONVERSATION_LIMIT = 50
SUGGESTIONS = 5
SUGGEST_MIN_CHARS = 3
INLINE_SAFE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)
# The statuses as a customer reads them: what is happening to their request, not the desk's queue words.
STATUS_WORDS: dict[str, Any] = {
    CaseStatus.NEW: gettext_lazy("Received"),
    CaseStatus.OPEN: gettext_lazy("In progress"),
    CaseStatus.PENDING_CUSTOMER: gettext_lazy("Waiting for your reply"),
    CaseStatus.ON_HOLD: gettext_lazy("On hold"),
    CaseStatus.RESOLVED: gettext_lazy("Resolved"),
    CaseStatus.CLOSED: gettext_lazy("Closed"),
}
SEARCHED_VISITS = "portal_ask_searched"


def status_words(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


def _case(request: HttpRequest, number: int) -> Case:
    if not 0 < number <= MAX_DB_INT:
        raise Http404
    return case_get_by_number(viewer=portal_user(request), number=number)


def _safe_html(html: str, text: str) -> SafeString:
    """Stored HTML sanitised again now (images become links), or the plain text escaped."""
    if html:
        return mark_safe(html_for_display(html))  # noqa: S308 - sanitised just now
    return mark_safe(text_to_html(text))  # noqa: S308 - text_to_html escapes


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


# --- home -----------------------------------------------------------------------------------------


@portal_view
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Greeting, a search box into the help centre, open requests and the customer's products."""
    user = portal_user(request)
    today = timezone.localdate()
    units = list(unit_list(viewer=user).order_by("-created_at", "-id")[:5])
    context = {
        "first_name": user.get_short_name(),
        "help_search_url": reverse("help:search", args=[_language()]),
        "open_cases": [(case, status_words(case.status)) for case in customer_open_cases(viewer=user)],
        "units": [(unit, unit_warranty_status(unit, today)) for unit in units],
    }
    return render(request, "portal/home.html", context)


# --- ask for help ---------------------------------------------------------------------------------


def _own_units(user: User) -> list[Unit]:
    return list(unit_list(viewer=user).filter(owner_id=user.customer_id).order_by("-created_at", "-id"))


def _ask_form(request: HttpRequest, user: User, data: Any = None) -> AskForm:
    units = _own_units(user)
    products = list(product_list(viewer=user).order_by("name", "id"))
    initial: dict[str, Any] = {"about": ABOUT_OTHER if not units else None, "kind": "question"}
    if data is None:
        initial["visit"] = visit_key_new()
        raw_unit = request.GET.get("unit", "")
        raw_product = request.GET.get("product", "")
        wanted = {unit_choice(unit) for unit in units}
        if raw_unit.isdigit() and f"unit-{raw_unit}" in wanted:
            initial["about"] = f"unit-{raw_unit}"
        elif raw_product.isdigit() and any(p.pk == int(raw_product) for p in products):
            initial["about"], initial["product"] = ABOUT_PRODUCT, int(raw_product)
        raw_follow = request.GET.get("follow_up", "")
        if raw_follow.isdigit():
            follow = _follow_up(user, int(raw_follow))
            if follow is not None:
                initial["follow_up"] = follow.number
                initial["subject"] = follow.subject
                if follow.unit_id is not None and f"unit-{follow.unit_id}" in wanted:
                    initial["about"] = f"unit-{follow.unit_id}"
    return AskForm(data, initial=initial, units=units, products=products)


def _follow_up(user: User, number: int) -> Case | None:
    """The viewer's finished case a new request continues, if it is one."""
    if not 0 < number <= MAX_DB_INT:
        return None
    try:
        case = case_get_by_number(viewer=user, number=number)
    except NotFound:
        return None
    return case if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None


def _render_ask(request: HttpRequest, form: AskForm, *, status: int = 200, **extra: Any) -> HttpResponse:
    follow_number = form["follow_up"].value()
    context = {
        "form": form,
        "nav": "ask",
        "units": list(form.units.items()),
        "visit": form["visit"].value(),
        "follow_up_reference": f"{settings.VAFA_CASE_PREFIX}{follow_number}" if follow_number else "",
        "attachment_max_count": settings.VAFA_ATTACHMENT_MAX_COUNT,
        "attachment_max_mb": settings.VAFA_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        **extra,
    }
    return render(request, "portal/requests/ask.html", context, status=status)


@portal_view
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """Screen one: what it is about and what happened; sending opens the request."""
    user = portal_user(request)
    if request.method != "POST":
        return _render_ask(request, _ask_form(request, user))
    if honeypot_tripped(request.POST):
        # Answered as a success, so a bot learns nothing; nothing is recorded.
        return render(request, "portal/requests/sent.html", {"case": None, "nav": "ask"})
    form = _ask_form(request, user, request.POST)
    if not form.is_valid():
        return _render_ask(request, form)
    customer = portal_customer(request)
    data = form.cleaned_data
    follow_up = _follow_up(user, data["follow_up"]) if data.get("follow_up") else None
    if not throttle_hit(
        f"portal:ask:customer:{customer.pk}", limit=settings.VAFA_PORTAL_REQUEST_LIMIT, window_seconds=3600
    ):
        form.add_error(
            None, _("You have sent many requests in the last hour. Please wait a while and try again.")
        )
        return _render_ask(request, form, status=429)
    visit = visit_or_none(data.get("visit")) or visit_key_new()
    try:
        attachments = read_uploads(request.FILES.getlist("attachments"))
        with via("web"), transaction.atomic():
            case = case_open(
                actor=user,
                customer=customer,
                subject=data["subject"],
                body=data["description"],
                kind=data["kind"],
                channel=Channel.PORTAL,
                unit=form.chosen_unit(),
                product=form.chosen_product(),
                language=user.language,
                attachments=attachments,
                follow_up_of=follow_up,
            )
            deflection_record(
                kind=DeflectionEvent.Kind.SUBMITTED,
                source=DeflectionEvent.Source.PORTAL,
                visit=visit,
                language=_language(),
                query=data["subject"],
                product=case.product,
                customer=customer,
                case=case,
            )
    except VafaError as exc:
        _form_errors(form, exc, body_field="description")
        return _render_ask(request, form, status=exc.status)
    return HttpResponseRedirect(reverse("portal:ask_sent", args=[case.number]))


def _form_errors(form: Any, exc: VafaError, *, body_field: str = "body") -> None:
    """Show a service's refusal on the form: on the fields it names, else (files too) above the form."""
    above = not exc.fields
    for name, errors in (exc.fields or {}).items():
        field = body_field if name == "body" else name
        if field in form.fields:
            for error in errors if isinstance(errors, list | tuple) else [errors]:
                form.add_error(field, str(error))
        else:
            above = True
    if above:
        form.add_error(None, str(exc.message))


def _product_of(user: User, data: QueryDict) -> int | None:
    """The product the suggestions favour: the chosen unit's, or the chosen product."""
    about = data.get("about", "")
    if about.startswith("unit-") and about[5:].isdigit() and int(about[5:]) <= MAX_DB_INT:
        unit = unit_list(viewer=user).filter(pk=int(about[5:]), owner_id=user.customer_id).first()
        return unit.product_id if unit is not None else None
    raw = data.get("product", "")
    if about == ABOUT_PRODUCT and raw.isdigit() and int(raw) <= MAX_DB_INT:
        return int(raw)
    return None


@portal_view
@require_POST
def ask_suggest(request: HttpRequest) -> HttpResponse:
    """The articles that may answer what the customer is typing (an htmx fragment).

    A POST: the text can be longer than an address may be.
    """
    user = portal_user(request)
    query = " ".join(f"{request.POST.get('subject', '')} {request.POST.get('description', '')}".split())[:500]
    visit = visit_or_none(request.POST.get("visit"))
    hits = []
    if len(query) >= SUGGEST_MIN_CHARS:
        product_id = _product_of(user, request.POST)
        hits = article_search(
            query=query, language=_language(), viewer=user, product_id=product_id, limit=SUGGESTIONS
        )
        searched = request.session.get(SEARCHED_VISITS, [])
        # One search step per visit: the box asks again at every pause in typing.
        if visit is not None and visit not in searched:
            deflection_record(
                kind=DeflectionEvent.Kind.SEARCH,
                source=DeflectionEvent.Source.PORTAL,
                visit=visit,
                language=_language(),
                query=query,
                result_count=len(hits),
                customer=portal_customer(request),
            )
            request.session[SEARCHED_VISITS] = [*searched[-19:], visit]
    return render(
        request, "portal/requests/_suggestions.html", {"hits": hits, "visit": visit or "", "query": query}
    )


@portal_view
@require_GET
def ask_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """One suggested article, read in the ask screen's panel; records the read."""
    user = portal_user(request)
    if not 0 < article_id <= MAX_DB_INT:
        raise Http404
    language = request.GET.get("language", "") or _language()
    if language not in dict(settings.LANGUAGES):
        raise Http404
    translation_row = article_get(article_id=article_id, language=language, viewer=user)
    visit = visit_or_none(request.GET.get("visit")) or ""
    article_viewed(
        translation=translation_row,
        visit=visit,
        source=DeflectionEvent.Source.PORTAL,
        customer=portal_customer(request),
    )
    body = _safe_html(translation_row.body_html, translation_row.body_text)
    context = {
        "article": translation_row,
        "article_url": article_url(translation_row),
        "body": body,
        "visit": visit,
        "query": request.GET.get("q", "")[:200],
    }
    return render(request, "portal/requests/_article.html", context)


@portal_view
@require_POST
def ask_answered(request: HttpRequest) -> HttpResponse:
    """ "This answered my question": record the deflection and end the flow without a request."""
    user = portal_user(request)
    raw = request.POST.get("article", "")
    language = request.POST.get("language", "") or _language()
    if not raw.isdigit() or not 0 < int(raw) <= MAX_DB_INT or language not in dict(settings.LANGUAGES):
        raise Http404
    translation_row = article_get(article_id=int(raw), language=language, viewer=user)
    deflection_record(
        kind=DeflectionEvent.Kind.ANSWERED,
        source=DeflectionEvent.Source.PORTAL,
        visit=visit_or_none(request.POST.get("visit")) or "",
        language=_language(),
        query=request.POST.get("q", "")[:200],
        article=translation_row.article,
        customer=portal_customer(request),
    )
    return render(request, "portal/requests/answered.html", {"article": translation_row, "nav": "ask"})


@portal_view
@require_GET
def ask_sent(request: HttpRequest, number: int) -> HttpResponse:
    """Screen two: the request's number and what happens next."""
    case = _case(request, number)
    return render(request, "portal/requests/sent.html", {"case": case, "nav": "ask"})


# --- my requests ----------------------------------------------------------------------------------


@portal_view
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """The customer's requests (or their organisation's), latest activity first, a page at a time."""
    user = portal_user(request)
    shares = shared_organisation_id(user) is not None
    organisation = shares and request.GET.get("scope") == "organisation"
    after, before = request.GET.get("after") or None, request.GET.get("before") or None
    try:
        page: KeysetPage[Case] = customer_case_page(
            viewer=user, organisation=organisation, after=after, before=before, size=PAGE_SIZE
        )
    except ValidationFailed:
        page = customer_case_page(viewer=user, organisation=organisation, size=PAGE_SIZE)
    context = {
        "rows": [(case, status_words(case.status)) for case in page.items],
        "page": page,
        "shares": shares,
        "organisation": organisation,
        "scope": "organisation" if organisation else "",
        "nav": "requests",
    }
    return render(request, "portal/requests/list.html", context)


def _author(message: Message, viewer: User) -> str:
    if message.author_kind == AuthorKind.CUSTOMER:
        if message.author_customer_id == viewer.customer_id:
            return _("You")
        return message.author_customer.name if message.author_customer is not None else _("Customer")
    if message.author_user is not None and message.author_kind == AuthorKind.AGENT:
        return message.author_user.get_short_name() if message.author_user.full_name else _("Support team")
    return _("Support team")


def _detail(
    request: HttpRequest,
    case: Case,
    *,
    reply_form: ReplyForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = portal_user(request)
    conversation = case_conversation_page(viewer=user, case=case, limit=CONVERSATION_LIMIT)
    entries = []
    for item in conversation.items:
        message = item.message
        if message is None:
            continue
        body = _safe_html(message.body_html, message.body_text)
        entries.append(
            {
                "message": message,
                "author": _author(message, user),
                "mine": message.author_kind == AuthorKind.CUSTOMER,
                "body": body,
                "attachments": list(message.attachments.all()),
            }
        )
    now = timezone.now()
    until = case_reopen_until(case)
    within = case.status == CaseStatus.RESOLVED and until is not None and now <= until
    own = case.customer_id == user.customer_id
    rating = case_rating(case=case) if own else None
    can_rate = (
        own
        and case.merged_into_id is None
        and case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        and (rating is None or (until is not None and now <= until))
    )
    if rating_form is None and can_rate:
        rating_form = RatingForm(
            initial={"score": rating.score, "comment": rating.comment} if rating else None
        )
    live = case.merged_into_id is None
    finished = case.status == CaseStatus.CLOSED or (case.status == CaseStatus.RESOLVED and not within)
    context = {
        "case": case,
        "status_words": status_words(case.status),
        "entries": entries,
        "more_earlier": conversation.earlier is not None,
        "can_reply": live and (case.status in OPEN_STATUSES or within),
        "can_reopen": live and within,
        "reopen_until": until if within else None,
        "window_passed": live and case.status == CaseStatus.RESOLVED and not within,
        "can_follow_up": live and finished,
        "reply_form": reply_form or ReplyForm(),
        "rating": rating,
        "rating_form": rating_form if can_rate else None,
        "merged_into": case.merged_into if case.merged_into_id else None,
        "attachment_max_count": settings.VAFA_ATTACHMENT_MAX_COUNT,
        "attachment_max_mb": settings.VAFA_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "nav": "requests",
    }
    return render(request, "portal/requests/detail.html", context, status=status)


@portal_view
@require_GET
def request_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One request: its conversation (public messages only) and what the customer can do next."""
    return _detail(request, _case(request, number))


@portal_view
@require_POST
def request_reply(request: HttpRequest, number: int) -> HttpResponse:
    """The customer's reply, with files; a resolved request within the window opens again."""
    case = _case(request, number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, reply_form=form, status=422)
    try:
        attachments = read_uploads(request.FILES.getlist("attachments"))
        with via("web"):
            case_customer_reply(
                actor=portal_user(request),
                case=case,
                customer=portal_customer(request),
                body=form.cleaned_data["body"],
                attachments=attachments,
                channel=Channel.PORTAL,
            )
    except VafaError as exc:
        _form_errors(form, exc)
        return _detail(request, _case(request, number), reply_form=form, status=exc.status)
    messages.success(request, _("Your reply was sent."))
    return HttpResponseRedirect(reverse("portal:request", args=[case.number]) + "#reply")


@portal_view
@require_POST
def request_reopen(request: HttpRequest, number: int) -> HttpResponse:
    """Open a resolved request again (within the reopen window)."""
    case = _case(request, number)
    try:
        with via("web"):
            case_reopen(actor=portal_user(request), case=case, reason="customer reopened in the portal")
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your request is open again. Tell us what is still wrong."))
    return HttpResponseRedirect(reverse("portal:request", args=[case.number]) + "#reply")


@portal_view
@require_POST
def request_rate(request: HttpRequest, number: int) -> HttpResponse:
    """The customer's 1–5 rating of how the request was handled."""
    case = _case(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, rating_form=form, status=422)
    try:
        with via("web"):
            case_rate(
                actor=portal_user(request),
                case=case,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
    except VafaError as exc:
        if exc.fields:
            _form_errors(form, exc)
            return _detail(request, case, rating_form=form, status=exc.status)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you for your rating."))
    return HttpResponseRedirect(reverse("portal:request", args=[case.number]) + "#rating")


@portal_view
@require_GET
def request_file(request: HttpRequest, number: int, attachment_id: int) -> HttpResponse:
    """Download a file of the customer's request (never one of an internal note), never shown inline."""
    if not 0 < attachment_id <= MAX_DB_INT:
        raise Http404
    case = _case(request, number)
    attachment = attachment_get(viewer=portal_user(request), case=case, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = attachment.content_type if attachment.content_type in INLINE_SAFE_TYPES else None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("ask/", ask, name="ask"),
    path("ask/suggest/", ask_suggest, name="ask_suggest"),
    path("ask/articles/<int:article_id>/", ask_article, name="ask_article"),
    path("ask/answered/", ask_answered, name="ask_answered"),
    path("ask/sent/<int:number>/", ask_sent, name="ask_sent"),
    path("requests/", request_list, name="requests"),
    path("requests/<int:number>/", request_detail, name="request"),
    path("requests/<int:number>/reply/", request_reply, name="request_reply"),
    path("requests/<int:number>/reopen/", request_reopen, name="request_reopen"),
    path("requests/<int:number>/rate/", request_rate, name="request_rate"),
    path("requests/<int:number>/files/<int:attachment_id>/", request_file, name="request_file"),
]
