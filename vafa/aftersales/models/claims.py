"""Warranty claims: the customer says a unit is faulty and asks the warranty to cover it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models.base import CaseRecord


class ClaimReason(models.TextChoices):
    """Why a claim was rejected; stable codes that reports count."""

    OUTSIDE_PERIOD = "outside_period", _("Outside the warranty period")
    PHYSICAL_DAMAGE = "physical_damage", _("Physical damage")
    LIQUID_DAMAGE = "liquid_damage", _("Liquid damage")
    UNAUTHORISED_REPAIR = "unauthorised_repair", _("Repaired or opened by someone else")
    NOT_A_DEFECT = "not_a_defect", _("Not a defect")
    NO_FAULT_FOUND = "no_fault_found", _("No fault found")
    NOT_COVERED = "not_covered", _("Not covered by the warranty")
    NO_PROOF = "no_proof", _("No proof of purchase")


class WarrantyClaim(CaseRecord):
    """A claim on a unit's warranty: what the entitlement said, what was decided, and how it was met.

    The entitlement is copied when the claim is opened, so a later change of dates or policy never
    rewrites why a claim was approved.
    """

    PREFIX = "WC"

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    class Remedy(models.TextChoices):
        REPAIR = "repair", _("Repair")
        REPLACEMENT = "replacement", _("Replacement")
        REFUND = "refund", _("Refund")

    unit = models.ForeignKey(
        "sales.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="warranty_claims"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    fault = models.TextField(_("fault described"), blank=True, default="")
    entitlement = models.CharField(_("entitlement when opened"), max_length=20, blank=True, default="")
    entitlement_data = models.JSONField(_("entitlement details"), default=dict, blank=True)
    remedy = models.CharField(_("remedy"), max_length=12, choices=Remedy.choices, blank=True, default="")
    reason = models.CharField(
        _("rejection reason"), max_length=24, choices=ClaimReason.choices, blank=True, default=""
    )
    note = models.TextField(_("decision note"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="aftersales_claim_rejection_has_reason",
                violation_error_message=_("A rejected claim needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "fulfilled"]) | ~Q(remedy=""),
                name="aftersales_claim_approval_has_remedy",
                violation_error_message=_("An approved claim needs a remedy."),
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="aftersales_claim_case"),
            models.Index(fields=["customer", "created_at"], name="aftersales_claim_customer"),
            models.Index(fields=["status", "created_at"], name="aftersales_claim_status"),
            models.Index(fields=["unit", "created_at"], name="aftersales_claim_unit"),
        ]
