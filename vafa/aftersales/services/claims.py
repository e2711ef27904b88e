"""Warranty claims: open one on a unit, decide it, and mark it fulfilled when the remedy is delivered."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import Role, User
from vafa.aftersales.entitlement import EntitlementKind, unit_entitlement
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import ClaimReason, WarrantyClaim
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.core.dates import format_date
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.sales.models import Unit
from vafa.service.models import Case, EventKind

CLAIM_FIELDS = (
    "unit",
    "status",
    "fault",
    "entitlement",
    "remedy",
    "reason",
    "note",
    "decided_by",
    "decided_at",
)


def _save(claim: WarrantyClaim, fields: list[str]) -> None:
    claim.save(update_fields=[*fields, "updated_at"])


def _decided_context(claim: WarrantyClaim) -> dict[str, object]:
    language = claim.case.language
    return {
        "claim": claim,
        "reference": claim.reference,
        "serial": claim.unit.serial_number,
        "decided_on": format_date(claim.decided_at, language=language, with_time=False),
    }


@transaction.atomic
def claim_open(*, actor: User | None, case: Case, unit: Unit | None = None, fault: str = "") -> WarrantyClaim:
    """Open a warranty claim on the case's unit, keeping what the unit was entitled to that day."""
    require_case_agent(actor, case)
    require_case_open(case)
    unit = unit or case.unit
    if unit is None:
        raise ValidationFailed(
            _("Choose the unit the claim is about."),
            fields={"unit": [_("Choose a unit.")]},
            code=AftersalesError.NO_UNIT,
        )
    if unit.owner_id != case.customer_id:
        raise ValidationFailed(
            _("This unit does not belong to the case's customer."),
            fields={"unit": [_("Choose one of the customer's units.")]},
        )
    entitlement = unit_entitlement(unit)
    claim = WarrantyClaim.objects.create(
        number=next_number(WarrantyClaim),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        unit=unit,
        fault=(fault or "").strip(),
        entitlement=entitlement.kind,
        entitlement_data=entitlement.as_data(),
    )
    step(claim, EventKind.CLAIM_OPENED, actor, claim.created_at, unit=unit.pk, entitlement=entitlement.kind)
    audit_record(actor=actor, action="claim.open", obj=claim, after=snapshot(claim, CLAIM_FIELDS))
    return claim


def claim_default(claim: WarrantyClaim) -> tuple[str, str]:
    """The decision the entitlement suggests: ("approve", remedy) when covered, else ("reject", reason)."""
    covered = claim.entitlement in (
        EntitlementKind.RETURN_WINDOW,
        EntitlementKind.IN_WARRANTY,
        EntitlementKind.EXTENDED,
    )
    if covered:
        return "approve", WarrantyClaim.Remedy.REPAIR.value
    return "reject", ClaimReason.OUTSIDE_PERIOD.value


@transaction.atomic
def claim_approve(*, actor: User | None, claim: WarrantyClaim, remedy: str, note: str = "") -> WarrantyClaim:
    """Approve the claim with a remedy (repair, replacement or refund) and tell the customer."""
    require_case_agent(actor, claim.case)
    if remedy not in WarrantyClaim.Remedy.values:
        raise ValidationFailed(
            _("Choose how the claim is met."),
            fields={"remedy": [choose_one_of(WarrantyClaim.Remedy.values)]},
        )
    claim = lock(claim)
    require_case_open(claim.case)
    if claim.status != WarrantyClaim.Status.OPEN:
        raise refuse_transition(claim, _("approved"))
    if (
        claim.entitlement == EntitlementKind.NONE
        and actor is not None
        and actor.role
        not in (
            Role.ADMIN,
            Role.MANAGER,
        )
    ):
        raise Forbidden(
            _(
                "%(reference)s: the unit had no warranty cover when the claim was opened; only a manager can approve it."
            )
            % {"reference": claim.reference},
            code=AftersalesError.NOT_ENTITLED,
        )
    before = snapshot(claim, CLAIM_FIELDS)
    claim.status = WarrantyClaim.Status.APPROVED
    claim.remedy = remedy
    claim.reason = ""
    claim.note = (note or "").strip()
    claim.decided_by = actor if actor is not None and actor.pk else None
    claim.decided_at = timezone.now()
    _save(claim, ["status", "remedy", "reason", "note", "decided_by", "decided_at"])
    step(claim, EventKind.CLAIM_APPROVED, actor, claim.decided_at, remedy=remedy)
    old, new = changed(before, snapshot(claim, CLAIM_FIELDS))
    audit_record(actor=actor, action="claim.approve", obj=claim, before=old, after=new)
    notice_send(
        claim.case,
        "claim_approved",
        {**_decided_context(claim), "remedy": WarrantyClaim.Remedy(remedy).label},
    )
    return claim


