"""Repairs: open a repair order, diagnose it, add parts and labour, quote the customer, move it along.

Every change re-reads the repair under a row lock and grows its `version`; a caller that passes the
version it showed refuses to overwrite someone else's change. Parts are reserved from the repair's
location with one conditional UPDATE, so two technicians never take the last piece.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.aftersales.entitlement import unit_entitlement
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import (
    CostEntry,
    Part,
    RepairLine,
    RepairOrder,
    ReturnRequest,
    ServiceLocation,
    StockLevel,
    StockMovement,
    WarrantyClaim,
)
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.aftersales.services.costs import cost_record
from vafa.core.dates import format_date
from vafa.core.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from vafa.core.money import format_money
from vafa.sales.models import Unit
from vafa.service.models import AuthorKind, Case, EventKind

Status = RepairOrder.Status
QuoteStatus = RepairOrder.QuoteStatus

REPAIR_FIELDS = (
    "status",
    "technician",
    "diagnosis",
    "quote_status",
    "quote_total",
    "quote_sent_at",
    "quote_decided_at",
    "ready_at",
    "returned_at",
    "version",
)

# Where each status may go through `repair_set_status`. Awaiting approval is entered only by sending a
# quote and left by the customer's answer (or a cancellation).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.DIAGNOSING, Status.CANCELLED}),
    Status.DIAGNOSING: frozenset(
        {Status.WAITING_FOR_PARTS, Status.REPAIRING, Status.READY, Status.CANCELLED}
    ),
    Status.AWAITING_APPROVAL: frozenset({Status.CANCELLED}),
    Status.WAITING_FOR_PARTS: frozenset({Status.REPAIRING, Status.CANCELLED}),
    Status.REPAIRING: frozenset({Status.WAITING_FOR_PARTS, Status.READY}),
    Status.READY: frozenset({Status.RETURNED}),
}
# Moving into these spends the customer's money, so a billable repair needs an accepted quote first.
NEEDS_QUOTE = frozenset({Status.WAITING_FOR_PARTS, Status.REPAIRING, Status.READY})
LINES_OPEN = frozenset(
    {
        Status.RECEIVED,
        Status.DIAGNOSING,
        Status.WAITING_FOR_PARTS,
        Status.REPAIRING,
        Status.AWAITING_APPROVAL,
    }
)
QUOTABLE = frozenset({Status.DIAGNOSING, Status.WAITING_FOR_PARTS, Status.REPAIRING})
# The ledger kind of each line kind a repair books itself (shipping is booked where it is paid).
COST_KINDS: dict[str, str] = {
    RepairLine.Kind.PART: CostEntry.Kind.PARTS,
    RepairLine.Kind.LABOUR: CostEntry.Kind.LABOUR,
}
QUARTER = Decimal("0.25")
CENT = Decimal("0.01")


# --- helpers ---------------------------------------------------------------------------------------


def _language(case: Case) -> str:
    return case.language or settings.LANGUAGE_CODE


def _locked(repair: RepairOrder, version: int | None) -> RepairOrder:
    """The repair under a row lock, refused when the caller saw an older version of it."""
    locked = lock(repair)
    if version is not None and int(version) != locked.version:
        raise Conflict(
            _("Someone else changed %(reference)s; reload it and try again.")
            % {"reference": locked.reference},
            code=AftersalesError.STALE,
        )
    return locked


def _save(repair: RepairOrder, fields: list[str]) -> None:
    # The row is locked, so counting up on the fetched value cannot lose a concurrent change.
    repair.version += 1
    repair.save(update_fields=[*fields, "version", "updated_at"])


def _audit(
    actor: User | None, action: str, repair: RepairOrder, before: dict[str, Any], **extra: Any
) -> None:
    old, new = changed(before, snapshot(repair, REPAIR_FIELDS))
    audit_record(actor=actor, action=action, obj=repair, before=old, after={**new, **extra})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _customer_step(repair: RepairOrder, kind: str, actor: User | None, at: dt.datetime, **data: Any) -> None:
    # The customer answers by their link without signing in, so `actor` may be None; the timeline
    # must still say the customer did it, not the system.
    step(repair, kind, actor, at, actor_kind=AuthorKind.CUSTOMER, **data)


def _stock_of(line: RepairLine, repair: RepairOrder) -> StockLevel:
    return StockLevel.objects.get(part__repair_lines=line, location_id=repair.location_id)


def _release(repair: RepairOrder, actor: User | None, *, note: str) -> None:
    """Give back every part reserved for `repair` and not used yet."""
    for line in repair.lines.filter(kind=RepairLine.Kind.PART, reserved=True, consumed=False):
        _release_line(line, repair, actor, note=note)


def _release_line(line: RepairLine, repair: RepairOrder, actor: User | None, *, note: str) -> None:
    quantity = int(line.quantity)
    stock = _stock_of(line, repair)
    StockLevel.objects.filter(pk=stock.pk).update(
        reserved=F("reserved") - quantity, updated_at=timezone.now()
    )
    StockMovement.objects.create(
        stock=stock,
        kind=StockMovement.Kind.RELEASED,
        quantity=quantity,
        repair_line=line,
        actor=actor,
        note=note,
    )
    line.reserved = False
    line.save(update_fields=["reserved"])


def _consume(repair: RepairOrder, actor: User | None) -> None:
    """Take every reserved part of `repair` off the shelf: it went into the unit."""
    for line in repair.lines.filter(kind=RepairLine.Kind.PART, reserved=True, consumed=False):
        quantity = int(line.quantity)
        stock = _stock_of(line, repair)
        StockLevel.objects.filter(pk=stock.pk).update(
            on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity, updated_at=timezone.now()
        )
        StockMovement.objects.create(
            stock=stock,
            kind=StockMovement.Kind.CONSUMED,
            quantity=quantity,
            repair_line=line,
            actor=actor,
            note=repair.reference,
        )
        line.reserved = False
        line.consumed = True
        line.save(update_fields=["reserved", "consumed"])


def _record_costs(repair: RepairOrder, actor: User | None) -> None:
    """Write what the repair cost the company: parts used and labour, split by what the warranty bore."""
    totals: dict[tuple[str, bool], Decimal] = {}
    for line in repair.lines.all():
        if line.kind == RepairLine.Kind.PART and not line.consumed:
            continue
        kind = COST_KINDS.get(line.kind)
        if kind is None:
            continue
        key = (kind, line.covered)
        totals[key] = totals.get(key, Decimal(0)) + line.cost_amount
    for (kind, covered), amount in sorted(totals.items()):
        cost_record(
            actor=actor,
            case=repair.case,
            kind=kind,
            amount=amount.quantize(CENT),
            currency=repair.currency,
            source=f"repair:{repair.pk}:{kind}:{'covered' if covered else 'charged'}",
            product=repair.unit.product,
            under_warranty=covered,
            description=repair.reference,
        )


def _require_quote_accepted(repair: RepairOrder) -> None:
    total = repair_customer_total(repair)
    if total == 0:
        return
    if repair.quote_status == QuoteStatus.ACCEPTED and repair.quote_total >= total:
        return
    raise Conflict(
        _("%(reference)s costs the customer %(total)s: they must accept a quote for it first.")
        % {"reference": repair.reference, "total": format_money(total, repair.currency)},
        code=AftersalesError.QUOTE_NEEDED,
    )


def _require_lines_open(repair: RepairOrder) -> None:
    if repair.status not in LINES_OPEN:
        raise refuse_transition(repair, _("changed"))


def _notice_context(repair: RepairOrder) -> dict[str, Any]:
    language = _language(repair.case)
    return {
        "repair": repair,
        "reference": repair.reference,
        "serial": repair.unit.serial_number,
        "product_name": repair.unit.product.display_name(language),
        "location_name": repair.location.display_name(language),
        "location_address": repair.location.address,
        "location_phone": repair.location.phone,
        "received_on": format_date(repair.received_at, language=language, with_time=False),
        "covered": repair.covers_parts or repair.covers_labour,
    }


def _billable_lines(repair: RepairOrder) -> list[dict[str, str]]:
    language = _language(repair.case)
    rows = []
    for line in repair.lines.select_related("part").filter(covered=False):
        if line.kind == RepairLine.Kind.PART and line.part is not None:
            name = line.part.display_name(language)
            quantity = str(int(line.quantity))
        else:
            name = line.description or str(line.get_kind_display())
            quantity = str(line.quantity.normalize())
        rows.append(
            {
                "name": name,
                "quantity": quantity,
                "amount": format_money(line.unit_price * line.quantity, repair.currency, language),
            }
        )
    return rows


def _whole_quantity(value: object) -> int:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal(0)
    if (
        isinstance(value, bool)
        or not number.is_finite()
        or number != number.to_integral_value()
        or number < 1
    ):
        raise ValidationFailed(
            _("Check the quantity."),
            fields={"quantity": [_("Enter a whole number of at least 1.")]},
            code=AftersalesError.QUANTITY,
        )
    return int(number)


def _hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal(0)
    if isinstance(value, bool) or not hours.is_finite() or hours <= 0 or hours > 1000 or hours % QUARTER:
        raise ValidationFailed(
            _("Check the hours."),
            fields={"hours": [_("Enter the hours in quarter-hour steps, above zero.")]},
            code=AftersalesError.QUANTITY,
        )
    return hours.quantize(CENT)


# --- reads -------------------------------------------------------------------------------------------


def repair_customer_total(repair: RepairOrder) -> Decimal:
    """What the customer pays for the repair as it stands: every line the warranty does not cover."""
    rows = RepairLine.objects.filter(repair_id=repair.pk, covered=False).values_list("unit_price", "quantity")
    return sum((price * quantity for price, quantity in rows), Decimal(0)).quantize(CENT)


def repair_by_quote_token(token: str) -> RepairOrder:
    """The repair a customer's quote link points to, while the link may still be answered."""
    repair = (
        RepairOrder.objects.select_related("case", "unit__product", "location")
        .filter(quote_token_hash=_token_hash(token))
        .first()
        if token
        else None
    )
    if repair is None:
        raise NotFound(_("No such quote."))
    _require_link_valid(repair)
    return repair


