"""Keyset (cursor) pagination: stable pages on large tables, one query per page whatever its size.

A list is sorted by one or more key columns and then the id, all in the same direction. A cursor is
URL-safe base64 of JSON holding the sort's name, the key value(s) of a row and its id; a page starts
strictly after (or, going back, strictly before) that row, so rows added meanwhile neither repeat nor
shift the page and no OFFSET is ever counted. A cursor is checked field by field: one that was
edited, truncated or made for another sort raises ValidationFailed with the code `bad_cursor`, never
a server error. The REST API (vafa.api.pagination) and the desk's inbox both page through here.

Key columns must be NOT NULL: a NULL never compares, and the row would fall out of every page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import Expression, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from vafa.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)

BAD_CURSOR = "bad_cursor"
MAX_CURSOR_CHARS = 1000
MAX_STR_KEY_CHARS = 400
MAX_ID = 2**63 - 1
KINDS = frozenset({"datetime", "int", "str"})


@dataclass(frozen=True)
class SortKey:
    """One way to sort a list: key columns (or annotations) with their kinds, then the id, one direction."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind), most significant first
    descending: bool
    annotations: Mapping[str, Expression] = field(default_factory=dict)
    # When the first key takes only a few values (a priority's rank), `split` lists each value with
    # the condition that selects its rows. A page is then read as one branch per value, each walked
    # in the order of the remaining keys (an index on (column, …, id) serves it), instead of sorting
    # every matching row by a computed first key.
    split: tuple[tuple[Any, Q], ...] = ()

    def __post_init__(self) -> None:
        if not self.columns or any(kind not in KINDS for _column, kind in self.columns):
            raise ValueError(f"Bad sort key columns: {self.columns!r}")

    @property
    def ordering(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{column}" for column, _kind in self.columns] + [f"{sign}id"]

    def values_of(self, row: Model) -> list[Any]:
        return [getattr(row, column) for column, _kind in self.columns]


def sort_keys(
    columns: Mapping[str, tuple[str, str] | tuple[str, str, Mapping[str, Expression]]],
) -> dict[str, SortKey]:
    """Both directions of each public sort name: {"updated_at": ("updated_at", "datetime")} → updated_at, -updated_at."""
    keys: dict[str, SortKey] = {}
    for public, spec in columns.items():
        column, kind = spec[0], spec[1]
        annotations = spec[2] if len(spec) > 2 else {}  # type: ignore[misc]
        keys[public] = SortKey(public, ((column, kind),), False, annotations)
        keys[f"-{public}"] = SortKey(f"-{public}", ((column, kind),), True, annotations)
    return keys


@dataclass
class KeysetPage(Generic[M]):
    """One page of rows, and the cursors of the pages after and before it (None at either end)."""

    items: list[M]
    next: str | None
    previous: str | None


def bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The cursor is not valid for this list; start again without it."),
        fields={"cursor": [_("Not a cursor of this list.")]},
        code=BAD_CURSOR,
    )


def _encode_value(value: Any, kind: str) -> Any:
    if kind == "datetime":
        return value.isoformat()
    return value


