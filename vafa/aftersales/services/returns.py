"""Returns (RMA): from the customer's request through receipt and inspection to the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.aftersales.entitlement import unit_return_until
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import ReturnReason, ReturnRequest, ServiceLocation
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.catalog.models import ReturnCondition
from vafa.core.dates import format_date
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.sales.models import OrderLine, Unit
from vafa.service.models import Case, EventKind

Status = ReturnRequest.Status

RETURN_FIELDS = (
    "order_line",
    "unit",
    "quantity",
    "reason",
    "status",
    "within_window",
    "window_ends_on",
    "location",
    "rejection_note",
    "condition",
    "inspection_note",
    "outcome",
    "decided_by",
    "decided_at",
    "instructed_at",
    "received_at",
    "inspected_at",
    "closed_at",
)

# Which statuses each status may move to; anything else is refused and changes nothing.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.APPROVED, Status.REJECTED, Status.CANCELLED}),
    # A walk-in customer hands the item over without waiting for instructions.
    Status.APPROVED: frozenset({Status.INSTRUCTED, Status.RECEIVED, Status.CANCELLED}),
    Status.INSTRUCTED: frozenset({Status.RECEIVED, Status.CANCELLED}),
    Status.RECEIVED: frozenset({Status.INSPECTED}),
    Status.INSPECTED: frozenset({Status.CLOSED}),
}

# The conditions a change-of-mind return may arrive in and still be refunded, per category rule.
ACCEPTED_CONDITIONS: dict[str, frozenset[str]] = {
    ReturnCondition.ANY: frozenset(ReturnRequest.Condition.values),
    ReturnCondition.AS_NEW: frozenset({ReturnRequest.Condition.UNOPENED, ReturnRequest.Condition.AS_NEW}),
    ReturnCondition.UNOPENED: frozenset({ReturnRequest.Condition.UNOPENED}),
}

OPEN_RETURN_EXCLUDED = (Status.REJECTED, Status.CANCELLED)


def _actor_or_none(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def _begin(actor: User | None, rma: ReturnRequest, target: str, action: Any) -> ReturnRequest:
    """Check who acts, lock the return and refuse a move its status does not allow."""
    require_case_agent(actor, rma.case)
    locked = lock(rma)
    require_case_open(locked.case)
    if target not in TRANSITIONS.get(locked.status, frozenset()):
        raise refuse_transition(locked, action)
    return locked


def _finish(
    rma: ReturnRequest,
    *,
    actor: User | None,
    before: dict[str, Any],
    fields: list[str],
    kind: str,
    action: str,
    at: dt.datetime,
    **data: Any,
) -> ReturnRequest:
    rma.save(update_fields=[*fields, "updated_at"])
    step(rma, kind, actor, at, status=rma.status, **data)
    old, new = changed(before, snapshot(rma, RETURN_FIELDS))
    audit_record(actor=actor, action=action, obj=rma, before=old, after=new)
    return rma


def _notice_context(rma: ReturnRequest) -> dict[str, Any]:
    language = rma.case.language
    return {
        "rma": rma,
        "reference": rma.reference,
        "product": rma.order_line.product.display_name(language),
        "quantity": rma.quantity,
    }


def _window_end(order_line: OrderLine, unit: Unit | None) -> dt.date | None:
    if unit is not None:
        return unit_return_until(unit)
    days = order_line.product.effective_return_window_days
    if not days:
        return None
    return timezone.localtime(order_line.order.placed_at).date() + dt.timedelta(days=days)


@transaction.atomic
def return_request(
    *,
    actor: User | None,
    case: Case,
    order_line: OrderLine,
    reason: str,
    quantity: int = 1,
    description: str = "",
    unit: Unit | None = None,
) -> ReturnRequest:
    """Record the customer's wish to send items of an order line back, and whether it is in time."""
    require_case_agent(actor, case)
    require_case_open(case)
    if reason not in ReturnReason.values:
        raise ValidationFailed(
            _("Choose why the item is returned."), fields={"reason": [choose_one_of(ReturnReason.values)]}
        )
    # Locking the line makes two requests for the same items count each other's quantities.
    line = (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order", "product__category")
        .get(pk=order_line.pk)
    )
    if line.order.customer_id != case.customer_id:
        raise ValidationFailed(
            _("This order line is not on an order of the case's customer."),
            fields={"order_line": [_("Choose one of the customer's orders.")]},
        )
    if unit is not None and (
        unit.owner_id != case.customer_id
        or unit.product_id != line.product_id
        or (unit.order_line_id is not None and unit.order_line_id != line.pk)
    ):
        raise ValidationFailed(
            _("This unit is not one of the customer's items on that order line."),
            fields={"unit": [_("Choose a unit from this order line.")]},
        )
    taken = (
        ReturnRequest.objects.filter(order_line=line)
        .exclude(status__in=OPEN_RETURN_EXCLUDED)
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    available = max(line.quantity - taken, 0)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > available:
        message = (
            _("Enter a quantity from 1 to %(available)s.") % {"available": available}
            if available
            else _("Every item on this order line is already being returned.")
        )
        raise ValidationFailed(message, fields={"quantity": [message]}, code=AftersalesError.QUANTITY)
    window_ends_on = _window_end(line, unit)
    within = window_ends_on is not None and timezone.localdate() <= window_ends_on
    if reason == ReturnReason.CHANGED_MIND and not within:
        raise Conflict(
            _("The return window for this item has ended; a change of mind can no longer be taken back.")
            if window_ends_on is not None
            else _("This item has no return window; a change of mind cannot be taken back."),
            code=AftersalesError.OUTSIDE_RETURN_WINDOW,
        )
    rma = ReturnRequest.objects.create(
        number=next_number(ReturnRequest),
        case=case,
        customer_id=case.customer_id,
        created_by=_actor_or_none(actor),
        order_line=line,
        unit=unit,
        quantity=quantity,
        reason=reason,
        description=(description or "").strip(),
        within_window=within,
        window_ends_on=window_ends_on,
    )
    step(
        rma,
        EventKind.RETURN_REQUESTED,
        actor,
        rma.created_at,
        reason=reason,
        quantity=quantity,
        within_window=within,
    )
    audit_record(actor=actor, action="return.request", obj=rma, after=snapshot(rma, RETURN_FIELDS))
    return rma


@transaction.atomic
def return_approve(*, actor: User | None, rma: ReturnRequest, location: ServiceLocation) -> ReturnRequest:
    """Accept the return and choose where the item goes; the customer is told."""
    if not (location.receives_returns and location.is_active):
        raise ValidationFailed(
            _("Choose an active location that receives returns."),
            fields={"location": [_("This location does not receive returns.")]},
        )
    rma = _begin(actor, rma, Status.APPROVED, _("approved"))
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.APPROVED
    rma.location = location
    rma.decided_by = _actor_or_none(actor)
    rma.decided_at = now
    _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "location", "decided_by", "decided_at"],
        kind=EventKind.RETURN_APPROVED,
        action="return.approve",
        at=now,
        location=location.pk,
    )
    notice_send(rma.case, "return_approved", _notice_context(rma))
    return rma


