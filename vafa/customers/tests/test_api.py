"""The customers and organisations API."""

from __future__ import annotations

import pytest

from vafa.accounts.models import AuditLog
from vafa.api.tests.helpers import english, error, patch, post
from vafa.customers.models import ContactPoint, Customer, Organisation
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers"
ORGANISATIONS = "/api/v1/organisations"


# --- customers: create ----------------------------------------------------------------------------


def test_an_agent_creates_a_customer(api_as, agent):
    response = post(
        api_as(agent),
        CUSTOMERS,
        {
            "name": "Reza Karimi",
            "email": "Reza@Example.test",
            "language": "fa",
            "phones": ["0912 123 4567"],
            "tier": "gold",
            "time_zone": "Asia/Tehran",
            "external_source": "shop",
            "external_id": "C-77",
            "consent_marketing": True,
        },
    )

    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(name="Reza Karimi")
    assert body["id"] == customer.pk
    assert body["emails"] == ["reza@example.test"]
    assert body["phones"] == ["+989121234567"]
    assert (body["language"], body["tier"], body["time_zone"]) == ("fa", "gold", "Asia/Tehran")
    assert (body["external_source"], body["external_id"]) == ("shop", "C-77")
    assert body["consent_marketing"] is True
    assert body["consent_updated_at"] is not None
    assert AuditLog.objects.get(action="customer.create").via == "api"


def test_a_customer_joins_an_organisation_on_creation(api_as, manager):
    organisation = OrganisationFactory(name="Acme")

    response = post(
        api_as(manager),
        CUSTOMERS,
        {"name": "Ali", "email": "ali@acme.test", "language": "en", "organisation_id": organisation.pk},
    )

    assert response.json()["organisation"] == {"id": organisation.pk, "name": "Acme"}


