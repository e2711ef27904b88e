import factory

from vafa.customers.models import ContactPoint, Customer, Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Faker("name")
    language = "en"
    email = factory.RelatedFactory(
        "vafa.customers.tests.factories.EmailFactory", factory_related_name="customer"
    )


class EmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory, email=None)
    kind = ContactPoint.Kind.EMAIL
    value = factory.Sequence(lambda n: f"customer{n}@example.test")
    is_primary = True