def _require_link_valid(repair: RepairOrder) -> None:
    expired = (
        repair.quote_sent_at is None
        or repair.quote_sent_at + dt.timedelta(days=settings.VAFA_QUOTE_LINK_DAYS) < timezone.now()
    )
    if expired or repair.quote_status != QuoteStatus.SENT or repair.status != Status.AWAITING_APPROVAL:
        raise Conflict(
            _("This quote has already been answered or has expired; ask us for a new one."),
            code=AftersalesError.LINK_INVALID,
        )


# --- writes ------------------------------------------------------------------------------------------


@transaction.atomic
def repair_open(
    *,
    actor: User | None,
    case: Case,
    location: ServiceLocation,
    unit: Unit | None = None,
    technician: User | None = None,
    fault: str = "",
    claim: WarrantyClaim | None = None,
    return_request: ReturnRequest | None = None,
) -> RepairOrder:
    """Receive the case's unit for repair at a location, noting what its warranty covers."""
    require_case_agent(actor, case)
    require_case_open(case)
    unit = unit or case.unit
    if unit is None:
        raise ValidationFailed(
            _("Choose the unit to repair."),
            fields={"unit": [_("This case names no unit.")]},
            code=AftersalesError.NO_UNIT,
        )
    errors: dict[str, list[Any]] = {}
    if unit.owner_id != case.customer_id:
        errors["unit"] = [_("This unit does not belong to the case's customer.")]
    if not location.is_active:
        errors["location"] = [_("This service location is closed.")]
    if technician is not None and not (technician.is_active and technician.is_company_staff):
        errors["technician"] = [_("Choose a member of staff.")]
    if claim is not None and (claim.case_id != case.pk or claim.unit_id != unit.pk):
        errors["claim"] = [_("This claim is about another case or unit.")]
    if return_request is not None and return_request.case_id != case.pk:
        errors["return_request"] = [_("This return belongs to another case.")]
    if errors:
        raise ValidationFailed(_("Check the repair."), fields=errors)
    if claim is not None:
        claim = lock(claim)
        if claim.status != WarrantyClaim.Status.APPROVED:
            raise refuse_transition(claim, _("repaired under"))
        # What was approved decides the cover, not what the dates say today.
        covers_parts = bool(claim.entitlement_data.get("covers_parts"))
        covers_labour = bool(claim.entitlement_data.get("covers_labour"))
    else:
        entitlement = unit_entitlement(unit)
        covers_parts, covers_labour = entitlement.covers_parts, entitlement.covers_labour
    now = timezone.now()
    repair = RepairOrder.objects.create(
        number=next_number(RepairOrder),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        unit=unit,
        claim=claim,
        return_request=return_request,
        location=location,
        technician=technician,
        status=Status.RECEIVED,
        fault=(fault or "").strip(),
        covers_parts=covers_parts,
        covers_labour=covers_labour,
        labour_rate=location.labour_rate,
        currency=location.currency,
        received_at=now,
    )
    step(
        repair,
        EventKind.REPAIR_OPENED,
        actor,
        now,
        unit=unit.pk,
        location=location.pk,
        covers_parts=covers_parts,
        covers_labour=covers_labour,
    )
    audit_record(
        actor=actor,
        action="repair.open",
        obj=repair,
        after={
            **snapshot(repair, REPAIR_FIELDS),
            "unit": unit.pk,
            "location": location.pk,
            "covers_parts": covers_parts,
            "covers_labour": covers_labour,
            "claim": claim.pk if claim else None,
        },
    )
    notice_send(case, "repair_opened", _notice_context(repair))
    return repair


