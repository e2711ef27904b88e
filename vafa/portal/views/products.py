"""My products: the customer's units with their warranty, registering a unit, and one unit's page.

Registration never tells whether a serial exists or whose it is: every claim the records do not
prove at once ends on the same "we will check" page (see `vafa.sales.services.unit_register`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from vafa.catalog.models import KnownIssue, Product
from vafa.catalog.selectors import known_issues_for, known_issues_for_units
from vafa.core.dates import format_date, parse_date
from vafa.core.errors import ValidationFailed
from vafa.knowledge.selectors import articles_for_product
from vafa.portal.access import portal_customer, portal_user, portal_view
from vafa.portal.spam import honeypot_tripped
from vafa.sales.models import Unit, UnitRegistration
from vafa.sales.selectors import (
    WarrantyInfo,
    WarrantyState,
    unit_get,
    unit_list,
    unit_next_maintenance,
    unit_registration_get,
    unit_registration_list,
    unit_warranty_status,
)
from vafa.sales.services import ReceiptFile, RegistrationThrottled, unit_register

PAGE_SIZE = 20
MAX_DB_INT = 2**63 - 1
# The product list in the form: the catalogue's serialised products on sale, at most this many.
PRODUCT_CHOICES_LIMIT = 1000
RECEIPT_ACCEPT = (
    "application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png,image/webp,.webp,image/gif,.gif,.heic,.heif"
)


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


@dataclass(frozen=True)
class IssueNotice:
    """A known issue as the reader sees it: in their language."""

    severity: str
    severity_label: str
    title: str
    body: str


def _notices(issues: list[KnownIssue], language: str) -> list[IssueNotice]:
    return [
        IssueNotice(
            severity=issue.severity,
            severity_label=str(issue.get_severity_display()),
            title=issue.display_title(language),
            body=issue.display_body(language),
        )
        for issue in issues
    ]


WARRANTY_LABELS = {
    WarrantyState.IN_WARRANTY: _("In warranty"),
    WarrantyState.EXTENDED: _("Extended warranty"),
    WarrantyState.EXPIRED: _("Warranty ended"),
    WarrantyState.NONE: _("No warranty recorded"),
}


@dataclass(frozen=True)
class UnitRow:
    """One unit on the list or its page, with what the customer wants to know about it."""

    unit: Unit
    product_name: str
    warranty: WarrantyInfo
    warranty_label: str
    next_maintenance: dt.date | None
    notices: list[IssueNotice]
    owned_by_viewer: bool


def _row(unit: Unit, *, today: dt.date, language: str, issues: list[KnownIssue], customer_id: int) -> UnitRow:
    warranty = unit_warranty_status(unit, today)
    return UnitRow(
        unit=unit,
        product_name=unit.product.display_name(language),
        warranty=warranty,
        warranty_label=str(WARRANTY_LABELS.get(warranty.status, "")),
        next_maintenance=unit_next_maintenance(unit, today),
        notices=_notices(issues, language),
        owned_by_viewer=unit.owner_id == customer_id,
    )


@portal_view
@require_GET
def products(request: HttpRequest) -> HttpResponse:
    """The customer's units (and their organisation's when it shares), and claims still open."""
    user = portal_user(request)
    language = _language()
    today = timezone.localdate()
    paginator = Paginator(unit_list(viewer=user).order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    units = list(page.object_list)
    issues = known_issues_for_units(items=[(u.product, u.serial_number) for u in units], on=today)
    rows = [
        _row(unit, today=today, language=language, issues=found, customer_id=user.customer_id or 0)
        for unit, found in zip(units, issues, strict=True)
    ]
    open_claims = list(
        unit_registration_list(viewer=user)
        .exclude(status=UnitRegistration.Status.APPROVED)
        .order_by("-created_at", "-id")[:PAGE_SIZE]
    )
    claims = [
        (claim, claim.product.display_name(language) if claim.product is not None else "")
        for claim in open_claims
    ]
    return render(
        request,
        "portal/products/list.html",
        {"nav": "products", "page": page, "rows": rows, "claims": claims},
    )


@portal_view
@require_GET
def product(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One unit: warranty, maintenance, known issues, and the manuals and articles for its product."""
    if unit_id > MAX_DB_INT:
        raise Http404
    user = portal_user(request)
    unit = unit_get(viewer=user, unit_id=unit_id)
    language = _language()
    today = timezone.localdate()
    issues = known_issues_for(product=unit.product, on=today, serial_number=unit.serial_number)
    row = _row(unit, today=today, language=language, issues=issues, customer_id=user.customer_id or 0)
    articles = articles_for_product(product_id=unit.product_id, language=language, viewer=user)
    return render(
        request,
        "portal/products/detail.html",
        {
            "nav": "products",
            "row": row,
            "articles": articles,
            "ask_url": f"{reverse('portal:ask')}?unit={unit.pk}",
        },
    )


# --- registering a unit ---------------------------------------------------------------------------


def _product_choices(language: str) -> list[tuple[str, str]]:
    rows = Product.objects.filter(is_active=True, is_serialised=True).values_list("pk", "name", "names")[
        :PRODUCT_CHOICES_LIMIT
    ]
    named = sorted(
        ((str(pk), (names or {}).get(language) or name) for pk, name, names in rows),
        key=lambda choice: choice[1].casefold(),
    )
    return [("", str(_("I am not sure / not in the list"))), *named]


