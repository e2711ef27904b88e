"""Admin for after-sales: service locations and spare parts are edited here (audited); exchange rates
and approval limits are saved through their services; stock counts and every record with a workflow
(claims, returns, refunds, repairs, replacements, visits, goodwill, the cost ledger) are read only,
because they change only through the desk's services, which keep the timeline, audit and stock right.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Role, User
from vafa.aftersales.models import (
    ApprovalLimit,
    CostEntry,
    ExchangeRate,
    Goodwill,
    Part,
    Refund,
    RepairLine,
    RepairOrder,
    Replacement,
    ReturnRequest,
    ServiceLocation,
    StockLevel,
    StockMovement,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.services.costs import approval_limit_set, company_currency, exchange_rate_set
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.core.context import via
from vafa.core.money import is_currency

# "RO-000042", "ro-42", "000042" or "42": the number of a record, whatever its prefix.
REFERENCE = re.compile(r"^\s*(?:[A-Za-z]{1,4}-)?0*(\d{1,18})\s*$")


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the admin has signed in
    return user


def _runs_the_business(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and getattr(user, "role", None) in (Role.ADMIN, Role.MANAGER))


# --- places and parts (plain settings, audited) ------------------------------------------------------


@admin.register(ServiceLocation)
class ServiceLocationAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name",
        "time_zone",
        "labour_rate",
        "labour_cost",
        "currency",
        "receives_returns",
        "is_active",
    )
    list_filter = ("is_active", "receives_returns", "currency")
    search_fields = ("code", "name")
    ordering = ("name",)


@admin.register(Part)
class PartAdmin(AuditedAdmin):
    list_display = ("sku", "name", "unit_cost", "unit_price", "currency", "is_active")
    list_filter = ("is_active", ("products", admin.RelatedOnlyFieldListFilter), "currency")
    search_fields = ("sku", "name")
    autocomplete_fields = ("products",)
    show_full_result_count = False


class StockMovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "quantity", "repair_line", "actor", "note")
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    """Counts only: stock is received, reserved, used and counted through the desk's services."""

    list_display = ("part", "location", "on_hand", "reserved", "available", "reorder_level", "updated_at")
    list_filter = ("location",)
    list_select_related = ("part", "location")
    search_fields = ("part__sku", "part__name")
    inlines = (StockMovementInline,)

    @admin.display(description=_("available"))
    def available(self, obj: StockLevel) -> int:
        return obj.available


