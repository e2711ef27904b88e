"""The customer 360: everything an agent should know about a customer at a glance, in a fixed number of queries.

`customer_360()` gathers what the case page's side panel and the customer page show: how to reach
the customer, their language and tier, organisation, units with their warranty, recent orders, past
cases and a few counts. It reads only what the viewer may see (cases through `case_list`).

Later issues add what they own (warranty claims, returns, surveys, SLA) as a `Section360`: a
provider function appended to `SECTION_PROVIDERS` returns the section (or None) and names the
template that draws it; `desk/records/_customer_360.html` renders every section in order, so the
case page and the customer page pick new sections up without changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from vafa.accounts.models import User
from vafa.core.money import format_money
from vafa.customers.models import ContactPoint, Customer, Organisation
from vafa.customers.selectors import customer_list
from vafa.sales.models import Order, OrderLine, Unit
from vafa.sales.selectors import WarrantyInfo, WarrantyState, order_list, unit_list, unit_warranty_status
from vafa.service.models import OPEN_STATUSES, Case, WarrantyStatus
from vafa.service.selectors import case_list

WARRANTY_BADGES = {
    WarrantyState.IN_WARRANTY: "text-bg-success",
    WarrantyState.EXTENDED: "text-bg-info",
    WarrantyState.EXPIRED: "text-bg-secondary",
    WarrantyState.NONE: "text-bg-light border",
}


@dataclass(frozen=True)
class WarrantyBadge:
    """A unit's warranty as a badge: text (never colour alone), a CSS class, the days left."""

    info: WarrantyInfo

    @property
    def status(self) -> str:
        return self.info.status

    @property
    def label(self) -> str:
        return str(WarrantyStatus(self.info.status).label)

    @property
    def css(self) -> str:
        return WARRANTY_BADGES.get(self.info.status, "text-bg-light border")

    @property
    def covered(self) -> bool:
        return self.info.status in (WarrantyState.IN_WARRANTY, WarrantyState.EXTENDED)

    @property
    def days_left(self) -> int:
        return self.info.days_left

    @property
    def ends_on(self) -> dt.date | None:
        return self.info.ends_on


@dataclass(frozen=True)
class UnitCard:
    unit: Unit
    warranty: WarrantyBadge

    @property
    def url(self) -> str:
        return reverse("desk:unit", args=[self.unit.pk])

    @property
    def product_name(self) -> str:
        return self.unit.product.display_name()


@dataclass(frozen=True)
class OrderCard:
    order: Order
    total: str
    lines: list[OrderLine] = field(default_factory=list)


@dataclass(frozen=True)
class CaseCard:
    case: Case

    @property
    def url(self) -> str:
        return reverse("desk:case", args=[self.case.number])

    @property
    def is_open(self) -> bool:
        return self.case.is_open


@dataclass(frozen=True)
class Spend:
    """What the customer paid in one currency, over all placed orders."""

    currency: str
    amount: Decimal
    display: str


@dataclass
class Section360:
    """A block of the customer 360 that a later issue adds: a title, a template and its data."""

    key: str
    title: str | Promise
    template: str
    data: Any = None
    count: int | None = None


@dataclass
class Customer360:
    """What the desk shows about one customer; built by `customer_360()`."""

    customer: Customer
    contact_points: list[ContactPoint]
    units: list[UnitCard]
    orders: list[OrderCard]
    cases: list[CaseCard]
    units_total: int = 0
    orders_total: int = 0
    orders_placed: int = 0
    spend: list[Spend] = field(default_factory=list)
    cases_total: int = 0
    cases_open: int = 0
    # The case being viewed is among `cases_total` but left out of `cases`.
    current_case_counted: bool = False
    sections: list[Section360] = field(default_factory=list)

    @property
    def organisation(self) -> Organisation | None:
        return self.customer.organisation

    @property
    def url(self) -> str:
        return reverse("desk:customer", args=[self.customer.pk])

    @property
    def organisation_url(self) -> str:
        organisation = self.customer.organisation
        if organisation is None:
            return ""
        return reverse("desk:organisation", args=[organisation.pk])

    @property
    def language_label(self) -> str:
        return str(self.customer.get_language_display())

    @property
    def tier_label(self) -> str:
        return str(self.customer.get_tier_display())

    @property
    def emails(self) -> list[ContactPoint]:
        return [p for p in self.contact_points if p.kind == ContactPoint.Kind.EMAIL]

    @property
    def phones(self) -> list[ContactPoint]:
        return [p for p in self.contact_points if p.kind == ContactPoint.Kind.PHONE]

    @property
    def more_units(self) -> int:
        return max(0, self.units_total - len(self.units))

    @property
    def more_orders(self) -> int:
        return max(0, self.orders_total - len(self.orders))

    @property
    def other_cases_total(self) -> int:
        """The cases besides the one being viewed."""
        return max(0, self.cases_total - int(self.current_case_counted))

    @property
    def more_cases(self) -> int:
        return max(0, self.cases_total - len(self.cases) - int(self.current_case_counted))


