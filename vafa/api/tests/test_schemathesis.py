"""Fuzz the API from its own OpenAPI schema: no answer may be a 5xx, and every answer must match the schema.

Each operation is called with generated valid and invalid data, once as an administrator and once
as a customer, over a small seeded data set so that generated ids sometimes hit real rows.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from vafa.accounts.models import Role
from vafa.accounts.services import customer_account_ensure, token_create
from vafa.accounts.tests.factories import TeamFactory, UserFactory
from vafa.catalog.tests.factories import ProductFactory
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.services import case_reply, case_resolve
from vafa.service.tests.factories import make_case

APP = get_wsgi_application()
# As an administrator every phase runs: the coverage phase's boundary and type-violation cases
# plus random valid and invalid data. As a customer, random data only: the same validation sits in
# front of both, and this keeps the file near a minute and a half on two cores.
admin_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
customer_schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", APP, config=SchemathesisConfig.from_str("[phases.coverage]\nenabled = false\n")
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZ = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_the_test_connection():
    """Leave the test's database connection open between requests, as Django's test client does.

    Schemathesis calls the real WSGI handler, whose request signals would close a connection that
    is inside the test's transaction (PostgreSQL then answers "the connection is closed").
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, keep_the_test_connection):
    """A small company: staff, two customers (one with a portal account), products, orders, units, cases."""
    admin = UserFactory(email="fuzz-admin@staff.vafa.test", role=Role.ADMIN)
    agent = UserFactory(email="fuzz-agent@staff.vafa.test", role=Role.AGENT)
    TeamFactory(name="Fuzz team").members.add(agent)
    organisation = OrganisationFactory(share_with_members=True)
    buyer = CustomerFactory(name="Fuzz Buyer", organisation=organisation)
    other = CustomerFactory(name="Other Buyer")
    portal_user = customer_account_ensure(actor=None, customer=buyer)
    product = ProductFactory(sku="FUZZ-1")
    ProductFactory(sku="FUZZ-2", is_active=False)
    for owner in (buyer, other):
        order = OrderFactory(customer=owner, placed_at=timezone.now() - dt.timedelta(days=3))
        OrderLineFactory(order=order, product=product)
        unit = UnitFactory(owner=owner, product=product)
        open_case = make_case(owner, unit=unit, order=order)
        resolved = make_case(owner)
        case_reply(actor=agent, case=resolved, body="Try a new cable.")
        case_resolve(actor=agent, case=resolved, summary="Cable replaced.")
        make_case(owner, subject="Second request")
        assert open_case.pk
    return {
        "admin": f"Bearer {token_create(actor=None, user=admin).raw}",
        "customer": f"Bearer {token_create(actor=None, user=portal_user).raw}",
    }


def _fresh_idempotency_key(case) -> None:
    """Give each generated request its own valid key, so that one key reused by the generator does
    not turn every later request into an `idempotency_key_reused` answer (tested in test_idempotency)."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[!-~]{1,255}", key):
        case.headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}


@admin_schema.parametrize()
@FUZZ
def test_api_as_admin(case, seeded):
    _fresh_idempotency_key(case)
    case.call_and_validate(headers={"Authorization": seeded["admin"]}, checks=CHECKS)


@customer_schema.parametrize()
@FUZZ
def test_api_as_customer(case, seeded):
    _fresh_idempotency_key(case)
    case.call_and_validate(headers={"Authorization": seeded["customer"]}, checks=CHECKS)
