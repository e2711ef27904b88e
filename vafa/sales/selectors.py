"""Reads of orders and units, and what warranty a unit has on a given day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.core.errors import NotFound
from vafa.customers.selectors import customer_scope
from vafa.sales.models import Order, OrderLine, Unit, UnitRegistration


class WarrantyState:
    IN_WARRANTY = "in_warranty"
    EXTENDED = "extended"
    EXPIRED = "expired"
    NONE = "none"


@dataclass(frozen=True)
class WarrantyInfo:
    """A unit's warranty on one day: its state, the day cover ends, and the days left (0 if none)."""

    status: str
    ends_on: dt.date | None
    days_left: int


def unit_warranty_status(unit: Unit, on: dt.date | None = None) -> WarrantyInfo:
    """In warranty, in extended warranty, expired, or no warranty at all — on day `on` (today)."""
    day = on or timezone.localdate()
    if unit.warranty_end is None:
        return WarrantyInfo(WarrantyState.NONE, None, 0)
    if day <= unit.warranty_end:
        return WarrantyInfo(WarrantyState.IN_WARRANTY, unit.warranty_end, (unit.warranty_end - day).days)
    if unit.extended_warranty_end is not None and day <= unit.extended_warranty_end:
        return WarrantyInfo(
            WarrantyState.EXTENDED, unit.extended_warranty_end, (unit.extended_warranty_end - day).days
        )
    return WarrantyInfo(WarrantyState.EXPIRED, unit.extended_warranty_end or unit.warranty_end, 0)


def unit_warranty_q(status: str, on: dt.date) -> Q:
    """The units whose warranty on day `on` is `status`: the filter form of `unit_warranty_status`."""
    if status == WarrantyState.NONE:
        return Q(warranty_end__isnull=True)
    if status == WarrantyState.IN_WARRANTY:
        return Q(warranty_end__gte=on)
    if status == WarrantyState.EXTENDED:
        return Q(warranty_end__lt=on, extended_warranty_end__gte=on)
    if status == WarrantyState.EXPIRED:
        return Q(warranty_end__lt=on) & (
            Q(extended_warranty_end__isnull=True) | Q(extended_warranty_end__lt=on)
        )
    raise ValueError(f"Unknown warranty status: {status}")


def order_list(*, viewer: User) -> QuerySet[Order]:
    """Orders `viewer` may see, with their lines and products loaded."""
    return (
        Order.objects.filter(customer_scope(viewer, customer_field="customer"))
        .select_related("customer")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))
        )
    )


def order_get(*, viewer: User, order_id: int) -> Order:
    order = order_list(viewer=viewer).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


def unit_list(*, viewer: User) -> QuerySet[Unit]:
    """Units `viewer` may see, with product and owner loaded."""
    return Unit.objects.filter(customer_scope(viewer, customer_field="owner")).select_related(
        "product", "product__warranty_policy", "owner"
    )


def unit_get(*, viewer: User, unit_id: int) -> Unit:
    unit = unit_list(viewer=viewer).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No such unit."))
    return unit


def unit_next_maintenance(unit: Unit, on: dt.date) -> dt.date | None:
    """The first maintenance due on or after day `on`: every `maintenance_interval_days` from delivery.

    Counted from the day the unit was delivered (else bought, else its warranty started); None when
    the product needs no maintenance or the unit has no start date. Maintenance visits come in a
    later issue: then the count restarts from the last visit done.
    """
    interval = unit.product.maintenance_interval_days
    start = unit.delivered_on or unit.purchased_on or unit.warranty_start
    if not interval or start is None:
        return None
    periods = max(1, -(-(on - start).days // interval))  # ceiling division: the next due date, not the last
    return start + dt.timedelta(days=periods * interval)


def unit_registration_list(*, viewer: User) -> QuerySet[UnitRegistration]:
    """Registrations `viewer` may see: staff all, a customer their own; pending first, oldest first."""
    if viewer.is_active and viewer.is_company_staff:
        queryset = UnitRegistration.objects.all()
    elif viewer.is_active and viewer.customer_id is not None:
        queryset = UnitRegistration.objects.filter(customer_id=viewer.customer_id)
    else:
        queryset = UnitRegistration.objects.none()
    return queryset.select_related("customer", "product", "unit", "reviewed_by")


def unit_registration_get(*, viewer: User, registration_id: int) -> UnitRegistration:
    registration = unit_registration_list(viewer=viewer).filter(pk=registration_id).first()
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration


def unit_registration_pending_count(*, viewer: User) -> int:
    """How many registrations wait for verification (0 for anyone but staff)."""
    if not (viewer.is_active and viewer.is_company_staff):
        return 0
    return UnitRegistration.objects.filter(status=UnitRegistration.Status.PENDING).count()


def unit_registration_matches(*, viewer: User, registration: UnitRegistration) -> list[Unit]:
    """The units the registration's serial names (any product, any owner): shown to staff only."""
    if not (viewer.is_active and viewer.is_company_staff):
        return []
    serial = registration.serial_number
    return list(
        Unit.objects.filter(serial_number__in=list(dict.fromkeys([serial, serial.upper()])))
        .select_related("product", "owner")
        .order_by("product__sku", "id")[:10]
    )
