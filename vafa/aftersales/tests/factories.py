"""Factories for the after-sales tests: service locations, spare parts, stock and owned units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from vafa.aftersales.models import Part, ServiceLocation, StockLevel
from vafa.catalog.models import Product
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.dates import add_months
from vafa.customers.models import Customer
from vafa.sales.models import Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory


class ServiceLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLocation

    code = factory.Sequence(lambda n: f"loc-{n}")
    name = factory.Sequence(lambda n: f"Service centre {n}")
    address = factory.Sequence(lambda n: f"{n} Workshop Street, Tehran")
    labour_rate = Decimal("50.00")
    labour_cost = Decimal("20.00")
    currency = factory.LazyFunction(lambda: str(settings.VAFA_DEFAULT_CURRENCY))


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    sku = factory.Sequence(lambda n: f"PART-{n:05d}")
    name = factory.Sequence(lambda n: f"Part {n}")
    unit_cost = Decimal("30.00")
    unit_price = Decimal("80.00")
    currency = factory.LazyFunction(lambda: str(settings.VAFA_DEFAULT_CURRENCY))


def stocked(part: Part, location: ServiceLocation, on_hand: int, *, reserved: int = 0) -> StockLevel:
    """Put `on_hand` pieces of `part` on the shelf at `location` (none reserved unless told)."""
    level, _ = StockLevel.objects.update_or_create(
        part=part, location=location, defaults={"on_hand": on_hand, "reserved": reserved}
    )
    return level


def owned_unit(
    customer: Customer,
    *,
    product: Product | None = None,
    warranty_months: int = 12,
    bought_days_ago: int = 30,
) -> Unit:
    """A unit `customer` bought `bought_days_ago` days ago on an order, with a `warranty_months` warranty.

    The product gets its own warranty policy (covering parts and labour) unless one is given; the
    order, delivery and warranty dates all agree with the purchase day. `warranty_months=0` means
    the unit has no warranty end at all.
    """
    if product is None:
        product = ProductFactory.create(warranty_policy=WarrantyPolicyFactory.create(months=warranty_months))
    bought_on = timezone.localdate() - dt.timedelta(days=bought_days_ago)
    placed_at = timezone.now() - dt.timedelta(days=bought_days_ago)
    order = OrderFactory.create(
        customer=customer, placed_at=placed_at, currency=product.currency, total_amount=product.price
    )
    line = OrderLineFactory.create(order=order, product=product, quantity=1, unit_price=product.price)
    warranty_end = add_months(bought_on, warranty_months) if warranty_months else None
    return UnitFactory.create(
        product=product,
        owner=customer,
        order_line=line,
        purchased_on=bought_on,
        delivered_on=bought_on,
        warranty_start=bought_on if warranty_end else None,
        warranty_end=warranty_end,
    )
