"""My service: the customer's claims, returns, repairs, replacements, refunds and visits, one repair's
progress and quote, a return's packing note, and the two signed links the e-mails carry (a repair
quote to accept or decline, a visit to confirm) that work without signing in.

A record of another customer, an unknown number and an unknown link all look like a missing page;
a link that expired or was already used says so in the reader's language (410), never a 500.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.accounts.models import User
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import (
    Refund,
    RepairLine,
    RepairOrder,
    Replacement,
    ReturnRequest,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.selectors import customer_aftersales, repair_get, return_get, visit_get
from vafa.aftersales.services.repairs import (
    repair_by_quote_token,
    repair_customer_total,
    repair_quote_accept,
    repair_quote_decline,
)
from vafa.aftersales.services.visits import visit_by_token, visit_confirm
from vafa.core.context import via
from vafa.core.dates import format_date, to_local_digits
from vafa.core.errors import NotFound, VafaError
from vafa.core.money import format_money
from vafa.core.throttle import throttle_hit
from vafa.portal.access import portal_user, portal_view
from vafa.portal.spam import client_ip

MAX_DB_INT = 2**63 - 1
MAX_TOKEN_CHARS = 200
# Requests one IP may make to the signed-link pages in a window: enough for a household, too few to
# try links one after another.
LINK_IP_LIMIT = 60
LINK_WINDOW_SECONDS = 600

KIND_WORDS: dict[str, Any] = {
    "claim": gettext_lazy("Warranty claim"),
    "return": gettext_lazy("Return"),
    "refund": gettext_lazy("Refund"),
    "replacement": gettext_lazy("Replacement"),
    "repair": gettext_lazy("Repair"),
    "visit": gettext_lazy("Visit"),
}
# The statuses as a customer reads them: what is happening for them, not the workshop's words.
STATUS_WORDS: dict[str, dict[str, Any]] = {
    "claim": {
        WarrantyClaim.Status.OPEN: gettext_lazy("We are reviewing your claim"),
        WarrantyClaim.Status.APPROVED: gettext_lazy("Approved"),
        WarrantyClaim.Status.REJECTED: gettext_lazy("Not covered"),
        WarrantyClaim.Status.FULFILLED: gettext_lazy("Completed"),
        WarrantyClaim.Status.CANCELLED: gettext_lazy("Cancelled"),
    },
    "return": {
        ReturnRequest.Status.REQUESTED: gettext_lazy("Waiting for approval"),
        ReturnRequest.Status.APPROVED: gettext_lazy("Approved"),
        ReturnRequest.Status.REJECTED: gettext_lazy("Not accepted"),
        ReturnRequest.Status.INSTRUCTED: gettext_lazy("Ready to send back"),
        ReturnRequest.Status.RECEIVED: gettext_lazy("We received the item"),
        ReturnRequest.Status.INSPECTED: gettext_lazy("Checked"),
        ReturnRequest.Status.CLOSED: gettext_lazy("Completed"),
        ReturnRequest.Status.CANCELLED: gettext_lazy("Cancelled"),
    },
    "refund": {
        Refund.Status.PENDING_APPROVAL: gettext_lazy("Being approved"),
        Refund.Status.ISSUED: gettext_lazy("Refunded"),
        Refund.Status.REJECTED: gettext_lazy("Not approved"),
    },
    "replacement": {
        Replacement.Status.ISSUED: gettext_lazy("Being prepared"),
        Replacement.Status.SHIPPED: gettext_lazy("On its way"),
        Replacement.Status.DELIVERED: gettext_lazy("Delivered"),
    },
    "repair": {
        RepairOrder.Status.RECEIVED: gettext_lazy("Received"),
        RepairOrder.Status.DIAGNOSING: gettext_lazy("Diagnosing"),
        RepairOrder.Status.AWAITING_APPROVAL: gettext_lazy("Waiting for your approval"),
        RepairOrder.Status.WAITING_FOR_PARTS: gettext_lazy("Waiting for parts"),
        RepairOrder.Status.REPAIRING: gettext_lazy("Repairing"),
        RepairOrder.Status.READY: gettext_lazy("Ready for you"),
        RepairOrder.Status.RETURNED: gettext_lazy("Returned to you"),
        RepairOrder.Status.CANCELLED: gettext_lazy("Cancelled"),
    },
    "visit": {
        Visit.Status.SCHEDULED: gettext_lazy("Please confirm"),
        Visit.Status.CONFIRMED: gettext_lazy("Confirmed"),
        Visit.Status.DONE: gettext_lazy("Done"),
        Visit.Status.MISSED: gettext_lazy("Missed"),
        Visit.Status.CANCELLED: gettext_lazy("Cancelled"),
    },
}
# A repair's way through the workshop; waiting for the customer's approval sits at diagnosing.
REPAIR_STEPS: list[tuple[str, Any]] = [
    (RepairOrder.Status.RECEIVED, gettext_lazy("Received")),
    (RepairOrder.Status.DIAGNOSING, gettext_lazy("Diagnosing")),
    (RepairOrder.Status.WAITING_FOR_PARTS, gettext_lazy("Waiting for parts")),
    (RepairOrder.Status.REPAIRING, gettext_lazy("Repairing")),
    (RepairOrder.Status.READY, gettext_lazy("Ready")),
    (RepairOrder.Status.RETURNED, gettext_lazy("Returned")),
]
STEP_AT = {
    **{status: index for index, (status, _label) in enumerate(REPAIR_STEPS)},
    RepairOrder.Status.AWAITING_APPROVAL: 1,
}


def status_words(kind: str, status: str) -> str:
    return str(STATUS_WORDS.get(kind, {}).get(status, status))


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _native(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "native_digits", False))


def _money(amount: Decimal | int, currency: str, language: str) -> str:
    return format_money(Decimal(amount), currency, language)


def _product_name(unit: Any, language: str) -> str:
    return unit.product.display_name(language) if unit is not None else ""


# --- what the pages show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRow:
    """One record on My service: what it is, about which product, where it stands."""

    kind: str
    kind_label: str
    record: Any
    status_label: str
    product_name: str
    serial_number: str
    case_number: int
    created_at: dt.datetime
    amount: str = ""
    detail_url: str = ""
    packing_note_url: str = ""
    window: str = ""
    can_confirm: bool = False


@dataclass(frozen=True)
class QuoteLine:
    """A repair line as the customer reads it: what, how many, and what they pay (nothing when covered)."""

    name: str
    kind: str
    quantity: str
    unit_price: str
    amount: str
    covered: bool


@dataclass(frozen=True)
class RepairView:
    repair: RepairOrder
    status_label: str
    product_name: str
    serial_number: str
    lines: list[QuoteLine]
    total: str
    covered_count: int
    waits_for_quote: bool
    steps: list[dict[str, Any]] = field(default_factory=list)


def _line_name(line: RepairLine, language: str) -> str:
    if line.part is not None:
        return line.part.display_name(language)
    return line.description or str(line.get_kind_display())


def _quantity(line: RepairLine) -> str:
    value = line.quantity.normalize() if isinstance(line.quantity, Decimal) else line.quantity
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def repair_view(repair: RepairOrder, language: str) -> RepairView:
    """What the repair page and the quote page show of a repair."""
    if "lines" not in getattr(repair, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [repair], Prefetch("lines", queryset=RepairLine.objects.select_related("part"))
        )
    lines = [
        QuoteLine(
            name=_line_name(line, language),
            kind=line.kind,
            quantity=_quantity(line),
            unit_price=_money(line.unit_price, repair.currency, language),
            amount=_money(line.customer_amount, repair.currency, language),
            covered=line.covered,
        )
        for line in repair.lines.all()
    ]
    at = STEP_AT.get(repair.status)
    steps = [
        {
            "status": status,
            "label": str(label),
            "state": "todo" if at is None or index > at else ("current" if index == at else "done"),
        }
        for index, (status, label) in enumerate(REPAIR_STEPS)
    ]
    return RepairView(
        repair=repair,
        status_label=status_words("repair", repair.status),
        product_name=_product_name(repair.unit, language),
        serial_number=repair.unit.serial_number,
        lines=lines,
        total=_money(repair_customer_total(repair), repair.currency, language),
        covered_count=sum(1 for line in lines if line.covered),
        waits_for_quote=repair.status == RepairOrder.Status.AWAITING_APPROVAL
        and repair.quote_status == RepairOrder.QuoteStatus.SENT,
        steps=steps,
    )


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def visit_window(visit: Visit, language: str, *, native_digits: bool = False) -> str:
    """The visit's window in the visit's own time zone (Jalali for Persian): "1404/04/10 09:00–11:00"."""
    zone = _zone(visit.time_zone)
    tz = visit.time_zone if zone is not None else None
    start = format_date(visit.starts_at, language=language, tz=tz, native_digits=native_digits)
    starts, ends = visit.starts_at, visit.ends_at
    if zone is not None:
        starts, ends = starts.astimezone(zone), ends.astimezone(zone)
    if starts.date() == ends.date():
        end = to_local_digits(ends.strftime("%H:%M"), language, native_digits=native_digits)
    else:
        end = format_date(visit.ends_at, language=language, tz=tz, native_digits=native_digits)
    return f"{start}–{end}"


def checklist_items(visit: Visit) -> list[str]:
    """The checklist's items as text, whether stored as strings or as {"label": …} objects."""
    items: list[str] = []
    for entry in visit.checklist or []:
        if isinstance(entry, dict):
            text = next(
                (entry[key] for key in ("label", "text", "item", "title", "name") if entry.get(key)), ""
            )
        else:
            text = entry
        if str(text).strip():
            items.append(str(text))
    return items


