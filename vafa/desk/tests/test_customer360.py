"""The customer 360 selector and its partial: what it gathers, what it hides, how many queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from vafa.customers.models import ContactPoint, Tier
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.desk.customer360 import SECTION_PROVIDERS, Limits, Section360, customer_360
from vafa.sales.models import Order
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service import services
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _unit(
    customer,
    serial: str,
    *,
    start_days_ago: int,
    end_in_days: int | None,
    extended_in_days: int | None = None,
):
    today = timezone.localdate()
    return UnitFactory(
        owner=customer,
        serial_number=serial,
        purchased_on=today - dt.timedelta(days=start_days_ago + 2),
        delivered_on=today - dt.timedelta(days=start_days_ago),
        warranty_start=today - dt.timedelta(days=start_days_ago),
        warranty_end=None if end_in_days is None else today + dt.timedelta(days=end_in_days),
        extended_warranty_end=None
        if extended_in_days is None
        else today + dt.timedelta(days=extended_in_days),
    )


def test_contact_language_tier_and_organisation(admin_user):
    organisation = OrganisationFactory(name="Pars Retail", tier=Tier.GOLD)
    customer = CustomerFactory(
        name="Reza", language="fa", tier=Tier.VIP, organisation=organisation, email__value="reza@example.test"
    )
    ContactPoint.objects.create(customer=customer, kind="phone", value="+989121234567")

    c360 = customer_360(viewer=admin_user, customer=customer)

    assert [(p.kind, p.value) for p in c360.contact_points] == [
        ("email", "reza@example.test"),
        ("phone", "+989121234567"),
    ]
    assert [p.value for p in c360.emails] == ["reza@example.test"]
    assert [p.value for p in c360.phones] == ["+989121234567"]
    assert (c360.language_label, c360.tier_label) == ("Persian", "VIP")
    assert c360.organisation == organisation
    assert c360.organisation_url == f"/desk/organisations/{organisation.pk}/"
    assert c360.url == f"/desk/customers/{customer.pk}/"


def test_units_carry_their_warranty_with_days_left(admin_user, customer):
    _unit(customer, "IN", start_days_ago=30, end_in_days=100)
    _unit(customer, "EXT", start_days_ago=400, end_in_days=-35, extended_in_days=330)
    _unit(customer, "OLD", start_days_ago=800, end_in_days=-435)
    _unit(customer, "NONE", start_days_ago=10, end_in_days=None)

    c360 = customer_360(viewer=admin_user, customer=customer)

    badges = {
        card.unit.serial_number: (card.warranty.status, card.warranty.days_left, card.warranty.label)
        for card in c360.units
    }
    assert badges == {
        "IN": ("in_warranty", 100, "In warranty"),
        "EXT": ("extended", 330, "Extended warranty"),
        "OLD": ("expired", 0, "Expired"),
        "NONE": ("none", 0, "No warranty"),
    }
    assert c360.units_total == 4
    assert {card.url for card in c360.units} == {f"/desk/units/{card.unit.pk}/" for card in c360.units}


def test_units_list_is_limited_but_counted(admin_user, customer):
    for index in range(4):
        _unit(customer, f"SN{index}", start_days_ago=index, end_in_days=10)

    c360 = customer_360(viewer=admin_user, customer=customer, limits=Limits(units=3))

    assert [card.unit.serial_number for card in c360.units] == ["SN3", "SN2", "SN1"]
    assert (c360.units_total, c360.more_units) == (4, 1)


def test_recent_orders_with_lines_totals_and_spend(admin_user, customer):
    now = timezone.now()
    orders = [
        OrderFactory(
            customer=customer,
            number=f"ORD-{i}",
            placed_at=now - dt.timedelta(days=i),
            total_amount=Decimal("100.00"),
            currency="USD",
        )
        for i in range(7)
    ]
    OrderLineFactory(order=orders[0], quantity=2, unit_price=Decimal("50.00"))
    Order.objects.filter(pk=orders[1].pk).update(status=Order.Status.CANCELLED)
    OrderFactory(
        customer=customer,
        number="ORD-EUR",
        placed_at=now - dt.timedelta(days=30),
        total_amount=Decimal("20.00"),
        currency="EUR",
    )

    c360 = customer_360(viewer=admin_user, customer=customer)

    assert [card.order.number for card in c360.orders] == ["ORD-0", "ORD-1", "ORD-2", "ORD-3", "ORD-4"]
    assert c360.orders[0].total == "$100.00"
    assert [(line.quantity, line.unit_price) for line in c360.orders[0].lines] == [(2, Decimal("50.00"))]
    assert c360.orders[1].lines == []
    assert (c360.orders_total, c360.orders_placed, c360.more_orders) == (8, 7, 3)
    assert [(s.currency, s.amount) for s in c360.spend] == [
        ("EUR", Decimal("20.00")),
        ("USD", Decimal("600.00")),
    ]


def test_past_cases_leave_out_the_current_one_and_merged_ones(admin_user, agent, customer):
    older = make_case(customer, subject="Older")
    merged = make_case(customer, subject="Merged away")
    current = make_case(customer, subject="Current")
    services.case_merge(actor=admin_user, source=merged, target=older)
    services.case_resolve(actor=admin_user, case=older)

    c360 = customer_360(viewer=admin_user, customer=customer, exclude_case=current)

    assert [(card.case.subject, card.case.status) for card in c360.cases] == [("Older", "resolved")]
    assert c360.cases[0].url == f"/desk/cases/{older.number}/"
    assert (c360.cases_total, c360.cases_open, c360.other_cases_total, c360.more_cases) == (2, 1, 1, 0)


def test_past_cases_are_limited_to_the_latest(admin_user, customer):
    cases = [make_case(customer, subject=f"case {i}") for i in range(5)]

    c360 = customer_360(viewer=admin_user, customer=customer, exclude_case=cases[-1], limits=Limits(cases=2))

    assert [card.case.subject for card in c360.cases] == ["case 3", "case 2"]
    assert c360.more_cases == 2


def test_agent_sees_only_the_cases_in_their_scope(agent, other_team, team, customer):
    make_case(customer, team=team, subject="Mine")
    make_case(customer, team=other_team, subject="Not mine")

    c360 = customer_360(viewer=agent, customer=customer)

    assert [card.case.subject for card in c360.cases] == ["Mine"]
    assert (c360.cases_total, c360.cases_open) == (1, 1)


def test_other_customers_records_do_not_leak_in(admin_user, customer, other_customer):
    _unit(other_customer, "THEIRS", start_days_ago=1, end_in_days=10)
    OrderFactory(customer=other_customer)
    make_case(other_customer)

    c360 = customer_360(viewer=admin_user, customer=customer)

    assert (c360.units, c360.orders, c360.cases) == ([], [], [])
    assert (c360.units_total, c360.orders_total, c360.cases_total) == (0, 0, 0)


def test_fixed_number_of_queries_whatever_the_history(admin_user, django_assert_num_queries):
    bare = CustomerFactory()
    rich = CustomerFactory()
    for index in range(12):
        _unit(rich, f"R{index}", start_days_ago=index, end_in_days=10)
        order = OrderFactory(customer=rich)
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
        make_case(rich, subject=f"rich {index}")

    # counts, contact points, units, orders, order lines, spend, past cases
    with django_assert_num_queries(7):
        customer_360(viewer=admin_user, customer=bare)
    with django_assert_num_queries(7):
        c360 = customer_360(viewer=admin_user, customer=rich)
        [card.lines for card in c360.orders]  # noqa: B018 - already loaded
        [card.unit.product.name for card in c360.units]  # noqa: B018
        [str(card.case.assignee) for card in c360.cases]  # noqa: B018


def test_later_issues_add_sections(admin_user, customer, monkeypatch):
    def claims(*, viewer, customer, limits):
        return Section360(key="claims", title="Warranty claims", template="desk/case/_presence.html", count=3)

    monkeypatch.setattr("vafa.desk.customer360.SECTION_PROVIDERS", [*SECTION_PROVIDERS, claims])

    c360 = customer_360(viewer=admin_user, customer=customer)

    assert [(s.key, s.count) for s in c360.sections] == [("claims", 3)]


def test_partial_renders_on_its_own_in_both_forms(admin_user, customer):
    _unit(customer, "SN-PARTIAL", start_days_ago=5, end_in_days=1)
    OrderFactory(customer=customer, number="ORD-PARTIAL")
    c360 = customer_360(viewer=admin_user, customer=customer)
    request = RequestFactory().get("/")
    request.user = admin_user

    compact = render_to_string(
        "desk/records/_customer_360.html", {"c360": c360, "compact": True}, request=request
    )
    full = render_to_string("desk/records/_customer_360.html", {"c360": c360}, request=request)

    assert '<h2 class="h5 mb-1" id="c360-name">' in compact
    assert '<h3 class="h6" id="c360-units">' in compact
    assert 'id="c360-name"' not in full
    assert '<h2 class="h5" id="c360-units">' in full
    assert "In warranty · 1 day left" in compact
    assert "SN-PARTIAL" in full and "ORD-PARTIAL" in full
