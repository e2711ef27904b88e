"""Replacements: a new unit (new serial) in place of one that failed or was returned."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord


class Replacement(CaseRecord):
    """A new unit given for an original one; the policy says whether its warranty continues or restarts."""

    PREFIX = "RPL"

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")

    original_unit = models.ForeignKey(
        "sales.Unit", verbose_name=_("original unit"), on_delete=models.PROTECT, related_name="replaced_by"
    )
    new_unit = models.OneToOneField(
        "sales.Unit", verbose_name=_("new unit"), on_delete=models.PROTECT, related_name="replaces"
    )
    claim = models.ForeignKey(
        "aftersales.WarrantyClaim",
        verbose_name=_("warranty claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    return_request = models.ForeignKey(
        "aftersales.ReturnRequest",
        verbose_name=_("return"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    warranty_rule = models.CharField(_("warranty of the new unit"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    tracking = models.CharField(_("tracking number"), max_length=100, blank=True, default="")
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("replacement")
        verbose_name_plural = _("replacements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(original_unit=F("new_unit")), name="aftersales_replacement_other_unit"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_replacement_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_replacement_cust"),
        ]
