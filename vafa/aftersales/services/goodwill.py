"""Goodwill: give a customer a discount code, a gift, store credit or more warranty, within one's limit."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import ApprovalLimit, CostEntry, Goodwill
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.aftersales.services.costs import company_currency, cost_record, over_limit
from vafa.core.dates import add_months, format_date
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.core.money import format_money, is_currency, to_amount
from vafa.sales.models import Unit
from vafa.service.models import Case, EventKind

GOODWILL_AUDIT_FIELDS = (
    "kind",
    "status",
    "value",
    "cost",
    "currency",
    "reason",
    "code",
    "description",
    "unit",
    "extension_months",
    "cover_end_before",
    "cover_end_after",
    "approved_by",
    "decided_at",
    "rejection_note",
)
UNIT_COVER_FIELDS = ("warranty_start", "warranty_end", "extended_warranty_end")
MAX_EXTENSION_MONTHS = 60
CODE_ALPHABET = string.ascii_uppercase + string.digits


def _generated_code() -> str:
    return "GW-" + "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))


def _money(value: object, field: str, errors: dict[str, list[Any]]) -> Decimal:
    try:
        amount = to_amount(value if value not in (None, "") else 0)
    except ValidationError:
        errors[field] = [_("Enter a valid amount.")]
        return Decimal(0)
    if amount < 0:
        errors[field] = [_("Enter an amount from 0.")]
    return amount


def _months(value: object, errors: dict[str, list[Any]]) -> int | None:
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        errors["extension_months"] = [
            _("Enter a number of months from 1 to %(max)s.") % {"max": MAX_EXTENSION_MONTHS}
        ]
        return None
    return months


def _extend_cover(actor: User | None, goodwill: Goodwill, today: dt.date) -> None:
    """Move the unit's cover end `extension_months` on, from its current end or today if that is past."""
    assert goodwill.unit_id is not None  # the database holds that an extension has a unit
    unit = Unit.objects.select_for_update().get(pk=goodwill.unit_id)
    months = goodwill.extension_months or 0
    current = unit.extended_warranty_end or unit.warranty_end
    base = max(current, today) if current is not None else today
    new_end = add_months(base, months)
    before = snapshot(unit, UNIT_COVER_FIELDS)
    if unit.warranty_end is None:
        unit.warranty_start = today
        unit.warranty_end = new_end
        fields = ["warranty_start", "warranty_end"]
    else:
        # The database holds that an extension ends on or after the warranty: new_end ≥ base ≥ warranty_end.
        unit.extended_warranty_end = new_end
        fields = ["extended_warranty_end"]
    unit.save(update_fields=[*fields, "updated_at"])
    old, new = changed(before, snapshot(unit, UNIT_COVER_FIELDS))
    audit_record(
        actor=actor,
        action="unit.warranty_extend",
        obj=unit,
        before=old,
        after={**new, "goodwill": goodwill.reference, "months": months},
    )
    goodwill.unit = unit
    goodwill.cover_end_before = current
    goodwill.cover_end_after = new_end


def _give(actor: User | None, goodwill: Goodwill, now: dt.datetime) -> list[str]:
    """Make the gesture real: the status, the unit's cover, the cost, the event and the notice.

    Returns the fields changed on `goodwill`, for the caller's save.
    """
    goodwill.status = Goodwill.Status.GIVEN
    goodwill.approved_by = actor if actor is not None and actor.pk else None
    goodwill.decided_at = now
    fields = ["status", "approved_by", "decided_at"]
    if goodwill.kind == Goodwill.Kind.WARRANTY_EXTENSION:
        _extend_cover(actor, goodwill, timezone.localdate(now))
        fields += ["cover_end_before", "cover_end_after"]
    return fields


def _after_given(actor: User | None, goodwill: Goodwill, now: dt.datetime) -> None:
    unit = goodwill.unit
    cost_record(
        actor=actor,
        case=goodwill.case,
        kind=CostEntry.Kind.GOODWILL,
        amount=goodwill.cost,
        currency=goodwill.currency,
        source=f"goodwill:{goodwill.pk}",
        product=unit.product if unit is not None else None,
        description=f"{goodwill.reference} {goodwill.description or goodwill.code}".strip(),
    )
    step(
        goodwill,
        EventKind.GOODWILL_GIVEN,
        actor,
        now,
        goodwill_kind=goodwill.kind,
        value=str(goodwill.value),
        cost=str(goodwill.cost),
        currency=goodwill.currency,
        cover_end_after=goodwill.cover_end_after.isoformat() if goodwill.cover_end_after else None,
    )
    case = goodwill.case
    language = case.language or settings.LANGUAGE_CODE
    notice_send(
        case,
        "goodwill_given",
        {
            "goodwill": goodwill,
            "reference": goodwill.reference,
            "kind": goodwill.kind,
            "code": goodwill.code,
            "description": goodwill.description,
            "value": format_money(goodwill.value, goodwill.currency, language) if goodwill.value else "",
            "months": goodwill.extension_months or 0,
            "product": unit.product.display_name(language) if unit is not None else "",
            "serial": unit.serial_number if unit is not None else "",
            "cover_end": format_date(goodwill.cover_end_after, language=language),
        },
    )


def _require_may_decide(actor: User | None, goodwill: Goodwill) -> None:
    if over_limit(actor, ApprovalLimit.Kind.GOODWILL, goodwill.cost, goodwill.currency):
        raise Forbidden(
            _("%(record)s costs more than you may approve; a manager decides it.")
            % {"record": goodwill.reference},
            code=AftersalesError.OVER_LIMIT,
        )


