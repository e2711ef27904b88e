"""Every client mistake answers in the error shape with a 4xx, never a 5xx or an HTML page."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from vafa.api.tests.helpers import english, error, post
from vafa.customers.models import Customer
from vafa.service.models import Case
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_json_404(api_as, agent):
    response = english(api_as(agent)).get("/api/v1/warranties/12/claims")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_an_unknown_path_is_a_json_404_even_for_anonymous_callers(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_with_allow(api_as, agent):
    response = english(api_as(agent)).delete("/api/v1/customers")

    assert response.status_code == 405
    assert error(response) == {
        "code": "method_not_allowed",
        "message": "This method is not allowed here.",
        "fields": {},
    }
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


def test_anonymous_requests_are_401(client):
    response = english(client).get("/api/v1/cases")

    assert response.status_code == 401
    assert error(response) == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided or are not valid.",
        "fields": {},
    }


def test_malformed_json_is_a_400(api_as, agent):
    response = api_as(agent).post("/api/v1/customers", b'{"name": "Ali",', content_type="application/json")

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"
    assert Customer.objects.count() == 0


def test_a_body_that_is_not_utf8_is_a_400(api_as, agent):
    response = api_as(agent).post(
        "/api/v1/customers", b'{"name": "\xff\xfe"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"


@pytest.mark.parametrize("body", ["[]", "[1, 2]", "null", "42", '"text"', "true"])
def test_a_json_body_that_is_not_an_object_is_a_422(api_as, agent, body):
    response = english(api_as(agent)).post("/api/v1/customers", body, content_type="application/json")

    assert response.status_code == 422
    assert error(response)["fields"] == {"body": ["Send a JSON object."]}
    assert Customer.objects.count() == 0


def test_a_missing_body_is_a_422(api_as, agent):
    response = english(api_as(agent)).post("/api/v1/customers", "", content_type="application/json")

    assert response.status_code == 422
    assert error(response)["fields"] == {"body": ["This field is required."]}


def test_nul_characters_are_refused_in_bodies_and_queries(api_as, agent):
    client = english(api_as(agent))

    in_body = post(
        client, "/api/v1/customers", {"name": "Ali\x00", "email": "a@example.test", "language": "en"}
    )
    in_query = client.get("/api/v1/customers", {"q": "Al\x00"})

    assert in_body.status_code == 422
    assert error(in_body)["fields"] == {"name": ["Text cannot contain NUL characters."]}
    assert in_query.status_code == 422
    assert error(in_query)["fields"] == {"q": ["Text cannot contain NUL characters."]}
    assert Customer.objects.count() == 0


def test_lone_surrogates_are_refused(api_as, agent):
    body = '{"name": "Ali \\ud800", "email": "a@example.test", "language": "en"}'

    response = english(api_as(agent)).post("/api/v1/customers", body, content_type="application/json")

    assert response.status_code == 422
    assert error(response)["fields"] == {"name": ["Text must be valid Unicode."]}


def test_a_body_over_the_upload_limit_is_a_413(api_as, agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post(english(api_as(agent)), "/api/v1/customers", {"name": "x" * 2000, "language": "en"})

    assert response.status_code == 413
    assert error(response) == {"code": "too_large", "message": "The request is too large.", "fields": {}}
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("customer_id=99999999999999999999", "customer_id"),
        ("created_after=tomorrow", "created_after"),
        ("created_after=99999", "created_after"),
        ("created_after=0001-01-01T00:00:00%2B14:00", "created_after"),
        ("sort=name", "sort"),
        ("priority=asap", "priority"),
    ],
)
def test_bad_query_parameters_are_422(api_as, admin_user, query, field):
    response = api_as(admin_user).get(f"/api/v1/cases?{query}")

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]


def test_a_huge_limit_is_capped(api_as, admin_user, customer, settings):
    settings.VAFA_API_MAX_PAGE_SIZE = 2
    for _ in range(3):
        make_case(customer)

    response = api_as(admin_user).get("/api/v1/cases?limit=1000000000000000000000000")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
    assert response.json()["next"] is not None


def test_a_422_speaks_the_requested_language(api_as, agent):
    response = post(api_as(agent), "/api/v1/cases", {}, HTTP_ACCEPT_LANGUAGE="fa")

    with translation.override("fa"):
        expected = gettext("This field is required.")
    assert response.status_code == 422
    # Django's own catalogue already translates this message, whatever Vafa's catalogue holds.
    assert expected != "This field is required."
    assert error(response)["fields"] == {"subject": [expected]}
    assert response["Content-Language"] == "fa"


def test_a_404_speaks_the_requested_language(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/cases/424242", HTTP_ACCEPT_LANGUAGE="fa")

    with translation.override("fa"):
        expected = gettext("No such case.")
    assert response.status_code == 404
    assert error(response)["message"] == expected
    assert response["Content-Language"] == "fa"


def test_a_persian_users_token_gets_persian_answers(api_as, customer_user):
    assert customer_user.language == "fa"

    response = api_as(customer_user).get("/api/v1/cases/424242")

    with translation.override("fa"):
        expected = gettext("No such case.")
    assert error(response)["message"] == expected
    assert response["Content-Language"] == "fa"


def test_an_english_request_from_a_persian_user_gets_english(api_as, customer_user):
    response = api_as(customer_user).get("/api/v1/cases/424242", HTTP_ACCEPT_LANGUAGE="en")

    assert error(response)["message"] == "No such case."
    assert response["Content-Language"] == "en"


def test_a_business_rule_keeps_its_code_and_status(api_as, agent, customer):
    case = make_case(customer)

    response = english(api_as(agent)).post(f"/api/v1/cases/{case.pk}/close", content_type="application/json")

    assert response.status_code == 409
    assert error(response) == {
        "code": "invalid_transition",
        "message": "A case that is New cannot become Closed.",
        "fields": {},
    }
    assert Case.objects.get().status == "new"
