"""The after-sales report: how often each product comes back, why, how fast repairs turn round, and
what warranty and goodwill cost — every figure aggregated in the database.

The period is a range of days in the site's time zone, both ends included. A fixed number of
queries (one per figure group) whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.aftersales.models import (
    ClaimReason,
    CostEntry,
    RepairOrder,
    ReturnReason,
    ReturnRequest,
    WarrantyClaim,
)
from vafa.catalog.models import Product
from vafa.core.money import default_currency
from vafa.sales.models import Order, OrderLine

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
SECONDS_PER_DAY = Decimal(86400)


@dataclass(frozen=True)
class ProductRow:
    """One product's after-sales figures for the period; rates are per 1,000 units sold."""

    product: Product | None
    name: str
    units_sold: int
    claims: int
    returns: int
    returned_units: int
    claim_rate: Decimal | None
    return_rate: Decimal | None
    warranty_cost: Decimal
    total_cost: Decimal


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Turnaround:
    """Days from a repair's arrival to its being ready, for repairs ready in the period."""

    count: int
    mean_days: Decimal | None
    median_days: Decimal | None


@dataclass(frozen=True)
class TeamSpend:
    team_id: int | None
    team: str
    amount: Decimal


@dataclass(frozen=True)
class ReportTotals:
    units_sold: int
    claims: int
    returns: int
    returned_units: int
    claim_rate: Decimal | None
    return_rate: Decimal | None
    warranty_cost: Decimal
    total_cost: Decimal
    goodwill_cost: Decimal


@dataclass(frozen=True)
class AftersalesReport:
    start: dt.date
    end: dt.date
    currency: str
    rows: list[ProductRow]
    return_reasons: list[ReasonCount]
    claim_reasons: list[ReasonCount]
    turnaround: Turnaround
    goodwill_by_team: list[TeamSpend]
    totals: ReportTotals


def per_thousand(count: int, sold: int) -> Decimal | None:
    """`count` per 1,000 units sold, to two places; None when nothing was sold."""
    if not sold:
        return None
    return (Decimal(count) * 1000 / Decimal(sold)).quantize(CENT, rounding=ROUND_HALF_UP)


def _days(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / SECONDS_PER_DAY).quantize(TENTH, rounding=ROUND_HALF_UP)


def _in_period(field: str, start: dt.date, end: dt.date) -> Q:
    """Datetimes on the days start…end (inclusive) in the site's time zone."""
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return Q(**{f"{field}__gte": since, f"{field}__lt": until})


def _counts_by(queryset: QuerySet, key: str, **sums: F | str) -> dict[int | None, dict]:
    aggregates = {"n": Count("id"), **{name: Sum(column) for name, column in sums.items()}}
    return {row[key]: row for row in queryset.order_by().values(key).annotate(**aggregates)}


def _reasons(queryset: QuerySet, choices: type[TextChoices]) -> list[ReasonCount]:
    labels = dict(choices.choices)
    rows = queryset.order_by().values("reason").annotate(n=Count("id")).order_by("-n", "reason")
    return [
        ReasonCount(code=row["reason"], label=str(labels.get(row["reason"], row["reason"])), count=row["n"])
        for row in rows
    ]


def _turnaround(start: dt.date, end: dt.date) -> Turnaround:
    # One column of durations (computed by the database) is read and its median taken here: a
    # portable choice (SQLite has no percentile function) that stays cheap for hundreds of
    # thousands of repairs a period.
    durations = list(
        RepairOrder.objects.filter(_in_period("ready_at", start, end))
        .annotate(took=ExpressionWrapper(F("ready_at") - F("received_at"), output_field=DurationField()))
        .values_list("took", flat=True)
    )
    if not durations:
        return Turnaround(count=0, mean_days=None, median_days=None)
    seconds = [d.total_seconds() for d in durations]
    return Turnaround(
        count=len(seconds),
        mean_days=_days(statistics.fmean(seconds)),
        median_days=_days(statistics.median(seconds)),
    )


