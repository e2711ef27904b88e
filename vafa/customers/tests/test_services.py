import pytest

from vafa.accounts.models import AuditLog
from vafa.core.errors import Conflict, ValidationFailed
from vafa.customers.models import ContactPoint, Customer
from vafa.customers.services import (
    customer_create,
    customer_for_email,
    customer_update,
    customer_upsert,
    organisation_create,
)


def test_customer_create_normalises_contacts(db, agent):
    customer = customer_create(
        actor=agent,
        name="  Reza Karimi ",
        emails=["Reza@Example.TEST"],
        phones=["0912 345 6789", "+44 20 7946 0958"],
        language="fa",
        time_zone="Asia/Tehran",
    )

    assert customer.name == "Reza Karimi"
    assert list(customer.contact_points.values_list("kind", "value", "is_primary")) == [
        ("email", "reza@example.test", True),
        ("phone", "+989123456789", True),
        ("phone", "+442079460958", False),
    ]
    assert AuditLog.objects.get(action="customer.create").after["emails"] == ["reza@example.test"]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"emails": ["not-an-email"]}, "emails"),
        ({"phones": ["12"]}, "phones"),
        ({"language": "xx"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"tier": "diamond"}, "tier"),
        ({"name": " "}, "name"),
    ],
)
def test_customer_create_refuses_bad_fields(db, agent, fields, bad):
    values = {"name": "Someone", **fields}
    with pytest.raises(ValidationFailed) as error:
        customer_create(actor=agent, **values)
    assert bad in error.value.fields
    assert Customer.objects.count() == 0


def test_an_email_identifies_one_customer_only(db, agent, customer):
    with pytest.raises(Conflict):
        customer_create(actor=agent, name="Impostor", emails=["SARA@example.test"])
    assert Customer.objects.count() == 1


def test_update_adds_contacts_and_audits_the_change(db, agent, customer):
    customer_update(actor=agent, customer=customer, tier="gold", emails=["sara.work@example.test"])

    customer.refresh_from_db()
    assert customer.tier == "gold"
    assert set(customer.contact_points.filter(kind="email").values_list("value", flat=True)) == {
        "sara@example.test",
        "sara.work@example.test",
    }
    audit = AuditLog.objects.get(action="customer.update")
    assert (audit.before, audit.after) == (
        {"tier": "standard"},
        {"tier": "gold", "emails_added": ["sara.work@example.test"], "phones_added": []},
    )


def test_upsert_by_external_id(db, agent):
    first, created = customer_upsert(
        actor=agent, external_source="shop", external_id="c-1", name="Ali", emails=["ali@example.test"]
    )
    second, created_again = customer_upsert(
        actor=agent, external_source="shop", external_id="c-1", name="Ali Rezaei", emails=["ali@example.test"]
    )

    assert (created, created_again, first.pk == second.pk) == (True, False, True)
    assert Customer.objects.get().name == "Ali Rezaei"
    assert ContactPoint.objects.count() == 1


def test_organisation_external_ids_are_unique_per_source(db, manager):
    organisation_create(actor=manager, name="Acme", external_source="erp", external_id="O1")
    organisation_create(actor=manager, name="Acme Gulf", external_source="crm", external_id="O1")
    with pytest.raises(Conflict):
        organisation_create(actor=manager, name="Acme again", external_source="erp", external_id="O1")


def test_update_without_changes_writes_nothing(db, agent, customer):
    stamp = Customer.objects.get(pk=customer.pk).updated_at

    customer_update(
        actor=agent, customer=customer, name="Sara Ahmadi", language="fa", emails=["sara@example.test"]
    )

    assert Customer.objects.get(pk=customer.pk).updated_at == stamp
    assert AuditLog.objects.filter(action="customer.update").count() == 0


def test_customer_for_email_finds_the_known_customer_whatever_the_case(db, agent):
    known = customer_create(actor=agent, name="Sara Ahmadi", emails=["sara@example.com"], language="fa")

    found = customer_for_email(email="  Sara@Example.COM ", name="Someone Else", language="en")

    assert found.pk == known.pk
    assert found.name == "Sara Ahmadi"
    assert Customer.objects.count() == 1


def test_customer_for_email_creates_a_customer_named_from_the_address(db):
    created = customer_for_email(email="New.Person@Example.com", name="  ", language="ru")

    assert created.name == "new.person"
    assert created.language == "ru"
    assert list(created.contact_points.values_list("kind", "value")) == [("email", "new.person@example.com")]