@transaction.atomic
def repair_assign(
    *, actor: User | None, repair: RepairOrder, technician: User | None, version: int | None = None
) -> RepairOrder:
    """Give the repair to a technician (or to nobody)."""
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    if locked.status in (Status.RETURNED, Status.CANCELLED):
        raise refuse_transition(locked, _("assigned"))
    if technician is not None and not (technician.is_active and technician.is_company_staff):
        raise ValidationFailed(
            _("Check the technician."), fields={"technician": [_("Choose a member of staff.")]}
        )
    before = snapshot(locked, REPAIR_FIELDS)
    locked.technician = technician
    _save(locked, ["technician"])
    _audit(actor, "repair.assign", locked, before)
    return locked


@transaction.atomic
def repair_diagnose(
    *, actor: User | None, repair: RepairOrder, diagnosis: str, version: int | None = None
) -> RepairOrder:
    """Write down what is wrong with the unit."""
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    _require_lines_open(locked)
    before = snapshot(locked, REPAIR_FIELDS)
    locked.diagnosis = (diagnosis or "").strip()
    _save(locked, ["diagnosis"])
    _audit(actor, "repair.diagnose", locked, before)
    return locked


@transaction.atomic
def repair_add_part(
    *, actor: User | None, repair: RepairOrder, part: Part, quantity: object = 1, version: int | None = None
) -> RepairLine:
    """Reserve a spare part from the repair's location and put it on the repair."""
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    _require_lines_open(locked)
    count = _whole_quantity(quantity)
    if not part.is_active:
        raise ValidationFailed(_("Check the part."), fields={"part": [_("This part is no longer used.")]})
    fits = set(part.products.values_list("pk", flat=True))
    if fits and locked.unit.product_id not in fits:
        raise ValidationFailed(
            _("Check the part."), fields={"part": [_("This part does not fit this product.")]}
        )
    if part.currency != locked.currency:
        raise Conflict(
            _("This part is priced in %(part)s but the repair is in %(repair)s.")
            % {"part": part.currency, "repair": locked.currency},
            code=AftersalesError.CURRENCY,
        )
    # One conditional UPDATE: of two technicians reserving the last piece, the second updates nothing.
    taken = StockLevel.objects.filter(
        part=part, location_id=locked.location_id, on_hand__gte=F("reserved") + count
    ).update(reserved=F("reserved") + count, updated_at=timezone.now())
    if not taken:
        stock = StockLevel.objects.filter(part=part, location_id=locked.location_id).first()
        raise Conflict(
            _("Only %(available)s of %(part)s are available at %(location)s.")
            % {
                "available": stock.available if stock else 0,
                "part": part.name,
                "location": locked.location.name,
            },
            code=AftersalesError.OUT_OF_STOCK,
        )
    line = RepairLine.objects.create(
        repair=locked,
        kind=RepairLine.Kind.PART,
        part=part,
        description=part.name,
        quantity=count,
        unit_cost=part.unit_cost,
        unit_price=part.unit_price,
        covered=locked.covers_parts,
        reserved=True,
        created_by=actor if actor is not None and actor.pk else None,
    )
    StockMovement.objects.create(
        stock=StockLevel.objects.get(part=part, location_id=locked.location_id),
        kind=StockMovement.Kind.RESERVED,
        quantity=count,
        repair_line=line,
        actor=actor if actor is not None and actor.pk else None,
        note=locked.reference,
    )
    before = snapshot(locked, REPAIR_FIELDS)
    _save(locked, [])
    _audit(actor, "repair.add_part", locked, before, line=line.pk, part=part.pk, quantity=count)
    return line


