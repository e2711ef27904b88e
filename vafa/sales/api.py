"""REST endpoints for orders (with their lines) and units (with their warranty today)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vafa.api.auth import require_manager, viewer
from vafa.api.errors import ERRORS
from vafa.api.pagination import PageParams, paginate, sort_keys
from vafa.api.schemas import In, Ref, changes, referenced
from vafa.api.types import BodyId, Currency, Date, DateTime, Id, Money, Quantity, Text
from vafa.catalog.models import Product
from vafa.catalog.selectors import product_by_sku, product_get
from vafa.core.errors import ValidationFailed
from vafa.customers.selectors import customer_get
from vafa.sales import selectors, services
from vafa.sales.models import Order, SalesChannel, Unit
from vafa.sales.selectors import unit_warranty_status

router = Router(tags=["sales"])

Sku = Text(64, min_length=1)
Serial = Text(100, min_length=1)
Number = Text(64, min_length=1)
Source = Text(50)
ExternalId = Text(100)
WarrantyFilter = Literal["in_warranty", "extended", "expired", "none"]


class ProductRef(Schema):
    id: int
    sku: str
    name: str


def _product(request: HttpRequest, prefix: str, *, sku: str | None, product_id: int | None) -> Product:
    """The product a line or unit names by SKU or id (both: they must agree); `prefix` locates the fields."""
    if sku is None and product_id is None:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={f"{prefix}sku": [_("Give the product's SKU or id.")]}
        )
    product = None
    if product_id is not None:
        product = referenced(
            f"{prefix}product_id", lambda: product_get(viewer=viewer(request), product_id=product_id)
        )
    if sku is not None:
        by_sku = product_by_sku(sku)
        if by_sku is None:
            raise ValidationFailed(
                _("Some fields are not valid."), fields={f"{prefix}sku": [_("No such product.")]}
            )
        if product is not None and product.pk != by_sku.pk:
            raise ValidationFailed(
                _("Some fields are not valid."),
                fields={f"{prefix}sku": [_("The SKU and the product id differ.")]},
            )
        product = by_sku
    assert product is not None
    return product


def _customer(request: HttpRequest, customer_id: int, field: str = "customer_id") -> Any:
    return referenced(field, lambda: customer_get(viewer=viewer(request), customer_id=customer_id))


# --- orders ---------------------------------------------------------------------------------------


class OrderLineOut(Schema):
    id: int
    product: ProductRef
    quantity: int
    unit_price: str
    line_total: str

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return str(obj.unit_price)

    @staticmethod
    def resolve_line_total(obj: Any) -> str:
        return str(obj.line_total)


class OrderOut(Schema):
    id: int
    number: str
    customer: Ref
    placed_at: dt.datetime
    sales_channel: SalesChannel
    status: Order.Status
    currency: str
    total_amount: str
    lines: list[OrderLineOut]
    external_source: str
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_total_amount(obj: Order) -> str:
        return str(obj.total_amount)

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return list(obj.lines.all())


class OrderPage(Schema):
    items: list[OrderOut]
    next: str | None


class LineIn(In):
    sku: Sku | None = Field(None, description="The product's SKU, or give product_id.")  # type: ignore[valid-type]
    product_id: BodyId | None = None
    quantity: Quantity = 1
    unit_price: Money
    serial_numbers: list[Serial] = Field(default_factory=list, max_length=1000)  # type: ignore[valid-type]


class OrderIn(In):
    customer_id: BodyId
    number: Number  # type: ignore[valid-type]
    placed_at: DateTime
    lines: list[LineIn] = Field(default_factory=list, max_length=500)
    total_amount: Money | None = Field(
        None, description="Required without lines; computed from lines when omitted."
    )
    currency: Currency | None = None  # type: ignore[valid-type]
    sales_channel: SalesChannel = SalesChannel.WEB
    status: Order.Status = Order.Status.PLACED
    external_source: Source = ""  # type: ignore[valid-type]
    external_id: ExternalId = ""  # type: ignore[valid-type]


class OrderPatch(In):
    customer_id: BodyId | None = None
    number: Number | None = None  # type: ignore[valid-type]
    placed_at: DateTime | None = None
    lines: list[LineIn] | None = Field(
        None, max_length=500, description="Replaces the lines when they differ."
    )
    total_amount: Money | None = None
    currency: Currency | None = None  # type: ignore[valid-type]
    sales_channel: SalesChannel | None = None
    status: Order.Status | None = None
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]


ORDER_SORTS = sort_keys({"placed_at": ("placed_at", "datetime"), "created_at": ("created_at", "datetime")})


class OrderFilters(PageParams):
    customer_id: Id | None = None
    number: Number | None = None  # type: ignore[valid-type]
    status: Order.Status | None = None
    placed_after: DateTime | None = None
    placed_before: DateTime | None = None
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]
    sort: Literal["-placed_at", "placed_at", "-created_at", "created_at"] = "-placed_at"


def _filter_orders(queryset: QuerySet[Order], f: OrderFilters) -> QuerySet[Order]:
    if f.customer_id is not None:
        queryset = queryset.filter(customer_id=f.customer_id)
    if f.number is not None:
        queryset = queryset.filter(number=f.number)
    if f.status is not None:
        queryset = queryset.filter(status=f.status)
    if f.placed_after is not None:
        queryset = queryset.filter(placed_at__gte=f.placed_after)
    if f.placed_before is not None:
        queryset = queryset.filter(placed_at__lt=f.placed_before)
    if f.external_source is not None:
        queryset = queryset.filter(external_source=f.external_source)
    if f.external_id is not None:
        queryset = queryset.filter(external_id=f.external_id)
    return queryset


def _lines(request: HttpRequest, lines: list[LineIn]) -> list[services.LineInput]:
    return [
        services.LineInput(
            product=_product(request, f"lines.{index}.", sku=line.sku, product_id=line.product_id),
            quantity=line.quantity,
            unit_price=line.unit_price,
            serial_numbers=list(line.serial_numbers),
        )
        for index, line in enumerate(lines)
    ]


@router.get("/orders", response={200: OrderPage, **ERRORS})
def order_list(request: HttpRequest, filters: Query[OrderFilters]) -> Any:
    """Orders you may see, newest first, with their lines."""
    queryset = _filter_orders(selectors.order_list(viewer=viewer(request)), filters)
    return paginate(queryset, sort=ORDER_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit)


@router.post("/orders", response={201: OrderOut, **ERRORS})
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    """Record a purchase: lines (serial numbers become units) or only a total (admins and managers)."""
    user = viewer(request)
    require_manager(user)
    order = services.order_create(
        actor=user,
        customer=_customer(request, payload.customer_id),
        number=payload.number,
        placed_at=payload.placed_at,
        lines=_lines(request, payload.lines),
        total_amount=payload.total_amount,
        currency=payload.currency,
        sales_channel=payload.sales_channel,
        status=payload.status,
        external_source=payload.external_source,
        external_id=payload.external_id,
    )
    return Status(201, selectors.order_get(viewer=user, order_id=order.pk))


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def order_get(request: HttpRequest, order_id: Id) -> Any:
    return selectors.order_get(viewer=viewer(request), order_id=order_id)


@router.patch("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def order_update(request: HttpRequest, order_id: Id, payload: OrderPatch) -> Any:
    """Change an order; lines sent replace its lines when they differ (admins and managers)."""
    user = viewer(request)
    order = selectors.order_get(viewer=user, order_id=order_id)
    require_manager(user)
    data = {k: v for k, v in changes(payload).items() if v is not None}
    if "customer_id" in data:
        data["customer"] = _customer(request, data.pop("customer_id"))
    lines = _lines(request, payload.lines) if payload.lines is not None else None
    data.pop("lines", None)
    if "total_amount" in data:
        data["total_amount"] = payload.total_amount
    services.order_update(actor=user, order=order, lines=lines, **data)
    return selectors.order_get(viewer=user, order_id=order_id)


# --- units ----------------------------------------------------------------------------------------


class WarrantyOut(Schema):
    status: WarrantyFilter
    ends_on: dt.date | None
    days_left: int


class UnitOut(Schema):
    id: int
    product: ProductRef
    serial_number: str
    owner: Ref | None
    order_line_id: int | None
    purchased_on: dt.date | None
    delivered_on: dt.date | None
    warranty_start: dt.date | None
    warranty_end: dt.date | None
    extended_warranty_end: dt.date | None
    warranty: WarrantyOut = Field(..., description="The unit's warranty today.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_warranty(obj: Unit) -> dict[str, Any]:
        info = unit_warranty_status(obj)
        return {"status": info.status, "ends_on": info.ends_on, "days_left": info.days_left}


class UnitPage(Schema):
    items: list[UnitOut]
    next: str | None


class UnitIn(In):
    sku: Sku | None = Field(None, description="The product's SKU, or give product_id.")  # type: ignore[valid-type]
    product_id: BodyId | None = None
    serial_number: Serial  # type: ignore[valid-type]
    customer_id: BodyId | None = Field(None, description="The owner.")
    purchased_on: Date | None = None
    delivered_on: Date | None = None
    warranty_start: Date | None = Field(None, description="Default: delivery or purchase day.")
    warranty_end: Date | None = Field(None, description="Default: from the product's warranty policy.")
    extended_warranty_end: Date | None = None


class UnitPatch(In):
    customer_id: BodyId | None = Field(None, description="The owner; null removes it.")
    purchased_on: Date | None = None
    delivered_on: Date | None = None
    warranty_start: Date | None = None
    warranty_end: Date | None = None
    extended_warranty_end: Date | None = None


UNIT_SORTS = sort_keys({"created_at": ("created_at", "datetime"), "serial_number": ("serial_number", "str")})


class UnitFilters(PageParams):
    serial: Serial | None = None  # type: ignore[valid-type]
    customer_id: Id | None = None
    product_id: Id | None = None
    order_id: Id | None = None
    warranty: WarrantyFilter | None = Field(None, description="The warranty status today.")
    sort: Literal["-created_at", "created_at", "serial_number", "-serial_number"] = "-created_at"


def _filter_units(queryset: QuerySet[Unit], f: UnitFilters) -> QuerySet[Unit]:
    if f.serial is not None:
        queryset = queryset.filter(serial_number=f.serial.strip())
    if f.customer_id is not None:
        queryset = queryset.filter(owner_id=f.customer_id)
    if f.product_id is not None:
        queryset = queryset.filter(product_id=f.product_id)
    if f.order_id is not None:
        queryset = queryset.filter(order_line__order_id=f.order_id)
    if f.warranty is not None:
        queryset = queryset.filter(selectors.unit_warranty_q(f.warranty, timezone.localdate()))
    return queryset


@router.get("/units", response={200: UnitPage, **ERRORS})
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> Any:
    """Units you may see, newest first, each with its warranty today."""
    queryset = _filter_units(selectors.unit_list(viewer=viewer(request)), filters)
    return paginate(queryset, sort=UNIT_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit)


@router.post("/units", response={201: UnitOut, **ERRORS})
def unit_create(request: HttpRequest, payload: UnitIn) -> Any:
    """Record a serial-numbered unit; its warranty follows the product's policy unless dates are sent."""
    user = viewer(request)
    require_manager(user)
    data = changes(payload)
    product = _product(request, "", sku=data.pop("sku", None), product_id=data.pop("product_id", None))
    if data.get("customer_id") is not None:
        data["owner"] = _customer(request, data["customer_id"])
    data.pop("customer_id", None)
    values = {k: v for k, v in data.items() if v is not None}
    unit = services.unit_create(
        actor=user, product=product, serial_number=values.pop("serial_number"), **values
    )
    return Status(201, selectors.unit_get(viewer=user, unit_id=unit.pk))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_get(request: HttpRequest, unit_id: Id) -> Any:
    return selectors.unit_get(viewer=viewer(request), unit_id=unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_update(request: HttpRequest, unit_id: Id, payload: UnitPatch) -> Any:
    """Change a unit's owner or dates; null clears a date (admins and managers)."""
    user = viewer(request)
    unit = selectors.unit_get(viewer=user, unit_id=unit_id)
    require_manager(user)
    data = changes(payload)
    if "customer_id" in data:
        customer_id = data.pop("customer_id")
        data["owner"] = None if customer_id is None else _customer(request, customer_id)
    services.unit_update(actor=user, unit=unit, **data)
    return selectors.unit_get(viewer=user, unit_id=unit_id)
