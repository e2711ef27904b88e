"""Writes for orders, order lines and units (serial-numbered items with warranties)."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Multiset
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager
from vafa.catalog.models import Product
from vafa.core.dates import add_months
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.core.money import default_currency, is_currency, to_amount
from vafa.customers.models import Customer
from vafa.sales.models import Order, OrderLine, SalesChannel, Unit
from vafa.sales.search import unit_search_index

ORDER_FIELDS = (
    "number",
    "customer",
    "placed_at",
    "sales_channel",
    "status",
    "currency",
    "total_amount",
    "external_source",
    "external_id",
)
UNIT_FIELDS = (
    "product",
    "serial_number",
    "owner",
    "order_line",
    "purchased_on",
    "delivered_on",
    "warranty_start",
    "warranty_end",
    "extended_warranty_end",
)


@dataclass
class LineInput:
    """A line of an order as an integration sends it; serial numbers become units."""

    product: Product
    quantity: int
    unit_price: Decimal | str | int
    serial_numbers: Sequence[str] = field(default_factory=list)


def _check_lines(lines: Sequence[LineInput]) -> list[dict[str, Any]]:
    errors: dict[str, list[Any]] = {}
    clean: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        if not isinstance(line.quantity, int) or line.quantity < 1:
            errors[f"{prefix}.quantity"] = [_("Enter a whole number of at least 1.")]
            continue
        try:
            price = to_amount(line.unit_price)
        except ValidationError as exc:
            errors[f"{prefix}.unit_price"] = exc.messages
            continue
        if price < 0:
            errors[f"{prefix}.unit_price"] = [_("The price cannot be negative.")]
            continue
        serials = [s.strip() for s in line.serial_numbers if s and s.strip()]
        if len(serials) > line.quantity:
            errors[f"{prefix}.serial_numbers"] = [_("More serial numbers than items on the line.")]
            continue
        if len(set(serials)) != len(serials):
            errors[f"{prefix}.serial_numbers"] = [_("A serial number appears twice.")]
            continue
        clean.append(
            {"product": line.product, "quantity": line.quantity, "unit_price": price, "serials": serials}
        )
    if errors:
        raise ValidationFailed(_("Some order lines are not valid."), fields=errors)
    return clean


def _check_order_fields(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    clean = dict(values)
    if "number" in clean:
        clean["number"] = str(clean["number"] or "").strip()
        if not clean["number"]:
            errors["number"] = [_("Enter the order number.")]
    if "currency" in clean:
        clean["currency"] = str(clean["currency"]).upper()
        if not is_currency(clean["currency"]):
            errors["currency"] = [_("Use an ISO-4217 currency code.")]
    if "sales_channel" in clean and clean["sales_channel"] not in SalesChannel.values:
        errors["sales_channel"] = [choose_one_of(SalesChannel.values)]
    if "status" in clean and clean["status"] not in Order.Status.values:
        errors["status"] = [choose_one_of(Order.Status.values)]
    if clean.get("total_amount") is not None:
        try:
            clean["total_amount"] = to_amount(clean["total_amount"])
            if clean["total_amount"] < 0:
                errors["total_amount"] = [_("The total cannot be negative.")]
        except ValidationError as exc:
            errors["total_amount"] = exc.messages
    if "placed_at" in clean and (
        not isinstance(clean["placed_at"], dt.datetime) or clean["placed_at"].tzinfo is None
    ):
        errors["placed_at"] = [_("Give the time the order was placed, with its time zone.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return clean


def _create_lines(*, actor: User | None, order: Order, lines: list[dict[str, Any]]) -> None:
    for line in lines:
        row = OrderLine.objects.create(
            order=order, product=line["product"], quantity=line["quantity"], unit_price=line["unit_price"]
        )
        for serial in line["serials"]:
            unit_upsert(
                actor=actor,
                product=line["product"],
                serial_number=serial,
                owner=order.customer,
                order_line=row,
                purchased_on=order.placed_at.date(),
            )


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    customer: Customer,
    number: str,
    placed_at: dt.datetime,
    lines: Sequence[LineInput] = (),
    total_amount: Decimal | str | int | None = None,
    currency: str | None = None,
    sales_channel: str = SalesChannel.WEB,
    status: str = Order.Status.PLACED,
    external_source: str = "",
    external_id: str = "",
) -> Order:
    """Record a purchase: itemised lines (serials become units) or only its total."""
    require_manager(actor)
    values = _check_order_fields(
        {
            "number": number,
            "customer": customer,
            "placed_at": placed_at,
            "sales_channel": sales_channel,
            "status": status,
            "currency": currency or default_currency(),
            "total_amount": total_amount,
            "external_source": external_source,
            "external_id": external_id,
        }
    )
    clean_lines = _check_lines(lines)
    if not clean_lines and values["total_amount"] is None:
        raise ValidationFailed(
            _("Give the order's lines or its total."), fields={"lines": [_("Required without a total.")]}
        )
    if values["total_amount"] is None:
        values["total_amount"] = sum(
            (line["unit_price"] * line["quantity"] for line in clean_lines), Decimal("0.00")
        )
    # The exclude repeats the unique index's condition: SQLite uses a partial index only then.
    if (
        external_id
        and Order.objects.filter(external_source=external_source, external_id=external_id)
        .exclude(external_id="")
        .exists()
    ):
        raise Conflict(_("An order with this external id already exists."), code="duplicate_external_id")
    order = Order.objects.create(**values)
    _create_lines(actor=actor, order=order, lines=clean_lines)
    audit_record(
        actor=actor,
        action="order.create",
        obj=order,
        after={**snapshot(order, ORDER_FIELDS), "lines": len(clean_lines)},
    )
    return order


def _line_signature(lines: list[dict[str, Any]]) -> Multiset[tuple[int, int, Decimal]]:
    return Multiset((line["product"].pk, line["quantity"], line["unit_price"]) for line in lines)


@transaction.atomic
def order_update(
    *,
    actor: User | None,
    order: Order,
    lines: Sequence[LineInput] | None = None,
    **fields: Any,
) -> Order:
    """Change an order's details; lines given replace the order's lines when they differ."""
    require_manager(actor)
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown order fields: {sorted(unknown)}")
    values = _check_order_fields(fields)
    before = snapshot(order, ORDER_FIELDS)
    # The order's own fields first: units made from its lines take the new owner and purchase day.
    header = {k: v for k, v in values.items() if k != "total_amount"}
    for name, value in header.items():
        setattr(order, name, value)
    total = values.get("total_amount")
    replaced = False
    if lines is not None:
        clean_lines = _check_lines(lines)
        current = [
            {"product": line.product, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in order.lines.select_related("product")
        ]
        if _line_signature(clean_lines) != _line_signature(current):
            order.lines.all().delete()
            _create_lines(actor=actor, order=order, lines=clean_lines)
            replaced = True
        else:
            # Same lines: only serials not yet known become units.
            rows = list(order.lines.order_by("id"))
            for line in clean_lines:
                row = next(
                    (
                        r
                        for r in rows
                        if r.product_id == line["product"].pk
                        and r.quantity == line["quantity"]
                        and r.unit_price == line["unit_price"]
                    ),
                    None,
                )
                for serial in line["serials"]:
                    unit_upsert(
                        actor=actor,
                        product=line["product"],
                        serial_number=serial,
                        owner=order.customer,
                        order_line=row,
                        purchased_on=order.placed_at.date(),
                    )
        if total is None and clean_lines:
            total = sum((x["unit_price"] * x["quantity"] for x in clean_lines), Decimal("0.00"))
    if total is not None:
        order.total_amount = total
    dirty = [name for name, value in snapshot(order, ORDER_FIELDS).items() if before.get(name) != value]
    if dirty:
        order.save(update_fields=[*dirty, "updated_at"])
    old, new = changed(before, snapshot(order, ORDER_FIELDS))
    if replaced:
        new["lines_replaced"] = True
    if new:
        audit_record(actor=actor, action="order.update", obj=order, before=old, after=new)
    return order


def order_upsert(
    *, actor: User | None, external_source: str, external_id: str, **fields: Any
) -> tuple[Order, bool]:
    """Create or update the order known by (source, external id); True when created."""
    if not external_id:
        raise ValidationFailed(_("An external id is required."), fields={"external_id": [_("Required.")]})
    existing = (
        Order.objects.filter(external_source=external_source, external_id=external_id)
        .exclude(external_id="")
        .first()
    )
    if existing is None:
        return order_create(
            actor=actor, external_source=external_source, external_id=external_id, **fields
        ), True
    return order_update(actor=actor, order=existing, **fields), False


def _unit_values(product: Product, values: dict[str, Any], current: Unit | None = None) -> dict[str, Any]:
    """Fill the warranty dates the policy implies and check the dates make sense."""
    merged = {name: getattr(current, name) for name in UNIT_FIELDS} if current else {}
    merged.update(values)
    start_given = "warranty_start" in values or (current is not None and current.warranty_start is not None)
    if not start_given:
        merged["warranty_start"] = merged.get("delivered_on") or merged.get("purchased_on")
    end_given = "warranty_end" in values or (current is not None and current.warranty_end is not None)
    if not end_given and merged.get("warranty_start") and product.warranty_policy is not None:
        merged["warranty_end"] = add_months(merged["warranty_start"], product.warranty_policy.months)
    errors: dict[str, list[Any]] = {}
    start, end, extended = (
        merged.get("warranty_start"),
        merged.get("warranty_end"),
        merged.get("extended_warranty_end"),
    )
    if start and end and end < start:
        errors["warranty_end"] = [_("The warranty must end after it starts.")]
    if extended and (not end or extended < end):
        errors["extended_warranty_end"] = [_("An extended warranty must end after the warranty.")]
    purchased, delivered = merged.get("purchased_on"), merged.get("delivered_on")
    if purchased and delivered and delivered < purchased:
        errors["delivered_on"] = [_("A unit cannot be delivered before it was bought.")]
    if not str(merged.get("serial_number") or "").strip():
        errors["serial_number"] = [_("Enter a serial number.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return {k: v for k, v in merged.items() if k in UNIT_FIELDS}


@transaction.atomic
def unit_create(*, actor: User | None, product: Product, serial_number: str, **fields: Any) -> Unit:
    """Record a serial-numbered unit; its warranty follows the product's policy unless dates are given."""
    require_manager(actor)
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown unit fields: {sorted(unknown)}")
    serial_number = serial_number.strip()
    if Unit.objects.filter(product=product, serial_number=serial_number).exists():
        raise Conflict(
            _("A unit with this serial number already exists for this product."), code="duplicate_serial"
        )
    values = _unit_values(product, {"product": product, "serial_number": serial_number, **fields})
    unit = Unit.objects.create(**values)
    unit_search_index(unit)
    audit_record(actor=actor, action="unit.create", obj=unit, after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor: User | None, unit: Unit, **fields: Any) -> Unit:
    """Change a unit's owner or dates (a warranty extension moves `extended_warranty_end`)."""
    require_manager(actor)
    unknown = set(fields) - set(UNIT_FIELDS) - {"product", "serial_number"}
    if unknown:
        raise TypeError(f"Unknown unit fields: {sorted(unknown)}")
    fields.pop("product", None)
    fields.pop("serial_number", None)
    before = snapshot(unit, UNIT_FIELDS)
    values = _unit_values(unit.product, fields, current=unit)
    names = [
        name
        for name in UNIT_FIELDS
        if name not in ("product", "serial_number") and getattr(unit, name) != values.get(name)
    ]
    for name in names:
        setattr(unit, name, values.get(name))
    if names:
        unit.save(update_fields=[*names, "updated_at"])
        unit_search_index(unit)
    old, new = changed(before, snapshot(unit, UNIT_FIELDS))
    if new:
        audit_record(actor=actor, action="unit.update", obj=unit, before=old, after=new)
    return unit


def unit_upsert(*, actor: User | None, product: Product, serial_number: str, **fields: Any) -> Unit:
    """Create the unit with this serial for this product, or update the one there is."""
    existing = (
        Unit.objects.select_related("product__warranty_policy")
        .filter(product=product, serial_number=serial_number.strip())
        .first()
    )
    if existing is None:
        return unit_create(actor=actor, product=product, serial_number=serial_number, **fields)
    return unit_update(actor=actor, unit=existing, **fields)
