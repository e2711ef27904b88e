"""Rules every operation keeps: 401 without credentials, 404 for unknown ids, 400/422 for bad bodies."""

from __future__ import annotations

import pytest

from vafa.api.tests.helpers import error
from vafa.api.urls import api

pytestmark = pytest.mark.django_db

PLACED = "2026-03-01T10:00:00Z"

# A body that passes validation for each operation (None: the operation takes no body). The ids
# inside are unknown on purpose: with an unknown id in the path, the answer must still be a 404.
VALID_BODIES: dict[tuple[str, str], dict | None] = {
    ("get", "/api/v1/customers"): None,
    ("post", "/api/v1/customers"): {"name": "Ana", "email": "ana@example.test", "language": "en"},
    ("get", "/api/v1/customers/{customer_id}"): None,
    ("patch", "/api/v1/customers/{customer_id}"): {"tier": "gold"},
    ("get", "/api/v1/organisations"): None,
    ("post", "/api/v1/organisations"): {"name": "Acme"},
    ("get", "/api/v1/organisations/{organisation_id}"): None,
    ("patch", "/api/v1/organisations/{organisation_id}"): {"tier": "gold"},
    ("get", "/api/v1/products"): None,
    ("post", "/api/v1/products"): {"sku": "S-1", "name": "Kettle"},
    ("get", "/api/v1/products/{product_id}"): None,
    ("patch", "/api/v1/products/{product_id}"): {"name": "Kettle"},
    ("get", "/api/v1/orders"): None,
    ("post", "/api/v1/orders"): {
        "customer_id": 9001,
        "number": "O-1",
        "placed_at": PLACED,
        "total_amount": 1,
    },
    ("get", "/api/v1/orders/{order_id}"): None,
    ("patch", "/api/v1/orders/{order_id}"): {"number": "O-2"},
    ("get", "/api/v1/units"): None,
    ("post", "/api/v1/units"): {"sku": "S-1", "serial_number": "SN-1"},
    ("get", "/api/v1/units/{unit_id}"): None,
    ("patch", "/api/v1/units/{unit_id}"): {"purchased_on": "2026-01-01"},
    ("get", "/api/v1/cases"): None,
    ("post", "/api/v1/cases"): {"subject": "Help", "body": "Please.", "customer_id": 9001},
    ("get", "/api/v1/cases/{case_id}"): None,
    ("patch", "/api/v1/cases/{case_id}"): {"subject": "Help"},
    ("get", "/api/v1/cases/{case_id}/messages"): None,
    ("post", "/api/v1/cases/{case_id}/messages"): {"body": "Hello"},
    ("get", "/api/v1/cases/{case_id}/events"): None,
    ("post", "/api/v1/cases/{case_id}/assign"): {"assignee_id": None},
    ("post", "/api/v1/cases/{case_id}/status"): {"status": "open"},
    ("post", "/api/v1/cases/{case_id}/resolve"): {"summary": "Done"},
    ("post", "/api/v1/cases/{case_id}/reopen"): {"reason": "Again"},
    ("post", "/api/v1/cases/{case_id}/merge"): {"target_id": 9001},
    ("post", "/api/v1/cases/{case_id}/priority"): {"priority": "low"},
    ("post", "/api/v1/cases/{case_id}/close"): None,
    ("post", "/api/v1/cases/{case_id}/unit"): {"unit_id": None},
    ("get", "/api/v1/cases/{case_id}/sla"): None,
    ("get", "/api/v1/sla/compliance"): None,
    ("get", "/api/v1/kb/search"): None,
    ("get", "/api/v1/kb/articles/{article_id}"): None,
    ("get", "/api/v1/cases/{case_id}/aftersales"): None,
    ("get", "/api/v1/aftersales/repairs/{repair_id}"): None,
    ("post", "/api/v1/cases/{case_id}/claims"): {"fault": "Does not heat"},
    ("post", "/api/v1/aftersales/claims/{claim_id}/approve"): {"remedy": "repair"},
    ("post", "/api/v1/aftersales/claims/{claim_id}/reject"): {"reason": "physical_damage"},
    ("post", "/api/v1/cases/{case_id}/returns"): {"order_line_id": 9001, "reason": "defective"},
    ("post", "/api/v1/cases/{case_id}/refunds"): {"order_line_id": 9001, "amount": "10.00"},
    ("post", "/api/v1/aftersales/refunds/{refund_id}/approve"): {"payment_reference": "TX-1"},
    ("post", "/api/v1/aftersales/stock/receive"): {"part_id": 9001, "location_id": 9001, "quantity": 2},
}
# Open to anonymous readers on purpose: the public knowledge base (docs/api.md).
PUBLIC = {("get", "/api/v1/kb/search"), ("get", "/api/v1/kb/articles/{article_id}")}
OPERATIONS = sorted(VALID_BODIES)
WITH_ID = [op for op in OPERATIONS if "{" in op[1]]
WITH_BODY = [op for op in OPERATIONS if VALID_BODIES[op] is not None]


def _url(path: str, object_id: int = 9001) -> str:
    return path.split("{")[0] + str(object_id) + path.split("}")[1] if "{" in path else path


def _call(client, method: str, path: str, body=None, raw: str | None = None):
    send = getattr(client, method)
    if method == "get":
        return send(path)
    if raw is not None:
        return send(path, raw, content_type="application/json")
    return send(path, body if body is not None else "", content_type="application/json")


def test_the_table_names_every_operation_of_the_schema():
    schema = api.get_openapi_schema()

    documented = {(method, path) for path, ops in schema["paths"].items() for method in ops}

    assert documented == set(VALID_BODIES)


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op not in PUBLIC])
def test_every_operation_refuses_anonymous_callers(client, method, path):
    response = _call(client, method, _url(path), VALID_BODIES[(method, path)])

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), WITH_ID)
def test_every_operation_answers_404_for_an_unknown_id(api_as, admin_user, method, path):
    response = _call(api_as(admin_user), method, _url(path), VALID_BODIES[(method, path)])

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize(("method", "path"), WITH_ID)
def test_every_operation_answers_422_for_an_id_out_of_range(api_as, admin_user, method, path):
    response = _call(api_as(admin_user), method, _url(path, 2**63), VALID_BODIES[(method, path)])

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [path.split("{")[1].split("}")[0]]


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_every_body_refuses_malformed_json(api_as, admin_user, method, path):
    response = _call(api_as(admin_user), method, _url(path), raw='{"oops": ')

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_every_body_must_be_a_json_object(api_as, admin_user, method, path):
    response = _call(api_as(admin_user), method, _url(path), raw="[1, 2, 3]")

    assert response.status_code == 422
    assert error(response)["fields"] == {"body": ["Send a JSON object."]}


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_every_body_refuses_wrong_types(api_as, admin_user, method, path):
    body = {key: {"nested": "object"} for key in VALID_BODIES[(method, path)]}

    response = _call(api_as(admin_user), method, _url(path), body)

    assert response.status_code == 422
    assert error(response)["code"] == "validation_error"
    assert error(response)["fields"]
