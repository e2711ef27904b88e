"""What after-sales care costs: one ledger in the company's currency, exchange rates, approval limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.core.money import validate_currency


class ExchangeRate(models.Model):
    """How many units of the company's currency one unit of `currency` was worth from `valid_from` on."""

    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    rate = models.DecimalField(_("rate"), max_digits=24, decimal_places=8)
    valid_from = models.DateField(_("valid from"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="aftersales_rate_currency_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="aftersales_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.valid_from})"


class ApprovalLimit(models.Model):
    """Up to how much (in the company's currency) someone may refund or give without a manager.

    A row for a user overrides the row for their role; managers and admins have no limit.
    """

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refunds")
        GOODWILL = "goodwill", _("Goodwill")

    kind = models.CharField(_("for"), max_length=10, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=10, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_limits",
    )
    amount = models.DecimalField(_("up to"), max_digits=18, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="aftersales_limit_not_negative"),
            models.CheckConstraint(
                condition=(Q(user__isnull=True) & ~Q(role="")) | (Q(user__isnull=False) & Q(role="")),
                name="aftersales_limit_user_or_role",
            ),
            models.UniqueConstraint(
                fields=["kind", "role"], condition=Q(user__isnull=True), name="aftersales_limit_role_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "user"], condition=Q(user__isnull=False), name="aftersales_limit_user_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.user_id or self.role} ≤ {self.amount}"


class CostEntry(models.Model):
    """One cost of after-sales care on a case: parts, labour, shipping, a refund, goodwill, a replacement.

    `amount` is in the currency it was paid in; `amount_company` is the same cost in the company's
    currency at the rate recorded for that day, so totals per case, customer and product are sums.
    """

    class Kind(models.TextChoices):
        PARTS = "parts", _("Parts")
        LABOUR = "labour", _("Labour")
        SHIPPING = "shipping", _("Shipping")
        REFUND = "refund", _("Refund")
        GOODWILL = "goodwill", _("Goodwill")
        REPLACEMENT = "replacement", _("Replacement unit")
        VISIT = "visit", _("Field visit")

    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="costs"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    under_warranty = models.BooleanField(_("borne by the warranty"), default=False)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    rate = models.DecimalField(_("exchange rate"), max_digits=24, decimal_places=8, default=1)
    amount_company = models.DecimalField(_("amount in company currency"), max_digits=18, decimal_places=2)
    source = models.CharField(_("source"), max_length=40)
    description = models.CharField(_("description"), max_length=250, blank=True, default="")
    incurred_on = models.DateField(_("incurred on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["-incurred_on", "-id"]
        constraints = [
            # One entry per source record and kind: a retried step never counts a cost twice.
            models.UniqueConstraint(fields=["source", "kind"], name="aftersales_cost_source_kind"),
        ]
        indexes = [
            models.Index(fields=["case", "kind"], name="aftersales_cost_case"),
            models.Index(fields=["customer", "incurred_on"], name="aftersales_cost_customer"),
            models.Index(fields=["product", "incurred_on"], name="aftersales_cost_product"),
            models.Index(fields=["incurred_on", "kind"], name="aftersales_cost_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"