def _rows(request: HttpRequest, user: User) -> list[ServiceRow]:
    data = customer_aftersales(viewer=user)
    language = _language()
    native = _native(request)
    now = timezone.now()
    rows: list[ServiceRow] = []

    def add(kind: str, record: Any, unit: Any, product_name: str = "", **extra: Any) -> None:
        if record.customer_id != user.customer_id:
            return  # an organisation colleague's record: theirs to see, not this account's
        rows.append(
            ServiceRow(
                kind=kind,
                kind_label=str(KIND_WORDS[kind]),
                record=record,
                status_label=status_words(kind, record.status),
                product_name=product_name or _product_name(unit, language),
                serial_number=unit.serial_number if unit is not None else "",
                case_number=record.case.number,
                created_at=record.created_at,
                **extra,
            )
        )

    for claim in data.claims:
        add("claim", claim, claim.unit)
    for rma in data.returns:
        note = reverse("portal:packing_note", args=[rma.number]) if _packing_note_ready(rma) else ""
        # A return of an item without a serial number is named by its order line's product.
        line_product = rma.order_line.product.display_name(language) if rma.unit is None else ""
        add("return", rma, rma.unit, product_name=line_product, packing_note_url=note)
    for refund in data.refunds:
        add(
            "refund",
            refund,
            None,
            product_name=refund.order_line.product.display_name(language),
            amount=_money(refund.amount, refund.currency, language),
        )
    for replacement in data.replacements:
        add("replacement", replacement, replacement.new_unit)
    for repair in data.repairs:
        add(
            "repair",
            repair,
            repair.unit,
            amount=_money(_customer_total(repair), repair.currency, language),
            detail_url=reverse("portal:service_repair", args=[repair.number]),
        )
    for visit in data.visits:
        add(
            "visit",
            visit,
            visit.unit,
            window=visit_window(visit, language, native_digits=native),
            can_confirm=visit.status == Visit.Status.SCHEDULED and visit.ends_at > now,
        )
    rows.sort(key=lambda row: (row.created_at, row.record.pk), reverse=True)
    return rows