@transaction.atomic
def repair_add_labour(
    *,
    actor: User | None,
    repair: RepairOrder,
    hours: object,
    description: str = "",
    version: int | None = None,
) -> RepairLine:
    """Put hours of work on the repair at the location's labour rate."""
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    _require_lines_open(locked)
    amount = _hours(hours)
    line = RepairLine.objects.create(
        repair=locked,
        kind=RepairLine.Kind.LABOUR,
        description=(description or "").strip()[:250],
        quantity=amount,
        unit_cost=locked.location.labour_cost,
        unit_price=locked.labour_rate,
        covered=locked.covers_labour,
        created_by=actor if actor is not None and actor.pk else None,
    )
    before = snapshot(locked, REPAIR_FIELDS)
    _save(locked, [])
    _audit(actor, "repair.add_labour", locked, before, line=line.pk, hours=amount)
    return line


@transaction.atomic
def repair_remove_line(*, actor: User | None, line: RepairLine, version: int | None = None) -> RepairOrder:
    """Take a line off the repair, giving its reserved part back to the shelf."""
    repair = line.repair
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    _require_lines_open(locked)
    line = RepairLine.objects.select_for_update().get(pk=line.pk)
    if line.reserved and not line.consumed:
        _release_line(line, locked, actor if actor is not None and actor.pk else None, note=locked.reference)
    removed = {"line": line.pk, "kind": line.kind, "part": line.part_id, "quantity": line.quantity}
    line.delete()
    before = snapshot(locked, REPAIR_FIELDS)
    _save(locked, [])
    _audit(actor, "repair.remove_line", locked, before, removed=removed)
    return locked