@transaction.atomic
def goodwill_give(
    *,
    actor: User | None,
    case: Case,
    kind: str,
    reason: str,
    value: object = 0,
    cost: object = 0,
    currency: str | None = None,
    code: str = "",
    description: str = "",
    unit: Unit | None = None,
    extension_months: object = None,
) -> Goodwill:
    """Give a gesture of goodwill on a case at once, or propose it to a manager when above one's limit."""
    require_case_agent(actor, case)
    require_case_open(case)
    errors: dict[str, list[Any]] = {}
    if kind not in Goodwill.Kind.values:
        errors["kind"] = [_("Choose what to give.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the customer is given this.")]
    amount_value = _money(value, "value", errors)
    amount_cost = _money(cost, "cost", errors)
    currency = (currency or company_currency()).strip().upper()
    if not is_currency(currency):
        errors["currency"] = [_("Enter an ISO-4217 currency code.")]
    code = (code or "").strip()
    description = (description or "").strip()
    if len(description) > 250:
        errors["description"] = [_("Keep the description under 250 characters.")]
    if len(code) > 64:
        errors["code"] = [_("Keep the code under 64 characters.")]
    months: int | None = None
    if kind == Goodwill.Kind.DISCOUNT_CODE and not code:
        code = _generated_code()
    elif kind == Goodwill.Kind.GIFT and not description:
        errors["description"] = [_("Describe the gift.")]
    elif kind == Goodwill.Kind.STORE_CREDIT and "value" not in errors and amount_value <= 0:
        errors["value"] = [_("Enter the credit, above zero.")]
    elif kind == Goodwill.Kind.WARRANTY_EXTENSION:
        if unit is None:
            errors["unit"] = [_("Choose the unit whose warranty is extended.")]
        months = _months(extension_months, errors)
    if unit is not None and unit.owner_id != case.customer_id:
        errors["unit"] = [_("This unit does not belong to the case's customer.")]
    if errors:
        raise ValidationFailed(_("Check the goodwill gesture."), fields=errors)
    pending = over_limit(actor, ApprovalLimit.Kind.GOODWILL, amount_cost, currency)
    now = timezone.now()
    goodwill = Goodwill.objects.create(
        number=next_number(Goodwill),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        kind=kind,
        status=Goodwill.Status.PENDING_APPROVAL,
        value=amount_value,
        cost=amount_cost,
        currency=currency,
        reason=reason,
        code=code,
        description=description,
        unit=unit,
        extension_months=months,
    )
    if pending:
        step(
            goodwill,
            EventKind.GOODWILL_PROPOSED,
            actor,
            now,
            goodwill_kind=kind,
            cost=str(amount_cost),
            currency=currency,
        )
        audit_record(
            actor=actor,
            action="goodwill.propose",
            obj=goodwill,
            after=snapshot(goodwill, GOODWILL_AUDIT_FIELDS),
        )
        return goodwill
    fields = _give(actor, goodwill, now)
    goodwill.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor, action="goodwill.give", obj=goodwill, after=snapshot(goodwill, GOODWILL_AUDIT_FIELDS)
    )
    _after_given(actor, goodwill, now)
    return goodwill


@transaction.atomic
def goodwill_approve(*, actor: User | None, goodwill: Goodwill) -> Goodwill:
    """Approve a proposed gesture (within the approver's own limit) and give it."""
    require_case_agent(actor, goodwill.case)
    locked = lock(goodwill)
    if locked.status != Goodwill.Status.PENDING_APPROVAL:
        raise refuse_transition(locked, _("approved"))
    _require_may_decide(actor, locked)
    now = timezone.now()
    before = snapshot(locked, GOODWILL_AUDIT_FIELDS)
    fields = _give(actor, locked, now)
    locked.save(update_fields=[*fields, "updated_at"])
    old, new = changed(before, snapshot(locked, GOODWILL_AUDIT_FIELDS))
    audit_record(actor=actor, action="goodwill.approve", obj=locked, before=old, after=new)
    _after_given(actor, locked, now)
    return locked


@transaction.atomic
def goodwill_reject(*, actor: User | None, goodwill: Goodwill, note: str) -> Goodwill:
    """Refuse a proposed gesture, saying why; the customer is not told (the agent talks to them)."""
    require_case_agent(actor, goodwill.case)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Say why the gesture is refused."), fields={"note": [_("Enter a note.")]})
    locked = lock(goodwill)
    if locked.status != Goodwill.Status.PENDING_APPROVAL:
        raise refuse_transition(locked, _("rejected"))
    _require_may_decide(actor, locked)
    now = timezone.now()
    before = snapshot(locked, GOODWILL_AUDIT_FIELDS)
    locked.status = Goodwill.Status.REJECTED
    locked.rejection_note = note
    locked.decided_at = now
    locked.save(update_fields=["status", "rejection_note", "decided_at", "updated_at"])
    step(locked, EventKind.GOODWILL_REJECTED, actor, now, note=note)
    old, new = changed(before, snapshot(locked, GOODWILL_AUDIT_FIELDS))
    audit_record(actor=actor, action="goodwill.reject", obj=locked, before=old, after=new)
    return locked


__all__ = ["goodwill_approve", "goodwill_give", "goodwill_reject"]
