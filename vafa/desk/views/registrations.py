"""The verification queue: customers' product registrations that the records could not prove.

Agents, managers and admins see each claim with its proof (order number, receipt), the units its
serial names (with their owners: staff may see them), and approve it — choosing the product, and
transferring the unit explicitly when another customer owns it — or reject it with a reason.
Each action is a plain form POST that calls one service and redirects back with a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from vafa.catalog.models import Product
from vafa.core.context import via
from vafa.core.dates import format_date, parse_date
from vafa.core.errors import VafaError
from vafa.desk.access import desk_user, desk_view
from vafa.desk.forms import DeskForm
from vafa.sales.models import Order, UnitRegistration
from vafa.sales.selectors import unit_registration_get, unit_registration_list, unit_registration_matches
from vafa.sales.services import unit_registration_approve, unit_registration_reject

MAX_DB_INT = 2**63 - 1
PAGE_SIZE = 50
PRODUCT_CHOICES_LIMIT = 1000
TABS = (
    (UnitRegistration.Status.PENDING, gettext_lazy("Waiting")),
    (UnitRegistration.Status.APPROVED, gettext_lazy("Approved")),
    (UnitRegistration.Status.REJECTED, gettext_lazy("Rejected")),
)
# Served as their own type when downloaded; the service stores only types it recognised by their bytes.
RECEIPT_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"}
)


def _product_choices(current: Product | None) -> list[tuple[str, str]]:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    rows = list(
        Product.objects.filter(is_active=True, is_serialised=True)
        .order_by("name")
        .values_list("pk", "sku", "name", "names")[:PRODUCT_CHOICES_LIMIT]
    )
    if current is not None and current.pk not in {row[0] for row in rows}:
        rows.insert(0, (current.pk, current.sku, current.name, current.names))
    return [
        ("", "—"),
        *((str(pk), f"{(names or {}).get(language) or name} ({sku})") for pk, sku, name, names in rows),
    ]


class ApproveForm(DeskForm):
    """What the agent confirms: the product, the serial as it is on the unit, the purchase date."""

    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    serial_number = forms.CharField(
        label=gettext_lazy("Serial number"), max_length=100, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    purchased_on = forms.CharField(label=gettext_lazy("Purchase date"), max_length=40, required=False)
    transfer = forms.BooleanField(
        label=gettext_lazy("Transfer the unit from its current owner to this customer"),
        required=False,
        help_text=gettext_lazy("Only when the proof shows the unit changed hands."),
    )

    def __init__(self, *args: Any, registration: UnitRegistration, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = _product_choices(registration.product)

    def clean_product(self) -> Product | None:
        raw = self.cleaned_data.get("product") or ""
        if not raw:
            return None
        found = Product.objects.filter(pk=int(raw)).first()
        if found is None:
            raise forms.ValidationError(_("Choose a product from the list."))
        return found

    def clean_purchased_on(self) -> dt.date | None:
        raw = (self.cleaned_data.get("purchased_on") or "").strip()
        if not raw:
            return None
        day = parse_date(raw)
        if day is None:
            raise forms.ValidationError(_("Write the date as year/month/day."))
        return day


class RejectForm(DeskForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the customer reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _reader_date(request: HttpRequest, day: dt.date | None) -> str:
    if day is None:
        return ""
    native = bool(getattr(request.user, "native_digits", False))
    return format_date(
        day, language=translation.get_language() or "en", with_time=False, native_digits=native
    )


@desk_view
@require_GET
def registration_queue(request: HttpRequest) -> HttpResponse:
    """Registrations by state: the waiting ones oldest first, decided ones newest first."""
    user = desk_user(request)
    status = request.GET.get("status") or UnitRegistration.Status.PENDING
    if status not in UnitRegistration.Status.values:
        status = UnitRegistration.Status.PENDING
    counts = {
        row["status"]: row["n"]
        for row in UnitRegistration.objects.order_by().values("status").annotate(n=Count("id"))
    }
    queryset = unit_registration_list(viewer=user).filter(status=status)
    order = ("created_at", "id") if status == UnitRegistration.Status.PENDING else ("-reviewed_at", "-id")
    page = Paginator(queryset.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [(value, label, counts.get(value, 0), value == status) for value, label in TABS]
    return render(
        request,
        "desk/registrations/queue.html",
        {"nav": "registrations", "page": page, "tabs": tabs, "status": status},
    )


def _registration(request: HttpRequest, pk: int) -> UnitRegistration:
    if pk > MAX_DB_INT:
        raise Http404
    return unit_registration_get(viewer=desk_user(request), registration_id=pk)


def _detail(
    request: HttpRequest,
    registration: UnitRegistration,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = desk_user(request)
    matches = unit_registration_matches(viewer=user, registration=registration)
    orders = (
        list(
            Order.objects.filter(number=registration.order_number)
            .select_related("customer")
            .prefetch_related("lines__product")
            .order_by("-placed_at")[:5]
        )
        if registration.order_number
        else []
    )
    if approve_form is None:
        approve_form = ApproveForm(
            registration=registration,
            initial={
                "product": registration.product_id or (matches[0].product_id if len(matches) == 1 else ""),
                "serial_number": registration.serial_number,
                "purchased_on": _reader_date(request, registration.purchased_on),
            },
        )
    owned_elsewhere = [u for u in matches if u.owner_id not in (None, registration.customer_id)]
    return render(
        request,
        "desk/registrations/detail.html",
        {
            "nav": "registrations",
            "registration": registration,
            "matches": matches,
            "owned_elsewhere": owned_elsewhere,
            "orders": orders,
            "approve_form": approve_form,
            "reject_form": reject_form or RejectForm(),
            "date_example": _reader_date(request, timezone.localdate()),
        },
        status=status,
    )


@desk_view
@require_GET
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: the proof, the units its serial names, and the approve and reject forms."""
    return _detail(request, _registration(request, pk))


