"""Writes for orders, order lines and units (serial-numbered items with warranties)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter as Multiset
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager, require_staff
from vafa.catalog.models import Product
from vafa.core.dates import add_months, format_date
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.core.jobs import work_schedule
from vafa.core.money import default_currency, is_currency, to_amount
from vafa.core.throttle import throttle_hit
from vafa.customers.models import ContactPoint, Customer
from vafa.sales.models import (
    Order,
    OrderLine,
    SalesChannel,
    Unit,
    UnitRegistration,
    registration_receipt_path,
)
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


# --- unit registration: a customer's claim to own a unit, with proof of purchase ---------------------


class RegistrationError(StrEnum):
    """Stable codes of the registration rules (the portal and the desk show the translated message)."""

    THROTTLED = "registration_throttled"
    SERIAL_REQUIRED = "serial_required"
    PROOF_REQUIRED = "proof_of_purchase_required"
    RECEIPT_TOO_LARGE = "receipt_too_large"
    RECEIPT_TYPE = "receipt_type_not_allowed"
    NOT_PENDING = "registration_not_pending"
    PRODUCT_REQUIRED = "product_required"
    OWNED_BY_ANOTHER = "unit_owned_by_another_customer"
    REASON_REQUIRED = "reason_required"
    NOT_YOUR_ACCOUNT = "not_your_account"


class RegistrationThrottled(Conflict):
    """Too many registrations from one customer in the window: answered as 429 Too Many Requests."""

    status = 429


@dataclass(frozen=True)
class ReceiptFile:
    """An uploaded proof of purchase as it arrived: its name, declared type and bytes."""

    filename: str
    content_type: str
    content: bytes


REGISTRATION_NOTIFY_KIND = "sales.registration_notify"
REGISTER_WINDOW_SECONDS = 3600
# What each accepted kind of receipt starts with, and the names such a file may have.
_RECEIPT_KINDS: dict[str, tuple[frozenset[str], Callable[[bytes], bool]]] = {
    "application/pdf": (frozenset({".pdf"}), lambda head: head.startswith(b"%PDF-")),
    "image/jpeg": (frozenset({".jpg", ".jpeg", ".jfif"}), lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": (frozenset({".png"}), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/gif": (frozenset({".gif"}), lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "image/webp": (frozenset({".webp"}), lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "image/heic": (
        frozenset({".heic", ".heif"}),
        lambda head: head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"),
    ),
}


def receipt_content_type(receipt: ReceiptFile) -> str:
    """The receipt's real type, from its name and its first bytes; refuse anything but images and PDF."""
    limit = int(settings.VAFA_ATTACHMENT_MAX_BYTES)
    name = PurePath(receipt.filename).name or "file"
    if len(receipt.content) > limit:
        raise ValidationFailed(
            _("%(name)s is larger than %(limit)d MB.") % {"name": name, "limit": limit // (1024 * 1024)},
            fields={"receipt": [_("The file is too large.")]},
            code=RegistrationError.RECEIPT_TOO_LARGE,
        )
    suffix = PurePath(name).suffix.lower()
    head = receipt.content[:16]
    for content_type, (suffixes, looks_like) in _RECEIPT_KINDS.items():
        if suffix in suffixes and looks_like(head):
            return content_type
    raise ValidationFailed(
        _("%(name)s is not a PDF file or a photo (JPEG, PNG, WebP, GIF or HEIC).") % {"name": name},
        fields={"receipt": [_("Upload the receipt as a PDF file or a photo.")]},
        code=RegistrationError.RECEIPT_TYPE,
    )


def _case_variants(serial_number: str) -> list[str]:
    # Serials are stored as the shop sent them; a customer may type them in lower case.
    return list(dict.fromkeys([serial_number, serial_number.upper()]))


def _unit_for_claim(serial_number: str, product: Product | None) -> Unit | None:
    """The one unit the serial (and product, if chosen) names; None when none or several do."""
    queryset = Unit.objects.select_related("product__warranty_policy", "order_line__order").filter(
        serial_number__in=_case_variants(serial_number)
    )
    if product is not None:
        queryset = queryset.filter(product=product)
    found = list(queryset[:2])
    return found[0] if len(found) == 1 else None


def _proven_order_line(unit: Unit, customer: Customer, order_number: str) -> tuple[bool, OrderLine | None]:
    """Whether the order number proves an unowned unit is the customer's, and the order line it names."""
    number = order_number.strip()
    if unit.owner_id is not None or not number:
        return False, None
    line = unit.order_line
    if line is not None:
        order = line.order
        if order.number.strip().casefold() == number.casefold() and order.status != Order.Status.CANCELLED:
            return True, None
    own_line = (
        OrderLine.objects.select_related("order")
        .filter(
            order__customer=customer,
            order__number__in=_case_variants(number),
            product_id=unit.product_id,
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .order_by("id")
        .first()
    )
    if own_line is not None:
        return True, own_line if unit.order_line_id is None else None
    return False, None


def _claim_owner(*, unit: Unit, customer: Customer, line: OrderLine | None) -> Unit:
    """Make the unit the customer's after the records proved the claim (the system acts: unit_update)."""
    if unit.owner_id == customer.pk:
        return unit
    changes: dict[str, Any] = {"owner": customer}
    if line is not None:
        changes["order_line"] = line
    proof = line or unit.order_line
    if unit.purchased_on is None and proof is not None:
        changes["purchased_on"] = proof.order.placed_at.date()
    return unit_update(actor=None, unit=unit, **changes)


def _store_receipt(registration: UnitRegistration, receipt: ReceiptFile, content_type: str) -> None:
    digest = hashlib.sha256(receipt.content).hexdigest()
    registration.receipt_filename = PurePath(receipt.filename).name[:255] or "receipt"
    registration.receipt_content_type = content_type
    registration.receipt_size = len(receipt.content)
    registration.receipt_sha256 = digest
    path = registration_receipt_path(registration, registration.receipt_filename)
    if default_storage.exists(path):
        registration.receipt.name = path  # the same bytes were uploaded before: share them
    else:
        registration.receipt.save(digest, ContentFile(receipt.content), save=False)


REGISTRATION_FIELDS = (
    "customer",
    "serial_number",
    "product",
    "order_number",
    "purchased_on",
    "receipt_sha256",
    "status",
    "unit",
    "reviewed_by",
    "reviewed_at",
    "reason",
)


def _check_claimant(actor: User | None, customer: Customer) -> None:
    if actor is not None and actor.is_customer and actor.customer_id != customer.pk:
        raise Forbidden(
            _("You can register products only for yourself."), code=RegistrationError.NOT_YOUR_ACCOUNT
        )
    if actor is not None and not actor.is_customer:
        require_staff(actor)


def unit_register(
    *,
    actor: User | None,
    customer: Customer,
    serial_number: str,
    product: Product | None = None,
    order_number: str = "",
    receipt: ReceiptFile | None = None,
    purchased_on: dt.date | None = None,
) -> UnitRegistration:
    """Record a customer's claim to a unit; approve it at once when the records prove it.

    Whatever the serial names (no unit, another customer's unit, a unit the proof does not match),
    the claim waits for an agent and the customer gets the same answer: registration never tells
    whether a serial exists or whose it is. Every attempt counts against the customer's hourly limit.
    """
    _check_claimant(actor, customer)
    limit = int(settings.VAFA_PORTAL_REGISTER_LIMIT)
    if not throttle_hit(f"sales.register:{customer.pk}", limit=limit, window_seconds=REGISTER_WINDOW_SECONDS):
        raise RegistrationThrottled(
            _("Too many registrations in a short time. Please try again in an hour."),
            code=RegistrationError.THROTTLED,
        )
    serial = " ".join(serial_number.split())[:100]
    order_number = order_number.strip()[:64]
    errors: dict[str, list[Any]] = {}
    if not serial:
        errors["serial_number"] = [_("Enter the serial number.")]
    if not order_number and receipt is None:
        errors["order_number"] = [_("Enter the order number or upload the receipt.")]
    if purchased_on is not None and purchased_on > timezone.localdate():
        errors["purchased_on"] = [_("The purchase date cannot be in the future.")]
    if errors:
        code = (
            RegistrationError.SERIAL_REQUIRED
            if "serial_number" in errors
            else RegistrationError.PROOF_REQUIRED
        )
        raise ValidationFailed(_("Some fields are not valid."), fields=errors, code=code)
    content_type = receipt_content_type(receipt) if receipt is not None else ""
    with transaction.atomic():
        return _register(
            actor=actor,
            customer=customer,
            serial=serial,
            product=product,
            order_number=order_number,
            receipt=receipt,
            content_type=content_type,
            purchased_on=purchased_on,
        )


def _register(
    *,
    actor: User | None,
    customer: Customer,
    serial: str,
    product: Product | None,
    order_number: str,
    receipt: ReceiptFile | None,
    content_type: str,
    purchased_on: dt.date | None,
) -> UnitRegistration:
    pending = (
        UnitRegistration.objects.select_for_update()
        .filter(customer=customer, serial_number=serial, status=UnitRegistration.Status.PENDING)
        .first()
    )
    unit = _unit_for_claim(serial, product)
    proven, line = (False, None)
    if unit is not None:
        proven, line = (
            (True, None) if unit.owner_id == customer.pk else _proven_order_line(unit, customer, order_number)
        )
    if pending is not None and not proven:
        # The same claim again: keep the one waiting, with any proof it was missing.
        fill: list[str] = []
        if order_number and not pending.order_number:
            pending.order_number = order_number
            fill.append("order_number")
        if receipt is not None and not pending.receipt:
            _store_receipt(pending, receipt, content_type)
            fill += ["receipt", "receipt_filename", "receipt_content_type", "receipt_size", "receipt_sha256"]
        if product is not None and pending.product_id is None:
            pending.product = product
            fill.append("product")
        if fill:
            pending.save(update_fields=[*fill, "updated_at"])
            audit_record(actor=actor, action="unit_registration.update", obj=pending, after={"filled": fill})
        return pending
    registration = pending or UnitRegistration(customer=customer, serial_number=serial)
    registration.submitted_by = actor if actor is not None and actor.pk else None
    registration.product = product if product is not None else registration.product
    registration.order_number = order_number or registration.order_number
    registration.purchased_on = purchased_on or registration.purchased_on
    if receipt is not None:
        _store_receipt(registration, receipt, content_type)
    if proven and unit is not None:
        unit = _claim_owner(unit=unit, customer=customer, line=line)
        registration.status = UnitRegistration.Status.APPROVED
        registration.unit = unit
        registration.product = unit.product
        registration.reviewed_at = timezone.now()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # The same claim arrived twice at once: the first one is the registration.
        return UnitRegistration.objects.get(
            customer=customer, serial_number=serial, status=UnitRegistration.Status.PENDING
        )
    audit_record(
        actor=actor,
        action="unit_registration.approve" if proven else "unit_registration.create",
        obj=registration,
        after={**snapshot(registration, REGISTRATION_FIELDS), "verified_by": "records" if proven else ""},
    )
    return registration


def _pending_locked(registration: UnitRegistration) -> UnitRegistration:
    locked = (
        UnitRegistration.objects.select_for_update(of=("self",))
        .select_related("customer", "product__warranty_policy")
        .get(pk=registration.pk)
    )
    if locked.status != UnitRegistration.Status.PENDING:
        raise Conflict(
            _("This registration was already decided: %(status)s.") % {"status": locked.get_status_display()},
            code=RegistrationError.NOT_PENDING,
        )
    return locked


@transaction.atomic
def unit_registration_approve(
    *,
    actor: User | None,
    registration: UnitRegistration,
    product: Product | None = None,
    serial_number: str | None = None,
    purchased_on: dt.date | None = None,
    transfer: bool = False,
) -> UnitRegistration:
    """Accept the proof of purchase: the unit (made if the records lack it) becomes the customer's."""
    require_staff(actor)
    locked = _pending_locked(registration)
    serial = " ".join((serial_number if serial_number is not None else locked.serial_number).split())[:100]
    if not serial:
        raise ValidationFailed(
            _("Enter the serial number."),
            fields={"serial_number": [_("Enter the serial number.")]},
            code=RegistrationError.SERIAL_REQUIRED,
        )
    chosen = product or locked.product
    unit = _unit_for_claim(serial, chosen)
    if chosen is None:
        if unit is None:
            raise ValidationFailed(
                _("Choose the product this serial number belongs to."),
                fields={"product": [_("Choose a product.")]},
                code=RegistrationError.PRODUCT_REQUIRED,
            )
        chosen = unit.product
    purchase_day = purchased_on or locked.purchased_on
    previous_owner = unit.owner_id if unit is not None else None
    if unit is None:
        values: dict[str, Any] = {"owner": locked.customer}
        if purchase_day is not None:
            values["purchased_on"] = purchase_day
        unit = unit_create(actor=None, product=chosen, serial_number=serial, **values)
    elif unit.owner_id not in (None, locked.customer_id) and not transfer:
        raise Conflict(
            _("This unit belongs to another customer. Transfer it only if the proof shows it changed hands."),
            code=RegistrationError.OWNED_BY_ANOTHER,
        )
    else:
        changes: dict[str, Any] = {"owner": locked.customer}
        if purchase_day is not None and (unit.purchased_on is None or purchased_on is not None):
            changes["purchased_on"] = purchase_day
        unit = unit_update(actor=None, unit=unit, **changes)
    before = snapshot(locked, REGISTRATION_FIELDS)
    locked.status = UnitRegistration.Status.APPROVED
    locked.unit = unit
    locked.product = unit.product
    locked.serial_number = unit.serial_number
    locked.purchased_on = purchase_day
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "unit",
            "product",
            "serial_number",
            "purchased_on",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    old, new = changed(before, snapshot(locked, REGISTRATION_FIELDS))
    if previous_owner not in (None, locked.customer_id):
        new["transferred_from"] = previous_owner
    audit_record(actor=actor, action="unit_registration.approve", obj=locked, before=old, after=new)
    work_schedule(REGISTRATION_NOTIFY_KIND, {"registration_id": locked.pk})
    return locked


@transaction.atomic
def unit_registration_reject(
    *, actor: User | None, registration: UnitRegistration, reason: str
) -> UnitRegistration:
    """Refuse the claim with a reason the customer is told."""
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Tell the customer why."),
            fields={"reason": [_("Enter a reason.")]},
            code=RegistrationError.REASON_REQUIRED,
        )
    locked = _pending_locked(registration)
    before = snapshot(locked, REGISTRATION_FIELDS)
    locked.status = UnitRegistration.Status.REJECTED
    locked.reason = reason[:2000]
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at", "updated_at"])
    old, new = changed(before, snapshot(locked, REGISTRATION_FIELDS))
    audit_record(actor=actor, action="unit_registration.reject", obj=locked, before=old, after=new)
    work_schedule(REGISTRATION_NOTIFY_KIND, {"registration_id": locked.pk})
    return locked


def _customer_email(customer: Customer) -> str:
    points = sorted(
        (p for p in customer.contact_points.all() if p.kind == ContactPoint.Kind.EMAIL),
        key=lambda p: (not p.is_primary, p.pk),
    )
    if points:
        return points[0].value
    account = User.objects.filter(customer=customer, is_active=True).values_list("email", flat=True).first()
    return account or ""


def unit_registration_notify(*, registration_id: int) -> None:
    """E-mail the customer the decision on their registration, in their language (once)."""
    registration = (
        UnitRegistration.objects.select_related("customer", "product", "unit")
        .filter(pk=registration_id, notified_at__isnull=True)
        .exclude(status=UnitRegistration.Status.PENDING)
        .first()
    )
    if registration is None:
        return
    address = _customer_email(registration.customer)
    if address:
        language = registration.customer.language or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "registration": registration,
                "customer": registration.customer,
                "product_name": registration.product.display_name(language) if registration.product else "",
                "warranty_end": format_date(
                    registration.unit.warranty_end if registration.unit else None,
                    language=language,
                    with_time=False,
                ),
                "products_url": settings.VAFA_BASE_URL.rstrip("/") + reverse("portal:products"),
                "company": settings.VAFA_COMPANY_NAME,
            }
            if registration.status == UnitRegistration.Status.APPROVED:
                subject = str(_("Your product is registered"))
            else:
                subject = str(_("We could not confirm your product registration"))
            body = render_to_string("sales/email/registration_decided.txt", context)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    UnitRegistration.objects.filter(pk=registration.pk).update(notified_at=timezone.now())
