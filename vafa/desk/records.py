"""Read models of the desk's record pages: a unit's life, a product's cases, an organisation, a customer.

Every figure and list reads cases through `case_list(viewer=…)`, so an agent sees and counts only the
cases of their teams, the unassigned queue and their own; cases merged into another are left out
(the surviving case stands for them). Each page costs a fixed number of queries whatever the number
of cases, units or members: lists are keyset-paginated or capped, and counts are SQL aggregates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vafa.accounts.models import User
from vafa.catalog.models import Product
from vafa.catalog.selectors import product_get
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.keyset import KeysetPage, SortKey, keyset_page
from vafa.core.money import format_money
from vafa.customers.models import Customer, Organisation
from vafa.customers.selectors import customer_list, organisation_list
from vafa.desk.customer360 import Customer360, Limits, WarrantyBadge, customer_360
from vafa.sales.models import Order, OrderLine, Unit
from vafa.sales.selectors import WarrantyInfo, order_list, unit_list, unit_warranty_status
from vafa.service.models import OPEN_STATUSES, Case, CaseKind
from vafa.service.selectors import agent_sees_all_cases, case_list

PAGE_SIZE = 25
MEMBERS_PAGE_SIZE = 50
UNIT_CASES_LIMIT = 200
RECENT_CASES = 20
LATEST_UNITS = 10

NEWEST_FIRST = SortKey("-created_at", (("created_at", "datetime"),), True)
BY_NAME = SortKey("name", (("name", "str"),), False)
ORDERS_NEWEST_FIRST = SortKey("-placed_at", (("placed_at", "datetime"),), True)
UNITS_PAGE_SIZE = 50
ORDERS_PAGE_SIZE = 20
# The 360 beside the full lists is a summary: its lists stay short.
SIDEBAR_LIMITS = Limits(units=3, orders=3, cases=5)
CASE_FILTERS = ("all", "open")


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def visible_cases(viewer: User) -> QuerySet[Case]:
    """The cases `viewer` may see, without those merged into another case."""
    return case_list(viewer=viewer).filter(merged_into__isnull=True)


def sees_every_case(viewer: User) -> bool:
    """Whether the viewer's figures are the whole business's (else only their part of it)."""
    return agent_sees_all_cases(viewer)


def page_of(
    queryset: QuerySet[Any], *, sort: SortKey, size: int, after: str | None, before: str | None
) -> KeysetPage[Any]:
    """A keyset page; a cursor that was edited or belongs to another list starts again at the top."""
    try:
        return keyset_page(queryset, sort=sort, size=size, after=after or None, before=before or None)
    except ValidationFailed:
        return keyset_page(queryset, sort=sort, size=size)


def _count(queryset: QuerySet[Any], column: str) -> Coalesce:
    """A scalar subquery: how many rows of `queryset` (filtered on OuterRef) share `column`; 0 if none."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(column).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


# --- unit -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One moment of a unit's life: a date (purchase, warranty) or an instant (a case opened, resolved)."""

    at: dt.date | dt.datetime
    sort_at: dt.datetime
    kind: str
    label: str
    upcoming: bool = False
    case: Case | None = None


@dataclass(frozen=True)
class UnitRecord:
    unit: Unit
    order: Order | None
    warranty: WarrantyInfo
    cases: list[Case]
    cases_truncated: bool
    timeline: list[TimelineEntry]
    partial_view: bool

    @property
    def product_name(self) -> str:
        return self.unit.product.display_name()

    @property
    def covered(self) -> bool:
        return self.warranty.status in ("in_warranty", "extended")


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _day_end(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=zone)


def unit_timeline(
    unit: Unit, order: Order | None, cases: list[Case], *, now: dt.datetime
) -> list[TimelineEntry]:
    """The unit's life, oldest first: bought, delivered, warranty start and end, each case opened and resolved."""
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    entries: list[TimelineEntry] = []
    if unit.purchased_on is not None:
        entries.append(
            TimelineEntry(unit.purchased_on, _day_start(unit.purchased_on, zone), "purchased", _("Bought"))
        )
    elif order is not None:
        entries.append(TimelineEntry(order.placed_at, order.placed_at, "purchased", _("Bought")))
    if unit.delivered_on is not None:
        entries.append(
            TimelineEntry(
                unit.delivered_on,
                _day_start(unit.delivered_on, zone),
                "delivered",
                _("Delivered"),
                upcoming=unit.delivered_on > today,
            )
        )
    if unit.warranty_start is not None:
        upcoming = unit.warranty_start > today
        entries.append(
            TimelineEntry(
                unit.warranty_start,
                _day_start(unit.warranty_start, zone),
                "warranty_start",
                _("Warranty starts") if upcoming else _("Warranty started"),
                upcoming=upcoming,
            )
        )
    if unit.warranty_end is not None:
        upcoming = unit.warranty_end >= today
        entries.append(
            TimelineEntry(
                unit.warranty_end,
                _day_end(unit.warranty_end, zone),
                "warranty_end",
                _("Warranty ends") if upcoming else _("Warranty ended"),
                upcoming=upcoming,
            )
        )
    if unit.extended_warranty_end is not None:
        upcoming = unit.extended_warranty_end >= today
        entries.append(
            TimelineEntry(
                unit.extended_warranty_end,
                _day_end(unit.extended_warranty_end, zone),
                "extended_end",
                _("Extended warranty ends") if upcoming else _("Extended warranty ended"),
                upcoming=upcoming,
            )
        )
    for case in cases:
        entries.append(
            TimelineEntry(case.created_at, case.created_at, "case_opened", _("Case opened"), case=case)
        )
        if case.resolved_at is not None:
            entries.append(
                TimelineEntry(
                    case.resolved_at, case.resolved_at, "case_resolved", _("Case resolved"), case=case
                )
            )
    order_of_kind = {"purchased": 0, "delivered": 1, "warranty_start": 2}
    entries.sort(key=lambda e: (e.sort_at, order_of_kind.get(e.kind, 3), e.case.pk if e.case else 0))
    return entries


