import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.models import PendingWork
from vafa.sales.models import Unit, UnitRegistration
from vafa.sales.services import REGISTRATION_NOTIFY_KIND
from vafa.sales.tests.factories import UnitFactory, UnitRegistrationFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 receipt"


def _with_receipt(registration: UnitRegistration, content: bytes = PDF) -> UnitRegistration:
    registration.receipt_sha256 = "ab" * 32
    registration.receipt_filename = "receipt.pdf"
    registration.receipt_content_type = "application/pdf"
    registration.receipt_size = len(content)
    registration.receipt.save("receipt", ContentFile(content), save=True)
    return registration


def test_the_queue_lists_waiting_claims_oldest_first(desk_as, agent, customer):
    # given two waiting claims and a decided one
    first = UnitRegistrationFactory(customer=customer, serial_number="Q-1")
    second = UnitRegistrationFactory(customer=customer, serial_number="Q-2")
    UnitRegistrationFactory(customer=customer, serial_number="Q-3", status="rejected", reason="x")
    # when
    response = desk_as(agent).get(reverse("desk:registrations"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'id="registration-{first.pk}"') < html.index(f'id="registration-{second.pk}"')
    assert "Q-3" not in html
    assert 'data-count="pending">2<' in html
    assert 'data-count="rejected">1<' in html
    assert 'id="desk-nav-registrations"' in html


def test_the_queue_takes_a_fixed_number_of_queries(desk_as, agent, django_assert_num_queries):
    client = desk_as(agent)
    UnitRegistrationFactory.create_batch(2)
    client.get(reverse("desk:registrations"))  # warm the per-process caches
    with django_assert_num_queries(7):
        client.get(reverse("desk:registrations"))
    UnitRegistrationFactory.create_batch(5, product=None)
    with django_assert_num_queries(7):
        response = client.get(reverse("desk:registrations"))
    assert response.content.decode().count('id="registration-') == 7


def test_a_customer_cannot_open_the_queue_or_a_receipt(desk_as, customer_user, customer):
    registration = _with_receipt(UnitRegistrationFactory(customer=customer))
    client = desk_as(customer_user)
    assert client.get(reverse("desk:registrations")).status_code == 404
    assert client.get(reverse("desk:registration", args=[registration.pk])).status_code == 404
    assert client.get(reverse("desk:registration_receipt", args=[registration.pk])).status_code == 404
    response = client.post(
        reverse("desk:registration_approve", args=[registration.pk]), {"serial_number": "X"}
    )
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING


def test_the_receipt_is_downloaded_never_shown_inline(desk_as, agent):
    registration = _with_receipt(UnitRegistrationFactory())
    response = desk_as(agent).get(reverse("desk:registration_receipt", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_the_claim_page_shows_the_unit_and_its_owner_to_staff(desk_as, agent, other_customer):
    unit = UnitFactory(owner=other_customer, serial_number="OWN-5")
    registration = UnitRegistrationFactory(serial_number="OWN-5", product=unit.product)
    html = desk_as(agent).get(reverse("desk:registration", args=[registration.pk])).content.decode()
    assert f'data-unit="{unit.pk}"' in html
    assert other_customer.name in html
    assert 'name="transfer"' in html


def test_an_agent_approves_a_claim_and_the_unit_is_made(desk_as, agent, customer):
    # given a claim for a serial the records do not know
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12))
    registration = UnitRegistrationFactory(customer=customer, product=None, serial_number="NEW-9")
    # when the agent picks the product and confirms a Jalali purchase date
    response = desk_as(agent).post(
        reverse("desk:registration_approve", args=[registration.pk]),
        {"product": str(product.pk), "serial_number": "NEW-9", "purchased_on": "1404/01/01"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:registrations")
    registration.refresh_from_db()
    unit = Unit.objects.get(serial_number="NEW-9")
    assert (registration.status, registration.unit, registration.reviewed_by) == ("approved", unit, agent)
    assert (unit.owner, unit.product, unit.purchased_on) == (customer, product, dt.date(2025, 3, 21))
    assert unit.warranty_end == dt.date(2026, 3, 21)
    assert PendingWork.objects.filter(kind=REGISTRATION_NOTIFY_KIND).count() == 1
    assert AuditLog.objects.get(action="unit_registration.approve").via == "web"


def test_approving_another_customers_unit_needs_the_transfer_box(desk_as, agent, customer, other_customer):
    unit = UnitFactory(owner=other_customer, serial_number="OWN-6")
    registration = UnitRegistrationFactory(customer=customer, serial_number="OWN-6", product=unit.product)
    client = desk_as(agent)
    url = reverse("desk:registration_approve", args=[registration.pk])
    refused = client.post(url, {"product": str(unit.product_id), "serial_number": "OWN-6"})
    assert refused.status_code == 409
    assert "belongs to another customer" in refused.content.decode()
    unit.refresh_from_db()
    assert unit.owner == other_customer
    done = client.post(url, {"product": str(unit.product_id), "serial_number": "OWN-6", "transfer": "on"})
    assert done.status_code == 302
    unit.refresh_from_db()
    assert unit.owner == customer


def test_an_agent_rejects_with_a_reason(desk_as, agent, customer):
    registration = UnitRegistrationFactory(customer=customer)
    client = desk_as(agent)
    url = reverse("desk:registration_reject", args=[registration.pk])
    assert client.post(url, {"reason": ""}).status_code == 422
    registration.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING
    assert client.post(url, {"reason": "The receipt is for another product."}).status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.reason, registration.reviewed_by) == (
        "rejected",
        "The receipt is for another product.",
        agent,
    )


def test_a_decided_claim_cannot_be_decided_again(desk_as, agent, customer):
    registration = UnitRegistrationFactory(customer=customer, status="rejected", reason="No")
    response = desk_as(agent).post(
        reverse("desk:registration_approve", args=[registration.pk]),
        {"serial_number": registration.serial_number},
    )
    assert response.status_code == 409
    registration.refresh_from_db()
    assert registration.status == "rejected"
    assert Unit.objects.count() == 0
