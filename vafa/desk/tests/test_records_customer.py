"""The customer page: the 360, then every case (open or all), unit and order, a page at a time."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from vafa.catalog.tests.factories import ProductFactory
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.desk.records import customer_record
from vafa.sales.models import Order
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.services import case_resolve
from vafa.service.tests.factories import make_case

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(time_machine, moment: dt.datetime) -> None:
    time_machine.move_to(moment, tick=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def section(response, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', response.text, re.S)
    assert match is not None, section_id
    return match.group(0)


def listed_cases(response) -> list[int]:
    return [int(n) for n in re.findall(r'data-case="(\d+)"', section(response, "customer-cases"))]


@pytest.fixture
def history(db, time_machine, customer, team, other_team, admin_user):
    """Sara: in an organisation, two units (one expired), two orders, cases in and out of the agent's team."""
    at(time_machine, dt.datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    organisation = OrganisationFactory(name="Ahmadi Trading")
    customer.organisation = organisation
    customer.save(update_fields=["organisation"])
    phone = ProductFactory(sku="PH-1", name="Phone One")
    kettle = ProductFactory(sku="KT-1", name="Kettle")
    old_order = OrderFactory(
        number="ORD-OLD",
        customer=customer,
        placed_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=UTC),
        total_amount="200.00",
    )
    OrderLineFactory(order=old_order, product=kettle, quantity=2, unit_price="100.00")
    new_order = OrderFactory(
        number="ORD-NEW",
        customer=customer,
        placed_at=dt.datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
        total_amount="900.00",
        currency="USD",
    )
    line = OrderLineFactory(order=new_order, product=phone, quantity=1, unit_price="900.00")
    OrderFactory(number="ORD-GONE", customer=customer, status=Order.Status.CANCELLED, total_amount="0")
    expired = UnitFactory(
        product=kettle,
        serial_number="KT-OLD",
        owner=customer,
        purchased_on=dt.date(2024, 1, 10),
        delivered_on=dt.date(2024, 1, 10),
        warranty_start=dt.date(2024, 1, 10),
        warranty_end=dt.date(2025, 1, 10),
    )
    at(time_machine, dt.datetime(2025, 12, 2, 9, 0, tzinfo=UTC))
    covered = UnitFactory(
        product=phone,
        serial_number="PH-NEW",
        owner=customer,
        order_line=line,
        purchased_on=dt.date(2025, 12, 1),
        delivered_on=dt.date(2025, 12, 2),
        warranty_start=dt.date(2025, 12, 2),
        warranty_end=dt.date(2026, 12, 2),
    )
    at(time_machine, dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    mine = make_case(customer, unit=covered, team=team, subject="Phone will not charge")
    at(time_machine, dt.datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    hidden = make_case(customer, team=other_team, subject="Billing question")
    at(time_machine, dt.datetime(2026, 1, 7, 9, 0, tzinfo=UTC))
    done = make_case(customer, unit=expired, subject="Kettle leaks")
    case_resolve(actor=admin_user, case=done)
    at(time_machine, NOW)
    return {
        "mine": mine,
        "hidden": hidden,
        "done": done,
        "covered": covered,
        "expired": expired,
        "org": organisation,
    }


def test_the_customer_page_for_a_manager(desk_as, manager, customer, history):
    response = desk_as(manager).get(f"/desk/customers/{customer.pk}/")

    assert response.status_code == 200
    page = response.text
    assert '<h1 class="h3 mb-0 desk-wrap" dir="auto">Sara Ahmadi</h1>' in page
    assert f'<a href="/desk/organisations/{history["org"].pk}/"><bdi>Ahmadi Trading</bdi></a>' in page
    assert '<dd data-figure="open-cases">2</dd>' in page
    assert '<dd data-figure="cases-total">3</dd>' in page
    assert '<dd data-figure="units">2</dd>' in page
    assert '<dd data-figure="orders">2</dd>' in page
    # the 360 partial is there, with its contact block
    assert "sara@example.test" in page
    assert 'class="case-c360"' in page
    assert listed_cases(response) == [
        history["done"].number,
        history["hidden"].number,
        history["mine"].number,
    ]
    units = section(response, "customer-units")
    assert [text_of(row) for row in re.findall(r"<tr data-row-link[^>]*>(.*?)</tr>", units, re.S)] == [
        "PH-NEW Phone One 2025-12-01 In warranty until 2026-12-02",
        "KT-OLD Kettle 2024-01-10 Warranty expired ended 2025-01-10",
    ]
    orders = section(response, "customer-orders")
    assert re.findall(r'data-order="([^"]+)"', orders) == ["ORD-NEW", "ORD-OLD", "ORD-GONE"]
    articles = [text_of(a) for a in re.findall(r"<article.*?</article>", orders, re.S)]
    assert articles == [
        "ORD-NEW 2025-12-01 09:00 · Online shop $900.00 Lines of order ORD-NEW Product Quantity Unit price"
        " Phone One PH-1 1 $900.00",
        "ORD-OLD 2024-01-10 09:00 · Online shop IRR200.00 Lines of order ORD-OLD Product Quantity Unit price"
        " Kettle KT-1 2 IRR100.00",
        "ORD-GONE 2023-12-11 09:00 · Online shop Cancelled IRR0.00 Only the total is known for this order.",
    ]
    assert f'href="/desk/units/{history["covered"].pk}/"' in units
    assert f'href="/desk/products/{history["covered"].product_id}/"' in units


def test_the_open_filter_lists_only_open_cases(desk_as, manager, customer, history):
    response = desk_as(manager).get(f"/desk/customers/{customer.pk}/", {"cases": "open"})

    assert listed_cases(response) == [history["hidden"].number, history["mine"].number]
    assert 'aria-current="page" href="?cases=open#customer-cases"' in response.text


def test_an_unknown_filter_lists_all(manager, customer, history):
    record = customer_record(viewer=manager, customer_id=customer.pk, cases_filter="closed'--")

    assert record.cases_filter == "all"
    assert len(record.cases.items) == 3


def test_an_agent_sees_and_counts_only_the_customers_cases_in_scope(desk_as, agent, customer, history):
    response = desk_as(agent).get(f"/desk/customers/{customer.pk}/")

    assert response.status_code == 200
    assert listed_cases(response) == [history["done"].number, history["mine"].number]
    assert "Billing question" not in response.text
    assert '<dd data-figure="open-cases">1</dd>' in response.text
    assert '<dd data-figure="cases-total">2</dd>' in response.text


def test_cases_come_25_a_page_and_keep_the_filter(desk_as, manager, customer, history, time_machine):
    numbers = []
    for i in range(30):
        at(time_machine, NOW + dt.timedelta(minutes=i))
        numbers.append(make_case(customer, subject=f"Case {i}").number)
    client = desk_as(manager)
    url = f"/desk/customers/{customer.pk}/"
    newest_first = list(reversed(numbers)) + [history["hidden"].number, history["mine"].number]

    first = client.get(url, {"cases": "open"})
    next_link = unescape(re.search(r'rel="next" href="([^"]+)"', section(first, "customer-cases")).group(1))
    second = client.get(url + next_link)

    assert next_link.startswith("?cases=open&after=")
    assert listed_cases(first) == newest_first[:25]
    assert listed_cases(second) == newest_first[25:]


def test_units_and_orders_page_on_their_own(desk_as, manager, customer, history):
    for i in range(55):
        UnitFactory(owner=customer, serial_number=f"MANY-{i:02d}")
    client = desk_as(manager)
    url = f"/desk/customers/{customer.pk}/"

    first = client.get(url)
    units = section(first, "customer-units")
    next_link = unescape(re.search(r'rel="next" href="([^"]+)"', units).group(1))
    second = client.get(url + next_link)

    assert len(re.findall(r"data-unit=", units)) == 50
    assert next_link.startswith("?units_after=")
    assert len(re.findall(r"data-unit=", section(second, "customer-units"))) == 7
    # the cases list did not move
    assert listed_cases(second) == listed_cases(first)


def test_the_customer_page_makes_the_same_number_of_queries_with_few_and_many_rows(
    desk_as, manager, customer, history, django_assert_num_queries
):
    client = desk_as(manager)
    url = f"/desk/customers/{customer.pk}/"
    client.get(url)

    # Among them the bar's quarantine badge (managers and admins).
    with django_assert_num_queries(17) as few:
        client.get(url)

    for i in range(30):
        unit = UnitFactory(owner=customer)
        order = OrderFactory(customer=customer)
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
        make_case(customer, unit=unit, subject=f"More {i}")

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(listed_cases(response)) == 25


def test_another_customers_page_is_404_for_a_customer(desk_as, customer_user, other_customer):
    response = desk_as(customer_user).get(f"/desk/customers/{other_customer.pk}/")

    assert response.status_code == 404


def test_a_customer_without_history(desk_as, manager):
    lonely = CustomerFactory(name="New Person")

    response = desk_as(manager).get(f"/desk/customers/{lonely.pk}/")

    assert response.status_code == 200
    assert listed_cases(response) == []
    assert "No units registered." in section(response, "customer-units")
    assert "No orders." in section(response, "customer-orders")
