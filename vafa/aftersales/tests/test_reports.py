"""The after-sales report on a small hand-made data set, figure by figure."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from vafa.aftersales.models import (
    ClaimReason,
    CostEntry,
    RepairOrder,
    ReturnReason,
    ReturnRequest,
    ServiceLocation,
    WarrantyClaim,
)
from vafa.aftersales.reports import (
    ReasonCount,
    TeamSpend,
    Turnaround,
    aftersales_report,
    per_thousand,
)
from vafa.catalog.tests.factories import ProductFactory
from vafa.sales.models import Order
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
JAN_1, JAN_31 = dt.date(2030, 1, 1), dt.date(2030, 1, 31)


def _at(day: int, hour: int = 10, month: int = 1, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=dt.UTC)


def _sold(product, quantity, placed_at, *, status=Order.Status.PLACED):
    order = OrderFactory(placed_at=placed_at, status=status)
    return OrderLineFactory(order=order, product=product, quantity=quantity)


def _claim(case, created_at, **fields):
    claim = WarrantyClaim.objects.create(
        number=next(_numbers), case=case, customer=case.customer, unit=case.unit, **fields
    )
    WarrantyClaim.objects.filter(pk=claim.pk).update(created_at=created_at)
    return claim


def _rejected(case, created_at, reason, decided_at):
    return _claim(
        case, created_at, status=WarrantyClaim.Status.REJECTED, reason=reason, decided_at=decided_at
    )


def _return(case, order_line, reason, quantity, created_at):
    rma = ReturnRequest.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        order_line=order_line,
        reason=reason,
        quantity=quantity,
    )
    ReturnRequest.objects.filter(pk=rma.pk).update(created_at=created_at)
    return rma


def _repair(case, location, received_at, ready_at=None):
    return RepairOrder.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        unit=case.unit,
        location=location,
        currency="IRR",
        received_at=received_at,
        ready_at=ready_at,
    )


def _cost(case, kind, amount, on, *, product=None, under_warranty=False):
    return CostEntry.objects.create(
        case=case,
        customer=case.customer,
        product=product,
        kind=kind,
        under_warranty=under_warranty,
        amount=Decimal(amount),
        currency="IRR",
        amount_company=Decimal(amount),
        source=f"test:{next(_numbers)}",
        incurred_on=on,
    )


@pytest.fixture
def data(customer, team, other_team):
    """January 2030: phones (2,000 sold), tablets (400 sold), chargers (none sold), and their care."""
    phone = ProductFactory(name="Phone")
    tablet = ProductFactory(name="Tablet")
    charger = ProductFactory(name="Charger")
    # Sales: two phone orders in January; a cancelled one, one in February and one on New Year's
    # Eve do not count.
    _sold(phone, 1500, _at(5))
    _sold(phone, 500, _at(31, 23, minute=59))
    _sold(phone, 300, _at(10), status=Order.Status.CANCELLED)
    _sold(phone, 100, _at(1, 0, month=2))
    _sold(phone, 70, dt.datetime(2029, 12, 31, 23, 59, tzinfo=dt.UTC))
    _sold(tablet, 400, _at(12))
    # The orders the returns are on were placed before the period.
    december = dt.datetime(2029, 12, 1, tzinfo=dt.UTC)
    charger_line = _sold(charger, 1, december)
    phone_line = _sold(phone, 4, december)
    tablet_line = _sold(tablet, 1, december)

    phone_case = make_case(customer, team=team, unit=UnitFactory(owner=customer, product=phone))
    tablet_case = make_case(customer, team=other_team, unit=UnitFactory(owner=customer, product=tablet))
    charger_case = make_case(customer, unit=UnitFactory(owner=customer, product=charger))
    loose_case = make_case(customer)

    # Claims: three on phones in January (two rejected in January), one on a tablet; a phone claim in
    # February and a rejection decided in February do not count.
    _claim(phone_case, _at(3))
    _rejected(phone_case, _at(8), ClaimReason.PHYSICAL_DAMAGE, _at(9))
    _rejected(phone_case, _at(31, 23, minute=30), ClaimReason.LIQUID_DAMAGE, _at(31, 23, minute=45))
    _claim(tablet_case, _at(20))
    _rejected(phone_case, _at(1, 0, month=2), ClaimReason.NO_PROOF, _at(2, month=2))

    # Returns: phones 3 + 1 units, a tablet, a charger; one in February does not count.
    _return(phone_case, phone_line, ReturnReason.DEFECTIVE, 3, _at(15))
    _return(phone_case, phone_line, ReturnReason.CHANGED_MIND, 1, _at(16))
    _return(tablet_case, tablet_line, ReturnReason.DEFECTIVE, 1, _at(21))
    _return(charger_case, charger_line, ReturnReason.WRONG_ITEM, 1, _at(22))
    _return(phone_case, phone_line, ReturnReason.DEFECTIVE, 1, _at(3, month=2))

    # Repairs ready in January after 2, 3 and 7.5 days; one ready in February, one not ready.
    location = ServiceLocation.objects.create(code="thr", name="Tehran", address="1 Workshop Street")
    _repair(phone_case, location, _at(1), _at(3))
    _repair(phone_case, location, _at(10), _at(13))
    _repair(tablet_case, location, _at(20), _at(27, 22))
    _repair(phone_case, location, _at(28), _at(2, month=2))
    _repair(phone_case, location, _at(29))

    # Costs in January; one in February does not count.
    _cost(phone_case, CostEntry.Kind.PARTS, "300.00", JAN_1, product=phone, under_warranty=True)
    _cost(phone_case, CostEntry.Kind.LABOUR, "200.00", JAN_31, product=phone, under_warranty=True)
    _cost(phone_case, CostEntry.Kind.SHIPPING, "50.00", dt.date(2030, 1, 15), product=phone)
    _cost(phone_case, CostEntry.Kind.GOODWILL, "120.00", dt.date(2030, 1, 15), product=phone)
    _cost(tablet_case, CostEntry.Kind.REFUND, "400.00", dt.date(2030, 1, 21), product=tablet)
    _cost(tablet_case, CostEntry.Kind.GOODWILL, "30.00", dt.date(2030, 1, 21), product=tablet)
    _cost(loose_case, CostEntry.Kind.GOODWILL, "80.00", dt.date(2030, 1, 25))
    _cost(phone_case, CostEntry.Kind.PARTS, "999.00", dt.date(2030, 2, 1), product=phone, under_warranty=True)
    return {"phone": phone, "tablet": tablet, "charger": charger}


def test_rates_and_costs_per_product(data):
    report = aftersales_report(start=JAN_1, end=JAN_31)

    rows = [
        (
            r.name,
            r.units_sold,
            r.claims,
            r.returns,
            r.returned_units,
            r.claim_rate,
            r.return_rate,
            r.warranty_cost,
            r.total_cost,
        )
        for r in report.rows
    ]
    assert rows == [
        ("Phone", 2000, 3, 2, 4, Decimal("1.50"), Decimal("2.00"), Decimal("500.00"), Decimal("670.00")),
        ("Tablet", 400, 1, 1, 1, Decimal("2.50"), Decimal("2.50"), Decimal("0"), Decimal("430.00")),
        ("Charger", 0, 0, 1, 1, None, None, Decimal("0"), Decimal("0")),
        ("No product", 0, 0, 0, 0, None, None, Decimal("0"), Decimal("80.00")),
    ]
    assert report.rows[0].product == data["phone"]
    assert report.rows[3].product is None
    assert report.currency == "IRR"


def test_totals(data):
    totals = aftersales_report(start=JAN_1, end=JAN_31).totals

    assert totals.units_sold == 2400
    assert totals.claims == 4
    assert totals.returns == 4
    assert totals.returned_units == 6
    # 4 claims on 2,400 units: 1.666… per 1,000; 6 returned units: 2.5 per 1,000
    assert totals.claim_rate == Decimal("1.67")
    assert totals.return_rate == Decimal("2.50")
    assert totals.warranty_cost == Decimal("500.00")
    assert totals.total_cost == Decimal("1180.00")
    assert totals.goodwill_cost == Decimal("230.00")


def test_defect_reasons_with_labels(data):
    report = aftersales_report(start=JAN_1, end=JAN_31)

    assert report.return_reasons == [
        ReasonCount("defective", "Defective", 2),
        ReasonCount("changed_mind", "Changed mind", 1),
        ReasonCount("wrong_item", "Wrong item delivered", 1),
    ]
    assert report.claim_reasons == [
        ReasonCount("liquid_damage", "Liquid damage", 1),
        ReasonCount("physical_damage", "Physical damage", 1),
    ]


def test_repair_turnaround(data):
    turnaround = aftersales_report(start=JAN_1, end=JAN_31).turnaround

    # 2, 3 and 7.5 days: the mean is 4.1666…, the median 3
    assert turnaround == Turnaround(count=3, mean_days=Decimal("4.2"), median_days=Decimal("3.0"))


def test_goodwill_spend_per_team(data):
    report = aftersales_report(start=JAN_1, end=JAN_31)

    assert [(g.team, g.amount) for g in report.goodwill_by_team] == [
        ("Phones", Decimal("120.00")),
        ("No team", Decimal("80.00")),
        ("Appliances", Decimal("30.00")),
    ]
    assert report.goodwill_by_team[1] == TeamSpend(team_id=None, team="No team", amount=Decimal("80.00"))


def test_an_empty_period(data):
    report = aftersales_report(start=dt.date(2031, 1, 1), end=dt.date(2031, 1, 31))

    assert report.rows == []
    assert report.return_reasons == []
    assert report.claim_reasons == []
    assert report.turnaround == Turnaround(count=0, mean_days=None, median_days=None)
    assert report.goodwill_by_team == []
    assert report.totals.units_sold == 0
    assert report.totals.claim_rate is None
    assert report.totals.total_cost == Decimal("0")


def test_the_report_takes_a_fixed_number_of_queries(data, customer, django_assert_num_queries):
    # Sales, claims, returns, costs per product; the products; goodwill per team; the two reason
    # counts; the repair durations
    with django_assert_num_queries(9):
        aftersales_report(start=JAN_1, end=JAN_31)

    for _ in range(5):
        _sold(ProductFactory(), 10, _at(7))
    with django_assert_num_queries(9):
        report = aftersales_report(start=JAN_1, end=JAN_31)
    assert len(report.rows) == 9


def test_per_thousand():
    assert per_thousand(3, 2000) == Decimal("1.50")
    assert per_thousand(1, 3) == Decimal("333.33")
    assert per_thousand(0, 10) == Decimal("0.00")
    assert per_thousand(5, 0) is None
