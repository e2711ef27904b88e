"""Replacements: a new unit with a new serial number for one that failed or came back."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import CostEntry, Replacement, ReturnRequest, WarrantyClaim
from vafa.aftersales.services.claims import claim_fulfil
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.aftersales.services.costs import cost_record
from vafa.catalog.models import Product, WarrantyPolicy
from vafa.core.dates import add_months
from vafa.core.errors import Conflict, ErrorCode, ValidationFailed
from vafa.sales.models import Unit
from vafa.sales.services import unit_create
from vafa.service.models import Case, EventKind

REPLACEMENT_FIELDS = (
    "original_unit",
    "new_unit",
    "claim",
    "return_request",
    "warranty_rule",
    "status",
    "tracking",
    "shipped_at",
    "delivered_at",
)


def _warranty_of_new_unit(original: Unit, product: Product) -> tuple[str, dict[str, Any]]:
    """The new unit's warranty dates under the product's replacement rule (continue when there is no policy)."""
    policy = product.warranty_policy
    if policy is not None and policy.replacement_rule == WarrantyPolicy.ReplacementRule.RESTART:
        today = timezone.localdate()
        end = add_months(today, policy.months)
        # An extended warranty the customer already has still counts where it outlasts the new one.
        extended = original.extended_warranty_end
        return WarrantyPolicy.ReplacementRule.RESTART, {
            "warranty_start": today,
            "warranty_end": end,
            "extended_warranty_end": extended if extended is not None and extended > end else None,
        }
    return WarrantyPolicy.ReplacementRule.CONTINUE, {
        "warranty_start": original.warranty_start,
        "warranty_end": original.warranty_end,
        "extended_warranty_end": original.extended_warranty_end,
    }


def _check_links(
    case: Case, original: Unit, claim: WarrantyClaim | None, rma: ReturnRequest | None
) -> WarrantyClaim | None:
    if claim is not None:
        claim = WarrantyClaim.objects.get(pk=claim.pk)
        if claim.case_id != case.pk or claim.unit_id != original.pk:
            raise ValidationFailed(
                _("The warranty claim must be on this case and about the unit being replaced."),
                fields={"claim": [_("Choose a claim of this case on this unit.")]},
            )
        if claim.status not in (WarrantyClaim.Status.APPROVED, WarrantyClaim.Status.FULFILLED):
            raise Conflict(
                _("%(reference)s is %(status)s: only an approved claim can be met with a replacement.")
                % {"reference": claim.reference, "status": claim.get_status_display().lower()},
                code=AftersalesError.WRONG_STATUS,
            )
    if rma is not None:
        rma = ReturnRequest.objects.get(pk=rma.pk)
        if rma.case_id != case.pk:
            raise ValidationFailed(
                _("The return must be on this case."),
                fields={"return_request": [_("Choose a return of this case.")]},
            )
        if rma.status in (ReturnRequest.Status.REJECTED, ReturnRequest.Status.CANCELLED):
            raise Conflict(
                _("%(reference)s is %(status)s: it cannot be met with a replacement.")
                % {"reference": rma.reference, "status": rma.get_status_display().lower()},
                code=AftersalesError.WRONG_STATUS,
            )
    return claim


@transaction.atomic
def replacement_issue(
    *,
    actor: User | None,
    case: Case,
    original_unit: Unit,
    new_serial: str,
    product: Product | None = None,
    claim: WarrantyClaim | None = None,
    return_request: ReturnRequest | None = None,
) -> Replacement:
    """Give the customer a new unit for the original; its warranty continues or restarts as the policy says."""
    require_case_agent(actor, case)
    require_case_open(case)
    original = Unit.objects.select_related("product__warranty_policy").get(pk=original_unit.pk)
    if original.owner_id != case.customer_id:
        raise ValidationFailed(
            _("The unit being replaced must belong to the case's customer."),
            fields={"original_unit": [_("Choose one of the customer's units.")]},
        )
    serial = (new_serial or "").strip()
    if not serial:
        raise ValidationFailed(
            _("Enter the new unit's serial number."),
            fields={"new_serial": [_("Enter a serial number.")]},
        )
    # Read afresh: the caller's product may carry unsaved or stale values (price, policy).
    product = Product.objects.select_related("warranty_policy").get(pk=(product or original.product).pk)
    duplicate = Conflict(
        _("A unit with serial number %(serial)s already exists for this product.") % {"serial": serial},
        code=ErrorCode.DUPLICATE,
    )
    if Unit.objects.filter(product=product, serial_number=serial).exists():
        raise duplicate
    claim = _check_links(case, original, claim, return_request)
    rule, warranty = _warranty_of_new_unit(original, product)
    try:
        with transaction.atomic():
            # The system makes the unit: issuing a replacement is an agent's step, not a catalogue edit.
            new_unit = unit_create(
                actor=None,
                product=product,
                serial_number=serial,
                owner=case.customer,
                order_line=original.order_line,
                purchased_on=None,
                delivered_on=None,
                **warranty,
            )
    except IntegrityError as exc:
        raise duplicate from exc
    replacement = Replacement.objects.create(
        number=next_number(Replacement),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        original_unit=original,
        new_unit=new_unit,
        claim=claim,
        return_request=return_request,
        warranty_rule=rule,
    )
    under_warranty = claim is not None and claim.status == WarrantyClaim.Status.APPROVED
    cost_record(
        actor=actor,
        case=case,
        kind=CostEntry.Kind.REPLACEMENT,
        amount=product.price,
        currency=product.currency,
        source=f"replacement:{replacement.pk}",
        product=product,
        under_warranty=under_warranty,
        description=replacement.reference,
    )
    if claim is not None:
        claim_fulfil(actor=actor, claim=claim)
    step(
        replacement,
        EventKind.REPLACEMENT_ISSUED,
        actor,
        replacement.created_at,
        original_unit=original.pk,
        new_unit=new_unit.pk,
        serial=serial,
        warranty_rule=rule,
    )
    audit_record(
        actor=actor,
        action="replacement.issue",
        obj=replacement,
        after=snapshot(replacement, REPLACEMENT_FIELDS),
    )
    return replacement


@transaction.atomic
def replacement_ship(*, actor: User | None, replacement: Replacement, tracking: str = "") -> Replacement:
    """Record that the new unit left, with its tracking number, and tell the customer."""
    require_case_agent(actor, replacement.case)
    replacement = lock(replacement)
    require_case_open(replacement.case)
    if replacement.status != Replacement.Status.ISSUED:
        raise refuse_transition(replacement, _("shipped"))
    before = snapshot(replacement, REPLACEMENT_FIELDS)
    now = timezone.now()
    replacement.status = Replacement.Status.SHIPPED
    replacement.tracking = (tracking or "").strip()[:100]
    replacement.shipped_at = now
    replacement.save(update_fields=["status", "tracking", "shipped_at", "updated_at"])
    step(replacement, EventKind.REPLACEMENT_SHIPPED, actor, now, tracking=replacement.tracking)
    old, new = changed(before, snapshot(replacement, REPLACEMENT_FIELDS))
    audit_record(actor=actor, action="replacement.ship", obj=replacement, before=old, after=new)
    language = replacement.case.language
    notice_send(
        replacement.case,
        "replacement_shipped",
        {
            "replacement": replacement,
            "reference": replacement.reference,
            "product": replacement.new_unit.product.display_name(language),
            "serial": replacement.new_unit.serial_number,
            "tracking": replacement.tracking,
        },
    )
    return replacement


@transaction.atomic
def replacement_deliver(*, actor: User | None, replacement: Replacement) -> Replacement:
    """Record that the customer has the new unit."""
    require_case_agent(actor, replacement.case)
    replacement = lock(replacement)
    require_case_open(replacement.case)
    if replacement.status != Replacement.Status.SHIPPED:
        raise refuse_transition(replacement, _("delivered"))
    before = snapshot(replacement, REPLACEMENT_FIELDS)
    now = timezone.now()
    replacement.status = Replacement.Status.DELIVERED
    replacement.delivered_at = now
    replacement.save(update_fields=["status", "delivered_at", "updated_at"])
    step(replacement, EventKind.REPLACEMENT_DELIVERED, actor, now)
    old, new = changed(before, snapshot(replacement, REPLACEMENT_FIELDS))
    audit_record(actor=actor, action="replacement.deliver", obj=replacement, before=old, after=new)
    return replacement


__all__ = ["replacement_deliver", "replacement_issue", "replacement_ship"]
