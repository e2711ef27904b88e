"""Idempotency-Key: a retried POST replays the first answer and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from vafa.accounts.services import token_create
from vafa.api.models import IdempotencyRecord
from vafa.api.tests.helpers import error, post
from vafa.customers.models import Customer
from vafa.service.models import Case, Message
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers"
NEW_CUSTOMER = {"name": "Leila", "email": "leila@example.test", "language": "fa"}


def test_a_retry_replays_the_first_answer(api_as, agent):
    client = api_as(agent)

    first = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-1")
    retry = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.method, record.path, record.status_code) == (
        agent,
        "k-1",
        "POST",
        CUSTOMERS,
        201,
    )


def test_the_same_key_with_another_body_is_refused(api_as, agent):
    client = api_as(agent)
    post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-2")

    response = post(client, CUSTOMERS, {**NEW_CUSTOMER, "name": "Someone else"}, HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 422
    assert error(response)["code"] == "idempotency_key_reused"
    assert list(Customer.objects.values_list("name", flat=True)) == ["Leila"]


def test_the_same_key_on_another_path_is_refused(api_as, manager):
    client = api_as(manager)
    post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-3")

    response = post(client, "/api/v1/organisations", NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-3")

    assert response.status_code == 422
    assert error(response)["code"] == "idempotency_key_reused"


def test_a_retry_while_the_first_is_running_is_a_409(api_as, agent):
    client = api_as(agent)
    # the first request has claimed the key and not answered yet
    first = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-4")
    IdempotencyRecord.objects.filter(key="k-4").update(status_code=None, response_body=None)

    response = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-4")

    assert first.status_code == 201
    assert response.status_code == 409
    assert error(response)["code"] == "idempotency_in_progress"
    assert Customer.objects.count() == 1


def test_keys_belong_to_one_user(api_as, agent, manager):
    first = post(api_as(agent), CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="shared")

    other = post(
        api_as(manager),
        CUSTOMERS,
        {**NEW_CUSTOMER, "email": "l2@example.test"},
        HTTP_IDEMPOTENCY_KEY="shared",
    )

    assert (first.status_code, other.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in other
    assert Customer.objects.count() == 2


def test_refusals_are_replayed_too(api_as, agent, customer):
    case = make_case(customer)
    client = api_as(agent)

    first = post(client, f"/api/v1/cases/{case.pk}/close", HTTP_IDEMPOTENCY_KEY="close-1")
    retry = post(client, f"/api/v1/cases/{case.pk}/close", HTTP_IDEMPOTENCY_KEY="close-1")

    assert (first.status_code, retry.status_code) == (409, 409)
    assert retry["Idempotent-Replayed"] == "true"


def test_a_reply_sent_twice_with_one_key_is_posted_once(api_as, agent, customer):
    case = make_case(customer)
    client = api_as(agent)

    for _ in range(2):
        post(
            client,
            f"/api/v1/cases/{case.pk}/messages",
            {"body": "On its way."},
            HTTP_IDEMPOTENCY_KEY="reply-1",
        )

    assert Message.objects.filter(case=case).count() == 2  # the customer's first message and one reply


def test_a_server_error_frees_the_key(agent, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("vafa.customers.services.customer_create", explode)
    raw = token_create(actor=None, user=agent).raw
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)

    response = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-5")

    assert response.status_code == 500
    assert IdempotencyRecord.objects.count() == 0


def test_an_expired_key_may_be_used_again(api_as, agent, settings):
    settings.VAFA_IDEMPOTENCY_TTL_HOURS = 1
    client = api_as(agent)
    post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY="k-6")
    IdempotencyRecord.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    response = post(
        client, CUSTOMERS, {**NEW_CUSTOMER, "email": "l3@example.test"}, HTTP_IDEMPOTENCY_KEY="k-6"
    )

    assert response.status_code == 201
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 256])
def test_a_malformed_key_is_a_422(api_as, agent, key):
    response = post(api_as(agent), CUSTOMERS, NEW_CUSTOMER, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["Idempotency-Key"]
    assert Customer.objects.count() == 0


def test_requests_without_a_key_are_not_recorded(api_as, agent):
    post(api_as(agent), CUSTOMERS, NEW_CUSTOMER)

    assert IdempotencyRecord.objects.count() == 0
    assert Case.objects.count() == 0
