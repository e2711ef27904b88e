import datetime as dt
from pathlib import Path

import pytest
from django.core import mail

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.models import PendingWork
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import Unit, UnitRegistration
from vafa.sales.services import (
    REGISTRATION_NOTIFY_KIND,
    ReceiptFile,
    RegistrationError,
    RegistrationThrottled,
    unit_register,
    unit_registration_approve,
    unit_registration_notify,
    unit_registration_reject,
)
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory, UnitRegistrationFactory

pytestmark = pytest.mark.django_db

D = dt.date
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _unowned_unit_of_order(number: str = "SHOP-100", serial: str = "SN-1000") -> Unit:
    line = OrderLineFactory(order=OrderFactory(number=number))
    return UnitFactory.create(
        product=line.product,
        serial_number=serial,
        owner=None,
        order_line=line,
        purchased_on=None,
        delivered_on=None,
        warranty_start=None,
        warranty_end=None,
    )


def _visible(registration: UnitRegistration) -> tuple:
    """What the portal tells the customer about a registration."""
    return (registration.status, registration.unit_id, registration.reason, registration.reviewed_at)


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_order_number_of_the_units_order_approves_at_once(customer, customer_user):
    # given an unowned unit sold on order SHOP-100, with a 12-month warranty policy
    unit = _unowned_unit_of_order()
    placed = unit.order_line.order.placed_at.date()
    # when
    registration = unit_register(
        actor=customer_user, customer=customer, serial_number=" sn-1000 ", order_number="shop-100"
    )
    # then
    unit.refresh_from_db()
    assert registration.status == UnitRegistration.Status.APPROVED
    assert registration.unit == unit
    assert registration.product == unit.product
    assert unit.owner == customer
    assert unit.purchased_on == placed
    assert unit.warranty_start == placed
    assert unit.warranty_end is not None
    assert AuditLog.objects.filter(action="unit.update", object_id=str(unit.pk)).count() == 1
    assert (
        AuditLog.objects.filter(action="unit_registration.approve", object_id=str(registration.pk)).count()
        == 1
    )


def test_an_order_of_the_customer_with_that_product_approves_at_once(customer, customer_user):
    # given an unowned unit on no order, and the customer's own order of that product
    product = ProductFactory()
    unit = UnitFactory(product=product, serial_number="SN-2", owner=None, order_line=None)
    line = OrderLineFactory(order=OrderFactory(customer=customer, number="MY-7"), product=product)
    # when
    registration = unit_register(
        actor=customer_user, customer=customer, serial_number="SN-2", product=product, order_number="MY-7"
    )
    # then
    unit.refresh_from_db()
    assert registration.status == UnitRegistration.Status.APPROVED
    assert (unit.owner, unit.order_line) == (customer, line)


def test_a_unit_the_customer_already_owns_is_approved(customer, customer_user):
    unit = UnitFactory(owner=customer, serial_number="MINE-1")
    registration = unit_register(
        actor=customer_user, customer=customer, serial_number="MINE-1", order_number="x"
    )
    assert (registration.status, registration.unit) == (UnitRegistration.Status.APPROVED, unit)


def test_unknown_and_taken_serials_get_the_same_pending_answer(customer, customer_user, other_customer):
    # given a unit of another customer, and a serial nobody has
    taken = UnitFactory(owner=other_customer, serial_number="TAKEN-1")
    # when the customer claims both with an order number
    for_taken = unit_register(
        actor=customer_user, customer=customer, serial_number="TAKEN-1", order_number="A-1"
    )
    for_unknown = unit_register(
        actor=customer_user, customer=customer, serial_number="NOBODY-1", order_number="A-1"
    )
    # then both wait, alike, and nothing about the taken unit changed or leaked
    assert _visible(for_taken) == _visible(for_unknown) == (UnitRegistration.Status.PENDING, None, "", None)
    taken.refresh_from_db()
    assert taken.owner == other_customer
    assert AuditLog.objects.filter(object_type="sales.unit", object_id=str(taken.pk)).count() == 0


def test_another_customers_order_number_does_not_prove_an_owned_unit(customer, customer_user, other_customer):
    line = OrderLineFactory(order=OrderFactory(customer=other_customer, number="THEIRS-1"))
    unit = UnitFactory(product=line.product, owner=other_customer, order_line=line, serial_number="T-9")
    registration = unit_register(
        actor=customer_user, customer=customer, serial_number="T-9", order_number="THEIRS-1"
    )
    unit.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING
    assert unit.owner == other_customer


def test_a_wrong_order_number_leaves_the_claim_pending(customer, customer_user):
    unit = _unowned_unit_of_order()
    registration = unit_register(
        actor=customer_user, customer=customer, serial_number="SN-1000", order_number="NO"
    )
    unit.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING
    assert unit.owner is None