def _customer_total(repair: RepairOrder) -> Decimal:
    total = getattr(repair, "customer_total", None)  # annotated by customer_aftersales
    return total if total is not None else repair_customer_total(repair)


def _packing_note_ready(rma: ReturnRequest) -> bool:
    """A packing note makes sense once the return is approved (it has an address) and still open."""
    return rma.location_id is not None and rma.status in (
        ReturnRequest.Status.APPROVED,
        ReturnRequest.Status.INSTRUCTED,
    )


# --- My service (signed in) ------------------------------------------------------------------------


def _number(number: int) -> int:
    if not 0 < number <= MAX_DB_INT:
        raise Http404
    return number


def _own_repair(user: User, number: int) -> RepairOrder:
    repair_id = (
        RepairOrder.objects.filter(number=_number(number), customer_id=user.customer_id or 0)
        .values_list("pk", flat=True)
        .first()
    )
    if repair_id is None:
        raise Http404
    repair = repair_get(viewer=user, repair_id=repair_id)
    if repair.customer_id != user.customer_id:
        raise Http404
    return repair


def _own_visit(user: User, number: int) -> Visit:
    visit_id = (
        Visit.objects.filter(number=_number(number), customer_id=user.customer_id or 0)
        .values_list("pk", flat=True)
        .first()
    )
    if visit_id is None:
        raise Http404
    visit = visit_get(viewer=user, visit_id=visit_id)
    if visit.customer_id != user.customer_id:
        raise Http404
    return visit


