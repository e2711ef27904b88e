"""The services themselves refuse actions a role may not take; the system (actor=None) may do all."""

import pytest
from django.utils import timezone

from vafa.catalog.models import Product
from vafa.catalog.services import product_create
from vafa.catalog.tests.factories import ProductFactory
from vafa.core.errors import Forbidden
from vafa.customers.models import Customer, Organisation
from vafa.customers.services import customer_create, organisation_create
from vafa.sales.models import Order, Unit
from vafa.sales.services import order_create, unit_create


def test_agents_cannot_change_the_catalogue_sales_or_organisations(db, agent, customer):
    product = ProductFactory()
    refused = [
        lambda: product_create(actor=agent, sku="X-1", name="Phone"),
        lambda: order_create(
            actor=agent, customer=customer, number="N-1", placed_at=timezone.now(), total_amount="1"
        ),
        lambda: unit_create(actor=agent, product=product, serial_number="S-1", owner=customer),
        lambda: organisation_create(actor=agent, name="Acme"),
    ]
    for action in refused:
        with pytest.raises(Forbidden) as error:
            action()
        assert error.value.code == "managers_only"

    assert Product.objects.count() == 1
    assert (Order.objects.count(), Unit.objects.count(), Organisation.objects.count()) == (0, 0, 0)


def test_customers_cannot_create_customers(db, customer_user):
    with pytest.raises(Forbidden):
        customer_create(actor=customer_user, name="Someone else")
    assert Customer.objects.count() == 1


def test_managers_and_the_system_may(db, manager, customer):
    product_create(actor=manager, sku="X-1", name="Phone")
    product_create(actor=None, sku="X-2", name="Phone 2")
    organisation_create(actor=None, name="Acme")

    assert Product.objects.count() == 2


def test_deactivated_managers_may_not(db, manager):
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    with pytest.raises(Forbidden):
        product_create(actor=manager, sku="X-1", name="Phone")
