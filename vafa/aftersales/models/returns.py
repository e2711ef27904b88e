"""Returns (RMA): the customer sends an item back; it is received, inspected and settled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord


class ReturnReason(models.TextChoices):
    """Why the customer sends the item back; stable codes that reports count as defect reasons."""

    DEFECTIVE = "defective", _("Defective")
    WRONG_ITEM = "wrong_item", _("Wrong item delivered")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")


class ReturnRequest(CaseRecord):
    """A return merchandise authorisation: from the request to the refund, replacement or repair."""

    PREFIX = "RMA"

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        INSTRUCTED = "instructed", _("Instructions sent")
        RECEIVED = "received", _("Item received")
        INSPECTED = "inspected", _("Inspected")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Condition(models.TextChoices):
        UNOPENED = "unopened", _("Unopened, in its original packaging")
        AS_NEW = "as_new", _("Opened, as new")
        USED = "used", _("Used")
        DAMAGED = "damaged", _("Damaged")

    class Outcome(models.TextChoices):
        REFUND = "refund", _("Refund")
        REPLACEMENT = "replacement", _("Replacement")
        REPAIR = "repair", _("Repair")
        SENT_BACK = "sent_back", _("Sent back to the customer")

    order_line = models.ForeignKey(
        "sales.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="returns"
    )
    unit = models.ForeignKey(
        "sales.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    within_window = models.BooleanField(_("asked within the return window"), default=False)
    window_ends_on = models.DateField(_("return window ends"), null=True, blank=True)
    location = models.ForeignKey(
        "aftersales.ServiceLocation",
        verbose_name=_("return to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )
    rejection_note = models.TextField(_("why it was refused"), blank=True, default="")
    condition = models.CharField(
        _("condition on arrival"), max_length=10, choices=Condition.choices, blank=True, default=""
    )
    inspection_note = models.TextField(_("inspection note"), blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    instructed_at = models.DateTimeField(_("instructions sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersales_return_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""),
                name="aftersales_return_closed_has_outcome",
                violation_error_message=_("A closed return needs an outcome."),
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_return_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_return_customer"),
            models.Index(fields=["status", "created_at"], name="aftersales_return_status"),
            models.Index(fields=["order_line"], name="aftersales_return_line"),
        ]
