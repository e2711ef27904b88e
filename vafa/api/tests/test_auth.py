"""Bearer tokens for integrations, the session (with CSRF) for the web UI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from vafa.accounts.services import token_create, token_revoke
from vafa.api.tests.helpers import error, post
from vafa.customers.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers"
NEW_CUSTOMER = {"name": "Leila", "email": "leila@example.test", "language": "fa"}


def test_a_valid_bearer_token_is_accepted(api_as, agent):
    assert api_as(agent).get(CUSTOMERS).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer vafa_000000000000_secret", "Token abc", "Bearer", "Basic YWRtaW46YWRtaW4="],
)
def test_an_unknown_or_malformed_token_is_a_401(header):
    response = Client(HTTP_AUTHORIZATION=header).get(CUSTOMERS)

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_a_wrong_secret_for_a_real_prefix_is_a_401(agent):
    raw = token_create(actor=None, user=agent).raw
    forged = raw[: raw.rindex("_") + 1] + "forged"

    assert Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get(CUSTOMERS).status_code == 401


def test_a_revoked_token_is_a_401(agent):
    issued = token_create(actor=None, user=agent)
    token_revoke(actor=None, token=issued.token)

    assert Client(HTTP_AUTHORIZATION=f"Bearer {issued.raw}").get(CUSTOMERS).status_code == 401


def test_an_expired_token_is_a_401(agent):
    issued = token_create(actor=None, user=agent)
    issued.token.expires_at = timezone.now() - dt.timedelta(minutes=1)
    issued.token.save(update_fields=["expires_at"])

    assert Client(HTTP_AUTHORIZATION=f"Bearer {issued.raw}").get(CUSTOMERS).status_code == 401


def test_a_deactivated_users_token_is_a_401(agent):
    raw = token_create(actor=None, user=agent).raw
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(CUSTOMERS).status_code == 401


def test_the_session_of_the_web_ui_reads(agent):
    client = Client()
    client.force_login(agent)

    assert client.get(CUSTOMERS).status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = post(client, CUSTOMERS, NEW_CUSTOMER)

    assert response.status_code == 403
    assert error(response)["code"] == "csrf_failed"
    assert Customer.objects.count() == 0


def test_a_session_write_with_the_csrf_token_is_accepted(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get("/admin/login/")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = post(client, CUSTOMERS, NEW_CUSTOMER, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    assert Customer.objects.get().name == "Leila"


def test_a_bearer_token_needs_no_csrf_token(api_as, agent):
    client = api_as(agent)
    client.handler.enforce_csrf_checks = True

    assert post(client, CUSTOMERS, NEW_CUSTOMER).status_code == 201


def test_the_schema_and_docs_are_public(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
