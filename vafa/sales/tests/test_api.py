"""The orders and units API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vafa.api.tests.helpers import error, patch, post
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import Order, OrderLine, Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders"
UNITS = "/api/v1/units"


# --- orders ---------------------------------------------------------------------------------------


def test_a_manager_records_an_order_with_lines_and_serials(api_as, manager, customer):
    phone = ProductFactory(sku="X200", warranty_policy=WarrantyPolicyFactory(months=24))
    cable = ProductFactory(sku="CABLE", is_serialised=False)

    response = post(
        api_as(manager),
        ORDERS,
        {
            "customer_id": customer.pk,
            "number": "S-1001",
            "placed_at": "2026-03-01T10:00:00+03:30",
            "currency": "IRR",
            "sales_channel": "store",
            "lines": [
                {"sku": "X200", "quantity": 2, "unit_price": "15000000", "serial_numbers": ["SN-A", "SN-B"]},
                {"product_id": cable.pk, "quantity": 1, "unit_price": 250000},
            ],
        },
    )

    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == order.pk
    assert body["total_amount"] == "30250000.00"
    assert body["placed_at"] == "2026-03-01T06:30:00Z"
    assert [(line["product"]["sku"], line["quantity"], line["line_total"]) for line in body["lines"]] == [
        ("X200", 2, "30000000.00"),
        ("CABLE", 1, "250000.00"),
    ]
    units = Unit.objects.order_by("serial_number")
    assert [(u.serial_number, u.owner_id, u.product_id) for u in units] == [
        ("SN-A", customer.pk, phone.pk),
        ("SN-B", customer.pk, phone.pk),
    ]
    assert units[0].warranty_end == dt.date(2028, 3, 1)


def test_an_order_may_carry_only_its_total(api_as, admin_user, customer):
    response = post(
        api_as(admin_user),
        ORDERS,
        {
            "customer_id": customer.pk,
            "number": "S-2",
            "placed_at": "2026-03-01T10:00:00Z",
            "total_amount": 99.5,
        },
    )

    assert response.status_code == 201
    assert (response.json()["total_amount"], response.json()["lines"]) == ("99.50", [])


def test_an_order_needs_lines_or_a_total(api_as, admin_user, customer):
    response = post(
        api_as(admin_user),
        ORDERS,
        {"customer_id": customer.pk, "number": "S-3", "placed_at": "2026-03-01T10:00:00Z"},
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["lines"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 987654}, "customer_id"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"placed_at": 1767225600}, "placed_at"),
        ({"placed_at": "9999-12-31T23:59:59-14:00"}, "placed_at"),
        ({"lines": [{"sku": "NOPE", "unit_price": 1}]}, "lines.0.sku"),
        ({"lines": [{"unit_price": 1}]}, "lines.0.sku"),
        ({"lines": [{"sku": "K1", "quantity": 0, "unit_price": 1}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "K1", "quantity": "2", "unit_price": 1}]}, "lines.0.quantity"),
        (
            {"lines": [{"sku": "K1", "quantity": 1, "unit_price": 1, "serial_numbers": ["A", "B"]}]},
            "lines.0.serial_numbers",
        ),
        ({"sales_channel": "fax"}, "sales_channel"),
        ({"currency": "ABCD"}, "currency"),
    ],
)
def test_creating_an_order_refuses_invalid_fields(api_as, admin_user, customer, change, field):
    ProductFactory(sku="K1")

    response = post(
        api_as(admin_user),
        ORDERS,
        {
            "customer_id": customer.pk,
            "number": "S-4",
            "placed_at": "2026-03-01T10:00:00Z",
            "total_amount": 1,
            **change,
        },
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]
    assert Order.objects.count() == 0
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("who", ["agent", "customer_user"])
def test_agents_and_customers_cannot_record_orders(request, api_as, who, customer):
    response = post(
        api_as(request.getfixturevalue(who)),
        ORDERS,
        {
            "customer_id": customer.pk,
            "number": "S-5",
            "placed_at": "2026-03-01T10:00:00Z",
            "total_amount": 1,
        },
    )

    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_the_same_idempotency_key_records_one_order(api_as, manager, customer):
    client = api_as(manager)
    data = {
        "customer_id": customer.pk,
        "number": "S-6",
        "placed_at": "2026-03-01T10:00:00Z",
        "lines": [{"sku": ProductFactory().sku, "unit_price": 10, "serial_numbers": ["SN-1"]}],
    }

    first = post(client, ORDERS, data, HTTP_IDEMPOTENCY_KEY="order-S-6")
    retry = post(client, ORDERS, data, HTTP_IDEMPOTENCY_KEY="order-S-6")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    assert Unit.objects.count() == 1


def test_a_manager_updates_an_order(api_as, manager, customer):
    order = OrderFactory(customer=customer, number="S-7")
    line = OrderLineFactory(order=order, quantity=1, unit_price="10.00")

    response = patch(
        api_as(manager),
        f"{ORDERS}/{order.pk}",
        {
            "status": "cancelled",
            "lines": [{"product_id": line.product_id, "quantity": 3, "unit_price": "10.00"}],
        },
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["total_amount"] == "30.00"
    assert [li["quantity"] for li in response.json()["lines"]] == [3]


def test_an_agent_cannot_update_an_order(api_as, agent, customer):
    order = OrderFactory(customer=customer, number="S-8")

    response = patch(api_as(agent), f"{ORDERS}/{order.pk}", {"number": "S-9"})

    assert response.status_code == 403
    assert Order.objects.get().number == "S-8"


def test_a_customer_sees_only_their_orders(api_as, customer, customer_user, other_customer):
    mine = OrderFactory(customer=customer)
    theirs = OrderFactory(customer=other_customer)
    client = api_as(customer_user)

    listed = client.get(ORDERS).json()["items"]
    foreign = client.get(f"{ORDERS}/{theirs.pk}")

    assert [o["id"] for o in listed] == [mine.pk]
    assert foreign.status_code == 404


def test_orders_filter_by_customer_number_and_time(api_as, agent, customer, other_customer):
    now = timezone.now()
    wanted = OrderFactory(customer=customer, number="N-1", placed_at=now - dt.timedelta(days=2))
    OrderFactory(customer=customer, number="N-2", placed_at=now - dt.timedelta(days=20))
    OrderFactory(customer=other_customer, number="N-1", placed_at=now - dt.timedelta(days=2))

    response = api_as(agent).get(
        ORDERS,
        {
            "customer_id": customer.pk,
            "placed_after": (now - dt.timedelta(days=5)).isoformat(),
            "placed_before": now.isoformat(),
        },
    )
    by_number = api_as(agent).get(ORDERS, {"number": "N-1", "customer_id": customer.pk})

    assert [o["id"] for o in response.json()["items"]] == [wanted.pk]
    assert [o["id"] for o in by_number.json()["items"]] == [wanted.pk]


def test_listing_orders_runs_the_same_queries_for_any_page_size(api_as, agent, django_assert_num_queries):
    for _ in range(20):
        order = OrderFactory()
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
    client = api_as(agent)
    client.get(ORDERS)

    with django_assert_num_queries(3):  # the token, the orders with customers, their lines with products
        assert len(client.get(f"{ORDERS}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(3):
        assert len(client.get(f"{ORDERS}?limit=20").json()["items"]) == 20


# --- units ----------------------------------------------------------------------------------------


def test_a_manager_records_a_unit_whose_warranty_follows_the_policy(api_as, manager, customer):
    ProductFactory(sku="X200", warranty_policy=WarrantyPolicyFactory(months=12))
    purchased = timezone.localdate() - dt.timedelta(days=10)

    response = post(
        api_as(manager),
        UNITS,
        {
            "sku": "X200",
            "serial_number": "SN-9",
            "customer_id": customer.pk,
            "purchased_on": purchased.isoformat(),
        },
    )

    assert response.status_code == 201
    body = response.json()
    unit = Unit.objects.get()
    assert body["id"] == unit.pk
    assert body["owner"] == {"id": customer.pk, "name": "Sara Ahmadi"}
    assert body["warranty_start"] == purchased.isoformat()
    assert body["warranty"]["status"] == "in_warranty"
    assert body["warranty"]["ends_on"] == unit.warranty_end.isoformat()
    assert body["warranty"]["days_left"] == (unit.warranty_end - timezone.localdate()).days


def test_a_unit_with_an_impossible_warranty_is_refused(api_as, manager):
    product = ProductFactory()

    response = post(
        api_as(manager),
        UNITS,
        {
            "product_id": product.pk,
            "serial_number": "SN-1",
            "warranty_start": "2026-05-01",
            "warranty_end": "2026-04-01",
        },
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["warranty_end"]
    assert Unit.objects.count() == 0


def test_a_duplicate_serial_is_a_conflict(api_as, manager):
    unit = UnitFactory(serial_number="SN-1")

    response = post(api_as(manager), UNITS, {"product_id": unit.product_id, "serial_number": "SN-1"})

    assert response.status_code == 409
    assert Unit.objects.count() == 1


@pytest.mark.parametrize("who", ["agent", "customer_user"])
def test_agents_and_customers_cannot_record_units(request, api_as, who):
    product = ProductFactory()

    response = post(
        api_as(request.getfixturevalue(who)), UNITS, {"product_id": product.pk, "serial_number": "S"}
    )

    assert response.status_code == 403
    assert Unit.objects.count() == 0


def test_a_warranty_extension_through_patch(api_as, manager):
    unit = UnitFactory(warranty_end=timezone.localdate() - dt.timedelta(days=1))
    extended = timezone.localdate() + dt.timedelta(days=100)

    response = patch(api_as(manager), f"{UNITS}/{unit.pk}", {"extended_warranty_end": extended.isoformat()})

    assert response.status_code == 200
    assert response.json()["warranty"] == {
        "status": "extended",
        "ends_on": extended.isoformat(),
        "days_left": 100,
    }


def test_an_agent_cannot_change_a_unit(api_as, agent, other_customer):
    unit = UnitFactory()

    response = patch(api_as(agent), f"{UNITS}/{unit.pk}", {"customer_id": other_customer.pk})

    assert response.status_code == 403
    assert Unit.objects.get().owner_id != other_customer.pk


def test_a_customer_sees_only_their_units(api_as, customer, customer_user):
    mine = UnitFactory(owner=customer)
    theirs = UnitFactory(owner=CustomerFactory())
    client = api_as(customer_user)

    assert [u["id"] for u in client.get(UNITS).json()["items"]] == [mine.pk]
    assert client.get(f"{UNITS}/{theirs.pk}").status_code == 404


def test_units_filter_by_serial_owner_product_and_warranty(api_as, agent, customer):
    today = timezone.localdate()
    covered = UnitFactory(owner=customer, serial_number="A-1")
    expired = UnitFactory(
        owner=customer,
        serial_number="A-2",
        warranty_start=today - dt.timedelta(days=800),
        warranty_end=today - dt.timedelta(days=400),
    )
    extended = UnitFactory(
        owner=customer,
        serial_number="A-3",
        warranty_start=today - dt.timedelta(days=800),
        warranty_end=today - dt.timedelta(days=400),
        extended_warranty_end=today,
    )
    client = api_as(agent)

    def ids(**params):
        return [u["id"] for u in client.get(UNITS, params).json()["items"]]

    assert ids(serial="A-2") == [expired.pk]
    assert ids(customer_id=customer.pk, sort="serial_number") == [covered.pk, expired.pk, extended.pk]
    assert ids(product_id=covered.product_id) == [covered.pk]
    assert ids(warranty="in_warranty") == [covered.pk]
    assert ids(warranty="expired") == [expired.pk]
    assert ids(warranty="extended") == [extended.pk]


def test_units_of_an_order(api_as, manager, customer):
    product = ProductFactory(sku="X200")
    order = post(
        api_as(manager),
        ORDERS,
        {
            "customer_id": customer.pk,
            "number": "S-10",
            "placed_at": "2026-03-01T10:00:00Z",
            "lines": [{"sku": "X200", "unit_price": 5, "quantity": 1, "serial_numbers": ["Z-1"]}],
        },
    ).json()
    UnitFactory(product=product, serial_number="Z-2")

    response = api_as(manager).get(UNITS, {"order_id": order["id"]})

    assert [u["serial_number"] for u in response.json()["items"]] == ["Z-1"]


def test_listing_units_runs_the_same_queries_for_any_page_size(api_as, agent, django_assert_num_queries):
    for _ in range(20):
        UnitFactory()
    client = api_as(agent)
    client.get(UNITS)

    with django_assert_num_queries(2):  # the token, the units with product, policy and owner
        assert len(client.get(f"{UNITS}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(2):
        assert len(client.get(f"{UNITS}?limit=20").json()["items"]) == 20