def test_a_claim_needs_an_order_number_or_a_receipt(customer, customer_user):
    with pytest.raises(ValidationFailed) as error:
        unit_register(actor=customer_user, customer=customer, serial_number="SN-1")
    assert error.value.code == RegistrationError.PROOF_REQUIRED
    assert list(error.value.fields) == ["order_number"]
    assert UnitRegistration.objects.count() == 0


def test_receipt_only_claim_waits_with_the_file_kept(customer, customer_user, settings):
    registration = unit_register(
        actor=customer_user,
        customer=customer,
        serial_number="SN-5",
        receipt=ReceiptFile("../../receipt.PDF", "application/octet-stream", PDF),
        purchased_on=D(2025, 5, 1),
    )
    registration.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING
    assert registration.receipt_filename == "receipt.PDF"
    assert registration.receipt_content_type == "application/pdf"
    assert registration.receipt_size == len(PDF)
    assert (
        registration.receipt.name
        == f"registrations/{registration.receipt_sha256[:2]}/{registration.receipt_sha256}"
    )
    assert registration.receipt.read() == PDF
    assert registration.purchased_on == D(2025, 5, 1)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("receipt.pdf", b"<html><script>alert(1)</script>"),
        ("receipt.png", PDF),
        ("receipt.exe", b"MZ\x90\x00"),
        ("receipt.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("receipt", PNG),
    ],
)
def test_a_receipt_that_is_not_a_pdf_or_photo_is_refused_and_nothing_saved(
    customer, customer_user, settings, name, content
):
    with pytest.raises(ValidationFailed) as error:
        unit_register(
            actor=customer_user,
            customer=customer,
            serial_number="SN-6",
            order_number="A",
            receipt=ReceiptFile(name, "application/pdf", content),
        )
    assert error.value.code == RegistrationError.RECEIPT_TYPE
    assert list(error.value.fields) == ["receipt"]
    assert UnitRegistration.objects.count() == 0
    assert _media_files(settings) == []


def test_a_receipt_over_the_size_limit_is_refused(customer, customer_user, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as error:
        unit_register(
            actor=customer_user,
            customer=customer,
            serial_number="SN-7",
            receipt=ReceiptFile("r.png", "image/png", PNG),
        )
    assert error.value.code == RegistrationError.RECEIPT_TOO_LARGE
    assert UnitRegistration.objects.count() == 0
    assert _media_files(settings) == []


def test_registrations_are_throttled_per_customer(customer, customer_user, other_customer, settings):
    # given a limit of two an hour
    settings.VAFA_PORTAL_REGISTER_LIMIT = 2
    unit_register(actor=customer_user, customer=customer, serial_number="A1", order_number="1")
    unit_register(actor=customer_user, customer=customer, serial_number="A2", order_number="1")
    # when the third comes
    with pytest.raises(RegistrationThrottled) as error:
        unit_register(actor=customer_user, customer=customer, serial_number="A3", order_number="1")
    # then it is refused as 429 and nothing is recorded; another customer is not affected
    assert (error.value.code, error.value.status) == (RegistrationError.THROTTLED, 429)
    assert UnitRegistration.objects.filter(serial_number="A3").count() == 0
    unit_register(actor=None, customer=other_customer, serial_number="A3", order_number="1")
    assert UnitRegistration.objects.filter(serial_number="A3").count() == 1


def test_the_same_pending_claim_again_returns_the_first(customer, customer_user):
    first = unit_register(
        actor=customer_user,
        customer=customer,
        serial_number="DUP-1",
        receipt=ReceiptFile("r.png", "image/png", PNG),
    )
    again = unit_register(actor=customer_user, customer=customer, serial_number="DUP-1", order_number="ORD-5")
    assert again.pk == first.pk
    assert UnitRegistration.objects.count() == 1
    first.refresh_from_db()
    assert (first.order_number, first.receipt_content_type) == ("ORD-5", "image/png")


def test_a_customer_cannot_register_for_someone_else(customer_user, other_customer):
    with pytest.raises(Forbidden):
        unit_register(actor=customer_user, customer=other_customer, serial_number="X", order_number="1")
    assert UnitRegistration.objects.count() == 0


def test_approve_creates_the_unit_with_the_policys_warranty(agent, customer):
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=24))
    registration = UnitRegistrationFactory(
        customer=customer, product=product, serial_number="NEW-1", purchased_on=D(2025, 3, 15)
    )
    approved = unit_registration_approve(actor=agent, registration=registration)
    unit = Unit.objects.get(serial_number="NEW-1")
    assert approved.status == UnitRegistration.Status.APPROVED
    assert (approved.unit, approved.reviewed_by) == (unit, agent)
    assert approved.reviewed_at is not None
    assert (unit.owner, unit.product) == (customer, product)
    assert (unit.purchased_on, unit.warranty_start, unit.warranty_end) == (
        D(2025, 3, 15),
        D(2025, 3, 15),
        D(2027, 3, 15),
    )
    assert (
        PendingWork.objects.filter(
            kind=REGISTRATION_NOTIFY_KIND, payload={"registration_id": approved.pk}
        ).count()
        == 1
    )


