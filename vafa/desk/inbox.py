"""Reads of the agent's inbox: the built-in and saved views, sorts, pages and counts.

Everything starts from `case_list(viewer=…)`, so no view, count, filter or cursor ever reaches a case
the viewer may not see. A page costs a fixed number of queries whatever its size: one for the rows,
one for their tags, one for the counts of every view (one conditional aggregate), and the lists the
filter bar offers. The filters themselves are read in vafa.desk.inbox_filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.keyset import KeysetPage, SortKey, decode_cursor, keyset_page
from vafa.desk.inbox_filters import (
    DATE_FIELDS,
    FILTER_FIELDS,
    FILTER_LABELS,
    ME,
    NONE,
    InboxChoices,
    InboxFilters,
    agent_choices,
    inbox_choices,
    param_values,
    parse_date,
    parse_filters,
    shown,
)
from vafa.desk.models import SavedView
from vafa.service.models import OPEN_STATUSES, PRIORITY_RANK, Case, CaseStatus
from vafa.service.schemas import PRIORITY_RANK_EXPR
from vafa.service.selectors import case_list

__all__ = [
    "BUILTIN_VIEWS",
    "DATE_FIELDS",
    "FILTER_FIELDS",
    "FILTER_LABELS",
    "ME",
    "NONE",
    "SORTS",
    "InboxChoices",
    "InboxFilters",
    "InboxQuery",
    "InboxScope",
    "agent_choices",
    "inbox_cases",
    "inbox_choices",
    "inbox_counts",
    "inbox_query",
    "inbox_scope",
    "parse_date",
    "parse_filters",
    "saved_view_get",
    "saved_view_list",
    "view_q",
]

# --- views ----------------------------------------------------------------------------------------

RESOLVED_WINDOW = dt.timedelta(days=7)
DEFAULT_VIEW = "mine"


@dataclass(frozen=True)
class BuiltinView:
    slug: str
    label: Promise
    counted: bool = True


BUILTIN_VIEWS: tuple[BuiltinView, ...] = (
    BuiltinView("mine", _("My open cases")),
    BuiltinView("unassigned", _("Unassigned")),
    BuiltinView("team", _("My teams")),
    BuiltinView("open", _("All open")),
    BuiltinView("pending", _("Pending customer")),
    BuiltinView("resolved", _("Recently resolved")),
    # Every case the viewer may see: the base for a filter on closed cases; not counted (a count
    # would read the whole table on every page).
    BuiltinView("all", _("All cases"), counted=False),
)
VIEWS_BY_SLUG = {view.slug: view for view in BUILTIN_VIEWS}


# "Not resolved or closed" rather than "new, open, pending or on hold": the same cases, but a
# condition no index can start from, so the planner walks the (…, updated_at, id) index in page
# order and stops after one page instead of collecting every open case and sorting them. SQLite
# without table statistics otherwise picks the status index and sorts tens of thousands of rows.
_DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
OPEN_Q = ~Q(status__in=_DONE)


def viewer_team_ids(viewer: User) -> list[int]:
    """The teams the viewer belongs to (one query), for "My teams"."""
    return list(viewer.teams.values_list("pk", flat=True))


def view_q(
    slug: str, *, viewer: User, now: dt.datetime, team_ids: Sequence[int], counting: bool = False
) -> Q:
    """The cases of a built-in view (within the viewer's scope, which the caller applies).

    "Recently resolved": resolved or closed within the last seven days, merged duplicates left out
    (they were closed by a merge, not resolved). `counting` gives the same cases in the form a
    per-row count test is cheapest in.
    """
    if slug == "mine":
        return OPEN_Q & Q(assignee=viewer)
    if slug == "unassigned":
        return OPEN_Q & Q(assignee__isnull=True)
    if slug == "team":
        return OPEN_Q & Q(team_id__in=list(team_ids))
    if slug == "open":
        return OPEN_Q
    if slug == "pending":
        return Q(status=CaseStatus.PENDING_CUSTOMER)
    if slug == "resolved":
        # resolved_at is set exactly while a case is resolved or closed (reopening clears it).
        since = now - RESOLVED_WINDOW
        if counting:
            return Q(status__in=_DONE, resolved_at__gte=since, merged_into__isnull=True)
        # A page asks "id in (cases resolved since …)": a few hundred ids read from the resolved_at
        # index, whatever the sort, instead of walking the sort's index past every older case
        # until the window's cases turn up. Resolving touches updated_at, so updated_at >= since
        # holds too; saying so keeps PostgreSQL's estimate small for the same reason.
        recent = Case.objects.filter(resolved_at__gte=since).values("pk")
        return Q(pk__in=recent, updated_at__gte=since, merged_into__isnull=True) & ~Q(
            status__in=OPEN_STATUSES
        )
    if slug == "all":
        return Q()
    raise ValueError(f"Unknown inbox view: {slug}")


# --- sorts ----------------------------------------------------------------------------------------


def _by(name: str, column: str, descending: bool) -> SortKey:
    return SortKey(name, ((column, "datetime"),), descending)


SORTS: dict[str, SortKey] = {
    "-updated": _by("-updated", "updated_at", True),
    "updated": _by("updated", "updated_at", False),
    "-created": _by("-created", "created_at", True),
    "created": _by("created", "created_at", False),
    # Urgent first, then high, normal, low; within a priority the most recently updated first.
    "priority": SortKey(
        "priority",
        (("priority_rank", "int"), ("updated_at", "datetime")),
        True,
        {"priority_rank": PRIORITY_RANK_EXPR},
        split=tuple((rank, Q(priority=priority)) for priority, rank in PRIORITY_RANK.items()),
    ),
}
SORT_LABELS: dict[str, Promise] = {
    "-updated": _("Last updated first"),
    "updated": _("Least recently updated first"),
    "-created": _("Newest first"),
    "created": _("Oldest first"),
    "priority": _("Priority (urgent first)"),
}
DEFAULT_SORT = "-updated"
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25


# --- the query of one inbox page ------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """One inbox page as asked for: the view, the saved view, filters, sort, page and its problems."""

    view: str = DEFAULT_VIEW
    saved: SavedView | None = None
    filters: InboxFilters = field(default_factory=InboxFilters)
    sort: str = DEFAULT_SORT
    per_page: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    before: str | None = None
    # The filters or sort differ from the saved view's (offer "Save changes").
    changed: bool = False
    errors: tuple[str, ...] = ()

    @property
    def sort_key(self) -> SortKey:
        return SORTS[self.sort]

    def params(self, *, page: bool = False) -> list[tuple[str, str]]:
        """Query parameters that ask for this list again (with the page cursor when `page`)."""
        pairs: list[tuple[str, str]] = []
        if self.saved is not None:
            pairs.append(("saved", str(self.saved.pk)))
            if self.changed:
                pairs.append(("filtered", "1"))
        if self.saved is None or self.changed:
            pairs.append(("view", self.view))
            pairs += [(name, value) for name, values in self.filters.to_params().items() for value in values]
        if self.sort != DEFAULT_SORT or (self.saved is not None and self.sort != self.saved.sort):
            pairs.append(("sort", self.sort))
        if self.per_page != DEFAULT_PAGE_SIZE:
            pairs.append(("per_page", str(self.per_page)))
        if page and self.after:
            pairs.append(("after", self.after))
        if page and self.before:
            pairs.append(("before", self.before))
        return pairs

    def querystring(self, *, page: bool = False, **extra: str) -> str:
        pairs = [(name, value) for name, value in self.params(page=page) if name not in extra]
        pairs += [(name, value) for name, value in extra.items() if value]
        return urlencode(pairs)

    def saved_filters(self) -> dict[str, Any]:
        """What a saved view keeps of this query: the base view and the filters."""
        return {"view": self.view, **self.filters.to_params()}


def _first(params: Mapping[str, Any], name: str) -> str:
    values = param_values(params, name)
    return values[0][:1000] if values else ""


def inbox_query(
    params: Mapping[str, Any],
    *,
    saved_views: Sequence[SavedView] = (),
    choices: InboxChoices | None = None,
) -> InboxQuery:
    """Read an inbox address (`?view=mine&priority=urgent&sort=priority&after=…`) into an InboxQuery.

    `?saved=<id>` opens one of `saved_views` (the viewer's own; any other id is NotFound): its base
    view, filters and sort apply unless the filter bar was sent with it (`filtered=1`), in which case
    the bar's filters apply and the query is marked changed. Unknown values are reported in `errors`
    and left out; a cursor that is not one of this sort's is reported and the first page shown.
    """
    errors: list[str] = []
    saved: SavedView | None = None
    raw_saved = _first(params, "saved")
    if raw_saved:
        saved = next((v for v in saved_views if raw_saved.isdigit() and v.pk == int(raw_saved)), None)
        if saved is None:
            raise NotFound(_("No such saved view."))
    changed = saved is not None and _first(params, "filtered") == "1"
    source: Mapping[str, Any] = params if saved is None or changed else (saved.filters or {})
    if not isinstance(source, Mapping):
        source = {}
    view = _first(source, "view") or (DEFAULT_VIEW if saved is None else "open")
    if view not in VIEWS_BY_SLUG:
        errors.append(
            gettext("There is no view “%(value)s”; showing your open cases.") % {"value": shown(view)}
        )
        view = DEFAULT_VIEW
    filters, filter_errors = parse_filters(source, choices=choices)
    errors += filter_errors
    sort = _first(params, "sort") or (saved.sort if saved is not None else DEFAULT_SORT)
    if sort not in SORTS:
        errors.append(
            gettext("There is no sort order “%(value)s”; sorted by last update.") % {"value": shown(sort)}
        )
        sort = DEFAULT_SORT
    per_page = DEFAULT_PAGE_SIZE
    raw_size = _first(params, "per_page")
    if raw_size:
        if raw_size.isdigit() and int(raw_size) in PAGE_SIZES:
            per_page = int(raw_size)
        else:
            errors.append(
                gettext("Show %(sizes)s cases per page.")
                % {"sizes": ", ".join(str(size) for size in PAGE_SIZES)}
            )
    after, before = _first(params, "after") or None, _first(params, "before") or None
    for cursor in (after, before):
        if cursor is None:
            continue
        try:
            decode_cursor(cursor, SORTS[sort])
        except ValidationFailed:
            errors.append(gettext("That page link is out of date or broken; here is the first page."))
            after = before = None
            break
    if after and before:
        before = None
    if saved is not None:
        own_filters = changed and saved.filters != {"view": view, **filters.to_params()}
        changed = own_filters or saved.sort != sort
    return InboxQuery(
        view=view,
        saved=saved,
        filters=filters,
        sort=sort,
        per_page=per_page,
        after=after,
        before=before,
        changed=changed,
        errors=tuple(errors),
    )


# --- reads ----------------------------------------------------------------------------------------


def inbox_base(*, viewer: User) -> QuerySet[Case]:
    """The cases the viewer may see (one query to learn their teams, for an agent)."""
    return case_list(viewer=viewer)


@dataclass(frozen=True)
class InboxScope:
    """What every read of one inbox request shares: the viewer, their cases, their teams, the time."""

    viewer: User
    cases: QuerySet[Case]
    team_ids: tuple[int, ...]
    now: dt.datetime

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


def inbox_scope(*, viewer: User, now: dt.datetime | None = None) -> InboxScope:
    """The viewer's cases and teams, read once per request (one query each for an agent)."""
    return InboxScope(
        viewer=viewer,
        cases=inbox_base(viewer=viewer),
        team_ids=tuple(viewer_team_ids(viewer)),
        now=now or timezone.now(),
    )


def inbox_cases(*, scope: InboxScope, query: InboxQuery) -> KeysetPage[Case]:
    """One page of the inbox: the view's cases, filtered and sorted, with customer, team, assignee and tags.

    Two queries: the rows (keyset, no OFFSET; the page's ids are chosen on the case table alone and
    the joined rows read for those ids only) and their tags.
    """
    wanted = scope.cases.select_related(None).filter(
        view_q(query.view, viewer=scope.viewer, now=scope.now, team_ids=scope.team_ids),
        query.filters.q(viewer=scope.viewer, today=scope.today),
    )
    return keyset_page(
        wanted,
        sort=query.sort_key,
        size=query.per_page,
        after=query.after,
        before=query.before,
        # The ids come from the viewer's scope above; repeating the scope's OR here would lead the
        # planner away from reading 25 rows by primary key.
        load=Case.objects.select_related("customer", "team", "assignee").prefetch_related("tags"),
    )


def saved_view_key(view: SavedView) -> str:
    return f"saved-{view.pk}"


def _saved_view_q(view: SavedView, *, scope: InboxScope) -> Q:
    stored = view.filters if isinstance(view.filters, Mapping) else {}
    slug = _first(stored, "view") or "open"
    filters, _errors = parse_filters(stored)
    return view_q(
        slug if slug in VIEWS_BY_SLUG else "open",
        viewer=scope.viewer,
        now=scope.now,
        team_ids=scope.team_ids,
        counting=True,
    ) & filters.q(viewer=scope.viewer, today=scope.today)


def inbox_counts(*, scope: InboxScope, saved_views: Iterable[SavedView] = ()) -> dict[str, int]:
    """How many cases each counted built-in view and each saved view holds: ONE aggregate query.

    Each count is `COUNT(*) FILTER (WHERE …)` over the viewer's cases. The WHERE clause keeps only
    rows some view can count — open, or resolved within the window, unless a saved view reaches
    further — and the index service_case_inbox_counts holds every column the built-in views test,
    so the count reads index entries of open cases, never the table.
    """
    conditions: dict[str, Q] = {
        view.slug: view_q(
            view.slug, viewer=scope.viewer, now=scope.now, team_ids=scope.team_ids, counting=True
        )
        for view in BUILTIN_VIEWS
        if view.counted
    }
    reach = Q(status__in=OPEN_STATUSES) | conditions["resolved"]
    for saved in saved_views:
        condition = _saved_view_q(saved, scope=scope)
        conditions[saved_view_key(saved)] = condition
        reach |= condition
    counts = (
        scope.cases.select_related(None)
        .filter(reach)
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )
    return {key: int(value or 0) for key, value in counts.items()}


def saved_view_list(*, owner: User) -> list[SavedView]:
    """The owner's saved views in their order (one query)."""
    return list(SavedView.objects.filter(owner=owner).order_by("position", "name", "pk"))


def saved_view_get(*, owner: User, view_id: int) -> SavedView:
    """One of the owner's saved views; anyone else's is NotFound."""
    view = SavedView.objects.filter(owner=owner, pk=view_id).first()
    if view is None:
        raise NotFound(_("No such saved view."))
    return view