@portal_view
@require_GET
def service(request: HttpRequest) -> HttpResponse:
    """My service: every after-sales record of the customer, newest first, with its status."""
    user = portal_user(request)
    return render(request, "portal/aftersales/service.html", {"nav": "service", "rows": _rows(request, user)})


@portal_view
@require_GET
def service_repair(request: HttpRequest, number: int) -> HttpResponse:
    """One repair: where it stands, what the customer pays and what the warranty covers; the quote."""
    repair = _own_repair(portal_user(request), number)
    context = {
        "nav": "service",
        "view": repair_view(repair, _language()),
        "request_url": reverse("portal:request", args=[repair.case.number]),
    }
    return render(request, "portal/aftersales/repair.html", context)


def _decide(request: HttpRequest, number: int, *, accept: bool) -> HttpResponse:
    user = portal_user(request)
    repair = _own_repair(user, number)
    try:
        with via("web"):
            if accept:
                repair_quote_accept(repair=repair, actor=user)
            else:
                repair_quote_decline(repair=repair, actor=user)
    except VafaError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, str(exc.message))
    else:
        if accept:
            messages.success(request, _("Thank you: the repair goes ahead."))
        else:
            messages.success(request, _("You declined the quote; we will return the item unrepaired."))
    return HttpResponseRedirect(reverse("portal:service_repair", args=[repair.number]))


@portal_view
@require_POST
def service_repair_accept(request: HttpRequest, number: int) -> HttpResponse:
    """Accept the repair's quote from the portal."""
    return _decide(request, number, accept=True)


@portal_view
@require_POST
def service_repair_decline(request: HttpRequest, number: int) -> HttpResponse:
    """Decline the repair's quote from the portal."""
    return _decide(request, number, accept=False)


@portal_view
@require_POST
def service_visit_confirm(request: HttpRequest, number: int) -> HttpResponse:
    """Confirm a scheduled visit from My service."""
    user = portal_user(request)
    visit = _own_visit(user, number)
    try:
        with via("web"):
            visit_confirm(visit=visit, actor=user)
    except VafaError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: the visit is confirmed."))
    return HttpResponseRedirect(reverse("portal:service") + f"#visit-{visit.number}")


@portal_view
@require_GET
def packing_note(request: HttpRequest, number: int) -> HttpResponse:
    """A printable packing note for a return: what goes in the box and where it goes."""
    user = portal_user(request)
    rma_id = (
        ReturnRequest.objects.filter(number=_number(number), customer_id=user.customer_id or 0)
        .values_list("pk", flat=True)
        .first()
    )
    if rma_id is None:
        raise Http404
    rma = return_get(viewer=user, rma_id=rma_id)
    if rma.customer_id != user.customer_id or not _packing_note_ready(rma) or rma.location is None:
        raise Http404
    language = _language()
    product = rma.unit.product if rma.unit is not None else rma.order_line.product
    context = {
        "rma": rma,
        "product_name": product.display_name(language),
        "serial_number": rma.unit.serial_number if rma.unit is not None else "",
        "reason": rma.get_reason_display(),
        "location_name": rma.location.display_name(language),
        "case_reference": rma.case.reference,
        "customer_name": rma.customer.name,
    }
    return render(request, "portal/aftersales/packing_note.html", context)


# --- the signed links from the e-mails (no sign-in) -------------------------------------------------


