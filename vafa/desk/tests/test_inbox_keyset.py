"""The shared keyset pages (vafa.core.keyset) under the inbox's sorts: every row once, both ways, ties included."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random

import pytest
from django.utils import timezone

from vafa.core.errors import ValidationFailed
from vafa.core.keyset import cursor_of, decode_cursor, encode_cursor, keyset_page
from vafa.desk.inbox import SORTS
from vafa.desk.tests.inbox_factories import make_inbox_case
from vafa.service.models import PRIORITY_RANK, Case, Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def tangled(customer):
    """17 cases with many equal priorities and times, so only the id breaks ties."""
    rng = random.Random(5)
    base = timezone.now() - dt.timedelta(days=2)
    made = []
    for _ in range(17):
        case = make_inbox_case(customer, priority=rng.choice(["low", "normal", "high", "urgent"]))
        at = base + dt.timedelta(minutes=rng.choice([0, 0, 5, 10]))
        Case.objects.filter(pk=case.pk).update(
            updated_at=at, created_at=at - dt.timedelta(minutes=rng.choice([0, 1]))
        )
        made.append(case.pk)
    return made


def _expected(sort: str) -> list[int]:
    rows = list(Case.objects.all())
    if sort == "priority":
        return [
            c.pk
            for c in sorted(
                rows, key=lambda c: (PRIORITY_RANK[Priority(c.priority)], c.updated_at, c.pk), reverse=True
            )
        ]
    column = "updated_at" if "updated" in sort else "created_at"
    return [
        c.pk for c in sorted(rows, key=lambda c: (getattr(c, column), c.pk), reverse=sort.startswith("-"))
    ]


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("size", [1, 4, 17, 30])
def test_walking_forward_then_back_gives_every_row_once_in_order(tangled, sort, size):
    key = SORTS[sort]
    queryset = Case.objects.all()

    forward: list[list[int]] = []
    page = keyset_page(queryset, sort=key, size=size, load=Case.objects.all())
    forward.append([c.pk for c in page.items])
    assert page.previous is None
    while page.next:
        page = keyset_page(queryset, sort=key, size=size, after=page.next, load=Case.objects.all())
        forward.append([c.pk for c in page.items])
    backward: list[list[int]] = [[c.pk for c in page.items]]
    while page.previous:
        page = keyset_page(queryset, sort=key, size=size, before=page.previous)
        backward.insert(0, [c.pk for c in page.items])

    assert [pk for chunk in forward for pk in chunk] == _expected(sort)
    assert backward == forward
    assert all(len(chunk) == size for chunk in forward[:-1])


def test_a_multi_key_cursor_round_trips_and_is_checked():
    key = SORTS["priority"]
    at = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)

    cursor = encode_cursor(key, [3, at], 42)

    assert decode_cursor(cursor, key) == ([3, at], 42)
    for bad in [
        {"s": "priority", "k": 3, "i": 42},  # one value where two belong
        {"s": "priority", "k": [3], "i": 42},
        {"s": "priority", "k": ["3", at.isoformat()], "i": 42},
        {"s": "priority", "k": [3, "noon"], "i": 42},
        {"s": "-updated", "k": [3, at.isoformat()], "i": 42},
    ]:
        raw = base64.urlsafe_b64encode(json.dumps(bad).encode()).decode().rstrip("=")
        with pytest.raises(ValidationFailed) as refused:
            decode_cursor(raw, key)
        assert refused.value.code == "bad_cursor"


def test_a_page_read_through_load_is_the_same_page(customer):
    cases = [make_inbox_case(customer) for _ in range(3)]
    key = SORTS["-updated"]

    plain = keyset_page(Case.objects.all(), sort=key, size=2)
    loaded = keyset_page(Case.objects.all(), sort=key, size=2, load=Case.objects.select_related("customer"))

    assert [c.pk for c in plain.items] == [c.pk for c in loaded.items] == [cases[2].pk, cases[1].pk]
    assert plain.next == loaded.next == cursor_of(key, plain.items[-1])
