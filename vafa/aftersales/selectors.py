"""Reads of after-sales records, limited to the cases the viewer may see.

Visibility is the case's: a record is visible when its case is in `case_scope(viewer)`. The case
filter is applied through the record's `case` foreign key with every lookup prefixed (`case__team_id
…`), not as `case_id IN (SELECT …)`: a lookup by id becomes one primary-key read joined to its
case, a staff member who sees everything gets no join at all, and the planner can still walk the
records' own (case, created_at) indexes for a customer's lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import STAFF_ROLES, Role, User
from vafa.aftersales.entitlement import Entitlement, unit_entitlement
from vafa.aftersales.models import (
    CostEntry,
    Goodwill,
    MaintenanceSchedule,
    Part,
    Refund,
    RepairLine,
    RepairOrder,
    Replacement,
    ReturnRequest,
    ServiceLocation,
    StockLevel,
    Visit,
    WarrantyClaim,
)
from vafa.core.errors import NotFound
from vafa.core.money import default_currency
from vafa.customers.models import Customer
from vafa.sales.models import Unit
from vafa.service.models import Case
from vafa.service.selectors import case_scope

M = TypeVar("M", bound=models.Model)

# How many of each kind of record the portal's "My service" page lists.
CUSTOMER_LIST_SIZE = 50
# How many waiting approvals a manager's queue shows.
APPROVALS_LIST_SIZE = 100

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0.00")
# Visits that hold a technician's time: on the calendar, and "booked" for maintenance.
CALENDAR_STATUSES = (Visit.Status.SCHEDULED, Visit.Status.CONFIRMED, Visit.Status.DONE)
BOOKED_STATUSES = (Visit.Status.SCHEDULED, Visit.Status.CONFIRMED)


# --- visibility -------------------------------------------------------------------------------


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter with every lookup moved under `prefix` (a relation path ending in "__")."""
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_prefixed(child, prefix))
        else:
            lookup, value = cast(tuple[str, Any], child)
            children.append((f"{prefix}{lookup}", value))
    return Q(*children, _connector=q.connector, _negated=q.negated)


def record_scope(viewer: User) -> Q:
    """The after-sales records `viewer` may see: those whose case is in `case_scope(viewer)`."""
    return _prefixed(case_scope(viewer), "case__")


def _visible(queryset: QuerySet[M], viewer: User) -> QuerySet[M]:
    return queryset.filter(record_scope(viewer))


def _get(queryset: QuerySet[M], viewer: User, pk: int, message: Any) -> M:
    record = _visible(queryset, viewer).filter(pk=pk).first()
    if record is None:
        raise NotFound(message)
    return record


def _lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=RepairLine.objects.select_related("part").order_by("id"))


# --- one case ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAftersales:
    """Everything after-sales on one case, for its page: the unit's cover, the records, the costs."""

    entitlement: Entitlement | None
    claims: list[WarrantyClaim]
    returns: list[ReturnRequest]
    refunds: list[Refund]
    replacements: list[Replacement]
    repairs: list[RepairOrder]
    visits: list[Visit]
    goodwill: list[Goodwill]
    costs_by_kind: dict[str, Decimal]
    cost_total: Decimal
    currency: str = field(default_factory=default_currency)

    @property
    def has_any(self) -> bool:
        return any(
            (
                self.claims,
                self.returns,
                self.refunds,
                self.replacements,
                self.repairs,
                self.visits,
                self.goodwill,
                self.costs_by_kind,
            )
        )


def _costs_by_kind(entries: QuerySet[CostEntry]) -> tuple[dict[str, Decimal], Decimal, Decimal]:
    """Costs per kind, their total and the part the warranty bore, from one grouped query."""
    rows = {
        row["kind"]: row
        for row in entries.order_by()
        .values("kind")
        .annotate(total=Sum("amount_company"), warranty=Sum("amount_company", filter=Q(under_warranty=True)))
    }
    by_kind = {kind: rows[kind]["total"] for kind in CostEntry.Kind.values if kind in rows}
    total = sum(by_kind.values(), ZERO)
    warranty = sum((row["warranty"] or ZERO for row in rows.values()), ZERO)
    return by_kind, total, warranty


