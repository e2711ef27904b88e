"""The managers' after-sales pages: refunds and goodwill waiting for approval, the agents' approval
limits and the exchange rates, spare-parts stock, and the after-sales report.

Admins and managers only (agents get the missing page). Each action is a plain form POST that calls
one service and redirects back with a message; a refusal shows the page again with the message on
the form and what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.accounts.models import Role, User
from vafa.aftersales.models import ApprovalLimit, ExchangeRate, Part, ServiceLocation
from vafa.aftersales.reports import aftersales_report
from vafa.aftersales.selectors import goodwill_get, pending_approvals, refund_get, stock_list
from vafa.aftersales.services import costs as cost_services
from vafa.aftersales.services import goodwill as goodwill_services
from vafa.aftersales.services import refunds as refund_services
from vafa.aftersales.services import stock as stock_services
from vafa.core.context import via
from vafa.core.dates import format_date, to_local_digits
from vafa.core.errors import VafaError
from vafa.desk import aftersales_forms as af
from vafa.desk.access import desk_user, manager_view
from vafa.desk.case_forms import apply_error

MAX_DB_INT = 2**63 - 1
PAGE_SIZE = 50
REPORT_DAYS = 90
LIST_LIMIT = 200


def _run(form: af.ActionForm, call: Any) -> tuple[Any, int]:
    try:
        with via("web"):
            return call(**form.service_kwargs()), 200
    except VafaError as exc:
        apply_error(form, exc)
        return None, exc.status


# --- approvals ------------------------------------------------------------------------------------

DECISIONS: dict[tuple[str, str], tuple[type[af.ActionForm], Any]] = {
    ("refund", "approve"): (af.RefundApproveForm, gettext_lazy("%(reference)s issued.")),
    ("refund", "reject"): (af.RequiredNoteForm, gettext_lazy("%(reference)s refused.")),
    ("goodwill", "approve"): (af.EmptyForm, gettext_lazy("%(reference)s given.")),
    ("goodwill", "reject"): (af.RequiredNoteForm, gettext_lazy("%(reference)s refused.")),
}


def _decision_form(kind: str, pk: int, decision: str, data: QueryDict | None) -> af.ActionForm:
    form_class = DECISIONS[(kind, decision)][0]
    return form_class(data, prefix=f"{kind}-{pk}-{decision}")


def _approvals_page(
    request: HttpRequest, *, bound: tuple[str, int, str, af.ActionForm] | None = None, status: int = 200
) -> HttpResponse:
    waiting = pending_approvals(viewer=desk_user(request))

    def forms(kind: str, pk: int) -> dict[str, af.ActionForm]:
        return {
            decision: bound[3]
            if bound and bound[:3] == (kind, pk, decision)
            else _decision_form(kind, pk, decision, None)
            for decision in ("approve", "reject")
        }

    return render(
        request,
        "desk/aftersales/approvals.html",
        {
            "nav": "aftersales",
            "tab": "approvals",
            "refunds": [(refund, forms("refund", refund.pk)) for refund in waiting["refunds"]],
            "goodwill": [(gift, forms("goodwill", gift.pk)) for gift in waiting["goodwill"]],
        },
        status=status,
    )


@manager_view
@require_GET
def approvals_page(request: HttpRequest) -> HttpResponse:
    """Refunds and goodwill above the agents' limits, oldest first, to approve or refuse."""
    return _approvals_page(request)


@manager_view
@require_POST
def approval_decide(request: HttpRequest, kind: str, pk: int, decision: str) -> HttpResponse:
    if (kind, decision) not in DECISIONS or pk > MAX_DB_INT:
        raise Http404
    user = desk_user(request)
    form = _decision_form(kind, pk, decision, request.POST)
    if not form.is_valid():
        return _approvals_page(request, bound=(kind, pk, decision, form), status=422)
    if kind == "refund":
        refund = refund_get(viewer=user, refund_id=pk)
        decide: Any = (
            refund_services.refund_approve if decision == "approve" else refund_services.refund_reject
        )
        result, status = _run(form, lambda **kw: decide(actor=user, refund=refund, **kw))
    else:
        gift = goodwill_get(viewer=user, goodwill_id=pk)
        decide = (
            goodwill_services.goodwill_approve if decision == "approve" else goodwill_services.goodwill_reject
        )
        result, status = _run(form, lambda **kw: decide(actor=user, goodwill=gift, **kw))
    if result is None:
        return _approvals_page(request, bound=(kind, pk, decision, form), status=status)
    messages.success(request, str(DECISIONS[(kind, decision)][1]) % {"reference": result.reference})
    return HttpResponseRedirect(reverse("desk:aftersales_approvals"))


# --- settings: approval limits and exchange rates -------------------------------------------------


def _agents() -> Any:
    return User.objects.filter(is_active=True, role=Role.AGENT).order_by("full_name", "email")


