"""Field service: maintenance schedules per unit and the visits technicians make."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord


class MaintenanceSchedule(models.Model):
    """When a unit's next maintenance is due: every `interval_days` from delivery or the last visit."""

    unit = models.OneToOneField(
        "sales.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="maintenance"
    )
    interval_days = models.PositiveIntegerField(_("interval (days)"))
    last_done_on = models.DateField(_("last done on"), null=True, blank=True)
    next_due_on = models.DateField(_("next due on"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance schedule")
        verbose_name_plural = _("maintenance schedules")
        ordering = ["next_due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="aftersales_schedule_interval"),
        ]
        indexes = [models.Index(fields=["is_active", "next_due_on"], name="aftersales_schedule_due")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.next_due_on}"


class Visit(CaseRecord):
    """A technician's visit to the customer: when (a window in the customer's time zone), where, what
    to check, what came of it, and whether the customer confirmed the appointment."""

    PREFIX = "V"

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance")
        INSTALLATION = "installation", _("Installation")
        REPAIR = "repair", _("On-site repair")
        INSPECTION = "inspection", _("Inspection")
        TRAINING = "training", _("Training")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CONFIRMED = "confirmed", _("Confirmed by the customer")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MAINTENANCE)
    unit = models.ForeignKey(
        "sales.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    starts_at = models.DateTimeField(_("window starts"))
    ends_at = models.DateTimeField(_("window ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    address = models.TextField(_("address"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    outcome = models.TextField(_("outcome"), blank=True, default="")
    confirm_token_hash = models.CharField(_("confirmation link hash"), max_length=64, blank=True, default="")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    labour_hours = models.DecimalField(
        _("hours on site"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="aftersales_visit_window_order",
                violation_error_message=_("A visit window must end after it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "starts_at"], name="aftersales_visit_technician"),
            models.Index(fields=["case", "starts_at"], name="aftersales_visit_case"),
            models.Index(fields=["customer", "starts_at"], name="aftersales_visit_customer"),
            models.Index(fields=["status", "starts_at"], name="aftersales_visit_status"),
        ]
