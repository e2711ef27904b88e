import datetime as dt

import factory
from django.utils import timezone

from vafa.catalog.tests.factories import ProductFactory
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import Order, OrderLine, Unit, UnitRegistration


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    placed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    currency = "IRR"
    total_amount = "1000.00"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = "1000.00"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    product = factory.SubFactory(ProductFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    owner = factory.SubFactory(CustomerFactory)
    purchased_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    delivered_on = factory.LazyAttribute(lambda o: o.purchased_on + dt.timedelta(days=2))
    warranty_start = factory.LazyAttribute(lambda o: o.delivered_on)
    warranty_end = factory.LazyAttribute(lambda o: o.warranty_start + dt.timedelta(days=365))


class UnitRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitRegistration

    customer = factory.SubFactory(CustomerFactory)
    serial_number = factory.Sequence(lambda n: f"REG{n:07d}")
    product = factory.SubFactory(ProductFactory)
    order_number = "SHOP-1"
    status = UnitRegistration.Status.PENDING