def aftersales_report(*, start: dt.date, end: dt.date) -> AftersalesReport:
    """Claim and return rates, defect reasons, repair turnaround and costs for the days start…end."""
    sold: dict[int | None, int] = {
        row["product"]: row["quantity_sold"]
        for row in OrderLine.objects.filter(_in_period("order__placed_at", start, end))
        .exclude(order__status=Order.Status.CANCELLED)
        .order_by()
        .values("product")
        .annotate(quantity_sold=Sum("quantity"))
    }
    claims_in_period = WarrantyClaim.objects.filter(_in_period("created_at", start, end))
    returns_in_period = ReturnRequest.objects.filter(_in_period("created_at", start, end))
    claims = _counts_by(claims_in_period, "unit__product")
    returns = _counts_by(returns_in_period, "order_line__product", units="quantity")
    costs = {
        row["product"]: row
        for row in CostEntry.objects.filter(incurred_on__gte=start, incurred_on__lte=end)
        .order_by()
        .values("product")
        .annotate(total=Sum("amount_company"), warranty=Sum("amount_company", filter=Q(under_warranty=True)))
    }
    product_ids = {pk for pk in (*sold, *claims, *returns, *costs) if pk is not None}
    products = Product.objects.in_bulk(product_ids)

    rows = []
    for pk in [*sorted(product_ids), None]:
        if pk is None and pk not in costs:
            continue
        units = sold.get(pk) or 0
        claim_count = claims[pk]["n"] if pk in claims else 0
        return_count = returns[pk]["n"] if pk in returns else 0
        returned_units = (returns[pk]["units"] or 0) if pk in returns else 0
        product = None if pk is None else products.get(pk)
        rows.append(
            ProductRow(
                product=product,
                name=product.display_name() if product is not None else str(_("No product")),
                units_sold=units,
                claims=claim_count,
                returns=return_count,
                returned_units=returned_units,
                claim_rate=per_thousand(claim_count, units),
                return_rate=per_thousand(returned_units, units),
                warranty_cost=(costs[pk]["warranty"] or ZERO) if pk in costs else ZERO,
                total_cost=(costs[pk]["total"] or ZERO) if pk in costs else ZERO,
            )
        )
    rows.sort(key=lambda r: (r.product is None, -r.units_sold, r.name))

    goodwill = [
        TeamSpend(
            team_id=row["case__team"],
            team=row["case__team__name"] or str(_("No team")),
            amount=row["total"],
        )
        for row in CostEntry.objects.filter(
            kind=CostEntry.Kind.GOODWILL, incurred_on__gte=start, incurred_on__lte=end
        )
        .order_by()
        .values("case__team", "case__team__name")
        .annotate(total=Sum("amount_company"))
        .order_by("-total", "case__team__name")
    ]

    units_sold = sum(r.units_sold for r in rows)
    claim_total = sum(r.claims for r in rows)
    returned_total = sum(r.returned_units for r in rows)
    totals = ReportTotals(
        units_sold=units_sold,
        claims=claim_total,
        returns=sum(r.returns for r in rows),
        returned_units=returned_total,
        claim_rate=per_thousand(claim_total, units_sold),
        return_rate=per_thousand(returned_total, units_sold),
        warranty_cost=sum((r.warranty_cost for r in rows), ZERO),
        total_cost=sum((r.total_cost for r in rows), ZERO),
        goodwill_cost=sum((g.amount for g in goodwill), ZERO),
    )
    return AftersalesReport(
        start=start,
        end=end,
        currency=default_currency(),
        rows=rows,
        return_reasons=_reasons(returns_in_period, ReturnReason),
        claim_reasons=_reasons(
            WarrantyClaim.objects.filter(
                _in_period("decided_at", start, end), status=WarrantyClaim.Status.REJECTED
            ).exclude(reason=""),
            ClaimReason,
        ),
        turnaround=_turnaround(start, end),
        goodwill_by_team=goodwill,
        totals=totals,
    )