def _link_page(request: HttpRequest, reason: str, status: int, language: str = "") -> HttpResponse:
    with translation.override(language or _language()):
        response = render(request, "portal/aftersales/link_invalid.html", {"reason": reason}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_guard(request: HttpRequest, token: str) -> HttpResponse | None:
    """Refuse a link request over the IP's limit (429) or with a token no link could have (404)."""
    if not throttle_hit(
        f"portal:link:ip:{client_ip(request)}", limit=LINK_IP_LIMIT, window_seconds=LINK_WINDOW_SECONDS
    ):
        return _link_page(request, "throttled", 429)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return _link_page(request, "unknown", 404)
    return None


def _link_error(request: HttpRequest, exc: VafaError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return _link_page(request, "unknown", 404)
    if exc.code == AftersalesError.LINK_INVALID:
        return _link_page(request, "expired", 410)
    return _link_page(request, "refused", exc.status if 400 <= exc.status < 500 else 409)


def _reader_language(request: HttpRequest, case_language: str) -> str:
    """The page's language: the reader's choice or account, else the language the e-mail was written in."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen or request.user.is_authenticated:
        return _language()
    known = {code for code, _name in settings.LANGUAGES}
    return case_language if case_language in known else _language()


def _render_link(request: HttpRequest, template: str, context: dict[str, Any], language: str) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, context)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def quote(request: HttpRequest, token: str) -> HttpResponse:
    """The quote from the e-mail: the repair, its lines and total; Accept or Decline."""
    refused = _link_guard(request, token)
    if refused is not None:
        return refused
    try:
        repair = repair_by_quote_token(token)
    except VafaError as exc:
        return _link_error(request, exc)
    language = _reader_language(request, repair.case.language)
    decided = ""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in ("accept", "decline"):
            return _link_page(request, "refused", 400)
        try:
            with via("web"):
                if decision == "accept":
                    repair = repair_quote_accept(repair=repair, token=token)
                else:
                    repair = repair_quote_decline(repair=repair, token=token)
        except VafaError as exc:
            return _link_error(request, exc)
        decided = decision
    with translation.override(language):
        context = {"view": repair_view(repair, language), "decided": decided}
    return _render_link(request, "portal/aftersales/quote.html", context, language)


@never_cache
@require_http_methods(["GET", "POST"])
def visit_confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    """The visit from the e-mail: when, where, what will be checked; Confirm."""
    refused = _link_guard(request, token)
    if refused is not None:
        return refused
    try:
        visit = visit_by_token(token)
    except VafaError as exc:
        return _link_error(request, exc)
    language = _reader_language(request, visit.case.language)
    confirmed_now = False
    if visit.status != Visit.Status.CONFIRMED and (
        visit.status != Visit.Status.SCHEDULED or visit.ends_at <= timezone.now()
    ):
        return _link_page(request, "expired", 410, language)
    if request.method == "POST":
        try:
            with via("web"):
                visit = visit_confirm(visit=visit, token=token)
        except VafaError as exc:
            return _link_error(request, exc)
        confirmed_now = True
    with translation.override(language):
        context = {
            "visit": visit,
            "kind_label": visit.get_kind_display(),
            "status_label": status_words("visit", visit.status),
            "window": visit_window(visit, language, native_digits=_native(request)),
            "checklist": checklist_items(visit),
            "product_name": _product_name(visit.unit, language),
            "confirmed_now": confirmed_now,
            "can_confirm": visit.status == Visit.Status.SCHEDULED,
        }
    return _render_link(request, "portal/aftersales/visit_confirm.html", context, language)


urlpatterns: list[URLPattern] = [
    path("service/", service, name="service"),
    path("service/repairs/<int:number>/", service_repair, name="service_repair"),
    path("service/repairs/<int:number>/accept/", service_repair_accept, name="service_repair_accept"),
    path("service/repairs/<int:number>/decline/", service_repair_decline, name="service_repair_decline"),
    path("service/visits/<int:number>/confirm/", service_visit_confirm, name="service_visit_confirm"),
    path("returns/<int:number>/packing-note/", packing_note, name="packing_note"),
    path("quotes/<str:token>/", quote, name="quote"),
    path("visits/confirm/<str:token>/", visit_confirm_link, name="visit_confirm"),
]