def case_aftersales(*, case: Case, viewer: User) -> CaseAftersales:
    """The after-sales side of one case: entitlement, every record, and what it cost; NotFound if hidden.

    A fixed number of queries whatever the number of records: one per kind of record, one for the
    repairs' lines, one for the unit and one for the costs.
    """
    if not Case.objects.filter(case_scope(viewer), pk=case.pk).exists():
        raise NotFound(_("No such case."))
    entitlement = None
    if case.unit_id is not None:
        unit = Unit.objects.select_related("product__category", "product__warranty_policy").get(
            pk=case.unit_id
        )
        entitlement = unit_entitlement(unit)
    claims = list(WarrantyClaim.objects.filter(case=case).select_related("unit__product", "decided_by"))
    returns = list(
        ReturnRequest.objects.filter(case=case).select_related("order_line__product", "unit", "location")
    )
    refunds = list(Refund.objects.filter(case=case).select_related("order_line__product", "approved_by"))
    replacements = list(
        Replacement.objects.filter(case=case).select_related("original_unit__product", "new_unit__product")
    )
    repairs = list(
        RepairOrder.objects.filter(case=case)
        .select_related("unit__product", "location", "technician")
        .prefetch_related(_lines_prefetch())
    )
    visits = list(Visit.objects.filter(case=case).select_related("technician", "unit__product"))
    goodwill = list(Goodwill.objects.filter(case=case).select_related("unit", "approved_by"))
    by_kind, total, _warranty = _costs_by_kind(CostEntry.objects.filter(case=case))
    return CaseAftersales(
        entitlement=entitlement,
        claims=claims,
        returns=returns,
        refunds=refunds,
        replacements=replacements,
        repairs=repairs,
        visits=visits,
        goodwill=goodwill,
        costs_by_kind=by_kind,
        cost_total=total,
    )


# --- the customer's portal --------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerAftersales:
    """A customer account's after-sales records (its own cases', and its organisation's when shared)."""

    claims: list[WarrantyClaim] = field(default_factory=list)
    returns: list[ReturnRequest] = field(default_factory=list)
    repairs: list[RepairOrder] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    goodwill: list[Goodwill] = field(default_factory=list)

    @property
    def has_any(self) -> bool:
        return any(
            (
                self.claims,
                self.returns,
                self.repairs,
                self.visits,
                self.replacements,
                self.refunds,
                self.goodwill,
            )
        )


def repair_customer_total_expression() -> Coalesce:
    """What the customer pays for a repair (its lines not covered by the warranty), as a subquery."""
    lines = (
        RepairLine.objects.filter(repair=OuterRef("pk"), covered=False)
        .order_by()
        .values("repair")
        .annotate(total=Sum(ExpressionWrapper(F("unit_price") * F("quantity"), output_field=MONEY)))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=MONEY), Value(ZERO), output_field=MONEY)


def customer_aftersales(*, viewer: User | None) -> CustomerAftersales:
    """The portal's after-sales records of `viewer`, newest first, each list capped; staff get none.

    Repairs carry `customer_total` (what the customer pays) and their lines; visits carry
    `is_confirmed` and `awaiting_confirmation`. Goodwill is listed once given (a pending or refused
    gesture is an internal matter).
    """
    if (
        viewer is None
        or not getattr(viewer, "is_authenticated", False)
        or not viewer.is_active
        or viewer.is_company_staff
        or viewer.customer_id is None
    ):
        return CustomerAftersales()
    scope = record_scope(viewer)
    newest = ("-created_at", "-id")
    size = CUSTOMER_LIST_SIZE

    def rows(queryset: QuerySet[M]) -> list[M]:
        return list(queryset.filter(scope).order_by(*newest)[:size])

    now = timezone.now()
    return CustomerAftersales(
        claims=rows(WarrantyClaim.objects.select_related("case", "unit__product")),
        returns=rows(ReturnRequest.objects.select_related("case", "order_line__product", "location")),
        repairs=rows(
            RepairOrder.objects.select_related("case", "unit__product", "location")
            .annotate(customer_total=repair_customer_total_expression())
            .prefetch_related(_lines_prefetch())
        ),
        visits=rows(
            Visit.objects.select_related("case", "unit__product", "technician").annotate(
                is_confirmed=ExpressionWrapper(Q(confirmed_at__isnull=False), output_field=BooleanField()),
                awaiting_confirmation=ExpressionWrapper(
                    Q(status=Visit.Status.SCHEDULED, confirmed_at__isnull=True, starts_at__gt=now),
                    output_field=BooleanField(),
                ),
            )
        ),
        replacements=rows(
            Replacement.objects.select_related("case", "original_unit__product", "new_unit__product")
        ),
        refunds=rows(Refund.objects.select_related("case", "order_line__product")),
        goodwill=rows(Goodwill.objects.filter(status=Goodwill.Status.GIVEN).select_related("case", "unit")),
    )