@transaction.atomic
def claim_reject(*, actor: User | None, claim: WarrantyClaim, reason: str, note: str = "") -> WarrantyClaim:
    """Reject the claim for a stated reason and tell the customer why."""
    require_case_agent(actor, claim.case)
    if reason not in ClaimReason.values:
        raise ValidationFailed(
            _("Choose why the claim is rejected."),
            fields={"reason": [choose_one_of(ClaimReason.values)]},
        )
    claim = lock(claim)
    require_case_open(claim.case)
    if claim.status != WarrantyClaim.Status.OPEN:
        raise refuse_transition(claim, _("rejected"))
    before = snapshot(claim, CLAIM_FIELDS)
    claim.status = WarrantyClaim.Status.REJECTED
    claim.reason = reason
    claim.remedy = ""
    claim.note = (note or "").strip()
    claim.decided_by = actor if actor is not None and actor.pk else None
    claim.decided_at = timezone.now()
    _save(claim, ["status", "remedy", "reason", "note", "decided_by", "decided_at"])
    step(claim, EventKind.CLAIM_REJECTED, actor, claim.decided_at, reason=reason)
    old, new = changed(before, snapshot(claim, CLAIM_FIELDS))
    audit_record(actor=actor, action="claim.reject", obj=claim, before=old, after=new)
    notice_send(
        claim.case,
        "claim_rejected",
        {**_decided_context(claim), "reason": ClaimReason(reason).label},
    )
    return claim


@transaction.atomic
def claim_cancel(*, actor: User | None, claim: WarrantyClaim, note: str = "") -> WarrantyClaim:
    """Withdraw an open or approved claim (the customer no longer needs it, or it was opened by mistake)."""
    require_case_agent(actor, claim.case)
    claim = lock(claim)
    require_case_open(claim.case)
    if claim.status not in (WarrantyClaim.Status.OPEN, WarrantyClaim.Status.APPROVED):
        raise refuse_transition(claim, _("cancelled"))
    before = snapshot(claim, CLAIM_FIELDS)
    claim.status = WarrantyClaim.Status.CANCELLED
    fields = ["status"]
    if note and note.strip():
        claim.note = note.strip()
        fields.append("note")
    _save(claim, fields)
    step(claim, EventKind.CLAIM_CANCELLED, actor, timezone.now(), note=claim.note)
    old, new = changed(before, snapshot(claim, CLAIM_FIELDS))
    audit_record(actor=actor, action="claim.cancel", obj=claim, before=old, after=new)
    return claim


@transaction.atomic
def claim_fulfil(*, actor: User | None, claim: WarrantyClaim) -> WarrantyClaim:
    """Mark an approved claim fulfilled once its remedy is delivered; a fulfilled claim stays as it is.

    The repair, replacement or refund that fulfils it writes its own timeline event, so this step
    writes only the audit row.
    """
    require_case_agent(actor, claim.case)
    claim = lock(claim)
    if claim.status == WarrantyClaim.Status.FULFILLED:
        return claim
    if claim.status != WarrantyClaim.Status.APPROVED:
        raise refuse_transition(claim, _("fulfilled"))
    before = snapshot(claim, CLAIM_FIELDS)
    claim.status = WarrantyClaim.Status.FULFILLED
    _save(claim, ["status"])
    old, new = changed(before, snapshot(claim, CLAIM_FIELDS))
    audit_record(actor=actor, action="claim.fulfil", obj=claim, before=old, after=new)
    return claim


__all__ = [
    "claim_approve",
    "claim_cancel",
    "claim_default",
    "claim_fulfil",
    "claim_open",
    "claim_reject",
]
