"""REST endpoints of after-sales care: a case's claims, returns, refunds, repairs and visits, and the
steps integrations take (open a claim and decide it, ask for a return or a refund, approve a refund,
receive spare parts into stock).

Staff only: a customer's token is refused (403) before anything is looked up. Each endpoint loads
the case or record through the selectors (one the caller may not see is a 404) and hands the change
to one service, which enforces the workflow (409 with the rule's code) and who may do what (403).
Amounts are strings with their currency, so no client rounds them through a float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from vafa.accounts.models import User
from vafa.aftersales import selectors
from vafa.aftersales.entitlement import Entitlement, entitlement_reasons
from vafa.aftersales.models import (
    ClaimReason,
    Part,
    Refund,
    RepairOrder,
    ReturnReason,
    ServiceLocation,
    StockLevel,
    WarrantyClaim,
)
from vafa.aftersales.services.claims import claim_approve, claim_open, claim_reject
from vafa.aftersales.services.refunds import refund_approve, refund_request
from vafa.aftersales.services.returns import return_request
from vafa.aftersales.services.stock import stock_receive
from vafa.api.auth import require_staff, viewer
from vafa.api.errors import ERRORS
from vafa.api.schemas import In, referenced
from vafa.api.types import BodyId, Id, Money, Quantity, Text
from vafa.core.errors import NotFound, VafaError
from vafa.sales.models import OrderLine
from vafa.sales.selectors import order_list, unit_get
from vafa.service.models import Case
from vafa.service.selectors import case_get

router = Router(tags=["after-sales"])

CENT = Decimal("0.01")
Note = Text(2000)
Description = Text(5000)


# The services name the records they were given; the API's bodies name their ids.
FIELD_NAMES = {
    "unit": "unit_id",
    "order_line": "order_line_id",
    "claim": "claim_id",
    "return_request": "return_id",
    "part": "part_id",
    "location": "location_id",
}


@contextmanager
def _body_fields() -> Iterator[None]:
    """Report a service's field errors under the names the request body used."""
    try:
        yield
    except VafaError as exc:
        exc.fields = {FIELD_NAMES.get(name, name): errors for name, errors in exc.fields.items()}
        raise


def _staff(request: HttpRequest) -> User:
    user = viewer(request)
    require_staff(user)
    return user


def _case(request: HttpRequest, case_id: int) -> tuple[User, Case]:
    user = _staff(request)
    return user, case_get(viewer=user, case_id=case_id)


def _money(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(CENT))


# --- what the endpoints answer ---------------------------------------------------------------------


class EntitlementOut(Schema):
    kind: str = Field(..., description="return_window, in_warranty, extended or none.")
    on: dt.date
    covers_parts: bool
    covers_labour: bool
    covers_onsite: bool
    warranty_ends_on: dt.date | None
    extended_ends_on: dt.date | None
    return_until: dt.date | None
    policy: str
    reasons: list[str] = Field(..., description="Why, in sentences in the request's language.")


class RecordOut(Schema):
    id: int
    number: int
    reference: str = Field(..., description="The number as customers quote it, e.g. RO-000042.")
    case_id: int
    status: str
    created_at: dt.datetime


class ClaimOut(RecordOut):
    unit_id: int
    fault: str
    entitlement: str = Field(..., description="The entitlement when the claim was opened.")
    remedy: str
    reason: str = Field(..., description="Why it was rejected.")
    note: str
    decided_at: dt.datetime | None


class ReturnOut(RecordOut):
    order_line_id: int
    unit_id: int | None
    quantity: int
    reason: str
    description: str
    within_window: bool
    window_ends_on: dt.date | None
    location_id: int | None
    condition: str
    outcome: str


class RefundOut(RecordOut):
    order_line_id: int
    claim_id: int | None
    return_id: int | None
    amount: str
    currency: str
    method: str
    payment_reference: str
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_amount(obj: Refund) -> str:
        return _money(obj.amount)

    @staticmethod
    def resolve_return_id(obj: Refund) -> int | None:
        return obj.return_request_id


