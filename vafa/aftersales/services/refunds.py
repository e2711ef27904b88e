"""Refunds: money back on an order line, never more than was paid, approved by a manager above a limit."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import ApprovalLimit, CostEntry, Refund, ReturnRequest, WarrantyClaim
from vafa.aftersales.services.claims import claim_fulfil
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.aftersales.services.costs import cost_record, over_limit
from vafa.core.dates import format_date
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.core.money import format_money, to_amount
from vafa.sales.models import OrderLine
from vafa.service.models import Case, EventKind

REFUND_FIELDS = (
    "order_line",
    "claim",
    "return_request",
    "amount",
    "currency",
    "method",
    "payment_reference",
    "reason",
    "status",
    "approved_by",
    "decided_at",
    "rejection_note",
)

APPROVED_CLAIM = (WarrantyClaim.Status.APPROVED, WarrantyClaim.Status.FULFILLED)


def _too_large(line: OrderLine, currency: str) -> Conflict:
    line.refresh_from_db(fields=["refunded_amount"])
    left = max(line.unit_price * line.quantity - line.refunded_amount, Decimal(0))
    return Conflict(
        _("A refund cannot exceed what was paid for the line: at most %(left)s can still be refunded.")
        % {"left": format_money(left, currency, translation.get_language() or "en")},
        code=AftersalesError.REFUND_TOO_LARGE,
    )


def _parse_amount(amount: object) -> Decimal:
    try:
        value = to_amount(amount)
    except ValidationError as exc:
        raise ValidationFailed(_("Enter a valid amount."), fields={"amount": exc.messages}) from exc
    if value <= 0:
        raise ValidationFailed(
            _("Enter an amount above zero."), fields={"amount": [_("Enter an amount above zero.")]}
        )
    return value


def _check_links(
    case: Case, line: OrderLine, claim: WarrantyClaim | None, rma: ReturnRequest | None
) -> tuple[WarrantyClaim | None, ReturnRequest | None]:
    if claim is not None:
        claim = WarrantyClaim.objects.get(pk=claim.pk)
        if claim.case_id != case.pk:
            raise ValidationFailed(
                _("The warranty claim must be on this case."),
                fields={"claim": [_("Choose a claim of this case.")]},
            )
        if claim.status not in APPROVED_CLAIM:
            message = (
                _("%(reference)s was rejected: a rejected claim cannot be refunded.")
                if claim.status == WarrantyClaim.Status.REJECTED
                else _("%(reference)s is %(status)s: only an approved claim can be refunded.")
            )
            raise Conflict(
                message % {"reference": claim.reference, "status": claim.get_status_display().lower()},
                code=AftersalesError.WRONG_STATUS,
            )
    if rma is not None:
        rma = ReturnRequest.objects.get(pk=rma.pk)
        if rma.case_id != case.pk or rma.order_line_id != line.pk:
            raise ValidationFailed(
                _("The return must be on this case and for this order line."),
                fields={"return_request": [_("Choose a return of this case for this line.")]},
            )
        if rma.status in (ReturnRequest.Status.REJECTED, ReturnRequest.Status.CANCELLED):
            raise Conflict(
                _("%(reference)s is %(status)s: it cannot be refunded.")
                % {"reference": rma.reference, "status": rma.get_status_display().lower()},
                code=AftersalesError.WRONG_STATUS,
            )
    return claim, rma


def _issue(refund: Refund, *, actor: User | None, before: dict[str, object]) -> Refund:
    """Mark the refund issued: ledger, claim fulfilled, event, audit and the customer's notice."""
    now = timezone.now()
    refund.status = Refund.Status.ISSUED
    refund.approved_by = actor if actor is not None and actor.pk else None
    refund.decided_at = now
    refund.save(update_fields=["status", "approved_by", "decided_at", "payment_reference", "updated_at"])
    claim = refund.claim
    cost_record(
        actor=actor,
        case=refund.case,
        kind=CostEntry.Kind.REFUND,
        amount=refund.amount,
        currency=refund.currency,
        source=f"refund:{refund.pk}",
        product=refund.order_line.product,
        under_warranty=claim is not None and claim.status in APPROVED_CLAIM,
        description=refund.reference,
    )
    if claim is not None:
        claim_fulfil(actor=actor, claim=claim)
    step(
        refund,
        EventKind.REFUND_ISSUED,
        actor,
        now,
        amount=str(refund.amount),
        currency=refund.currency,
        method=refund.method,
    )
    old, new = changed(before, snapshot(refund, REFUND_FIELDS))
    audit_record(actor=actor, action="refund.issue", obj=refund, before=old, after=new)
    language = refund.case.language
    notice_send(
        refund.case,
        "refund_issued",
        {
            "refund": refund,
            "reference": refund.reference,
            "amount": format_money(refund.amount, refund.currency, language),
            "method": Refund.Method(refund.method).label,
            "issued_on": format_date(now, language=language, with_time=False),
        },
    )
    return refund