def _move(locked: RepairOrder, to: str, actor: User | None, now: dt.datetime) -> list[str]:
    """Do what entering status `to` means; return the fields it changed."""
    fields = ["status"]
    who = actor if actor is not None and actor.pk else None
    locked.status = to
    if to == Status.READY:
        if locked.quote_status != QuoteStatus.DECLINED:
            _consume(locked, who)
            _record_costs(locked, actor)
        else:
            _release(locked, who, note=locked.reference)
        locked.ready_at = now
        fields.append("ready_at")
    elif to == Status.CANCELLED:
        _release(locked, who, note=locked.reference)
    elif to == Status.RETURNED:
        locked.returned_at = now
        fields.append("returned_at")
    return fields


def _after_move(locked: RepairOrder, to: str, actor: User | None) -> None:
    if to == Status.RETURNED and locked.claim_id is not None:
        claim = WarrantyClaim.objects.get(pk=locked.claim_id)
        if claim.status == WarrantyClaim.Status.APPROVED:
            # Imported here: the claims service imports nothing of repairs, but is written alongside.
            from vafa.aftersales.services.claims import claim_fulfil

            claim_fulfil(actor=actor, claim=claim)
    if to == Status.READY:
        language = _language(locked.case)
        notice_send(
            locked.case,
            "repair_ready",
            {
                **_notice_context(locked),
                "declined": locked.quote_status == QuoteStatus.DECLINED,
                "total": format_money(repair_customer_total(locked), locked.currency, language)
                if locked.quote_status == QuoteStatus.ACCEPTED
                else "",
            },
        )
    elif to == Status.RETURNED:
        notice_send(
            locked.case,
            "repair_returned",
            {
                **_notice_context(locked),
                "returned_on": format_date(
                    locked.returned_at, language=_language(locked.case), with_time=False
                ),
            },
        )


@transaction.atomic
def repair_set_status(
    *, actor: User | None, repair: RepairOrder, status: str, version: int | None = None
) -> RepairOrder:
    """Move the repair along the workshop's steps; a billable repair waits for the customer's yes."""
    require_case_agent(actor, repair.case)
    locked = _locked(repair, version)
    if status not in TRANSITIONS.get(locked.status, frozenset()):
        label = Status(status).label if status in Status.values else status
        raise refuse_transition(locked, _("moved to %(status)s") % {"status": str(label).lower()})
    if status in NEEDS_QUOTE:
        _require_quote_accepted(locked)
    before = snapshot(locked, REPAIR_FIELDS)
    now = timezone.now()
    old = locked.status
    fields = _move(locked, status, actor, now)
    _save(locked, fields)
    step(locked, EventKind.REPAIR_STATUS, actor, now, **{"from": old, "to": status})
    _audit(actor, "repair.status", locked, before)
    _after_move(locked, status, actor)
    return locked


