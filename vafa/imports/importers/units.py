"""The units file: serial-numbered items upserted by (SKU, serial number), linked to owners and orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from vafa.catalog.models import Product
from vafa.core.dates import add_months
from vafa.imports.cells import parse_date
from vafa.imports.engine import Column, Importer, Row
from vafa.imports.importers.common import CustomerRefs, Items, by_external_id, email_cell
from vafa.sales.models import Order, OrderLine, Unit
from vafa.sales.services import unit_create, unit_update


@dataclass(slots=True)
class UnitRecord:
    sku: str
    serial_number: str
    owner_external_id: str | None
    owner_email: str | None
    order_external_id: str | None
    dates: dict[str, dt.date] = field(default_factory=dict)


_UNIT_DATES = ("purchased_on", "delivered_on", "warranty_start", "warranty_end", "extended_warranty_end")


def unit_target(
    product: Product, given: dict[str, Any], current: Unit | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The unit's values after an import row, with warranty dates filled from the product's policy.

    Follows the rules of `vafa.sales.services.unit_create`/`unit_update`, so that a row can be
    checked (and found unchanged) before anything is written; returns (values, errors by column).
    """
    merged: dict[str, Any] = (
        {name: getattr(current, name) for name in (*_UNIT_DATES, "owner_id", "order_line_id")}
        if current
        else {}
    )
    merged.update(given)
    if "warranty_start" not in given and (current is None or current.warranty_start is None):
        merged["warranty_start"] = merged.get("delivered_on") or merged.get("purchased_on")
    policy = product.warranty_policy
    if (
        "warranty_end" not in given
        and (current is None or current.warranty_end is None)
        and merged.get("warranty_start")
        and policy is not None
    ):
        merged["warranty_end"] = add_months(merged["warranty_start"], policy.months)
    errors: dict[str, str] = {}
    start, end, extended = (
        merged.get("warranty_start"),
        merged.get("warranty_end"),
        merged.get("extended_warranty_end"),
    )
    if start and end and end < start:
        errors["warranty_end"] = _("The warranty must end after it starts.")
    if extended and (not end or extended < end):
        errors["extended_warranty_end"] = _("An extended warranty must end after the warranty.")
    purchased, delivered = merged.get("purchased_on"), merged.get("delivered_on")
    if purchased and delivered and delivered < purchased:
        errors["delivered_on"] = _("A unit cannot be delivered before it was bought.")
    return merged, errors


class UnitImporter(Importer):
    """Serial-numbered units, upserted by (SKU, serial number); warranty ends follow the product's policy."""

    kind = "units"
    columns = (
        Column("serial_number", required=True, aliases=("serial",)),
        Column("sku", required=True),
        Column("owner_external_id", aliases=("customer_external_id",)),
        Column("owner_email", aliases=("customer_email",)),
        Column("purchased_on"),
        Column("delivered_on"),
        Column("warranty_start"),
        Column("warranty_end"),
        Column("extended_warranty_end"),
        Column("order_external_id", aliases=("order_id",)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[tuple[str, str], int] = {}

    def parse(self, row: Row) -> UnitRecord:
        serial = row.text("serial_number", required=True, max_length=100)
        sku = row.text("sku", required=True, max_length=64)
        dates = {}
        for column in _UNIT_DATES:
            if (day := row.parse(column, parse_date, jalali=self.options.jalali)) is not None:
                dates[column] = day
        return UnitRecord(
            sku or "",
            serial or "",
            row.text("owner_external_id", max_length=100),
            email_cell(row, "owner_email"),
            row.text("order_external_id", max_length=100),
            dates,
        )

    def _load(
        self, items: Items
    ) -> tuple[CustomerRefs, dict[str, Product], dict[str, Order], dict[tuple[int, str], Unit]]:
        records = [record for _row, record in items]
        refs = CustomerRefs(
            self.source,
            (r.owner_external_id for r in records if r.owner_external_id),
            (r.owner_email for r in records if r.owner_email),
        )
        products = {
            p.sku: p
            for p in Product.objects.filter(sku__in={r.sku for r in records}).select_related(
                "warranty_policy"
            )
        }
        orders = {
            o.external_id: o
            for o in by_external_id(
                Order, self.source, (r.order_external_id for r in records if r.order_external_id)
            )
            .select_related("customer")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        }
        units = {
            (u.product_id, u.serial_number): u
            for u in Unit.objects.filter(
                product__sku__in=set(products), serial_number__in={r.serial_number for r in records}
            ).select_related("product__warranty_policy")
        }
        return refs, products, orders, units

    def _values(
        self,
        row: Row,
        record: UnitRecord,
        refs: CustomerRefs,
        product: Product,
        orders: dict[str, Order],
        current: Unit | None,
    ) -> dict[str, Any]:
        """The fields the row gives (owner, order line, dates), with errors noted on the row."""
        given: dict[str, Any] = dict(record.dates)
        owner = None
        if record.owner_external_id or record.owner_email:
            owner = refs.resolve(row, record.owner_external_id, record.owner_email, "owner")
        if record.order_external_id:
            order = orders.get(record.order_external_id)
            line = (
                next((li for li in order.lines.all() if li.product_id == product.pk), None) if order else None
            )
            if order is None:
                row.error("order_external_id", _("No order has this external id."))
            elif line is None:
                row.error("order_external_id", _("The order has no line with this SKU."))
            else:
                given["order_line"] = line
                owner = owner or order.customer
                if current is None and "purchased_on" not in given:
                    given["purchased_on"] = order.placed_at.date()
        if owner is not None:
            given["owner"] = owner
        return given

    def check(self, items: Items) -> None:
        refs, products, orders, units = self._load(items)
        for row, record in items:
            if not record.sku or not record.serial_number:
                continue
            key = (record.sku, record.serial_number)
            first = self.seen.get(key)
            if first is not None:
                row.error(
                    "serial_number", _("The same SKU and serial number are on row %(row)s.") % {"row": first}
                )
                continue
            self.seen[key] = row.line
            product = products.get(record.sku)
            if product is None:
                row.error("sku", _("No product has this SKU."))
                continue
            current = units.get((product.pk, record.serial_number))
            given = self._values(row, record, refs, product, orders, current)
            _merged, errors = unit_target(product, given, current)
            for column, message in errors.items():
                row.error(column, message)

    def apply(self, items: Items) -> None:
        refs, products, orders, units = self._load(items)
        for row, record in items:
            product = products[record.sku]
            current = units.get((product.pk, record.serial_number))
            given = self._values(row, record, refs, product, orders, current)
            if current is None:
                self.count("units", "created")
                if not self.dry_run:
                    with self.guard(row):
                        unit_create(actor=None, product=product, serial_number=record.serial_number, **given)
                continue
            merged, _errors = unit_target(product, _as_ids(given), current)
            if all(
                getattr(current, name) == merged.get(name)
                for name in (*_UNIT_DATES, "owner_id", "order_line_id")
            ):
                self.count("units", "unchanged")
                continue
            self.count("units", "updated")
            if not self.dry_run:
                with self.guard(row):
                    unit_update(actor=None, unit=current, **given)


def _as_ids(given: dict[str, Any]) -> dict[str, Any]:
    values = {name: value for name, value in given.items() if name not in ("owner", "order_line")}
    if "owner" in given:
        values["owner_id"] = given["owner"].pk
    if "order_line" in given:
        values["order_line_id"] = given["order_line"].pk
    return values