@manager_view
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """Up to how much agents may refund and give alone; what other currencies are worth."""
    user = desk_user(request)
    limit_form = af.ApprovalLimitForm(prefix="limit", agents=_agents())
    rate_form = af.ExchangeRateForm(prefix="rate")
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "limit":
            limit_form = af.ApprovalLimitForm(request.POST, prefix="limit", agents=_agents())
            form: af.ActionForm = limit_form
            call: Any = lambda **kw: cost_services.approval_limit_set(actor=user, **kw)  # noqa: E731
            done = _("Approval limit saved.")
        elif which == "rate":
            rate_form = af.ExchangeRateForm(request.POST, prefix="rate")
            form, done = rate_form, _("Exchange rate saved.")
            call = lambda **kw: cost_services.exchange_rate_set(actor=user, **kw)  # noqa: E731
        else:
            raise Http404
        status = 422
        if form.is_valid():
            result, status = _run(form, call)
            if result is not None:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("desk:aftersales_settings"))
    limits = ApprovalLimit.objects.select_related("user").order_by("kind", "role", "user__email")[:LIST_LIMIT]
    rates = ExchangeRate.objects.order_by("currency", "-valid_from")[:LIST_LIMIT]
    return render(
        request,
        "desk/aftersales/settings.html",
        {
            "nav": "aftersales",
            "tab": "settings",
            "limits": limits,
            "rates": rates,
            "limit_form": limit_form,
            "rate_form": rate_form,
            "company_currency": cost_services.company_currency(),
        },
        status=status,
    )


# --- stock ----------------------------------------------------------------------------------------


def _stock_forms(data: QueryDict | None = None, which: str = "") -> dict[str, af.ActionForm]:
    parts = Part.objects.filter(is_active=True).order_by("sku")
    locations = ServiceLocation.objects.filter(is_active=True).order_by("name")
    return {
        "receive": af.StockReceiveForm(
            data if which == "receive" else None, prefix="receive", parts=parts, locations=locations
        ),
        "adjust": af.StockAdjustForm(
            data if which == "adjust" else None, prefix="adjust", parts=parts, locations=locations
        ),
    }


@manager_view
@require_http_methods(["GET", "POST"])
def stock_page(request: HttpRequest) -> HttpResponse:
    """Stock per location (low stock only, on request); receive parts, or correct a count with a note."""
    user = desk_user(request)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms = _stock_forms(request.POST if which else None, which)
    status = 200
    if request.method == "POST":
        if which not in forms:
            raise Http404
        form = forms[which]
        status = 422
        if form.is_valid():
            call = stock_services.stock_receive if which == "receive" else stock_services.stock_adjust
            result, status = _run(form, lambda **kw: call(actor=user, **kw))
            if result is not None:
                messages.success(
                    request, _("Stock received.") if which == "receive" else _("Stock corrected.")
                )
                return HttpResponseRedirect(reverse("desk:aftersales_stock") + "?" + request.GET.urlencode())
    locations = ServiceLocation.objects.order_by("name")
    raw_location = request.GET.get("location", "")
    location = next((loc for loc in locations if str(loc.pk) == raw_location), None)
    low = request.GET.get("low") == "1"
    page = Paginator(stock_list(location=location, low_only=low), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "desk/aftersales/stock.html",
        {
            "nav": "aftersales",
            "tab": "stock",
            "page": page,
            "locations": locations,
            "location": location,
            "low": low,
            "forms": forms,
            "opened": which,
            "query": query.urlencode(),
        },
        status=status,
    )


# --- report ---------------------------------------------------------------------------------------


@manager_view
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    """Return and claim rates per product, defect reasons, turnaround, warranty cost and goodwill spend."""
    today = timezone.localdate()
    form = af.ReportRangeForm(request.GET or None)
    start, end = today - dt.timedelta(days=REPORT_DAYS), today
    status = 200
    if request.GET:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            if end < start:
                form.add_error("end", _("The end comes before the start."))
                status = 422
        else:
            status = 422
    if status != 200:
        return render(
            request,
            "desk/aftersales/report.html",
            {"nav": "aftersales", "tab": "report", "form": form, "report": None},
            status=status,
        )
    language = translation.get_language() or "en"
    native = bool(getattr(request.user, "native_digits", False))
    start_text, end_text = (format_date(day, language=language, with_time=False) for day in (start, end))
    if not request.GET:
        form = af.ReportRangeForm(initial={"start": start_text, "end": end_text})
    return render(
        request,
        "desk/aftersales/report.html",
        {
            "nav": "aftersales",
            "tab": "report",
            "form": form,
            "report": aftersales_report(start=start, end=end),
            "period_start": to_local_digits(start_text, language, native_digits=native),
            "period_end": to_local_digits(end_text, language, native_digits=native),
        },
    )


urlpatterns = [
    path("aftersales/approvals/", approvals_page, name="aftersales_approvals"),
    path(
        "aftersales/approvals/<slug:kind>/<int:pk>/<slug:decision>/",
        approval_decide,
        name="aftersales_approval_decide",
    ),
    path("aftersales/settings/", settings_page, name="aftersales_settings"),
    path("aftersales/stock/", stock_page, name="aftersales_stock"),
    path("aftersales/report/", report_page, name="aftersales_report"),
]
