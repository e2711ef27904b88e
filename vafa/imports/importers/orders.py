"""The orders file: line rows (several per order) or total rows, upserted by (source, external id)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from vafa.catalog.models import Product
from vafa.core.i18n import choose_one_of
from vafa.core.money import is_currency
from vafa.imports.cells import parse_amount, parse_datetime, parse_int, split_list
from vafa.imports.engine import CHUNK_SIZE, ApplyFailed, Column, Importer, Row
from vafa.imports.importers.common import CustomerRefs, Items, by_external_id, email_cell
from vafa.sales.models import Order, OrderLine, SalesChannel, Unit
from vafa.sales.services import LineInput, order_create, order_update


@dataclass(slots=True)
class OrderRecord:
    external_id: str
    header: dict[str, Any]
    customer_external_id: str | None
    customer_email: str | None
    sku: str | None
    quantity: int
    unit_price: Decimal | None
    serials: list[str]


@dataclass(slots=True)
class _OrderInfo:
    first_line: int
    last_line: int
    header: dict[str, Any]
    itemised: bool
    readable: bool  # False: the header came from a row with unreadable cells


_HEADER_COLUMNS = {
    "number": "order_number",
    "placed_at": "placed_at",
    "sales_channel": "sales_channel",
    "currency": "currency",
    "status": "status",
    "total_amount": "total_amount",
}


class OrderImporter(Importer):
    """Orders, upserted by external id: several line rows with one order id make one order; or one total row."""

    kind = "orders"
    columns = (
        Column("order_external_id", required=True, aliases=("order_id",)),
        Column("order_number"),
        Column("customer_external_id"),
        Column("customer_email"),
        Column("placed_at", required=True),
        Column("sales_channel"),
        Column("currency"),
        Column("status"),
        Column("sku"),
        Column("quantity"),
        Column("unit_price"),
        Column("serial_numbers", aliases=("serials", "serial_number")),
        Column("total_amount", aliases=("total",)),
    )
    one_of = (("customer_external_id", "customer_email"), ("sku", "total_amount"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders: dict[str, _OrderInfo] = {}
        self.serials: dict[tuple[str, str], int] = {}
        self.buffer: dict[str, list[tuple[Row, OrderRecord]]] = {}
        self.ready: list[list[tuple[Row, OrderRecord]]] = []

    def parse(self, row: Row) -> OrderRecord:
        external_id = row.text("order_external_id", required=True, max_length=100)
        header: dict[str, Any] = {"number": row.text("order_number", max_length=64) or external_id}
        header["placed_at"] = row.parse(
            "placed_at", parse_datetime, required=True, jalali=self.options.jalali
        )
        if (channel := row.text("sales_channel")) is not None:
            if channel.lower() in SalesChannel.values:
                header["sales_channel"] = channel.lower()
            else:
                row.error(
                    "sales_channel",
                    choose_one_of(SalesChannel.values),
                )
        if (currency := row.text("currency")) is not None:
            if is_currency(currency.upper()):
                header["currency"] = currency.upper()
            else:
                row.error("currency", _("Use an ISO-4217 currency code such as IRR."))
        if (status := row.text("status")) is not None:
            if status.lower() in Order.Status.values:
                header["status"] = status.lower()
            else:
                row.error("status", choose_one_of(Order.Status.values))
        total = row.parse("total_amount", parse_amount)
        if total is not None:
            header["total_amount"] = total
        customer_external_id = row.text("customer_external_id", max_length=100)
        customer_email = email_cell(row, "customer_email")
        if customer_external_id is None and customer_email is None and not row.raw("customer_email"):
            row.error("customer_external_id", _("Give the customer's external id or e-mail address."))
        sku = row.text("sku", max_length=64)
        quantity = 1
        unit_price: Decimal | None = None
        serials: list[str] = []
        if sku is None:
            if total is None and not row.raw("total_amount"):
                row.error("sku", _("Give a SKU (a line row) or the order's total_amount (a total row)."))
            for column in ("quantity", "unit_price", "serial_numbers"):
                if row.raw(column):
                    row.error(column, _("A row without a SKU is an order total; leave this column empty."))
        else:
            quantity = row.parse("quantity", parse_int, minimum=1) or 1
            unit_price = row.parse("unit_price", parse_amount, required=True)
            serials = split_list(row.raw("serial_numbers"))
            if len(serials) > quantity:
                row.error("serial_numbers", _("More serial numbers than items on the line."))
            if len(set(serials)) != len(serials):
                row.error("serial_numbers", _("A serial number appears twice."))
            if any(len(serial) > 100 for serial in serials):
                row.error("serial_numbers", _("A serial number has at most 100 characters."))
        return OrderRecord(
            external_id or "",
            header,
            customer_external_id,
            customer_email,
            sku,
            quantity,
            unit_price,
            serials,
        )

    def check(self, items: Items) -> None:
        refs = CustomerRefs(
            self.source,
            (r.customer_external_id for _row, r in items if r.customer_external_id),
            (r.customer_email for _row, r in items if r.customer_email),
        )
        skus = {record.sku for _row, record in items if record.sku}
        known_skus = set(Product.objects.filter(sku__in=skus).values_list("sku", flat=True))
        for row, record in items:
            readable = not row.errors
            customer = refs.resolve(row, record.customer_external_id, record.customer_email, "customer")
            header = {**record.header, "customer": customer.pk if customer else None}
            if record.sku is not None and record.sku not in known_skus:
                row.error("sku", _("No product has this SKU."))
            for serial in record.serials:
                first = self.serials.get((record.sku or "", serial))
                if first is not None:
                    row.error(
                        "serial_numbers",
                        _("This serial number is also on row %(row)s.") % {"row": first},
                        value=serial,
                    )
                self.serials.setdefault((record.sku or "", serial), row.line)
            if not record.external_id:
                continue
            info = self.orders.get(record.external_id)
            if info is None:
                self.orders[record.external_id] = _OrderInfo(
                    row.line, row.line, header, record.sku is not None, readable
                )
                continue
            if not info.itemised or record.sku is None:
                row.error(
                    "order_external_id",
                    _("The same order is on row %(row)s; an order has either line rows or one total row.")
                    % {"row": info.first_line},
                )
                continue
            if readable and not info.readable:
                info.header, info.readable = header, True
            for name in sorted(set(header) | set(info.header)) if readable else ():
                if header.get(name) != info.header.get(name):
                    column = _HEADER_COLUMNS.get(name, "customer_external_id")
                    row.error(
                        column, _("Differs from row %(row)s of the same order.") % {"row": info.first_line}
                    )
            info.last_line = row.line

    def apply(self, items: Items) -> None:
        for row, record in items:
            lines = self.buffer.setdefault(record.external_id, [])
            lines.append((row, record))
            if row.line == self.orders[record.external_id].last_line:
                self.ready.append(self.buffer.pop(record.external_id))
        if len(self.ready) >= CHUNK_SIZE:
            self._apply_orders(self.ready)
            self.ready = []

    def finish(self) -> None:
        self._apply_orders(self.ready)
        self.ready = []

    def _apply_orders(self, groups: list[list[tuple[Row, OrderRecord]]]) -> None:
        if not groups:
            return
        records = [record for group in groups for _row, record in group]
        refs = CustomerRefs(
            self.source,
            (r.customer_external_id for r in records if r.customer_external_id),
            (r.customer_email for r in records if r.customer_email),
        )
        products = {
            p.sku: p
            for p in Product.objects.filter(sku__in={r.sku for r in records if r.sku}).select_related(
                "warranty_policy"
            )
        }
        existing = {
            order.external_id: order
            for order in by_external_id(
                Order, self.source, (group[0][1].external_id for group in groups)
            ).prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        }
        serials = {r.sku: set(r.serials) for r in records if r.serials}
        units = {
            (unit.product_id, unit.serial_number): unit
            for unit in Unit.objects.filter(
                serial_number__in={s for values in serials.values() for s in values},
                product__sku__in=set(serials),
            ).select_related("order_line")
        }
        for group in groups:
            self._apply_order(group, refs, products, existing.get(group[0][1].external_id), units)

    def _apply_order(
        self,
        group: list[tuple[Row, OrderRecord]],
        refs: CustomerRefs,
        products: dict[str, Product],
        order: Order | None,
        units: dict[tuple[int, str], Unit],
    ) -> None:
        row, first = group[0]
        customer = refs.resolve(row, first.customer_external_id, first.customer_email, "customer")
        if customer is None:  # deleted since the file was checked
            raise ApplyFailed(row.errors)
        header = dict(first.header)
        lines = [
            LineInput(
                product=products[r.sku],
                quantity=r.quantity,
                unit_price=r.unit_price or Decimal("0"),
                serial_numbers=r.serials,
            )
            for _row, r in group
            if r.sku is not None
        ]
        if lines and "total_amount" not in header:
            header["total_amount"] = sum(
                (line.quantity * Decimal(line.unit_price) for line in lines), Decimal("0.00")
            )
        order_line_ids = {line.pk for line in order.lines.all()} if order else set()
        for line in lines:
            for serial in line.serial_numbers:
                unit = units.get((line.product.pk, serial))
                if unit is None:
                    self.count("units", "created")
                elif unit.owner_id != customer.pk or unit.order_line_id not in order_line_ids:
                    self.count("units", "updated")
        if order is None:
            self.count("orders", "created")
            if not self.dry_run:
                with self.guard(row):
                    order_create(
                        actor=None,
                        customer=customer,
                        lines=lines,
                        external_source=self.source,
                        external_id=first.external_id,
                        **header,
                    )
            return
        changes = {name: value for name, value in header.items() if getattr(order, name) != value}
        if order.customer_id != customer.pk:
            changes["customer"] = customer
        same_lines = Counter(
            (line.product_id, line.quantity, line.unit_price) for line in order.lines.all()
        ) == Counter((line.product.pk, line.quantity, Decimal(line.unit_price)) for line in lines)
        same_units = all(
            (unit := units.get((line.product.pk, serial))) is not None
            and unit.owner_id == customer.pk
            and unit.order_line_id in order_line_ids
            for line in lines
            for serial in line.serial_numbers
        )
        if not changes and (not lines or (same_lines and same_units)):
            self.count("orders", "unchanged")
            return
        self.count("orders", "updated")
        if not self.dry_run:
            with self.guard(row):
                if "customer" in changes or "placed_at" in changes:
                    # Units of the order take the owner and purchase day the order has when they are written.
                    order_update(actor=None, order=order, **changes)
                    changes = {}
                order_update(actor=None, order=order, lines=lines or None, **changes)