@transaction.atomic
def refund_request(
    *,
    actor: User | None,
    case: Case,
    order_line: OrderLine,
    amount: object,
    method: str = Refund.Method.ORIGINAL,
    reference: str = "",
    reason: str = "",
    claim: WarrantyClaim | None = None,
    return_request: ReturnRequest | None = None,
) -> Refund:
    """Refund part or all of an order line: issued at once within the actor's limit, else sent for approval.

    The amount is held against the line at once, so two refunds can never together exceed what was
    paid; the database constraint on the line refuses it even when they are asked at the same moment.
    """
    require_case_agent(actor, case)
    require_case_open(case)
    value = _parse_amount(amount)
    if method not in Refund.Method.values:
        raise ValidationFailed(
            _("Choose how the money is paid back."), fields={"method": [choose_one_of(Refund.Method.values)]}
        )
    line = OrderLine.objects.select_related("order", "product").get(pk=order_line.pk)
    if line.order.customer_id != case.customer_id:
        raise ValidationFailed(
            _("This order line is not on an order of the case's customer."),
            fields={"order_line": [_("Choose one of the customer's orders.")]},
        )
    currency = line.order.currency
    claim, rma = _check_links(case, line, claim, return_request)
    if value + line.refunded_amount > line.unit_price * line.quantity:
        raise _too_large(line, currency)
    # Decided before the line is touched: a missing exchange rate must refuse without side effects.
    needs_approval = over_limit(actor, ApprovalLimit.Kind.REFUND, value, currency)
    try:
        with transaction.atomic():
            OrderLine.objects.filter(pk=line.pk).update(refunded_amount=F("refunded_amount") + value)
    except IntegrityError as exc:
        raise _too_large(line, currency) from exc
    refund = Refund.objects.create(
        number=next_number(Refund),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        order_line=line,
        claim=claim,
        return_request=rma,
        amount=value,
        currency=currency,
        method=method,
        payment_reference=(reference or "").strip()[:100],
        reason=(reason or "").strip(),
        status=Refund.Status.PENDING_APPROVAL,
    )
    if needs_approval:
        step(
            refund,
            EventKind.REFUND_REQUESTED,
            actor,
            refund.created_at,
            amount=str(value),
            currency=currency,
            method=method,
        )
        audit_record(actor=actor, action="refund.request", obj=refund, after=snapshot(refund, REFUND_FIELDS))
        return refund
    audit_record(actor=actor, action="refund.request", obj=refund, after=snapshot(refund, REFUND_FIELDS))
    return _issue(refund, actor=actor, before=snapshot(refund, REFUND_FIELDS))


@transaction.atomic
def refund_approve(*, actor: User | None, refund: Refund, reference: str = "") -> Refund:
    """Approve a refund waiting above an agent's limit; it is issued at once."""
    require_case_agent(actor, refund.case)
    refund = lock(refund)
    require_case_open(refund.case)
    if refund.status != Refund.Status.PENDING_APPROVAL:
        raise refuse_transition(refund, _("approved"))
    if over_limit(actor, ApprovalLimit.Kind.REFUND, refund.amount, refund.currency):
        raise Forbidden(
            _("%(reference)s is above what you may approve; a manager approves it.")
            % {"reference": refund.reference},
            code=AftersalesError.OVER_LIMIT,
        )
    before = snapshot(refund, REFUND_FIELDS)
    if reference and reference.strip():
        refund.payment_reference = reference.strip()[:100]
    return _issue(refund, actor=actor, before=before)


@transaction.atomic
def refund_reject(*, actor: User | None, refund: Refund, note: str) -> Refund:
    """Refuse a refund waiting for approval: the amount is released on the line and the customer told why."""
    require_case_agent(actor, refund.case)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Say why the refund is refused."), fields={"note": [_("Enter a reason.")]})
    refund = lock(refund)
    require_case_open(refund.case)
    if refund.status != Refund.Status.PENDING_APPROVAL:
        raise refuse_transition(refund, _("refused"))
    before = snapshot(refund, REFUND_FIELDS)
    now = timezone.now()
    refund.status = Refund.Status.REJECTED
    refund.rejection_note = note
    refund.decided_at = now
    refund.save(update_fields=["status", "rejection_note", "decided_at", "updated_at"])
    OrderLine.objects.filter(pk=refund.order_line_id).update(
        refunded_amount=F("refunded_amount") - refund.amount
    )
    step(refund, EventKind.REFUND_REJECTED, actor, now, amount=str(refund.amount), currency=refund.currency)
    old, new = changed(before, snapshot(refund, REFUND_FIELDS))
    audit_record(actor=actor, action="refund.reject", obj=refund, before=old, after=new)
    language = refund.case.language
    notice_send(
        refund.case,
        "refund_rejected",
        {
            "refund": refund,
            "reference": refund.reference,
            "amount": format_money(refund.amount, refund.currency, language),
            "note": note,
        },
    )
    return refund


__all__ = ["refund_approve", "refund_reject", "refund_request"]