@dataclass(frozen=True)
class Limits:
    """How many rows of each list the 360 shows."""

    units: int = 10
    orders: int = 5
    cases: int = 10


SectionProvider = Callable[..., Section360 | None]
# Later issues append providers: provider(viewer=…, customer=…, limits=…) -> Section360 | None.
SECTION_PROVIDERS: list[SectionProvider] = []


def _count(queryset: Any, column: str) -> Coalesce:
    """A scalar subquery: how many rows of `queryset` (filtered on OuterRef) share `column`; 0 if none."""
    subquery = Subquery(
        queryset.order_by().values(column).annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )
    return Coalesce(subquery, 0)


def customer_360(
    *,
    viewer: User,
    customer: Customer,
    exclude_case: Case | None = None,
    limits: Limits | None = None,
) -> Customer360:
    """Gather the customer 360 of `customer` as `viewer` may see it.

    Seven queries whatever the customer's history (plus one to read an agent's teams for the case
    scope): the counts, the contact points, the units, the orders, their lines, the spend per
    currency and the past cases. `exclude_case` leaves the case being viewed out of the past cases.
    """
    limits = limits or Limits()
    today = timezone.localdate()
    language = translation.get_language() or "en"
    cases_of = case_list(viewer=viewer).filter(merged_into__isnull=True)
    counts = (
        customer_list(viewer=viewer)
        .filter(pk=customer.pk)
        .prefetch_related(None)
        .select_related(None)
        .annotate(
            units_total=_count(unit_list(viewer=viewer).filter(owner=OuterRef("pk")), "owner"),
            cases_total=_count(cases_of.filter(customer=OuterRef("pk")), "customer"),
            cases_open=_count(cases_of.filter(customer=OuterRef("pk"), status__in=OPEN_STATUSES), "customer"),
        )
        .values("units_total", "cases_total", "cases_open")
        .first()
    ) or {"units_total": 0, "cases_total": 0, "cases_open": 0}
    contact_points = list(
        ContactPoint.objects.filter(customer=customer).order_by("-is_primary", "kind", "id")
    )
    units = [
        UnitCard(unit=unit, warranty=WarrantyBadge(unit_warranty_status(unit, today)))
        for unit in unit_list(viewer=viewer)
        .filter(owner=customer)
        .select_related(None)
        .select_related("product")
        .order_by("-created_at", "-id")[: limits.units]
    ]
    recent_orders = (
        order_list(viewer=viewer)
        .filter(customer=customer)
        .prefetch_related(None)
        .select_related(None)
        .order_by("-placed_at", "-id")
    )
    # The lines are read by a subquery on the same latest orders, so their query runs (once) even
    # when the customer has no orders: the page's query count does not depend on the history.
    lines: dict[int, list[OrderLine]] = {}
    for line in (
        OrderLine.objects.filter(order_id__in=recent_orders.values("pk")[: limits.orders])
        .select_related("product")
        .order_by("order_id", "id")
    ):
        lines.setdefault(line.order_id, []).append(line)
    orders = [
        OrderCard(
            order=order,
            total=format_money(order.total_amount, order.currency, language),
            lines=lines.get(order.pk, []),
        )
        for order in recent_orders[: limits.orders]
    ]
    placed = Q(status=Order.Status.PLACED)
    per_currency = list(
        order_list(viewer=viewer)
        .filter(customer=customer)
        .prefetch_related(None)
        .select_related(None)
        .order_by()
        .values("currency")
        .annotate(
            n=Count("pk"),
            n_placed=Count("pk", filter=placed),
            amount=Sum("total_amount", filter=placed),
        )
        .order_by("currency")
    )
    spend = [
        Spend(
            currency=row["currency"],
            amount=row["amount"],
            display=format_money(row["amount"], row["currency"], language),
        )
        for row in per_currency
        if row["amount"]
    ]
    past = cases_of.filter(customer=customer).select_related(None).select_related("assignee")
    current_counted = (
        exclude_case is not None
        and exclude_case.customer_id == customer.pk
        and exclude_case.merged_into_id is None
    )
    if exclude_case is not None:
        past = past.exclude(pk=exclude_case.pk)
    cases = [
        CaseCard(case=case)
        for case in past.only(
            "number",
            "subject",
            "status",
            "priority",
            "kind",
            "created_at",
            "updated_at",
            "customer_id",
            "assignee__full_name",
            "assignee__email",
        ).order_by("-created_at", "-id")[: limits.cases]
    ]
    result = Customer360(
        customer=customer,
        contact_points=contact_points,
        units=units,
        orders=orders,
        cases=cases,
        units_total=counts["units_total"],
        orders_total=sum(int(row["n"]) for row in per_currency),
        orders_placed=sum(int(row["n_placed"]) for row in per_currency),
        spend=spend,
        cases_total=counts["cases_total"],
        cases_open=counts["cases_open"],
        current_case_counted=current_counted,
    )
    for provider in SECTION_PROVIDERS:
        section = provider(viewer=viewer, customer=customer, limits=limits)
        if section is not None:
            result.sections.append(section)
    return result
