"""Refunds: money given back for what was paid on one order line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord
from vafa.core.money import validate_currency


class Refund(CaseRecord):
    """A refund on one order line, in the order's currency.

    The amount is held against the line (`OrderLine.refunded_amount`) from the moment it is asked
    for; the database refuses any refund that would take the line past what was paid for it.
    Above the agent's approval limit a refund waits for a manager.
    """

    PREFIX = "RF"

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending", _("Waiting for approval")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")

    class Method(models.TextChoices):
        ORIGINAL = "original", _("Original payment method")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        STORE_CREDIT = "store_credit", _("Store credit")
        CASH = "cash", _("Cash")

    order_line = models.ForeignKey(
        "sales.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="refunds"
    )
    claim = models.ForeignKey(
        "aftersales.WarrantyClaim",
        verbose_name=_("warranty claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    return_request = models.ForeignKey(
        "aftersales.ReturnRequest",
        verbose_name=_("return"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    method = models.CharField(_("method"), max_length=14, choices=Method.choices, default=Method.ORIGINAL)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING_APPROVAL
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_note = models.TextField(_("why it was refused"), blank=True, default="")

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="aftersales_refund_amount_positive",
                violation_error_message=_("A refund must be more than zero."),
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_refund_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_refund_customer"),
            models.Index(fields=["status", "created_at"], name="aftersales_refund_status"),
        ]
