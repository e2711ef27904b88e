"""Cursor pagination: complete, stable pages, and a 422 for any cursor that was not made for the list."""

from __future__ import annotations

import base64
import json

import pytest

from vafa.api.tests.helpers import error
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _ids(page: dict) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_pages_cover_every_row_once_in_order(api_as, admin_user, customer):
    made = [make_case(customer) for _ in range(7)]
    client = api_as(admin_user)

    seen: list[int] = []
    cursor = None
    while True:
        page = client.get(CASES, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += _ids(page)
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == [case.pk for case in reversed(made)]


def test_rows_added_meanwhile_do_not_shift_the_next_page(api_as, admin_user, customer):
    made = [make_case(customer) for _ in range(4)]
    client = api_as(admin_user)
    first = client.get(CASES, {"limit": 2}).json()

    make_case(customer)
    second = client.get(CASES, {"limit": 2, "cursor": first["next"]}).json()

    assert _ids(first) == [made[3].pk, made[2].pk]
    assert _ids(second) == [made[1].pk, made[0].pk]


def test_the_default_page_size_comes_from_the_settings(api_as, admin_user, customer, settings):
    settings.VAFA_API_PAGE_SIZE = 2
    for _ in range(3):
        make_case(customer)

    page = api_as(admin_user).get(CASES).json()

    assert len(page["items"]) == 2
    assert page["next"] is not None


def test_the_last_page_has_no_next_cursor(api_as, admin_user, customer):
    make_case(customer)

    assert api_as(admin_user).get(CASES, {"limit": 1}).json()["next"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "eyJz",  # truncated base64
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _cursor([1, 2]),
        _cursor({"s": "-created_at", "k": "2026-01-01T00:00:00+00:00", "i": 1}),  # another sort's cursor
        _cursor({"s": "-updated_at", "k": "2026-01-01T00:00:00+00:00", "i": "1"}),
        _cursor({"s": "-updated_at", "k": "2026-01-01T00:00:00+00:00", "i": 2**63}),
        _cursor({"s": "-updated_at", "k": "2026-01-01T00:00:00+00:00", "i": True}),
        _cursor({"s": "-updated_at", "k": "2026-01-01T00:00:00", "i": 1}),  # no time zone
        _cursor({"s": "-updated_at", "k": "0001-01-01T00:00:00+14:00", "i": 1}),
        _cursor({"s": "-updated_at", "k": "soon", "i": 1}),
        _cursor({"s": "-updated_at", "k": 5, "i": 1}),
        _cursor({"s": "-updated_at", "k": "2026-01-01T00:00:00+00:00", "i": 1, "x": 0}),
    ],
)
def test_a_cursor_not_made_for_the_list_is_a_422(api_as, admin_user, customer, cursor):
    make_case(customer)

    response = api_as(admin_user).get(CASES, {"cursor": cursor})

    assert response.status_code == 422
    assert error(response)["code"] == "bad_cursor"
    assert list(error(response)["fields"]) == ["cursor"]


def test_a_text_sort_key_with_odd_characters_round_trips(api_as, agent):
    for name in ["Ärger", "Zoë", "سارا", 'Quote "Q"']:
        CustomerFactory(name=name)
    client = api_as(agent)

    first = client.get("/api/v1/customers", {"sort": "name", "limit": 2}).json()
    second = client.get("/api/v1/customers", {"sort": "name", "limit": 2, "cursor": first["next"]}).json()

    names = [c["name"] for c in first["items"] + second["items"]]
    assert sorted(names) == sorted(["Ärger", "Zoë", "سارا", 'Quote "Q"'])
    assert len(set(names)) == 4
