"""The help widget's frame pages, through the test client: framing, search, reading, asking."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.urls import reverse

from vafa.customers.models import ContactPoint, Customer
from vafa.knowledge.models import DeflectionEvent
from vafa.knowledge.tests.factories import published_article
from vafa.portal.views.widget import form_token
from vafa.service.models import Case

VISIT = "widget-visit-0123456789"


def ask_data(**fields):
    data = {
        "name": "Nima Rahimi",
        "email": "Nima@Example.test",
        "subject": "Where is my order?",
        "description": "I ordered a kettle last week.",
        "token": form_token(VISIT),
        "visit": VISIT,
        "language": "en",
        "website": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def article(db):
    return published_article(
        texts={
            "en": ("Track your order", "Open the link in your order e-mail to track the parcel."),
            "fa": ("پیگیری سفارش", "پیوند ایمیل سفارش را باز کنید تا مرسوله را پیگیری کنید."),
        }
    )


def test_the_frame_may_be_shown_by_any_site_by_default(client, db):
    response = client.get(reverse("portal:widget") + "?language=en")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors *"


def test_the_frame_lists_only_the_allowed_sites(client, db, settings):
    settings.VAFA_WIDGET_ALLOWED_ORIGINS = ["https://shop.example", "https://www.shop.example"]

    response = client.get(reverse("portal:widget_ask"))

    assert (
        response["Content-Security-Policy"]
        == "frame-ancestors 'self' https://shop.example https://www.shop.example"
    )


def test_no_allowed_site_means_only_vafa_itself(client, db, settings):
    settings.VAFA_WIDGET_ALLOWED_ORIGINS = []

    response = client.get(reverse("portal:widget"))

    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_other_portal_pages_stay_unframable(client, customer_user):
    client.force_login(customer_user)

    response = client.get(reverse("portal:requests"))

    assert response["X-Frame-Options"] == "DENY"


def test_the_frame_speaks_the_language_asked_for(client, db):
    response = client.get(reverse("portal:widget") + "?language=fa")

    body = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in body


def test_an_unknown_language_falls_back_to_the_default(client, db):
    response = client.get(reverse("portal:widget") + "?language=xx")

    assert '<html lang="en" dir="ltr">' in response.content.decode()


def test_the_launcher_words_are_translated_and_readable_from_any_site(client, db):
    response = client.get(reverse("portal:widget_config") + "?language=fa")

    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert (data["language"], data["dir"]) == ("fa", "rtl")
    assert data["frame"] == "/portal/widget/?language=fa"


def test_search_finds_articles_and_records_the_step(client, article):
    response = client.get(reverse("portal:widget_search") + f"?language=en&visit={VISIT}&q=track+order")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Track your order" in body
    step = DeflectionEvent.objects.get()
    assert (step.kind, step.source, step.visit, step.query, step.result_count) == (
        "search",
        "widget",
        VISIT,
        "track order",
        1,
    )


def test_reading_and_answered_are_recorded(client, article):
    read = client.get(
        reverse("portal:widget_article", args=[article.pk]) + f"?language=en&text=en&visit={VISIT}"
    )
    token = read.context["token"]

    answered = client.post(
        reverse("portal:widget_answered"),
        {"article": str(article.pk), "text": "en", "language": "en", "visit": VISIT, "token": token},
    )

    assert read.status_code == 200
    assert "Open the link in your order e-mail" in read.content.decode()
    assert answered.status_code == 200
    assert list(DeflectionEvent.objects.order_by("id").values_list("kind", "source", "visit", "article")) == [
        ("view", "widget", VISIT, article.pk),
        ("answered", "widget", VISIT, article.pk),
    ]
    assert not Case.objects.exists()


def test_answered_without_a_valid_token_records_nothing(client, article):
    response = client.post(
        reverse("portal:widget_answered"),
        {"article": str(article.pk), "language": "en", "visit": VISIT, "token": "forged:token"},
    )

    assert response.status_code == 404
    assert not DeflectionEvent.objects.exists()


def test_a_request_creates_the_customer_and_the_case(client, db):
    response = client.post(reverse("portal:widget_ask"), ask_data())

    assert response.status_code == 200
    customer = Customer.objects.get()
    assert customer.name == "Nima Rahimi"
    assert list(customer.contact_points.values_list("kind", "value")) == [("email", "nima@example.test")]
    case = Case.objects.get()
    assert (case.customer, case.channel, case.subject, case.language) == (
        customer,
        "portal",
        "Where is my order?",
        "en",
    )
    assert case.messages.get().body_text == "I ordered a kettle last week."
    assert f"VF-{case.number}" in response.content.decode()
    step = DeflectionEvent.objects.get()
    assert (step.kind, step.source, step.visit, step.case, step.customer) == (
        "submitted",
        "widget",
        VISIT,
        case,
        customer,
    )


def test_a_request_from_a_known_address_goes_to_that_customer(client, customer):
    client.post(reverse("portal:widget_ask"), ask_data(email="SARA@example.test", name="Someone else"))

    case = Case.objects.get()
    assert case.customer == customer
    assert Customer.objects.count() == 1
    assert Customer.objects.get().name == "Sara Ahmadi"


def test_the_form_needs_no_csrf_cookie(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = strict.post(reverse("portal:widget_ask"), ask_data())

    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_a_forged_token_is_refused(client, db):
    response = client.post(reverse("portal:widget_ask"), ask_data(token=f"{VISIT}:forged:sig"))

    assert response.status_code == 400
    assert "This form was open too long." in response.content.decode()
    assert not Case.objects.exists()
    assert not Customer.objects.exists()


def test_an_expired_token_is_refused(client, db):
    class ThreeHoursAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 3 * 3600)

    old = ThreeHoursAgo(salt="vafa.portal.widget.form").sign(VISIT)

    response = client.post(reverse("portal:widget_ask"), ask_data(token=old))

    assert response.status_code == 400
    assert not Case.objects.exists()


def test_the_honeypot_answers_as_success_and_does_nothing(client, db):
    response = client.post(reverse("portal:widget_ask"), ask_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "your request was sent" in response.content.decode()
    assert not Case.objects.exists()
    assert not Customer.objects.exists()
    assert not DeflectionEvent.objects.exists()


def test_bad_input_is_refused_with_field_errors(client, db):
    response = client.post(reverse("portal:widget_ask"), ask_data(email="not-an-address", subject=""))

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"email", "subject"}
    assert not Case.objects.exists()


def test_requests_are_limited_per_address(client, db, settings):
    settings.VAFA_WIDGET_ADDRESS_LIMIT = 2
    for _ in range(2):
        assert client.post(reverse("portal:widget_ask"), ask_data()).status_code == 200

    response = client.post(reverse("portal:widget_ask"), ask_data(email="NIMA@example.test"))
    other = client.post(reverse("portal:widget_ask"), ask_data(email="other@example.test"))

    assert response.status_code == 429
    assert other.status_code == 200
    assert Case.objects.count() == 3


def test_requests_are_limited_per_ip(client, db, settings):
    settings.VAFA_WIDGET_IP_LIMIT = 2
    for n in range(2):
        client.post(reverse("portal:widget_ask"), ask_data(email=f"a{n}@example.test"))

    response = client.post(reverse("portal:widget_ask"), ask_data(email="fresh@example.test"))
    elsewhere = client.post(
        reverse("portal:widget_ask"), ask_data(email="fresh@example.test"), REMOTE_ADDR="10.9.8.7"
    )

    assert response.status_code == 429
    assert elsewhere.status_code == 200
    assert Case.objects.count() == 3
    assert not ContactPoint.objects.filter(value="fresh@example.test", customer__cases__isnull=True).exists()