@transaction.atomic
def return_reject(*, actor: User | None, rma: ReturnRequest, note: str) -> ReturnRequest:
    """Refuse the return, telling the customer why."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Tell the customer why."), fields={"note": [_("Enter a reason.")]})
    rma = _begin(actor, rma, Status.REJECTED, _("refused"))
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.REJECTED
    rma.rejection_note = note
    rma.decided_by = _actor_or_none(actor)
    rma.decided_at = now
    _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "rejection_note", "decided_by", "decided_at"],
        kind=EventKind.RETURN_REJECTED,
        action="return.reject",
        at=now,
    )
    notice_send(rma.case, "return_rejected", {**_notice_context(rma), "note": note})
    return rma


def return_packing_note_url(rma: ReturnRequest) -> str:
    """Where the customer prints the packing note that goes in the parcel."""
    return settings.VAFA_BASE_URL.rstrip("/") + f"/portal/returns/{rma.number}/packing-note/"


@transaction.atomic
def return_instruct(*, actor: User | None, rma: ReturnRequest) -> ReturnRequest:
    """Send the customer how to send the item back: the RMA number, the address and the packing note."""
    rma = _begin(actor, rma, Status.INSTRUCTED, _("sent instructions"))
    if rma.location is None:
        raise Conflict(_("Choose where the item goes first."), code=AftersalesError.WRONG_STATUS)
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.INSTRUCTED
    rma.instructed_at = now
    _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "instructed_at"],
        kind=EventKind.RETURN_INSTRUCTED,
        action="return.instruct",
        at=now,
    )
    language = rma.case.language
    notice_send(
        rma.case,
        "return_instructions",
        {
            **_notice_context(rma),
            "location_name": rma.location.display_name(language),
            "address": rma.location.address,
            "phone": rma.location.phone,
            "packing_note_url": return_packing_note_url(rma),
        },
    )
    return rma


@transaction.atomic
def return_receive(*, actor: User | None, rma: ReturnRequest) -> ReturnRequest:
    """Record that the returned item arrived; the customer is told."""
    rma = _begin(actor, rma, Status.RECEIVED, _("received"))
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.RECEIVED
    rma.received_at = now
    _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "received_at"],
        kind=EventKind.RETURN_RECEIVED,
        action="return.receive",
        at=now,
    )
    notice_send(
        rma.case,
        "return_received",
        {
            **_notice_context(rma),
            "received_on": format_date(now, language=rma.case.language, with_time=False),
        },
    )
    return rma


@transaction.atomic
def return_inspect(
    *, actor: User | None, rma: ReturnRequest, condition: str, note: str = ""
) -> ReturnRequest:
    """Record the condition the item arrived in."""
    if condition not in ReturnRequest.Condition.values:
        raise ValidationFailed(
            _("Choose the condition the item arrived in."),
            fields={"condition": [choose_one_of(ReturnRequest.Condition.values)]},
        )
    rma = _begin(actor, rma, Status.INSPECTED, _("inspected"))
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.INSPECTED
    rma.condition = condition
    rma.inspection_note = (note or "").strip()
    rma.inspected_at = now
    return _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "condition", "inspection_note", "inspected_at"],
        kind=EventKind.RETURN_INSPECTED,
        action="return.inspect",
        at=now,
        condition=condition,
    )


def return_refundable(rma: ReturnRequest) -> bool:
    """Whether the return may end in a refund: a change of mind only in the condition the category accepts."""
    if rma.reason != ReturnReason.CHANGED_MIND:
        return True
    category = rma.order_line.product.category
    rule = category.return_condition if category is not None else ReturnCondition.AS_NEW
    return rma.condition in ACCEPTED_CONDITIONS.get(rule, ACCEPTED_CONDITIONS[ReturnCondition.AS_NEW])


@transaction.atomic
def return_close(*, actor: User | None, rma: ReturnRequest, outcome: str) -> ReturnRequest:
    """Settle the return: refund, replacement, repair or sent back; the customer is told."""
    if outcome not in ReturnRequest.Outcome.values:
        raise ValidationFailed(
            _("Choose how the return ends."),
            fields={"outcome": [choose_one_of(ReturnRequest.Outcome.values)]},
        )
    rma = _begin(actor, rma, Status.CLOSED, _("closed"))
    if outcome == ReturnRequest.Outcome.REFUND and not return_refundable(rma):
        raise Conflict(
            _(
                "%(reference)s cannot end in a refund: an item returned after a change of mind must arrive in the condition its category accepts."
            )
            % {"reference": rma.reference},
            code=AftersalesError.NOT_ENTITLED,
        )
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.CLOSED
    rma.outcome = outcome
    rma.closed_at = now
    _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status", "outcome", "closed_at"],
        kind=EventKind.RETURN_CLOSED,
        action="return.close",
        at=now,
        outcome=outcome,
    )
    notice_send(
        rma.case,
        "return_closed",
        {**_notice_context(rma), "outcome": ReturnRequest.Outcome(outcome).label},
    )
    return rma


@transaction.atomic
def return_cancel(*, actor: User | None, rma: ReturnRequest, note: str = "") -> ReturnRequest:
    """Cancel a return that has not arrived yet (the customer keeps the item)."""
    rma = _begin(actor, rma, Status.CANCELLED, _("cancelled"))
    before = snapshot(rma, RETURN_FIELDS)
    now = timezone.now()
    rma.status = Status.CANCELLED
    return _finish(
        rma,
        actor=actor,
        before=before,
        fields=["status"],
        kind=EventKind.RETURN_CLOSED,
        action="return.cancel",
        at=now,
        note=(note or "").strip(),
    )


__all__ = [
    "return_approve",
    "return_cancel",
    "return_close",
    "return_inspect",
    "return_instruct",
    "return_packing_note_url",
    "return_receive",
    "return_refundable",
    "return_reject",
    "return_request",
]
