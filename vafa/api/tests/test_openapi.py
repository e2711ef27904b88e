"""The OpenAPI schema is valid and documents every answer an operation can give."""

from __future__ import annotations

import pytest
import schemathesis

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# POSTs under a record that add a new record to it (201); other POSTs with an id are actions (200).
CREATING = ("/messages", "/claims", "/returns", "/refunds")


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi(openapi):
    assert openapi["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(openapi).validate()


def test_the_schema_lists_every_resource(openapi):
    assert sorted(openapi["paths"]) == [
        "/api/v1/aftersales/claims/{claim_id}/approve",
        "/api/v1/aftersales/claims/{claim_id}/reject",
        "/api/v1/aftersales/refunds/{refund_id}/approve",
        "/api/v1/aftersales/repairs/{repair_id}",
        "/api/v1/aftersales/stock/receive",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/aftersales",
        "/api/v1/cases/{case_id}/assign",
        "/api/v1/cases/{case_id}/claims",
        "/api/v1/cases/{case_id}/close",
        "/api/v1/cases/{case_id}/events",
        "/api/v1/cases/{case_id}/merge",
        "/api/v1/cases/{case_id}/messages",
        "/api/v1/cases/{case_id}/priority",
        "/api/v1/cases/{case_id}/refunds",
        "/api/v1/cases/{case_id}/reopen",
        "/api/v1/cases/{case_id}/resolve",
        "/api/v1/cases/{case_id}/returns",
        "/api/v1/cases/{case_id}/sla",
        "/api/v1/cases/{case_id}/status",
        "/api/v1/cases/{case_id}/unit",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/kb/articles/{article_id}",
        "/api/v1/kb/search",
        "/api/v1/orders",
        "/api/v1/orders/{order_id}",
        "/api/v1/organisations",
        "/api/v1/organisations/{organisation_id}",
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/sla/compliance",
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
    ]


def test_every_operation_documents_the_error_shape(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("400", "401", "403", "404", "409", "413", "422"):
                assert responses[status]["content"]["application/json"]["schema"] == ERROR_REF, (
                    method,
                    path,
                    status,
                )
            creates = method == "post" and (path.endswith(CREATING) or "{" not in path)
            assert ("201" if creates else "200") in responses, (method, path)


def test_every_post_documents_the_idempotency_key(openapi):
    for path, operations in openapi["paths"].items():
        if "post" in operations:
            names = [p["name"] for p in operations["post"]["parameters"] if p["in"] == "header"]
            assert names == ["Idempotency-Key"], path


def test_every_id_in_a_path_is_bounded(openapi):
    for path, operations in openapi["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["minimum"] == 1, path
                    assert parameter["schema"]["maximum"] == 2**63 - 1, path


def test_the_error_shape_is_described(openapi):
    schemas = openapi["components"]["schemas"]

    assert schemas["ErrorOut"]["required"] == ["error"]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "fields"}


def test_both_ways_to_authenticate_are_described(openapi):
    assert openapi["components"]["securitySchemes"] == {
        "BearerAuth": {"type": "http", "scheme": "bearer"},
        "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