def unit_record(*, viewer: User, unit_id: int, now: dt.datetime | None = None) -> UnitRecord:
    """The unit page: the unit with its product, owner and order, its warranty today, cases and life."""
    now = now or timezone.now()
    unit = (
        unit_list(viewer=viewer)
        .select_related("product__category", "owner__organisation", "order_line__order")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise NotFound(_("No such unit."))
    order = unit.order_line.order if unit.order_line is not None else None
    rows = list(
        visible_cases(viewer)
        .filter(unit=unit)
        .select_related(None)
        .select_related("team", "assignee")
        .order_by("-created_at", "-id")[: UNIT_CASES_LIMIT + 1]
    )
    cases = rows[:UNIT_CASES_LIMIT]
    return UnitRecord(
        unit=unit,
        order=order,
        warranty=unit_warranty_status(unit, now.astimezone(timezone.get_current_timezone()).date()),
        cases=cases,
        cases_truncated=len(rows) > UNIT_CASES_LIMIT,
        timeline=unit_timeline(unit, order, cases, now=now),
        partial_view=not sees_every_case(viewer),
    )


# --- product --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindShare:
    kind: str
    label: str
    count: int
    percent: Decimal


@dataclass(frozen=True)
class ProductRecord:
    product: Product
    units_sold: int
    units_registered: int
    cases_total: int
    cases_open: int
    kinds: list[KindShare]
    open_page: KeysetPage[Case]
    partial_view: bool

    @property
    def name(self) -> str:
        return self.product.display_name()

    @property
    def cases_per_100_units(self) -> Decimal | None:
        """Cases (all kinds, open or not) per 100 units sold: how often a sold unit needs help."""
        if not self.units_sold:
            return None
        return (Decimal(self.cases_total) * 100 / Decimal(self.units_sold)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def product_record(
    *, viewer: User, product_id: int, after: str | None = None, before: str | None = None
) -> ProductRecord:
    """The product page: sales and case figures, the most common case kinds, a page of its open cases.

    Units sold are the quantities on placed orders plus units registered without an order (bought
    elsewhere, or imported before their orders); a unit that came with an order is counted once.
    """
    product = product_get(viewer=viewer, product_id=product_id)
    cases = visible_cases(viewer).filter(product=product).select_related(None).order_by()
    sold = (
        order_list(viewer=viewer)
        .prefetch_related(None)
        .filter(status=Order.Status.PLACED, lines__product=product)
        .order_by()
        .aggregate(n=Coalesce(Sum("lines__quantity"), 0))
    )["n"]
    unit_counts = (
        unit_list(viewer=viewer)
        .select_related(None)
        .filter(product=product)
        .order_by()
        .aggregate(total=Count("pk"), loose=Count("pk", filter=Q(order_line__isnull=True)))
    )
    counts = cases.aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    kind_labels = dict(CaseKind.choices)
    kind_rows = cases.values("kind").annotate(n=Count("pk")).order_by("-n", "kind").values_list("kind", "n")
    kinds = [
        KindShare(kind, str(kind_labels.get(kind, kind)), n, percent(n, counts["total"]))
        for kind, n in kind_rows
    ]
    open_cases = (
        visible_cases(viewer).filter(product=product, status__in=OPEN_STATUSES).select_related("unit")
    )
    return ProductRecord(
        product=product,
        units_sold=int(sold) + unit_counts["loose"],
        units_registered=unit_counts["total"],
        cases_total=counts["total"],
        cases_open=counts["open"],
        kinds=kinds,
        open_page=page_of(open_cases, sort=NEWEST_FIRST, size=PAGE_SIZE, after=after, before=before),
        partial_view=not sees_every_case(viewer),
    )


# --- organisation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRecord:
    organisation: Organisation
    member_count: int
    members: KeysetPage[Customer]
    cases_total: int
    cases_open: int
    recent_cases: list[Case]
    unit_count: int
    latest_units: list[Unit]
    partial_view: bool


def organisation_record(
    *, viewer: User, organisation_id: int, after: str | None = None, before: str | None = None
) -> OrganisationRecord:
    """The organisation page: its members with their open cases, its recent cases, its members' units."""
    found = (
        organisation_list(viewer=viewer)
        .filter(pk=organisation_id)
        .annotate(
            member_count=_count(
                customer_list(viewer=viewer)
                .prefetch_related(None)
                .select_related(None)
                .filter(organisation=OuterRef("pk")),
                "organisation",
            ),
            unit_count=_count(
                unit_list(viewer=viewer).select_related(None).filter(owner__organisation=OuterRef("pk")),
                "owner__organisation",
            ),
        )
        .first()
    )
    if found is None:
        raise NotFound(_("No such organisation."))
    organisation = found
    cases = visible_cases(viewer)
    case_counts = (
        cases.filter(organisation=organisation)
        .select_related(None)
        .order_by()
        .aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    )
    members = (
        customer_list(viewer=viewer)
        .filter(organisation=organisation)
        .annotate(
            open_cases=_count(
                cases.select_related(None).filter(customer=OuterRef("pk"), status__in=OPEN_STATUSES),
                "customer",
            ),
            unit_count=_count(
                unit_list(viewer=viewer).select_related(None).filter(owner=OuterRef("pk")), "owner"
            ),
        )
        .select_related(None)
    )
    recent = list(
        cases.filter(organisation=organisation)
        .select_related(None)
        .select_related("customer", "team", "assignee")
        .order_by("-created_at", "-id")[:RECENT_CASES]
    )
    latest_units = list(
        unit_list(viewer=viewer)
        .select_related(None)
        .filter(owner__organisation=organisation)
        .select_related("product", "owner")
        .order_by("-created_at", "-id")[:LATEST_UNITS]
    )
    return OrganisationRecord(
        organisation=organisation,
        member_count=organisation.member_count,  # type: ignore[attr-defined]
        members=page_of(members, sort=BY_NAME, size=MEMBERS_PAGE_SIZE, after=after, before=before),
        cases_total=case_counts["total"],
        cases_open=case_counts["open"],
        recent_cases=recent,
        unit_count=organisation.unit_count,  # type: ignore[attr-defined]
        latest_units=latest_units,
        partial_view=not sees_every_case(viewer),
    )


# --- customer -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursors:
    """Where each list of a page starts: the `after`/`before` cursors from the address."""

    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    warranty: WarrantyBadge


@dataclass(frozen=True)
class OrderLineRow:
    line: OrderLine
    unit_price: str


@dataclass(frozen=True)
class OrderRow:
    """An order with its total and line prices written in the viewer's language."""

    order: Order
    total: str
    lines: list[OrderLineRow]


@dataclass(frozen=True)
class CustomerRecord:
    c360: Customer360
    cases_filter: str
    cases: KeysetPage[Case]
    units: KeysetPage[Unit]
    unit_rows: list[UnitRow]
    orders: KeysetPage[Order]
    order_rows: list[OrderRow]
    partial_view: bool

    @property
    def customer(self) -> Customer:
        return self.c360.customer


def customer_record(
    *,
    viewer: User,
    customer_id: int,
    cases_filter: str = "all",
    cases: Cursors | None = None,
    units: Cursors | None = None,
    orders: Cursors | None = None,
    now: dt.datetime | None = None,
) -> CustomerRecord:
    """The customer page: the 360, then every case (open or all), every unit and every order, a page at a time."""
    customer = customer_list(viewer=viewer).prefetch_related(None).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    cases_filter = cases_filter if cases_filter in CASE_FILTERS else "all"
    cases, units, orders = cases or Cursors(), units or Cursors(), orders or Cursors()
    today = (now or timezone.now()).astimezone(timezone.get_current_timezone()).date()
    case_rows = visible_cases(viewer).filter(customer=customer).select_related("unit")
    if cases_filter == "open":
        case_rows = case_rows.filter(status__in=OPEN_STATUSES)
    unit_page = page_of(
        unit_list(viewer=viewer).filter(owner=customer).select_related(None).select_related("product"),
        sort=NEWEST_FIRST,
        size=UNITS_PAGE_SIZE,
        after=units.after,
        before=units.before,
    )
    order_page = page_of(
        order_list(viewer=viewer).filter(customer=customer).select_related(None),
        sort=ORDERS_NEWEST_FIRST,
        size=ORDERS_PAGE_SIZE,
        after=orders.after,
        before=orders.before,
    )
    language = translation.get_language() or "en"
    order_rows = [
        OrderRow(
            order=order,
            total=format_money(order.total_amount, order.currency, language),
            lines=[
                OrderLineRow(line, format_money(line.unit_price, order.currency, language))
                for line in order.lines.all()
            ],
        )
        for order in order_page.items
    ]
    return CustomerRecord(
        c360=customer_360(viewer=viewer, customer=customer, limits=SIDEBAR_LIMITS),
        cases_filter=cases_filter,
        cases=page_of(case_rows, sort=NEWEST_FIRST, size=PAGE_SIZE, after=cases.after, before=cases.before),
        units=unit_page,
        unit_rows=[
            UnitRow(unit, WarrantyBadge(unit_warranty_status(unit, today))) for unit in unit_page.items
        ],
        orders=order_page,
        order_rows=order_rows,
        partial_view=not sees_every_case(viewer),
    )