@desk_view
@require_POST
def registration_approve(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _registration(request, pk)
    form = ApproveForm(request.POST, registration=registration)
    if not form.is_valid():
        return _detail(request, registration, approve_form=form, status=422)
    try:
        with via("web"):
            unit_registration_approve(
                actor=desk_user(request),
                registration=registration,
                product=form.cleaned_data["product"],
                serial_number=form.cleaned_data["serial_number"],
                purchased_on=form.cleaned_data["purchased_on"],
                transfer=form.cleaned_data["transfer"],
            )
    except VafaError as exc:
        for name, errors in exc.fields.items():
            if name in form.fields:
                for error in errors if isinstance(errors, list | tuple) else [errors]:
                    form.add_error(name, str(error))
        messages.error(request, str(exc.message))
        return _detail(request, registration, approve_form=form, status=exc.status)
    messages.success(request, _("Approved: the unit is now the customer's."))
    return HttpResponseRedirect(reverse("desk:registrations"))


@desk_view
@require_POST
def registration_reject(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _registration(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, registration, reject_form=form, status=422)
    try:
        with via("web"):
            unit_registration_reject(
                actor=desk_user(request), registration=registration, reason=form.cleaned_data["reason"]
            )
    except VafaError as exc:
        messages.error(request, str(exc.message))
        return _detail(request, registration, reject_form=form, status=exc.status)
    messages.success(request, _("Rejected. The customer will be told why."))
    return HttpResponseRedirect(reverse("desk:registrations"))


@desk_view
@require_GET
def registration_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the receipt a customer uploaded: never shown inline, never sniffed."""
    registration = _registration(request, pk)
    if not registration.receipt:
        raise Http404
    try:
        handle = registration.receipt.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = registration.receipt_content_type
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=registration.receipt_filename or "receipt",
        content_type=content_type if content_type in RECEIPT_TYPES else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


urlpatterns = [
    path("registrations/", registration_queue, name="registrations"),
    path("registrations/<int:pk>/", registration_detail, name="registration"),
    path("registrations/<int:pk>/approve/", registration_approve, name="registration_approve"),
    path("registrations/<int:pk>/reject/", registration_reject, name="registration_reject"),
    path("registrations/<int:pk>/receipt/", registration_receipt, name="registration_receipt"),
]