# --- records by id ----------------------------------------------------------------------------


def claim_get(*, viewer: User, claim_id: int) -> WarrantyClaim:
    """The warranty claim with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = WarrantyClaim.objects.select_related("case", "customer", "unit__product", "decided_by")
    return _get(queryset, viewer, claim_id, _("No such warranty claim."))


def return_get(*, viewer: User, rma_id: int) -> ReturnRequest:
    """The return with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = ReturnRequest.objects.select_related(
        "case", "customer", "order_line__order", "order_line__product", "unit", "location", "decided_by"
    )
    return _get(queryset, viewer, rma_id, _("No such return."))


def refund_get(*, viewer: User, refund_id: int) -> Refund:
    """The refund with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = Refund.objects.select_related(
        "case",
        "customer",
        "order_line__order",
        "order_line__product",
        "claim",
        "return_request",
        "approved_by",
    )
    return _get(queryset, viewer, refund_id, _("No such refund."))


def replacement_get(*, viewer: User, replacement_id: int) -> Replacement:
    """The replacement with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = Replacement.objects.select_related(
        "case", "customer", "original_unit__product", "new_unit__product", "claim", "return_request"
    )
    return _get(queryset, viewer, replacement_id, _("No such replacement."))


def repair_get(*, viewer: User, repair_id: int) -> RepairOrder:
    """The repair with this id, its lines and their parts, if `viewer` may see its case; else NotFound."""
    queryset = RepairOrder.objects.select_related(
        "case", "customer", "unit__product", "location", "technician", "claim", "return_request"
    ).prefetch_related(_lines_prefetch())
    return _get(queryset, viewer, repair_id, _("No such repair."))


def visit_get(*, viewer: User, visit_id: int) -> Visit:
    """The visit with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = Visit.objects.select_related("case", "customer", "unit__product", "technician")
    return _get(queryset, viewer, visit_id, _("No such visit."))


def goodwill_get(*, viewer: User, goodwill_id: int) -> Goodwill:
    """The goodwill gesture with this id if `viewer` may see its case; otherwise NotFound."""
    queryset = Goodwill.objects.select_related("case", "customer", "unit__product", "approved_by")
    return _get(queryset, viewer, goodwill_id, _("No such goodwill gesture."))


# --- the workshop and the field ---------------------------------------------------------------


def _pk(value: models.Model | int | None) -> int | None:
    return value.pk if isinstance(value, models.Model) else value


def repair_list(
    *,
    viewer: User,
    status: str | None = None,
    technician: User | int | None = None,
    location: ServiceLocation | int | None = None,
) -> QuerySet[RepairOrder]:
    """Repairs `viewer` may see, latest received first, with what a list shows loaded."""
    queryset = _visible(RepairOrder.objects.all(), viewer)
    if status:
        queryset = queryset.filter(status=status)
    if technician is not None:
        queryset = queryset.filter(technician_id=_pk(technician))
    if location is not None:
        queryset = queryset.filter(location_id=_pk(location))
    return queryset.select_related("case", "customer", "unit__product", "location", "technician").order_by(
        "-received_at", "-id"
    )


@dataclass(frozen=True)
class CalendarDay:
    """One day of a technician's calendar (in their time zone) and the visits that touch it."""

    day: dt.date
    visits: list[Visit]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def technician_calendar(*, technician: User, start: dt.date, days: int = 7) -> list[CalendarDay]:
    """The technician's visits (scheduled, confirmed or done) per day from `start`, in one query.

    Days are the technician's own (User.time_zone); a visit that runs past midnight appears on both
    days it touches.
    """
    zone = _zone(technician.time_zone)
    bounds = [
        dt.datetime.combine(start + dt.timedelta(days=n), dt.time.min, tzinfo=zone) for n in range(days + 1)
    ]
    visits = list(
        Visit.objects.filter(
            technician=technician,
            status__in=CALENDAR_STATUSES,
            starts_at__lt=bounds[-1],
            ends_at__gt=bounds[0],
        )
        .select_related("case", "customer", "unit__product")
        .order_by("starts_at", "id")
    )
    return [
        CalendarDay(
            day=start + dt.timedelta(days=n),
            visits=[v for v in visits if v.starts_at < bounds[n + 1] and v.ends_at > bounds[n]],
        )
        for n in range(days)
    ]


