import datetime as dt

import factory

from vafa.catalog.models import Category, KnownIssue, Product, WarrantyPolicy


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class WarrantyPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyPolicy

    name = factory.Sequence(lambda n: f"Warranty {n}")
    months = 12


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    price = "1000.00"
    currency = "IRR"
    warranty_policy = factory.SubFactory(WarrantyPolicyFactory)


class KnownIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnownIssue

    product = factory.SubFactory(ProductFactory)
    category = None
    title = factory.Sequence(lambda n: f"Known issue {n}")
    body = "Update the firmware."
    severity = KnownIssue.Severity.WARNING
    starts_on = factory.LazyFunction(lambda: dt.date(2026, 1, 1))
    ends_on = None
    is_published = True