class ReplacementOut(RecordOut):
    original_unit_id: int
    new_unit_id: int
    warranty_rule: str
    tracking: str
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None


class RepairLineOut(Schema):
    id: int
    kind: str
    part_id: int | None
    description: str
    quantity: str
    unit_cost: str
    unit_price: str
    covered: bool = Field(..., description="Covered by the warranty: the customer pays nothing for it.")
    customer_amount: str

    @staticmethod
    def resolve_quantity(obj: Any) -> str:
        return str(obj.quantity)

    @staticmethod
    def resolve_unit_cost(obj: Any) -> str:
        return _money(obj.unit_cost)

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return _money(obj.unit_price)

    @staticmethod
    def resolve_customer_amount(obj: Any) -> str:
        return _money(obj.customer_amount)


class RepairOut(RecordOut):
    unit_id: int
    location_id: int
    technician_id: int | None
    claim_id: int | None
    quote_status: str
    fault: str
    diagnosis: str
    covers_parts: bool
    covers_labour: bool
    currency: str
    labour_rate: str
    quote_total: str
    customer_total: str = Field(
        ..., description="What the customer pays: the lines the warranty does not cover."
    )
    version: int = Field(..., description="Grows with every change of the repair.")
    received_at: dt.datetime
    ready_at: dt.datetime | None
    returned_at: dt.datetime | None
    lines: list[RepairLineOut]

    @staticmethod
    def resolve_labour_rate(obj: RepairOrder) -> str:
        return _money(obj.labour_rate)

    @staticmethod
    def resolve_quote_total(obj: RepairOrder) -> str:
        return _money(obj.quote_total)

    @staticmethod
    def resolve_customer_total(obj: RepairOrder) -> str:
        return _money(sum((line.customer_amount for line in obj.lines.all()), Decimal(0)))

    @staticmethod
    def resolve_lines(obj: RepairOrder) -> list[Any]:
        return list(obj.lines.all())


class VisitOut(RecordOut):
    kind: str
    unit_id: int | None
    technician_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    address: str
    checklist: list[Any]
    outcome: str
    confirmed_at: dt.datetime | None
    done_at: dt.datetime | None


class GoodwillOut(RecordOut):
    kind: str
    value: str
    cost: str
    currency: str
    reason: str
    code: str
    description: str
    unit_id: int | None
    extension_months: int | None

    @staticmethod
    def resolve_value(obj: Any) -> str:
        return _money(obj.value)

    @staticmethod
    def resolve_cost(obj: Any) -> str:
        return _money(obj.cost)


class CaseAftersalesOut(Schema):
    case_id: int
    case_number: int
    entitlement: EntitlementOut | None = Field(..., description="The cover of the case's unit today.")
    claims: list[ClaimOut]
    returns: list[ReturnOut]
    refunds: list[RefundOut]
    replacements: list[ReplacementOut]
    repairs: list[RepairOut]
    visits: list[VisitOut]
    goodwill: list[GoodwillOut]
    cost_total: str = Field(..., description="What after-sales care of the case cost, in `currency`.")
    currency: str = Field(..., description="The company's currency.")
    costs_by_kind: dict[str, str]


class StockLevelOut(Schema):
    id: int
    part_id: int
    part_sku: str
    location_id: int
    location_code: str
    on_hand: int
    reserved: int
    available: int
    reorder_level: int

    @staticmethod
    def resolve_part_sku(obj: StockLevel) -> str:
        return obj.part.sku

    @staticmethod
    def resolve_location_code(obj: StockLevel) -> str:
        return obj.location.code


def _entitlement(entitlement: Entitlement | None) -> dict[str, Any] | None:
    if entitlement is None:
        return None
    language = (translation.get_language() or "en")[:2]
    return {
        **entitlement.as_data(),
        "on": entitlement.on,
        "warranty_ends_on": entitlement.warranty_ends_on,
        "extended_ends_on": entitlement.extended_ends_on,
        "return_until": entitlement.return_until,
        "reasons": entitlement_reasons(entitlement, language=language),
    }