def test_a_taken_email_is_a_conflict(api_as, agent, customer):
    response = post(
        english(api_as(agent)), CUSTOMERS, {"name": "Copy", "email": "sara@example.test", "language": "en"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "duplicate_email"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, {"name": ["Ensure this value has at least 1 characters."]}),
        ({"email": "not-an-address"}, {"emails": ["not-an-address is not a valid e-mail address."]}),
        ({"language": "de"}, None),
        ({"tier": "platinum"}, None),
        ({"time_zone": "Mars/Olympus"}, {"time_zone": ["Unknown time zone."]}),
        # regression: a zone-database directory raised IsADirectoryError (a 500)
        ({"time_zone": "America"}, {"time_zone": ["Unknown time zone."]}),
        ({"organisation_id": 987654}, {"organisation_id": ["No such organisation."]}),
        ({"organisation_id": "7"}, {"organisation_id": ["Enter a whole number."]}),
        ({"phones": ["12"]}, {"phones": ["12 is not a valid phone number."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this value has at most 200 characters."]}),
    ],
)
def test_creating_a_customer_refuses_invalid_fields(api_as, agent, fields, expected):
    response = post(
        english(api_as(agent)),
        CUSTOMERS,
        {"name": "Nima", "email": "nima@example.test", "language": "en", **fields},
    )

    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "validation_error"
    if expected is None:
        assert list(body["fields"]) == list(fields)
    else:
        assert body["fields"] == expected
    assert Customer.objects.count() == 0


def test_a_customer_cannot_create_customers(api_as, customer_user):
    response = post(
        api_as(customer_user), CUSTOMERS, {"name": "Friend", "email": "f@example.test", "language": "en"}
    )

    assert response.status_code == 403
    assert Customer.objects.count() == 1


def test_anonymous_cannot_create_customers(client):
    response = post(client, CUSTOMERS, {"name": "Friend", "email": "f@example.test", "language": "en"})

    assert response.status_code == 401
    assert Customer.objects.count() == 0


# --- customers: read, update ----------------------------------------------------------------------


def test_a_customer_reads_their_own_record_without_staff_notes(api_as, customer, customer_user):
    customer.notes = "Prefers calls in the morning."
    customer.save(update_fields=["notes"])

    response = api_as(customer_user).get(f"{CUSTOMERS}/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["emails"] == ["sara@example.test"]
    assert response.json()["notes"] is None


def test_staff_read_the_notes(api_as, agent, customer):
    customer.notes = "Prefers calls in the morning."
    customer.save(update_fields=["notes"])

    assert api_as(agent).get(f"{CUSTOMERS}/{customer.pk}").json()["notes"] == "Prefers calls in the morning."


def test_a_customer_cannot_read_another_customer(api_as, customer_user, other_customer):
    response = api_as(customer_user).get(f"{CUSTOMERS}/{other_customer.pk}")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_customer_lists_only_themselves(api_as, customer, customer_user, other_customer):
    response = api_as(customer_user).get(CUSTOMERS)

    assert [item["id"] for item in response.json()["items"]] == [customer.pk]


def test_an_agent_updates_a_customer_and_adds_contacts(api_as, agent, customer):
    response = patch(
        api_as(agent),
        f"{CUSTOMERS}/{customer.pk}",
        {
            "name": "Sara A. Ahmadi",
            "emails": ["sara.work@example.test"],
            "tier": "vip",
        },
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Sara A. Ahmadi"
    assert response.json()["emails"] == ["sara@example.test", "sara.work@example.test"]
    assert response.json()["tier"] == "vip"
    assert response.json()["language"] == "fa"


def test_patch_null_organisation_leaves_the_organisation(api_as, agent):
    organisation = OrganisationFactory()
    member = CustomerFactory(organisation=organisation)

    response = patch(api_as(agent), f"{CUSTOMERS}/{member.pk}", {"organisation_id": None})

    assert response.json()["organisation"] is None
    assert Customer.objects.get(pk=member.pk).organisation_id is None


def test_a_customer_cannot_update_even_themselves(api_as, customer, customer_user):
    response = patch(api_as(customer_user), f"{CUSTOMERS}/{customer.pk}", {"tier": "vip"})

    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).tier == "standard"


def test_updating_an_unknown_customer_is_a_404(api_as, agent):
    response = patch(api_as(agent), f"{CUSTOMERS}/987654", {"tier": "vip"})

    assert response.status_code == 404


# --- customers: filters and pages -----------------------------------------------------------------


def test_customers_filter_by_email_phone_and_external_id(api_as, agent, customer, other_customer):
    ContactPoint.objects.create(customer=other_customer, kind="phone", value="+989121112233")
    other_customer.external_source, other_customer.external_id = "shop", "C-1"
    other_customer.save(update_fields=["external_source", "external_id"])
    client = api_as(agent)

    by_email = client.get(CUSTOMERS, {"email": "SARA@example.test"}).json()["items"]
    by_phone = client.get(CUSTOMERS, {"phone": "0912 111 2233"}).json()["items"]
    by_ref = client.get(CUSTOMERS, {"external_source": "shop", "external_id": "C-1"}).json()["items"]

    assert [c["id"] for c in by_email] == [customer.pk]
    assert [c["id"] for c in by_phone] == [other_customer.pk]
    assert [c["id"] for c in by_ref] == [other_customer.pk]


def test_customers_filter_by_name_prefix_language_tier_and_organisation(api_as, agent):
    organisation = OrganisationFactory()
    wanted = CustomerFactory(name="Maryam Rahimi", language="fa", tier="gold", organisation=organisation)
    CustomerFactory(name="Mark Brown", language="en", tier="gold", organisation=organisation)
    CustomerFactory(name="Anna Maryam", language="fa", tier="gold")

    response = api_as(agent).get(
        CUSTOMERS, {"q": "mar", "language": "fa", "tier": "gold", "organisation_id": organisation.pk}
    )

    assert [c["id"] for c in response.json()["items"]] == [wanted.pk]


def test_customers_page_by_name(api_as, agent):
    for name in ["Dara", "Bita", "Ava", "Cyrus"]:
        CustomerFactory(name=name)
    client = api_as(agent)

    first = client.get(CUSTOMERS, {"sort": "name", "limit": 3}).json()
    second = client.get(CUSTOMERS, {"sort": "name", "limit": 3, "cursor": first["next"]}).json()

    assert [c["name"] for c in first["items"] + second["items"]] == ["Ava", "Bita", "Cyrus", "Dara"]
    assert second["next"] is None


def test_listing_customers_runs_the_same_queries_for_any_page_size(api_as, agent, django_assert_num_queries):
    organisation = OrganisationFactory()
    for index in range(20):
        CustomerFactory(organisation=organisation if index % 2 else None)
    client = api_as(agent)
    client.get(CUSTOMERS)

    with django_assert_num_queries(3):  # the token, the customers with organisations, their contact points
        assert len(client.get(f"{CUSTOMERS}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(3):
        assert len(client.get(f"{CUSTOMERS}?limit=20").json()["items"]) == 20


# --- organisations --------------------------------------------------------------------------------


def test_a_manager_creates_and_updates_an_organisation(api_as, manager):
    client = api_as(manager)

    created = post(client, ORGANISATIONS, {"name": "Acme", "domain": "acme.test", "share_with_members": True})
    updated = patch(client, f"{ORGANISATIONS}/{created.json()['id']}", {"tier": "vip"})

    assert created.status_code == 201
    assert created.json()["share_with_members"] is True
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["tier"]) == ("Acme", "vip")


@pytest.mark.parametrize("who", ["agent", "customer_user"])
def test_agents_and_customers_cannot_create_organisations(request, api_as, who):
    response = post(api_as(request.getfixturevalue(who)), ORGANISATIONS, {"name": "Acme"})

    assert response.status_code == 403
    assert Organisation.objects.count() == 0


def test_an_agent_cannot_update_an_organisation(api_as, agent):
    organisation = OrganisationFactory(name="Acme")

    response = patch(api_as(agent), f"{ORGANISATIONS}/{organisation.pk}", {"name": "Evil"})

    assert response.status_code == 403
    assert Organisation.objects.get().name == "Acme"


def test_a_customer_sees_only_their_organisation(api_as, customer, customer_user):
    mine = OrganisationFactory()
    other = OrganisationFactory()
    customer.organisation = mine
    customer.save(update_fields=["organisation"])
    client = api_as(customer_user)

    listed = client.get(ORGANISATIONS).json()["items"]
    foreign = client.get(f"{ORGANISATIONS}/{other.pk}")

    assert [o["id"] for o in listed] == [mine.pk]
    assert listed[0]["notes"] is None
    assert foreign.status_code == 404


def test_organisations_filter_by_name_prefix(api_as, agent):
    wanted = OrganisationFactory(name="Pars Electric")
    OrganisationFactory(name="Electric Pars")

    response = api_as(agent).get(ORGANISATIONS, {"q": "pars"})

    assert [o["id"] for o in response.json()["items"]] == [wanted.pk]


def test_listing_organisations_runs_the_same_queries_for_any_page_size(
    api_as, agent, django_assert_num_queries
):
    for _ in range(20):
        OrganisationFactory()
    client = api_as(agent)
    client.get(ORGANISATIONS)

    with django_assert_num_queries(2):
        assert len(client.get(f"{ORGANISATIONS}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(2):
        assert len(client.get(f"{ORGANISATIONS}?limit=20").json()["items"]) == 20