@transaction.atomic
def repair_quote_send(*, actor: User | None, repair: RepairOrder) -> str:
    """Send the customer the billable lines and total with a link to accept or decline; return the link."""
    require_case_agent(actor, repair.case)
    require_case_open(repair.case)
    locked = _locked(repair, None)
    if locked.status not in QUOTABLE:
        raise refuse_transition(locked, _("quoted"))
    total = repair_customer_total(locked)
    if total <= 0:
        raise Conflict(
            _("%(reference)s costs the customer nothing; there is nothing to quote.")
            % {"reference": locked.reference},
            code=ErrorCode.CONFLICT,
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    before = snapshot(locked, REPAIR_FIELDS)
    old = locked.status
    locked.quote_token_hash = _token_hash(token)
    locked.quote_total = total
    locked.quote_sent_at = now
    locked.quote_decided_at = None
    locked.quote_status = QuoteStatus.SENT
    locked.status = Status.AWAITING_APPROVAL
    _save(
        locked,
        ["quote_token_hash", "quote_total", "quote_sent_at", "quote_decided_at", "quote_status", "status"],
    )
    step(locked, EventKind.REPAIR_QUOTED, actor, now, total=str(total), **{"from": old, "to": locked.status})
    _audit(actor, "repair.quote_send", locked, before)
    url = settings.VAFA_BASE_URL.rstrip("/") + f"/portal/quotes/{token}/"
    language = _language(locked.case)
    notice_send(
        locked.case,
        "repair_quote",
        {
            **_notice_context(locked),
            "lines": _billable_lines(locked),
            "total": format_money(total, locked.currency, language),
            "url": url,
            "valid_until": format_date(
                now + dt.timedelta(days=settings.VAFA_QUOTE_LINK_DAYS), language=language, with_time=False
            ),
        },
    )
    return url


def _answering(repair: RepairOrder, actor: User | None, token: str | None) -> RepairOrder:
    """The repair locked for the customer's answer, once the link or the portal user is verified."""
    if token:
        locked = lock(repair)
        if not locked.quote_token_hash or not hmac.compare_digest(
            locked.quote_token_hash, _token_hash(token)
        ):
            raise NotFound(_("No such quote."))
    elif actor is not None and actor.is_customer and actor.customer_id == repair.customer_id:
        locked = lock(repair)
    else:
        # Only the customer answers a quote: staff cannot accept on their behalf.
        raise NotFound(_("No such quote."))
    require_case_open(locked.case)
    _require_link_valid(locked)
    return locked


@transaction.atomic
def repair_quote_accept(
    *, repair: RepairOrder, actor: User | None = None, token: str | None = None
) -> RepairOrder:
    """Record the customer's yes to the quote and start the repair."""
    locked = _answering(repair, actor, token)
    now = timezone.now()
    before = snapshot(locked, REPAIR_FIELDS)
    old = locked.status
    locked.quote_status = QuoteStatus.ACCEPTED
    locked.quote_decided_at = now
    locked.status = Status.REPAIRING
    _save(locked, ["quote_status", "quote_decided_at", "status"])
    _customer_step(
        locked,
        EventKind.QUOTE_ACCEPTED,
        actor,
        now,
        total=str(locked.quote_total),
        **{"from": old, "to": locked.status},
    )
    _audit(actor, "repair.quote_accept", locked, before, via="link" if token else "portal")
    return locked


@transaction.atomic
def repair_quote_decline(
    *, repair: RepairOrder, actor: User | None = None, token: str | None = None
) -> RepairOrder:
    """Record the customer's no: the unit is made ready to go back unrepaired and its parts released."""
    locked = _answering(repair, actor, token)
    now = timezone.now()
    before = snapshot(locked, REPAIR_FIELDS)
    old = locked.status
    locked.quote_status = QuoteStatus.DECLINED
    locked.quote_decided_at = now
    fields = _move(locked, Status.READY, actor, now)
    _save(locked, ["quote_status", "quote_decided_at", *fields])
    _customer_step(
        locked,
        EventKind.QUOTE_DECLINED,
        actor,
        now,
        total=str(locked.quote_total),
        **{"from": old, "to": locked.status},
    )
    _audit(actor, "repair.quote_decline", locked, before, via="link" if token else "portal")
    _after_move(locked, Status.READY, actor)
    return locked