# --- reads -------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/aftersales", response={200: CaseAftersalesOut, **ERRORS})
def case_aftersales(request: HttpRequest, case_id: Id) -> Any:
    """Everything after-sales on the case: cover, records, costs (staff)."""
    user, case = _case(request, case_id)
    data = selectors.case_aftersales(case=case, viewer=user)
    return {
        "case_id": case.pk,
        "case_number": case.number,
        "entitlement": _entitlement(data.entitlement),
        "claims": data.claims,
        "returns": data.returns,
        "refunds": data.refunds,
        "replacements": data.replacements,
        "repairs": data.repairs,
        "visits": data.visits,
        "goodwill": data.goodwill,
        "cost_total": _money(data.cost_total),
        "currency": data.currency,
        "costs_by_kind": {kind: _money(amount) for kind, amount in data.costs_by_kind.items()},
    }


@router.get("/aftersales/repairs/{repair_id}", response={200: RepairOut, **ERRORS})
def repair_get(request: HttpRequest, repair_id: Id) -> Any:
    """A repair with its lines and what the customer pays (staff)."""
    return selectors.repair_get(viewer=_staff(request), repair_id=repair_id)


# --- warranty claims ---------------------------------------------------------------------------------


class ClaimIn(In):
    unit_id: BodyId | None = Field(None, description="Default: the case's unit.")
    fault: Description = ""  # type: ignore[valid-type]


class ClaimApproveIn(In):
    remedy: WarrantyClaim.Remedy
    note: Note = ""  # type: ignore[valid-type]


class ClaimRejectIn(In):
    reason: ClaimReason
    note: Note = ""  # type: ignore[valid-type]


@router.post("/cases/{case_id}/claims", response={201: ClaimOut, **ERRORS})
def claim_create(request: HttpRequest, case_id: Id, payload: ClaimIn) -> Any:
    """Open a warranty claim on the case's unit (or another unit of the customer), with its entitlement."""
    user, case = _case(request, case_id)
    unit_id = payload.unit_id
    unit = referenced("unit_id", lambda: unit_get(viewer=user, unit_id=unit_id)) if unit_id else None
    with _body_fields():
        claim = claim_open(actor=user, case=case, unit=unit, fault=payload.fault)
    return Status(201, claim)


@router.post("/aftersales/claims/{claim_id}/approve", response={200: ClaimOut, **ERRORS})
def claim_approve_endpoint(request: HttpRequest, claim_id: Id, payload: ClaimApproveIn) -> Any:
    """Approve a claim with its remedy: repair, replacement or refund (staff)."""
    user = _staff(request)
    claim = selectors.claim_get(viewer=user, claim_id=claim_id)
    return claim_approve(actor=user, claim=claim, remedy=payload.remedy, note=payload.note)


@router.post("/aftersales/claims/{claim_id}/reject", response={200: ClaimOut, **ERRORS})
def claim_reject_endpoint(request: HttpRequest, claim_id: Id, payload: ClaimRejectIn) -> Any:
    """Reject a claim with its reason (staff)."""
    user = _staff(request)
    claim = selectors.claim_get(viewer=user, claim_id=claim_id)
    return claim_reject(actor=user, claim=claim, reason=payload.reason, note=payload.note)


# --- returns and refunds -----------------------------------------------------------------------------


def _order_line(user: User, line_id: int) -> OrderLine:
    line = (
        OrderLine.objects.select_related("order", "product")
        .filter(pk=line_id, order__in=order_list(viewer=user))
        .first()
    )
    if line is None:
        raise NotFound(_("No such order line."))
    return line


class ReturnIn(In):
    order_line_id: BodyId
    reason: ReturnReason
    quantity: Quantity = 1
    description: Description = ""  # type: ignore[valid-type]
    unit_id: BodyId | None = Field(None, description="The serial-numbered unit sent back, if any.")


