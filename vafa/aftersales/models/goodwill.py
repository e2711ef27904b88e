"""Goodwill: something given to keep a customer — a discount code, a gift, store credit, more warranty."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord
from vafa.core.money import validate_currency


class Goodwill(CaseRecord):
    """A gesture on a case: its value to the customer, its cost to the company, why, and who approved it.

    A warranty extension really moves the unit's cover end; the ends before and after are kept here.
    """

    PREFIX = "GW"

    class Kind(models.TextChoices):
        DISCOUNT_CODE = "discount_code", _("Discount code")
        GIFT = "gift", _("Gift")
        STORE_CREDIT = "store_credit", _("Store credit")
        WARRANTY_EXTENSION = "warranty_extension", _("Free warranty extension")

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending", _("Waiting for approval")
        GIVEN = "given", _("Given")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING_APPROVAL
    )
    value = models.DecimalField(_("value to the customer"), max_digits=18, decimal_places=2, default=0)
    cost = models.DecimalField(_("cost to the company"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    reason = models.TextField(_("reason"))
    code = models.CharField(_("discount code"), max_length=64, blank=True, default="")
    description = models.CharField(_("what is given"), max_length=250, blank=True, default="")
    unit = models.ForeignKey(
        "sales.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goodwill",
    )
    extension_months = models.PositiveIntegerField(_("extension (months)"), null=True, blank=True)
    cover_end_before = models.DateField(_("cover ended"), null=True, blank=True)
    cover_end_after = models.DateField(_("cover now ends"), null=True, blank=True)
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
        verbose_name = _("goodwill gesture")
        verbose_name_plural = _("goodwill gestures")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(cost__gte=0), name="aftersales_goodwill_money_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="warranty_extension")
                | (Q(unit__isnull=False) & Q(extension_months__gte=1)),
                name="aftersales_goodwill_extension_has_unit",
                violation_error_message=_("A warranty extension needs a unit and a number of months."),
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_goodwill_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_goodwill_customer"),
            models.Index(fields=["status", "created_at"], name="aftersales_goodwill_status"),
        ]
