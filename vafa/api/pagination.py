"""Keyset (cursor) pagination: stable pages on large tables, one query per page whatever its size.

A list is sorted by one key and the id; the cursor is URL-safe base64 of JSON holding the sort's
name, the last row's key value and its id. The next page starts strictly after that pair, so rows
added meanwhile neither repeat nor shift the page. A cursor is checked field by field: one that was
edited, truncated or made for another sort answers 422 `bad_cursor`, never a server error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Expression, Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import Field

from vafa.api.errors import ApiErrorCode
from vafa.api.types import MAX_ID, Text
from vafa.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)

MAX_CURSOR_CHARS = 1000
MAX_STR_KEY_CHARS = 400


@dataclass(frozen=True)
class SortKey:
    """One way to sort a list: a column (or annotation) of type `kind`, then the id in the same direction."""

    name: str
    column: str
    kind: str  # "datetime" | "int" | "str"
    descending: bool
    annotations: Mapping[str, Expression] = field(default_factory=dict)

    @property
    def ordering(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{self.column}", f"{sign}id"]


def sort_keys(
    columns: Mapping[str, tuple[str, str] | tuple[str, str, Mapping[str, Expression]]],
) -> dict[str, SortKey]:
    """Both directions of each public sort name: {"updated_at": ("updated_at", "datetime")} → updated_at, -updated_at."""
    keys: dict[str, SortKey] = {}
    for public, spec in columns.items():
        column, kind = spec[0], spec[1]
        annotations = spec[2] if len(spec) > 2 else {}  # type: ignore[misc]
        keys[public] = SortKey(public, column, kind, False, annotations)
        keys[f"-{public}"] = SortKey(f"-{public}", column, kind, True, annotations)
    return keys


class PageParams(Schema):
    """Query fields every list takes; each list's filter schema extends it."""

    cursor: Text(MAX_CURSOR_CHARS) | None = Field(None, description="The `next` value of the previous page.")  # type: ignore[valid-type]
    limit: int | None = Field(
        None,
        ge=1,
        description="Items per page; default VAFA_API_PAGE_SIZE, capped at VAFA_API_MAX_PAGE_SIZE.",
    )


@dataclass
class Page(Generic[M]):
    items: list[M]
    next: str | None


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The cursor is not valid for this list; start again without it."),
        fields={"cursor": [_("Not a cursor of this list.")]},
        code=ApiErrorCode.BAD_CURSOR,
    )


def _encode_value(value: Any, kind: str) -> Any:
    if kind == "datetime":
        return value.isoformat()
    return value


def encode_cursor(sort: SortKey, value: Any, pk: int) -> str:
    raw = json.dumps({"s": sort.name, "k": _encode_value(value, sort.kind), "i": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: SortKey) -> tuple[Any, int]:
    """The (key value, id) a cursor points after, checked for shape, type and range."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(data, dict) or set(data) != {"s", "k", "i"} or data["s"] != sort.name:
        raise _bad_cursor()
    pk = data["i"]
    if not isinstance(pk, int) or isinstance(pk, bool) or not 1 <= pk <= MAX_ID:
        raise _bad_cursor()
    return _decode_value(data["k"], sort.kind), pk


def _decode_value(value: Any, kind: str) -> Any:
    if kind == "datetime":
        if not isinstance(value, str) or len(value) > 40:
            raise _bad_cursor()
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _bad_cursor() from None
        if parsed.tzinfo is None or not 1900 <= parsed.year <= 2999:
            raise _bad_cursor()
        return parsed
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not -MAX_ID <= value <= MAX_ID:
            raise _bad_cursor()
        return value
    if not isinstance(value, str) or len(value) > MAX_STR_KEY_CHARS or "\x00" in value:
        raise _bad_cursor()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad_cursor() from None
    return value


def page_size(limit: int | None) -> int:
    if limit is None:
        return int(settings.VAFA_API_PAGE_SIZE)
    return max(1, min(limit, int(settings.VAFA_API_MAX_PAGE_SIZE)))


def paginate(queryset: QuerySet[M], *, sort: SortKey, cursor: str | None, limit: int | None) -> Page[M]:
    """One page of `queryset` in `sort` order after `cursor`, and the cursor of the next page."""
    size = page_size(limit)
    if sort.annotations:
        queryset = queryset.annotate(**sort.annotations)
    if cursor:
        value, pk = decode_cursor(cursor, sort)
        op = "lt" if sort.descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{sort.column}__{op}": value}) | Q(**{sort.column: value, f"pk__{op}": pk})
        )
    rows = list(queryset.order_by(*sort.ordering)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(sort, getattr(last, sort.column), last.pk)
    return Page(items=rows, next=next_cursor)