# --- exchange rates and approval limits (through the services) ----------------------------------------


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ("currency", "rate", "valid_from")

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if not is_currency(currency):
            raise forms.ValidationError(_("Enter an ISO-4217 currency code."))
        if currency == company_currency():
            raise forms.ValidationError(_("The company's own currency needs no rate."))
        return currency

    def clean_rate(self) -> Any:
        rate = self.cleaned_data.get("rate")
        if rate is None or rate <= 0:
            raise forms.ValidationError(_("Enter a rate above zero."))
        return rate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """A rate per currency and day; saved by `exchange_rate_set` (audited). Costs keep the rate they used."""

    form = ExchangeRateForm
    list_display = ("currency", "rate", "valid_from", "recorded_by", "created_at")
    list_filter = ("currency",)
    ordering = ("currency", "-valid_from")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("currency", "valid_from") if obj is not None else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _runs_the_business(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _runs_the_business(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ExchangeRate, form: Any, change: bool) -> None:
        with via("admin"):
            saved = exchange_rate_set(
                actor=_actor(request), currency=obj.currency, rate=obj.rate, valid_from=obj.valid_from
            )
        obj.pk = saved.pk
        obj._state.adding = False


class ApprovalLimitForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("role"), required=False, choices=[("", "---------"), (Role.AGENT, Role.AGENT.label)]
    )

    class Meta:
        model = ApprovalLimit
        fields = ("kind", "role", "user", "amount")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, user = data.get("role") or "", data.get("user")
        if self.instance.pk is None and bool(role) == bool(user):
            raise forms.ValidationError(_("Set the limit for a role or for one user."))
        amount = data.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("A limit cannot be negative."))
        return data


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(AuditedAdmin):
    """Up to how much agents may refund or give alone; saved by `approval_limit_set` (audited)."""

    form = ApprovalLimitForm
    list_display = ("kind", "role", "user", "amount", "updated_by", "updated_at")
    list_filter = ("kind", "role")
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("kind", "role", "user") if obj is not None else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _runs_the_business(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _runs_the_business(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _runs_the_business(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with via("admin"):
            saved = approval_limit_set(
                actor=_actor(request), kind=obj.kind, amount=obj.amount, role=obj.role or "", user=obj.user
            )
        obj.pk = saved.pk
        obj._state.adding = False


# --- records with a workflow (read only) ---------------------------------------------------------------


class RecordAdmin(ReadOnlyAdmin):
    """A numbered after-sales record: found by its reference ("RO-000042" or 42), filtered by status."""

    search_fields = ("number",)
    search_help_text = _("A reference such as RO-000042, or its number.")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    @admin.display(description=_("reference"), ordering="number")
    def reference(self, obj: Any) -> str:
        return str(obj.reference)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        match = REFERENCE.match(search_term or "")
        if match is None:
            return queryset.none() if search_term.strip() else queryset, False
        number = int(match.group(1))
        if number > 2**63 - 1:
            return queryset.none(), False
        return queryset.filter(number=number), False


@admin.register(WarrantyClaim)
class WarrantyClaimAdmin(RecordAdmin):
    list_display = (
        "reference",
        "case",
        "customer",
        "unit",
        "entitlement",
        "status",
        "remedy",
        "reason",
        "created_at",
    )
    list_filter = ("status", "entitlement", "remedy", "reason")
    list_select_related = ("case", "customer", "unit")


@admin.register(ReturnRequest)
class ReturnRequestAdmin(RecordAdmin):
    list_display = ("reference", "case", "customer", "reason", "quantity", "status", "outcome", "created_at")
    list_filter = ("status", "reason", "condition", "outcome", "within_window")
    list_select_related = ("case", "customer")


@admin.register(Refund)
class RefundAdmin(RecordAdmin):
    list_display = ("reference", "case", "customer", "amount", "currency", "method", "status", "created_at")
    list_filter = ("status", "method", "currency")
    list_select_related = ("case", "customer")


class RepairLineInline(admin.TabularInline):
    model = RepairLine
    extra = 0
    can_delete = False
    fields = (
        "kind",
        "part",
        "description",
        "quantity",
        "unit_cost",
        "unit_price",
        "covered",
        "reserved",
        "consumed",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RepairOrder)
class RepairOrderAdmin(RecordAdmin):
    list_display = (
        "reference",
        "case",
        "customer",
        "location",
        "technician",
        "status",
        "quote_status",
        "created_at",
    )
    list_filter = ("status", "quote_status", "location")
    list_select_related = ("case", "customer", "location", "technician")
    exclude = ("quote_token_hash",)
    inlines = (RepairLineInline,)


@admin.register(Replacement)
class ReplacementAdmin(RecordAdmin):
    list_display = ("reference", "case", "customer", "original_unit", "new_unit", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("case", "customer", "original_unit", "new_unit")


@admin.register(Visit)
class VisitAdmin(RecordAdmin):
    list_display = ("reference", "case", "customer", "kind", "technician", "starts_at", "status")
    list_filter = ("status", "kind")
    list_select_related = ("case", "customer", "technician")
    exclude = ("confirm_token_hash",)


@admin.register(Goodwill)
class GoodwillAdmin(RecordAdmin):
    list_display = (
        "reference",
        "case",
        "customer",
        "kind",
        "value",
        "cost",
        "currency",
        "status",
        "created_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("case", "customer")


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnlyAdmin):
    """The cost ledger: written by the services once per source and kind, never edited."""

    list_display = (
        "incurred_on",
        "kind",
        "case",
        "product",
        "amount",
        "currency",
        "amount_company",
        "source",
    )
    list_filter = ("kind", "under_warranty", "currency")
    list_select_related = ("case", "product")
    search_fields = ("=source", "description")
    date_hierarchy = "incurred_on"
    show_full_result_count = False