def encode_cursor(sort: SortKey, values: Sequence[Any], pk: int) -> str:
    """The cursor of the row with these key values and id.

    A one-column key stores its value as is (the API's cursors have always looked so); a longer key
    stores the list of values.
    """
    encoded = [
        _encode_value(value, kind) for value, (_column, kind) in zip(values, sort.columns, strict=True)
    ]
    key: Any = encoded[0] if len(encoded) == 1 else encoded
    raw = json.dumps({"s": sort.name, "k": key, "i": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_of(sort: SortKey, row: Model) -> str:
    return encode_cursor(sort, sort.values_of(row), row.pk)


def decode_cursor(cursor: str, sort: SortKey) -> tuple[list[Any], int]:
    """The (key values, id) a cursor points at, checked for shape, type and range."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS:
        raise bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeError):
        raise bad_cursor() from None
    if not isinstance(data, dict) or set(data) != {"s", "k", "i"} or data["s"] != sort.name:
        raise bad_cursor()
    pk = data["i"]
    if not isinstance(pk, int) or isinstance(pk, bool) or not 1 <= pk <= MAX_ID:
        raise bad_cursor()
    raw = [data["k"]] if len(sort.columns) == 1 else data["k"]
    if not isinstance(raw, list) or len(raw) != len(sort.columns):
        raise bad_cursor()
    return [_decode_value(value, kind) for value, (_column, kind) in zip(raw, sort.columns, strict=True)], pk


def _decode_value(value: Any, kind: str) -> Any:
    if kind == "datetime":
        if not isinstance(value, str) or len(value) > 40:
            raise bad_cursor()
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise bad_cursor() from None
        if parsed.tzinfo is None or not 1900 <= parsed.year <= 2999:
            raise bad_cursor()
        return parsed
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not -MAX_ID <= value <= MAX_ID:
            raise bad_cursor()
        return value
    if not isinstance(value, str) or len(value) > MAX_STR_KEY_CHARS or "\x00" in value:
        raise bad_cursor()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_cursor() from None
    return value


def _beyond(columns: Sequence[tuple[str, str]], values: Sequence[Any], pk: int, *, descending: bool) -> Q:
    """Rows strictly past (values, pk) when walking the columns, then the id, in one direction.

    For keys (a, b) walking up: a > va OR (a = va AND b > vb) OR (a = va AND b = vb AND id > pk),
    with < walking down; each branch starts with an equality on the leading columns, which an index
    on (a, b, id) answers.
    """
    op = "lt" if descending else "gt"
    condition = Q()
    equal: dict[str, Any] = {}
    for (column, _kind), value in zip(columns, values, strict=True):
        condition |= Q(**equal, **{f"{column}__{op}": value})
        equal[column] = value
    return condition | Q(**equal, **{f"pk__{op}": pk})


def _reverse(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


def _split_page(
    queryset: QuerySet[M], *, sort: SortKey, size: int, descending: bool, cursor: tuple[list[Any], int] | None
) -> RawSQL | None:
    """The ids of at most one page from each branch of a split sort, past the cursor, as one subquery.

    A branch whose value the walk has already left behind is skipped; the cursor's own branch
    continues after the cursor's row; the branches still ahead are read from their start. The
    branches are glued with UNION ALL (each its own derived table, which keeps its ORDER BY and
    LIMIT on every database), so the rows are then read by primary key: `id IN (SELECT …)` with an
    OR of one subquery per branch sent PostgreSQL scanning the whole table. None when no branch can
    hold a row.
    """
    rest = sort.columns[1:]
    sign = "-" if descending else ""
    ordering = [f"{sign}{column}" for column, _kind in rest] + [f"{sign}id"]
    parts: list[str] = []
    params: list[Any] = []
    for value, condition in sort.split:
        branch = queryset.filter(condition)
        if cursor is not None:
            (lead, *rest_values), pk = cursor
            if value == lead:
                branch = branch.filter(_beyond(rest, rest_values, pk, descending=descending))
            elif (value > lead) if descending else (value < lead):
                continue
        page = branch.order_by(*ordering).values_list("pk", flat=True)[: size + 1]
        try:
            sql, branch_params = page.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # a condition that holds for no row (an empty id list)
            continue
        # Django compiled `sql` from a queryset; every value stays a bound parameter.
        parts.append(f"SELECT * FROM ({sql}) AS keyset_branch_{len(parts)}")  # noqa: S608
        params += list(branch_params)
    if not parts:
        return None
    return RawSQL(" UNION ALL ".join(parts), tuple(params))  # noqa: S611


def keyset_page(
    queryset: QuerySet[M],
    *,
    sort: SortKey,
    size: int,
    after: str | None = None,
    before: str | None = None,
    load: QuerySet[M] | None = None,
) -> KeysetPage[M]:
    """One page of `queryset` in `sort` order: the first, the one after `after`, or the one before `before`.

    One query: it reads one row more than the page holds to learn whether another page follows.
    With `load`, the page is chosen on `queryset` alone (ids only, no joined tables to carry through
    a sort) and its rows are read from `load` (select_related, prefetches) by those ids, in the same
    query: `load` WHERE id IN (SELECT id FROM queryset … ORDER BY … LIMIT n). A split sort reads
    `load` (or `queryset`) WHERE id IN (branch 1 UNION ALL branch 2 …), then orders those few rows.
    """
    forward = not before
    cursor_text = after if forward else before
    cursor = decode_cursor(cursor_text, sort) if cursor_text else None
    # The direction the walk takes through the sort's order: backwards when paging to `before`.
    descending = sort.descending if forward else not sort.descending
    ordering = sort.ordering if forward else [_reverse(term) for term in sort.ordering]
    if sort.split:
        source = load if load is not None else queryset
        chosen = _split_page(queryset, sort=sort, size=size, descending=descending, cursor=cursor)
        rows = (
            list(source.annotate(**sort.annotations).filter(pk__in=chosen).order_by(*ordering)[: size + 1])
            if chosen is not None
            else []
        )
    else:
        if sort.annotations:
            queryset = queryset.annotate(**sort.annotations)
            if load is not None:
                load = load.annotate(**sort.annotations)
        if cursor is not None:
            queryset = queryset.filter(_beyond(sort.columns, cursor[0], cursor[1], descending=descending))
        page = queryset.order_by(*ordering)[: size + 1]
        rows = list(load.filter(pk__in=page.values("pk")).order_by(*ordering) if load is not None else page)
    has_more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    more_after, more_before = (has_more, cursor is not None) if forward else (True, has_more)
    return KeysetPage(
        items=rows,
        next=cursor_of(sort, rows[-1]) if rows and more_after else None,
        previous=cursor_of(sort, rows[0]) if rows and more_before else None,
    )
