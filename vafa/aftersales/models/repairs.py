"""Repairs: a unit in the workshop, its diagnosis, the parts and labour it took, and the quote."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord
from vafa.core.money import validate_currency


class RepairOrder(CaseRecord):
    """A repair of one unit at one service location.

    Under warranty the customer pays nothing for what the warranty covers; otherwise the work waits
    until the customer accepts the quote (by a signed link or in the portal). `version` grows with
    every change, so two technicians editing the same repair never silently overwrite each other.
    """

    PREFIX = "RO"

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        DIAGNOSING = "diagnosing", _("Diagnosing")
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for your approval")
        WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
        REPAIRING = "repairing", _("Repairing")
        READY = "ready", _("Ready")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    class QuoteStatus(models.TextChoices):
        NONE = "none", _("No quote needed")
        SENT = "sent", _("Sent to the customer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    unit = models.ForeignKey(
        "sales.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="repairs"
    )
    claim = models.ForeignKey(
        "aftersales.WarrantyClaim",
        verbose_name=_("warranty claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs",
    )
    return_request = models.ForeignKey(
        "aftersales.ReturnRequest",
        verbose_name=_("return"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs",
    )
    location = models.ForeignKey(
        "aftersales.ServiceLocation",
        verbose_name=_("service location"),
        on_delete=models.PROTECT,
        related_name="repairs",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repairs",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    fault = models.TextField(_("fault reported"), blank=True, default="")
    diagnosis = models.TextField(_("diagnosis"), blank=True, default="")
    # What the warranty covered when the repair was opened (copied from the entitlement).
    covers_parts = models.BooleanField(_("warranty covers parts"), default=False)
    covers_labour = models.BooleanField(_("warranty covers labour"), default=False)
    labour_rate = models.DecimalField(_("labour rate per hour"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    quote_status = models.CharField(
        _("quote"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.NONE
    )
    quote_total = models.DecimalField(_("quoted to the customer"), max_digits=18, decimal_places=2, default=0)
    quote_token_hash = models.CharField(_("quote link hash"), max_length=64, blank=True, default="")
    quote_sent_at = models.DateTimeField(_("quote sent at"), null=True, blank=True)
    quote_decided_at = models.DateTimeField(_("quote answered at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_rate__gte=0) & Q(quote_total__gte=0),
                name="aftersales_repair_money_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_repair_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_repair_customer"),
            models.Index(fields=["status", "created_at"], name="aftersales_repair_status"),
            models.Index(fields=["technician", "status"], name="aftersales_repair_technician"),
            models.Index(fields=["location", "status"], name="aftersales_repair_location"),
        ]


class RepairLine(models.Model):
    """One part or one stretch of labour on a repair: what it costs, what the customer pays for it."""

    class Kind(models.TextChoices):
        PART = "part", _("Part")
        LABOUR = "labour", _("Labour")
        SHIPPING = "shipping", _("Shipping")

    repair = models.ForeignKey(
        RepairOrder, verbose_name=_("repair"), on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    part = models.ForeignKey(
        "aftersales.Part",
        verbose_name=_("part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_lines",
    )
    description = models.CharField(_("description"), max_length=250, blank=True, default="")
    # Parts count in pieces, labour in hours (0.25 steps are common).
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(_("cost each"), max_digits=18, decimal_places=2, default=0)
    unit_price = models.DecimalField(_("price each"), max_digits=18, decimal_places=2, default=0)
    covered = models.BooleanField(_("covered by the warranty"), default=False)
    reserved = models.BooleanField(_("part reserved"), default=False)
    consumed = models.BooleanField(_("part used"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair line")
        verbose_name_plural = _("repair lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="aftersales_repairline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(unit_price__gte=0),
                name="aftersales_repairline_money_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="part") | Q(part__isnull=False), name="aftersales_repairline_part_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} × {self.quantity}"

    @property
    def customer_amount(self):  # noqa: ANN201 - Decimal
        """What the customer pays for this line: nothing when the warranty covers it."""
        return 0 if self.covered else self.unit_price * self.quantity

    @property
    def cost_amount(self):  # noqa: ANN201 - Decimal
        return self.unit_cost * self.quantity