class RegisterForm(forms.Form):
    """What a customer tells about a unit they bought: serial, product, and proof of purchase."""

    serial_number = forms.CharField(
        label=_("Serial number"),
        max_length=100,
        help_text=_("On the label of the product or its box, often after “S/N”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"}),
    )
    product = forms.ChoiceField(label=_("Product"), required=False)
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        required=False,
        help_text=_("From your order confirmation or invoice."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    receipt = forms.FileField(
        label=_("Receipt or invoice"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": RECEIPT_ACCEPT}),
    )
    purchased_on = forms.CharField(label=_("Purchase date"), max_length=40, required=False)

    def __init__(self, *args: Any, language: str, date_example: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = _product_choices(language)
        self.fields["purchased_on"].help_text = _("For example %(example)s") % {"example": date_example}
        self.fields["purchased_on"].widget.attrs.update({"placeholder": date_example, "autocomplete": "off"})
        self.fields["receipt"].help_text = _("A PDF file or a photo, up to %(limit)d MB.") % {
            "limit": settings.VAFA_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        }
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def clean_product(self) -> Product | None:
        raw = self.cleaned_data.get("product") or ""
        if not raw:
            return None
        found = Product.objects.filter(pk=int(raw), is_active=True, is_serialised=True).first()
        if found is None:
            raise forms.ValidationError(_("Choose a product from the list."))
        return found

    def clean_purchased_on(self) -> dt.date | None:
        raw = (self.cleaned_data.get("purchased_on") or "").strip()
        if not raw:
            return None
        day = parse_date(raw)
        if day is None:
            raise forms.ValidationError(
                _("Write the date as year/month/day, for example %(example)s.")
                % {"example": self.fields["purchased_on"].widget.attrs["placeholder"]}
            )
        return day

    def clean_receipt(self) -> ReceiptFile | None:
        upload = self.cleaned_data.get("receipt")
        if not isinstance(upload, UploadedFile) or not upload.name:
            return None
        limit = int(settings.VAFA_ATTACHMENT_MAX_BYTES)
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}
            )
        try:
            content = b"".join(upload.chunks())
        except OSError:
            raise forms.ValidationError(_("The file did not arrive whole; choose it again.")) from None
        return ReceiptFile(str(upload.name), str(upload.content_type or ""), content)


def _date_example(request: HttpRequest, language: str) -> str:
    native = bool(getattr(request.user, "native_digits", False))
    day = timezone.localdate() - dt.timedelta(days=30)
    return format_date(day, language=language, with_time=False, native_digits=native)


@portal_view
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """The registration form; a claim ends on its result page."""
    language = _language()
    form_kwargs = {"language": language, "date_example": _date_example(request, language)}
    status = 200
    error = ""
    if request.method == "POST":
        if honeypot_tripped(request.POST):
            # A bot: the answer a person gets for a claim that waits, and nothing recorded.
            return render(request, "portal/products/registered.html", {"nav": "products", "pending": True})
        form = RegisterForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            try:
                registration = unit_register(
                    actor=portal_user(request),
                    customer=portal_customer(request),
                    serial_number=form.cleaned_data["serial_number"],
                    product=form.cleaned_data["product"],
                    order_number=form.cleaned_data["order_number"],
                    receipt=form.cleaned_data["receipt"],
                    purchased_on=form.cleaned_data["purchased_on"],
                )
            except RegistrationThrottled as exc:
                error, status = str(exc.message), exc.status
            except ValidationFailed as exc:
                error, status = str(exc.message), 422
                for name, messages in exc.fields.items():
                    if name in form.fields:
                        for message in messages if isinstance(messages, list | tuple) else [messages]:
                            form.add_error(name, str(message))
            else:
                return redirect("portal:registered", registration_id=registration.pk)
        else:
            status = 422
    else:
        form = RegisterForm(**form_kwargs)
    return render(
        request,
        "portal/products/register.html",
        {"nav": "products", "form": form, "error": error},
        status=status,
    )


@portal_view
@require_GET
def registered(request: HttpRequest, registration_id: int) -> HttpResponse:
    """What became of a claim: registered (with the warranty) or waiting for a check."""
    if registration_id > MAX_DB_INT:
        raise Http404
    user = portal_user(request)
    registration = unit_registration_get(viewer=user, registration_id=registration_id)
    context: dict[str, Any] = {"nav": "products", "registration": registration}
    if registration.status == UnitRegistration.Status.APPROVED and registration.unit is not None:
        context["warranty"] = unit_warranty_status(registration.unit)
        context["product_name"] = (
            registration.product.display_name(_language()) if registration.product else ""
        )
    else:
        context["pending"] = registration.status == UnitRegistration.Status.PENDING
        context["rejected"] = registration.status == UnitRegistration.Status.REJECTED
    return render(request, "portal/products/registered.html", context)


urlpatterns = [
    path("products/", products, name="products"),
    path("products/register/", register, name="register"),
    path("products/register/<int:registration_id>/", registered, name="registered"),
    path("products/<int:unit_id>/", product, name="product"),
]