def test_approve_takes_an_unowned_unit_and_the_agent_may_choose_the_product(agent, customer):
    unit = UnitFactory(
        owner=None,
        serial_number="FREE-1",
        purchased_on=None,
        delivered_on=None,
        warranty_start=None,
        warranty_end=None,
    )
    registration = UnitRegistrationFactory(
        customer=customer, product=None, serial_number="free-1", purchased_on=D(2025, 1, 2)
    )
    unit_registration_approve(actor=agent, registration=registration, product=unit.product)
    unit.refresh_from_db()
    assert unit.owner == customer
    assert (unit.purchased_on, unit.warranty_start) == (D(2025, 1, 2), D(2025, 1, 2))
    assert Unit.objects.count() == 1


def test_approve_without_a_product_or_a_known_unit_asks_for_the_product(agent, customer):
    registration = UnitRegistrationFactory(customer=customer, product=None, serial_number="UNK-1")
    with pytest.raises(ValidationFailed) as error:
        unit_registration_approve(actor=agent, registration=registration)
    assert error.value.code == RegistrationError.PRODUCT_REQUIRED
    registration.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING
    assert Unit.objects.count() == 0


def test_approve_refuses_another_customers_unit_unless_transferred(agent, customer, other_customer):
    # given a unit of another customer
    unit = UnitFactory(owner=other_customer, serial_number="OWNED-1")
    registration = UnitRegistrationFactory(customer=customer, product=unit.product, serial_number="OWNED-1")
    # when approved without transfer: refused, nothing changed
    with pytest.raises(Conflict) as error:
        unit_registration_approve(actor=agent, registration=registration)
    assert error.value.code == RegistrationError.OWNED_BY_ANOTHER
    unit.refresh_from_db()
    registration.refresh_from_db()
    assert (unit.owner, registration.status) == (other_customer, UnitRegistration.Status.PENDING)
    # when the agent transfers it explicitly
    unit_registration_approve(actor=agent, registration=registration, transfer=True)
    unit.refresh_from_db()
    assert unit.owner == customer
    log = AuditLog.objects.get(action="unit_registration.approve", object_id=str(registration.pk))
    assert (log.actor, log.after["transferred_from"]) == (agent, other_customer.pk)


def test_a_customer_cannot_approve(customer_user, customer):
    registration = UnitRegistrationFactory(customer=customer)
    with pytest.raises(Forbidden):
        unit_registration_approve(actor=customer_user, registration=registration)
    registration.refresh_from_db()
    assert registration.status == UnitRegistration.Status.PENDING


def test_reject_needs_a_reason_and_records_who(agent, customer):
    registration = UnitRegistrationFactory(customer=customer)
    with pytest.raises(ValidationFailed) as error:
        unit_registration_reject(actor=agent, registration=registration, reason="  ")
    assert error.value.code == RegistrationError.REASON_REQUIRED
    rejected = unit_registration_reject(
        actor=agent, registration=registration, reason="The receipt is unreadable."
    )
    assert (rejected.status, rejected.reason, rejected.reviewed_by) == (
        UnitRegistration.Status.REJECTED,
        "The receipt is unreadable.",
        agent,
    )
    with pytest.raises(Conflict) as again:
        unit_registration_approve(actor=agent, registration=rejected)
    assert again.value.code == RegistrationError.NOT_PENDING


def test_the_decision_is_emailed_once_in_the_customers_language(agent):
    # given a Persian-speaking customer whose claim was rejected
    customer = CustomerFactory(language="fa", email__value="reza@example.test")
    registration = UnitRegistrationFactory(customer=customer, serial_number="FA-1")
    unit_registration_reject(actor=agent, registration=registration, reason="رسید خوانا نیست")
    # when the job runs twice
    unit_registration_notify(registration_id=registration.pk)
    unit_registration_notify(registration_id=registration.pk)
    # then one e-mail, to the customer, with the reason
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reza@example.test"]
    assert message.subject == "نتوانستیم ثبت محصول شما را تأیید کنیم"
    assert "FA-1" in message.body
    assert "رسید خوانا نیست" in message.body
    registration.refresh_from_db()
    assert registration.notified_at is not None


def test_approval_email_tells_the_warranty_end(agent, customer):
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12))
    registration = UnitRegistrationFactory(
        customer=customer, product=product, serial_number="OK-1", purchased_on=D(2025, 3, 21)
    )
    registration = unit_registration_approve(actor=agent, registration=registration)
    unit_registration_notify(registration_id=registration.pk)
    assert len(mail.outbox) == 1
    # the fixture customer reads Persian: the end date is Jalali (1405/01/01 = 2026-03-21)
    assert "1405/01/01" in mail.outbox[0].body
