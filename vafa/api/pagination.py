"""Keyset (cursor) pagination of the API's lists: the query fields and the page every list answers.

The cursor itself — its format, its checks and the query behind a page — lives in vafa.core.keyset,
shared with the desk's inbox. A list is sorted by one key and the id; the cursor is URL-safe base64
of JSON holding the sort's name, the last row's key value and its id. The next page starts strictly
after that pair, so rows added meanwhile neither repeat nor shift the page. A cursor that was edited,
truncated or made for another sort answers 422 `bad_cursor`, never a server error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

from vafa.api.types import Text
from vafa.core.keyset import (
    MAX_CURSOR_CHARS,
    MAX_STR_KEY_CHARS,
    SortKey,
    decode_cursor,
    encode_cursor,
    keyset_page,
    sort_keys,
)

__all__ = [
    "MAX_CURSOR_CHARS",
    "MAX_STR_KEY_CHARS",
    "Page",
    "PageParams",
    "SortKey",
    "decode_cursor",
    "encode_cursor",
    "page_size",
    "paginate",
    "sort_keys",
]

M = TypeVar("M", bound=Model)


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


def page_size(limit: int | None) -> int:
    if limit is None:
        return int(settings.VAFA_API_PAGE_SIZE)
    return max(1, min(limit, int(settings.VAFA_API_MAX_PAGE_SIZE)))


def paginate(queryset: QuerySet[M], *, sort: SortKey, cursor: str | None, limit: int | None) -> Page[M]:
    """One page of `queryset` in `sort` order after `cursor`, and the cursor of the next page."""
    page = keyset_page(queryset, sort=sort, size=page_size(limit), after=cursor)
    return Page(items=page.items, next=page.next)
