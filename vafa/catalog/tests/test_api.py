"""The products API."""

from __future__ import annotations

import pytest

from vafa.api.tests.helpers import error, patch, post
from vafa.catalog.models import Product
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory, WarrantyPolicyFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def test_a_manager_creates_a_product(api_as, manager):
    category = CategoryFactory(code="phones", name="Phones")
    policy = WarrantyPolicyFactory(name="Two years", months=24)

    response = post(
        api_as(manager),
        PRODUCTS,
        {
            "sku": "X200",
            "name": "X200 phone",
            "names": {"fa": "گوشی X200"},
            "category": "phones",
            "price": "12500000.50",
            "currency": "irr",
            "warranty_policy_id": policy.pk,
            "maintenance_interval_days": 180,
        },
    )

    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get(sku="X200")
    assert body["id"] == product.pk
    assert body["category"] == {"code": "phones", "name": "Phones"}
    assert body["price"] == "12500000.50"
    assert body["currency"] == "IRR"
    assert body["warranty_policy"]["months"] == 24
    assert body["names"] == {"fa": "گوشی X200"}
    assert body["effective_return_window_days"] == category.return_window_days
    assert product.category == category


def test_a_product_name_follows_the_request_language(api_as, manager):
    ProductFactory(sku="X1", name="Kettle", names={"fa": "کتری"})

    response = api_as(manager).get(PRODUCTS, HTTP_ACCEPT_LANGUAGE="fa")

    assert response.json()["items"][0]["display_name"] == "کتری"


def test_a_duplicate_sku_is_a_conflict(api_as, admin_user):
    ProductFactory(sku="X200")

    response = post(api_as(admin_user), PRODUCTS, {"sku": "X200", "name": "Again"})

    assert response.status_code == 409
    assert error(response)["code"] == "duplicate_sku"
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "1.234"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"currency": "ABCD"}, "currency"),
        ({"currency": "ZZZ"}, "currency"),
        ({"category": "nope"}, "category"),
        ({"warranty_policy_id": 987654}, "warranty_policy_id"),
        ({"return_window_days": -1}, "return_window_days"),
        ({"is_active": "yes"}, "is_active"),
        ({"sku": ""}, "sku"),
    ],
)
def test_creating_a_product_refuses_invalid_fields(api_as, manager, fields, field):
    response = post(api_as(manager), PRODUCTS, {"sku": "K1", "name": "Kettle", **fields})

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]
    assert Product.objects.count() == 0


@pytest.mark.parametrize("who", ["agent", "customer_user"])
def test_agents_and_customers_cannot_create_products(request, api_as, who):
    response = post(api_as(request.getfixturevalue(who)), PRODUCTS, {"sku": "K1", "name": "Kettle"})

    assert response.status_code == 403
    assert Product.objects.count() == 0


def test_an_agent_cannot_update_a_product(api_as, agent):
    product = ProductFactory(price="10.00")

    response = patch(api_as(agent), f"{PRODUCTS}/{product.pk}", {"price": "0.00"})

    assert response.status_code == 403
    assert str(Product.objects.get().price) == "10.00"


def test_a_manager_updates_a_product(api_as, manager):
    product = ProductFactory(sku="K1", price="10.00")

    response = patch(
        api_as(manager), f"{PRODUCTS}/{product.pk}", {"price": 12, "is_active": False, "category": None}
    )

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["is_active"], response.json()["category"]) == (
        "12.00",
        False,
        None,
    )
    assert response.json()["sku"] == "K1"


def test_customers_see_only_products_on_sale(api_as, customer_user):
    on_sale = ProductFactory(sku="A")
    retired = ProductFactory(sku="B", is_active=False)
    client = api_as(customer_user)

    listed = client.get(PRODUCTS).json()["items"]
    hidden = client.get(f"{PRODUCTS}/{retired.pk}")

    assert [p["id"] for p in listed] == [on_sale.pk]
    assert hidden.status_code == 404


def test_anonymous_cannot_list_products(client):
    assert client.get(PRODUCTS).status_code == 401


def test_products_filter_by_sku_category_and_active(api_as, agent):
    phones = CategoryFactory(code="phones")
    wanted = ProductFactory(sku="P1", category=phones)
    ProductFactory(sku="P2", category=phones, is_active=False)
    ProductFactory(sku="K1")
    client = api_as(agent)

    by_category = client.get(PRODUCTS, {"category": "phones", "active": "true"}).json()["items"]
    by_sku = client.get(PRODUCTS, {"sku": "K1"}).json()["items"]

    assert [p["id"] for p in by_category] == [wanted.pk]
    assert [p["sku"] for p in by_sku] == ["K1"]


def test_products_page_by_sku(api_as, agent):
    for sku in ["C", "A", "D", "B"]:
        ProductFactory(sku=sku)
    client = api_as(agent)

    first = client.get(PRODUCTS, {"limit": 2}).json()
    second = client.get(PRODUCTS, {"limit": 2, "cursor": first["next"]}).json()

    assert [p["sku"] for p in first["items"] + second["items"]] == ["A", "B", "C", "D"]


def test_listing_products_runs_the_same_queries_for_any_page_size(api_as, agent, django_assert_num_queries):
    for _ in range(20):
        ProductFactory()
    client = api_as(agent)
    client.get(PRODUCTS)

    with django_assert_num_queries(2):  # the token, the products with category and policy
        assert len(client.get(f"{PRODUCTS}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(2):
        assert len(client.get(f"{PRODUCTS}?limit=20").json()["items"]) == 20