def technicians() -> QuerySet[User]:
    """Who can be given a repair or a visit: every active agent, and any other active staff member
    (a manager who goes on site) who already has visits or repairs.

    Every agent is offered, not only those with work already, so a new technician can be booked.
    """
    has_work = Exists(Visit.objects.filter(technician=OuterRef("pk"))) | Exists(
        RepairOrder.objects.filter(technician=OuterRef("pk"))
    )
    return (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .filter(Q(role=Role.AGENT) | has_work)
        .order_by("full_name", "email")
    )


def maintenance_due(
    *, within_days: int | None = None, on: dt.date | None = None
) -> QuerySet[MaintenanceSchedule]:
    """Active schedules due within `within_days` of `on` (overdue ones too) with no visit booked.

    A unit counts as booked when it has a scheduled or confirmed visit starting from the day before
    `on`: a visit still in progress since yesterday is not booked twice.
    """
    day = on or timezone.localdate()
    window = settings.VAFA_MAINTENANCE_DUE_DAYS if within_days is None else within_days
    since = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time.min))
    booked = Visit.objects.filter(unit=OuterRef("unit"), status__in=BOOKED_STATUSES, starts_at__gte=since)
    return (
        MaintenanceSchedule.objects.filter(is_active=True, next_due_on__lte=day + dt.timedelta(days=window))
        .filter(~Exists(booked))
        .select_related("unit", "unit__product", "unit__owner")
        .order_by("next_due_on", "id")
    )


# --- parts ------------------------------------------------------------------------------------


def stock_list(
    *, location: ServiceLocation | int | None = None, low_only: bool = False
) -> QuerySet[StockLevel]:
    """Stock levels with their part and location, each with `available`; `low_only` keeps those at or
    below their reorder level (available = on hand − reserved)."""
    queryset = StockLevel.objects.select_related("part", "location").annotate(
        available_count=F("on_hand") - F("reserved")
    )
    if location is not None:
        queryset = queryset.filter(location_id=_pk(location))
    if low_only:
        queryset = queryset.filter(available_count__lte=F("reorder_level"))
    return queryset.order_by("location__name", "part__sku")


def parts_for_unit(unit: Unit) -> QuerySet[Part]:
    """Active parts that fit `unit`: those listing its product, and those listing no product at all."""
    fits = Part.products.through.objects.filter(part=OuterRef("pk"))
    return (
        Part.objects.filter(is_active=True)
        .filter(Exists(fits.filter(product_id=unit.product_id)) | ~Exists(fits))
        .order_by("sku")
    )


# --- approvals and costs ----------------------------------------------------------------------


def pending_approvals(*, viewer: User) -> dict[str, list[Any]]:
    """Refunds and goodwill waiting for a manager, oldest first; empty lists for everyone else."""
    if not getattr(viewer, "is_active", False) or getattr(viewer, "role", None) not in (
        Role.ADMIN,
        Role.MANAGER,
    ):
        return {"refunds": [], "goodwill": []}
    oldest = ("created_at", "id")
    refunds = (
        Refund.objects.filter(status=Refund.Status.PENDING_APPROVAL)
        .select_related("case", "customer", "order_line__product", "created_by")
        .order_by(*oldest)[:APPROVALS_LIST_SIZE]
    )
    goodwill = (
        Goodwill.objects.filter(status=Goodwill.Status.PENDING_APPROVAL)
        .select_related("case", "customer", "unit", "created_by")
        .order_by(*oldest)[:APPROVALS_LIST_SIZE]
    )
    return {"refunds": list(refunds), "goodwill": list(goodwill)}


def _costs(entries: QuerySet[CostEntry]) -> dict[str, Any]:
    by_kind, total, warranty = _costs_by_kind(entries)
    return {"total": total, "by_kind": by_kind, "under_warranty": warranty, "currency": default_currency()}


def case_costs(*, case: Case) -> dict[str, Any]:
    """What after-sales care on `case` cost, in the company's currency: total, per kind, under warranty."""
    return _costs(CostEntry.objects.filter(case=case))


def customer_costs(*, customer: Customer) -> dict[str, Any]:
    """What after-sales care for `customer` cost, in the company's currency: total, per kind, under warranty."""
    return _costs(CostEntry.objects.filter(customer=customer))