class RefundIn(In):
    order_line_id: BodyId
    amount: Money = Field(..., description="In the order's currency; at most what is left of the line.")
    method: Refund.Method = Refund.Method.ORIGINAL
    payment_reference: Text(100) = ""  # type: ignore[valid-type]
    reason: Description = ""  # type: ignore[valid-type]
    claim_id: BodyId | None = None
    return_id: BodyId | None = None


class RefundApproveIn(In):
    payment_reference: Text(100) = ""  # type: ignore[valid-type]


@router.post("/cases/{case_id}/returns", response={201: ReturnOut, **ERRORS})
def return_create(request: HttpRequest, case_id: Id, payload: ReturnIn) -> Any:
    """Record the customer's wish to send items of an order line back (staff)."""
    user, case = _case(request, case_id)
    line_id, unit_id = payload.order_line_id, payload.unit_id
    line = referenced("order_line_id", lambda: _order_line(user, line_id))
    unit = referenced("unit_id", lambda: unit_get(viewer=user, unit_id=unit_id)) if unit_id else None
    with _body_fields():
        rma = return_request(
            actor=user,
            case=case,
            order_line=line,
            reason=payload.reason,
            quantity=payload.quantity,
            description=payload.description,
            unit=unit,
        )
    return Status(201, rma)


@router.post("/cases/{case_id}/refunds", response={201: RefundOut, **ERRORS})
def refund_create(request: HttpRequest, case_id: Id, payload: RefundIn) -> Any:
    """Refund money on an order line: issued at once within your limit, else it waits for a manager."""
    user, case = _case(request, case_id)
    line_id, claim_id, return_id = payload.order_line_id, payload.claim_id, payload.return_id
    line = referenced("order_line_id", lambda: _order_line(user, line_id))
    claim = (
        referenced("claim_id", lambda: selectors.claim_get(viewer=user, claim_id=claim_id))
        if claim_id
        else None
    )
    rma = (
        referenced("return_id", lambda: selectors.return_get(viewer=user, rma_id=return_id))
        if return_id
        else None
    )
    with _body_fields():
        refund = refund_request(
            actor=user,
            case=case,
            order_line=line,
            amount=payload.amount,
            method=payload.method,
            reference=payload.payment_reference,
            reason=payload.reason,
            claim=claim,
            return_request=rma,
        )
    return Status(201, refund)


@router.post("/aftersales/refunds/{refund_id}/approve", response={200: RefundOut, **ERRORS})
def refund_approve_endpoint(request: HttpRequest, refund_id: Id, payload: RefundApproveIn) -> Any:
    """Approve a refund that waits for a manager; it is issued (managers)."""
    user = _staff(request)
    refund = selectors.refund_get(viewer=user, refund_id=refund_id)
    return refund_approve(actor=user, refund=refund, reference=payload.payment_reference)


# --- spare parts -------------------------------------------------------------------------------------


class StockReceiveIn(In):
    part_id: BodyId
    location_id: BodyId
    quantity: Quantity
    note: Text(250) = ""  # type: ignore[valid-type]


def _part(part_id: int) -> Part:
    part = Part.objects.filter(pk=part_id).first()
    if part is None:
        raise NotFound(_("No such part."))
    return part


def _location(location_id: int) -> ServiceLocation:
    location = ServiceLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise NotFound(_("No such service location."))
    return location


@router.post("/aftersales/stock/receive", response={201: StockLevelOut, **ERRORS})
def stock_receive_endpoint(request: HttpRequest, payload: StockReceiveIn) -> Any:
    """Put delivered spare parts on a location's shelf; answers the stock level after (staff)."""
    user = _staff(request)
    part_id, location_id = payload.part_id, payload.location_id
    part = referenced("part_id", lambda: _part(part_id))
    location = referenced("location_id", lambda: _location(location_id))
    level = stock_receive(
        actor=user, part=part, location=location, quantity=payload.quantity, note=payload.note
    )
    return Status(201, StockLevel.objects.select_related("part", "location").get(pk=level.pk))
