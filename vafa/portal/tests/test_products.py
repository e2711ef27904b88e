import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vafa.accounts.services import customer_account_ensure
from vafa.catalog.tests.factories import KnownIssueFactory, ProductFactory, WarrantyPolicyFactory
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.knowledge.tests.factories import published_article
from vafa.sales.models import Unit, UnitRegistration
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _english(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    return customer_account_ensure(actor=None, customer=customer)


@pytest.fixture
def en_user(other_customer):
    return _english(other_customer)


def test_the_list_shows_own_units_with_warranty_maintenance_and_issue_badge(en_user, other_customer):
    # given an English-speaking customer's unit with a known issue, and somebody else's unit
    product = ProductFactory(name="Kettle", names={"ru": "Чайник"}, maintenance_interval_days=90)
    unit = UnitFactory(
        owner=other_customer,
        product=product,
        serial_number="KT-1",
        purchased_on=dt.date(2025, 1, 1),
        delivered_on=dt.date(2025, 1, 1),
        warranty_start=dt.date(2025, 1, 1),
        warranty_end=dt.date(2099, 1, 1),
    )
    KnownIssueFactory(product=product, starts_on=dt.date(2020, 1, 1))
    foreign = UnitFactory(serial_number="NOT-MINE")
    # when
    response = _client(en_user).get(reverse("portal:products"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="portal-unit-{unit.pk}"' in html
    assert "Kettle" in html
    assert "KT-1" in html
    assert 'data-warranty="in_warranty"' in html
    assert '<time datetime="2099-01-01">2099-01-01</time>' in html
    assert "Next maintenance due" in html
    assert "1 known issue" in html
    assert f'id="portal-unit-{foreign.pk}"' not in html
    assert "NOT-MINE" not in html


def test_the_list_shows_open_registrations(en_user, other_customer):
    UnitRegistration.objects.create(customer=other_customer, serial_number="WAIT-1", order_number="1")
    UnitRegistration.objects.create(
        customer=other_customer,
        serial_number="NO-1",
        order_number="1",
        status="rejected",
        reason="Unreadable",
    )
    UnitRegistration.objects.create(customer=CustomerFactory(), serial_number="THEIRS-1", order_number="1")
    html = _client(en_user).get(reverse("portal:products")).content.decode()
    assert "WAIT-1" in html
    assert "We are checking your proof of purchase" in html
    assert "NO-1" in html and "Unreadable" in html
    assert "THEIRS-1" not in html


def test_the_list_takes_a_fixed_number_of_queries(en_user, other_customer, django_assert_num_queries):
    # given two units, then five more: the page costs the same
    client = _client(en_user)
    UnitFactory.create_batch(2, owner=other_customer)
    with django_assert_num_queries(7):
        client.get(reverse("portal:products"))
    for _ in range(5):
        unit = UnitFactory(owner=other_customer)
        KnownIssueFactory(product=unit.product)
    UnitRegistration.objects.create(customer=other_customer, serial_number="W-1", order_number="1")
    with django_assert_num_queries(7):
        response = client.get(reverse("portal:products"))
    assert response.content.decode().count('class="portal-card portal-unit') == 7


def test_organisation_members_see_each_others_units_when_it_shares(db):
    # given two members of an organisation that shares
    organisation = OrganisationFactory(share_with_members=True)
    first = CustomerFactory(organisation=organisation)
    second = CustomerFactory(organisation=organisation, name="Colleague")
    unit = UnitFactory(owner=second, serial_number="ORG-1")
    client = _client(customer_account_ensure(actor=None, customer=first))
    # then the member sees the colleague's unit and its page
    html = client.get(reverse("portal:products")).content.decode()
    assert "ORG-1" in html
    assert "Owner: Colleague" in html
    assert client.get(reverse("portal:product", args=[unit.pk])).status_code == 200
    # and not when the organisation stops sharing
    organisation.share_with_members = False
    organisation.save()
    assert "ORG-1" not in client.get(reverse("portal:products")).content.decode()
    assert client.get(reverse("portal:product", args=[unit.pk])).status_code == 404


def test_another_customers_unit_is_not_found(en_user, customer):
    unit = UnitFactory(owner=customer)
    response = _client(en_user).get(reverse("portal:product", args=[unit.pk]))
    assert response.status_code == 404
    assert response.context is None or "row" not in response.context


def test_a_huge_unit_id_is_not_found(en_user):
    assert _client(en_user).get(f"/portal/products/{2**64}/").status_code == 404


def test_the_unit_page_shows_warranty_issues_articles_and_the_ask_link(en_user, other_customer):
    # given a unit in extended warranty, with an issue for its batch and one for another batch
    product = ProductFactory(name="Washer", maintenance_interval_days=180)
    today = timezone.localdate()
    unit = UnitFactory(
        owner=other_customer,
        product=product,
        serial_number="WB24-77",
        purchased_on=today - dt.timedelta(days=400),
        delivered_on=today - dt.timedelta(days=400),
        warranty_start=today - dt.timedelta(days=400),
        warranty_end=today - dt.timedelta(days=35),
        extended_warranty_end=today + dt.timedelta(days=330),
    )
    KnownIssueFactory(
        product=product,
        serial_prefix="WB24",
        title="Door seal may leak",
        body="Book a free check.",
        severity="recall",
        starts_on=today - dt.timedelta(days=10),
    )
    KnownIssueFactory(product=product, serial_prefix="WB23", title="Other batch", starts_on=today)
    published_article(texts={"en": ("Cleaning the filter", "Open the flap.")}, products=[product])
    # when
    response = _client(en_user).get(reverse("portal:product", args=[unit.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-warranty="extended"' in html
    assert f'<time datetime="{unit.extended_warranty_end.isoformat()}">' in html
    assert "Door seal may leak" in html and "Book a free check." in html
    assert 'data-severity="recall"' in html
    assert "Other batch" not in html
    assert "Cleaning the filter" in html
    due = today - dt.timedelta(days=400) + dt.timedelta(days=540)
    assert f'id="portal-unit-maintenance"><time datetime="{due.isoformat()}">' in html
    assert f'href="{reverse("portal:ask")}?unit={unit.pk}"' in html


def test_the_persian_unit_page_is_right_to_left_with_jalali_dates(customer_user, customer):
    # given a Persian-speaking customer (the fixture) and a unit whose warranty ends 2099-03-20 (1478/01/01)
    product = ProductFactory(name="Phone", names={"fa": "گوشی"})
    unit = UnitFactory(owner=customer, product=product, warranty_end=dt.date(2099, 3, 20))
    KnownIssueFactory(product=product, title="Battery", titles={"fa": "باتری"}, starts_on=dt.date(2020, 1, 1))
    # when
    response = _client(customer_user).get(reverse("portal:product", args=[unit.pk]))
    # then
    html = response.content.decode()
    assert 'dir="rtl"' in html and 'lang="fa"' in html
    assert "گوشی" in html
    assert "باتری" in html
    assert '<time datetime="2099-03-20">1478/01/01</time>' in html


def test_register_page_lists_serialised_products_in_the_readers_language(customer_user):
    ProductFactory(name="Fridge", names={"fa": "یخچال"})
    ProductFactory(name="Cable", is_serialised=False)
    ProductFactory(name="Old model", is_active=False)
    html = _client(customer_user).get(reverse("portal:register")).content.decode()
    assert "یخچال" in html
    assert "Cable" not in html and "Old model" not in html
    for element in (
        "id_serial_number",
        "id_product",
        "id_order_number",
        "id_receipt",
        "id_purchased_on",
        "portal-register-submit",
        'name="website"',
    ):
        assert element in html


def test_registering_with_the_orders_number_shows_the_warranty(en_user, other_customer):
    # given an unowned unit from order SHOP-9 placed 2026-01-05, with a 12-month warranty
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12))
    line = OrderLineFactory(
        order=OrderFactory(number="SHOP-9", placed_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)),
        product=product,
    )
    unit = UnitFactory(
        product=product,
        serial_number="SER-9",
        owner=None,
        order_line=line,
        purchased_on=None,
        delivered_on=None,
        warranty_start=None,
        warranty_end=None,
    )
    client = _client(en_user)
    # when
    response = client.post(
        reverse("portal:register"), {"serial_number": "SER-9", "order_number": "SHOP-9"}, follow=True
    )
    # then
    html = response.content.decode()
    unit.refresh_from_db()
    assert unit.owner == other_customer
    assert 'data-status="approved"' in html
    assert 'Your warranty runs until <time datetime="2027-01-05">2027-01-05</time>.' in html


def _pending_answer(client: Client, serial: str) -> str:
    response = client.post(
        reverse("portal:register"), {"serial_number": serial, "order_number": "X-1"}, follow=True
    )
    assert response.status_code == 200
    registration = UnitRegistration.objects.get(serial_number=serial)
    html = response.content.decode().replace(serial, "<serial>")
    html = html.replace(f"/portal/products/register/{registration.pk}/", "<url>")
    # The CSRF token is masked afresh on every page.
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1<token>", html)


def test_a_taken_serial_and_an_unknown_serial_get_the_same_page(en_user, customer):
    # given a unit that belongs to another customer
    UnitFactory(owner=customer, serial_number="TAKEN-7")
    client = _client(en_user)
    # when both are claimed
    taken = _pending_answer(client, "TAKEN-7")
    unknown = _pending_answer(client, "NOBODY-7")
    # then the pages are the same, and say we will check
    assert taken == unknown
    assert "We will check your proof of purchase and let you know." in taken
    assert Unit.objects.get(serial_number="TAKEN-7").owner == customer


def test_registering_with_a_receipt_and_a_jalali_date(customer_user, customer):
    client = _client(customer_user)
    response = client.post(
        reverse("portal:register"),
        {
            "serial_number": "RC-1",
            "purchased_on": "۱۴۰۴/۰۱/۰۱",
            "receipt": SimpleUploadedFile("factor.pdf", PDF, content_type="application/pdf"),
        },
    )
    registration = UnitRegistration.objects.get(serial_number="RC-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:registered", args=[registration.pk])
    assert registration.purchased_on == dt.date(2025, 3, 21)
    assert registration.receipt_content_type == "application/pdf"


def test_a_fake_pdf_is_refused_with_a_clear_error_and_nothing_saved(en_user):
    response = _client(en_user).post(
        reverse("portal:register"),
        {
            "serial_number": "FK-1",
            "receipt": SimpleUploadedFile("r.pdf", b"<script>", content_type="application/pdf"),
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "r.pdf is not a PDF file or a photo" in html
    assert 'id="id_receipt-error"' in html
    assert UnitRegistration.objects.count() == 0


def test_missing_proof_and_a_bad_date_are_explained(en_user):
    response = _client(en_user).post(
        reverse("portal:register"), {"serial_number": "NP-1", "purchased_on": "31/31/31"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Write the date as year/month/day" in html
    response = _client(en_user).post(reverse("portal:register"), {"serial_number": "NP-1"})
    assert "Enter the order number or upload the receipt." in response.content.decode()
    assert UnitRegistration.objects.count() == 0


def test_too_many_registrations_are_refused_with_429(en_user, settings):
    settings.VAFA_PORTAL_REGISTER_LIMIT = 1
    client = _client(en_user)
    client.post(reverse("portal:register"), {"serial_number": "T-1", "order_number": "1"})
    response = client.post(reverse("portal:register"), {"serial_number": "T-2", "order_number": "1"})
    assert response.status_code == 429
    assert "Too many registrations" in response.content.decode()
    assert list(UnitRegistration.objects.values_list("serial_number", flat=True)) == ["T-1"]


def test_the_honeypot_answers_like_a_pending_claim_and_records_nothing(en_user):
    response = _client(en_user).post(
        reverse("portal:register"), {"serial_number": "BOT-1", "order_number": "1", "website": "http://spam"}
    )
    assert response.status_code == 200
    assert "We will check your proof of purchase and let you know." in response.content.decode()
    assert UnitRegistration.objects.count() == 0


def test_another_customers_registration_result_is_not_found(en_user, customer):
    registration = UnitRegistration.objects.create(customer=customer, serial_number="S", order_number="1")
    assert _client(en_user).get(reverse("portal:registered", args=[registration.pk])).status_code == 404


def test_staff_are_sent_to_the_desk(agent):
    response = _client(agent).get(reverse("portal:products"))
    assert response.status_code == 302
