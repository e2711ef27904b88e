"""The inbox: views, filters, sort, pages, view counts, bulk actions and saved views.

Every page works as plain links and forms. With htmx, view links, the filter bar and the page links
swap the inbox in place and push the address (so it stays shareable), and the list refreshes itself
every 30 seconds from /desk/inbox/rows/ (see inbox.js for when it holds off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts.selectors import team_get, user_get
from vafa.core.context import via
from vafa.core.dates import format_date
from vafa.core.errors import VafaError, ValidationFailed
from vafa.desk import inbox as ib
from vafa.desk.access import desk_user, desk_view, next_url
from vafa.desk.models import SavedView
from vafa.desk.services import (
    BulkResult,
    cases_bulk_assign,
    cases_bulk_set_priority,
    cases_bulk_set_status,
    cases_bulk_tag,
    error_text,
    saved_view_create,
    saved_view_delete,
    saved_view_reorder,
    saved_view_update,
)
from vafa.service.models import CaseKind, CaseStatus, Channel, Priority, WarrantyStatus
from vafa.service.services import tag_names_split

MAX_DB_INT = 2**63 - 1
FAILURES_LISTED = 10

STATUS_BADGES = {
    CaseStatus.NEW: "text-bg-info",
    CaseStatus.OPEN: "text-bg-primary",
    CaseStatus.PENDING_CUSTOMER: "text-bg-warning",
    CaseStatus.ON_HOLD: "text-bg-secondary",
    CaseStatus.RESOLVED: "text-bg-success",
    CaseStatus.CLOSED: "text-bg-dark",
}
PRIORITY_BADGES = {
    Priority.URGENT: "text-bg-danger",
    Priority.HIGH: "text-bg-warning",
    Priority.NORMAL: "text-bg-light border",
    Priority.LOW: "text-bg-light border",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class FilterField:
    """One field of the filter bar as the template draws it."""

    name: str
    label: str
    options: list[Option]
    multiple: bool = True


@dataclass(frozen=True)
class NavItem:
    """A view in the left column: where it leads, its name and count, and whether it is open."""

    key: str
    label: str
    href: str
    count: int | None
    current: bool
    saved: SavedView | None = None


# --- building a page ------------------------------------------------------------------------------


def _options(choices: Any, chosen: tuple[str, ...]) -> list[Option]:
    return [Option(str(value), str(label), str(value) in chosen) for value, label in choices]


def _filter_fields(query: ib.InboxQuery, choices: ib.InboxChoices | None) -> list[FilterField]:
    chosen = query.filters.to_params()

    def picked(name: str) -> tuple[str, ...]:
        return tuple(chosen.get(name, ()))

    fields = [
        FilterField("status", _("Status"), _options(CaseStatus.choices, picked("status"))),
        FilterField("priority", _("Priority"), _options(Priority.choices, picked("priority"))),
        FilterField("kind", _("Kind"), _options(CaseKind.choices, picked("kind"))),
        FilterField("channel", _("Channel"), _options(Channel.choices, picked("channel"))),
    ]
    if choices is not None:
        fields += [
            FilterField(
                "assignee",
                _("Assignee"),
                [
                    Option(ib.ME, _("Me"), ib.ME in picked("assignee")),
                    Option(ib.NONE, _("Unassigned"), ib.NONE in picked("assignee")),
                ]
                + _options(((user.pk, str(user)) for user in choices.agents), picked("assignee")),
            ),
            FilterField(
                "team",
                _("Team"),
                [Option(ib.NONE, _("No team"), ib.NONE in picked("team"))]
                + _options(((team.pk, team.name) for team in choices.teams), picked("team")),
            ),
            FilterField(
                "product",
                _("Product"),
                _options(((p.pk, f"{p.name} ({p.sku})") for p in choices.products), picked("product")),
            ),
        ]
    fields += [
        FilterField("warranty", _("Warranty"), _options(WarrantyStatus.choices, picked("warranty"))),
        FilterField("language", _("Language"), _options(_languages(), picked("language"))),
    ]
    return fields


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _reader_date(request: HttpRequest, day: Any) -> str:
    """A day as the reader writes it (Jalali for Persian), for the date fields and their hint."""
    if day is None:
        return ""
    return format_date(
        day,
        language=translation.get_language() or "en",
        with_time=False,
        native_digits=desk_user(request).native_digits,
    )


def _nav(query: ib.InboxQuery, counts: dict[str, int], saved_views: list[SavedView]) -> list[NavItem]:
    base = reverse("desk:inbox")
    items = [
        NavItem(
            key=view.slug,
            label=str(view.label),
            href=f"{base}?view={view.slug}",
            count=counts.get(view.slug) if view.counted else None,
            current=query.saved is None and query.view == view.slug,
        )
        for view in ib.BUILTIN_VIEWS
    ]
    items += [
        NavItem(
            key=ib.saved_view_key(view),
            label=view.name,
            href=f"{base}?saved={view.pk}",
            count=counts.get(ib.saved_view_key(view)),
            current=query.saved is not None and query.saved.pk == view.pk,
            saved=view,
        )
        for view in saved_views
    ]
    return items


def _inbox_context(request: HttpRequest, *, full: bool) -> dict[str, Any]:
    """Everything one inbox page shows; a fixed number of queries whatever the page size.

    Full page: saved views, agents, teams, products, the viewer's teams (and an agent's scope),
    the rows, their tags, and the counts. The live refresh (`full=False`) skips the three lists.
    """
    viewer = desk_user(request)
    saved_views = ib.saved_view_list(owner=viewer)
    choices = ib.inbox_choices() if full else None
    query = ib.inbox_query(request.GET, saved_views=saved_views, choices=choices)
    scope = ib.inbox_scope(viewer=viewer)
    page = ib.inbox_cases(scope=scope, query=query)
    counts = ib.inbox_counts(scope=scope, saved_views=saved_views)
    nav = _nav(query, counts, saved_views)
    current = next((item for item in nav if item.current), None)
    inbox_url = reverse("desk:inbox")
    filters = query.filters
    context: dict[str, Any] = {
        "nav": "inbox",
        "query": query,
        "page": page,
        "cases": page.items,
        "counts": counts,
        "views": [item for item in nav if item.saved is None],
        "saved_views": [item for item in nav if item.saved is not None],
        "current": current,
        "title": current.label if current else _("Inbox"),
        "errors": query.errors,
        "now": scope.now,
        # (badge class, label) per value, translated once per page rather than once per row.
        "statuses": {status.value: (STATUS_BADGES[status], str(status.label)) for status in CaseStatus},
        "priorities": {level.value: (PRIORITY_BADGES[level], str(level.label)) for level in Priority},
        "self_qs": query.querystring(page=True),
        "next_qs": query.querystring(after=page.next) if page.next else "",
        "previous_qs": query.querystring(before=page.previous) if page.previous else "",
        "inbox_url": inbox_url,
        "rows_url": reverse("desk:inbox_rows"),
        "back": f"{inbox_url}?{query.querystring(page=True)}",
    }
    if full:
        context.update(
            {
                "choices": choices,
                "filter_fields": _filter_fields(query, choices),
                "tag_value": ", ".join(filters.tag),
                "dates": [
                    (name, ib.FILTER_LABELS[name], _reader_date(request, getattr(filters, name)))
                    for name in ib.DATE_FIELDS
                ],
                "date_example": _reader_date(request, timezone.localdate()),
                "sorts": [
                    Option(key, str(label), key == query.sort) for key, label in ib.SORT_LABELS.items()
                ],
                "page_sizes": [
                    Option(str(size), str(size), size == query.per_page) for size in ib.PAGE_SIZES
                ],
                "saved_filters": [
                    (name, value)
                    for name, values in query.saved_filters().items()
                    for value in (values if isinstance(values, list) else [values])
                ],
                "bulk_statuses": [
                    Option(value, str(label))
                    for value, label in CaseStatus.choices
                    if value != CaseStatus.NEW
                ],
                "bulk_priorities": [Option(value, str(label)) for value, label in Priority.choices],
            }
        )
    return context


# --- pages ----------------------------------------------------------------------------------------


@desk_view
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbox page (also what htmx swaps in for view links, filters and page links)."""
    return render(request, "desk/inbox/page.html", _inbox_context(request, full=True))


@desk_view
@require_GET
def inbox_rows(request: HttpRequest) -> HttpResponse:
    """The live refresh: only the list (rows and page links) and the views' counts, no page around it."""
    return render(request, "desk/inbox/rows.html", _inbox_context(request, full=False))


# --- writes ---------------------------------------------------------------------------------------


def _back(request: HttpRequest) -> str:
    """Where a form returns to: the inbox address it was sent from, or the inbox."""
    inbox_url = reverse("desk:inbox")
    return next_url(request, inbox_url, within=inbox_url)


def _ids(values: list[str]) -> list[int]:
    return [
        int(value) for value in values if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_DB_INT
    ]


def _report(request: HttpRequest, result: BulkResult) -> None:
    changed, unchanged = len(result.changed), len(result.unchanged)
    if changed:
        messages.success(
            request,
            ngettext("%(count)d case changed.", "%(count)d cases changed.", changed) % {"count": changed},
        )
    if unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)d case was already as asked.", "%(count)d cases were already as asked.", unchanged
            )
            % {"count": unchanged},
        )
    for failure in result.failed[:FAILURES_LISTED]:
        messages.warning(
            request,
            _("%(reference)s was not changed: %(reason)s")
            % {"reference": failure.case.reference, "reason": failure.message},
        )
    if len(result.failed) > FAILURES_LISTED:
        more = len(result.failed) - FAILURES_LISTED
        messages.warning(
            request,
            ngettext("%(count)d more case was not changed.", "%(count)d more cases were not changed.", more)
            % {"count": more},
        )
    if result.ignored:
        messages.warning(
            request,
            ngettext(
                "%(count)d ticked case no longer exists or is not yours to see; it was left alone.",
                "%(count)d ticked cases no longer exist or are not yours to see; they were left alone.",
                len(result.ignored),
            )
            % {"count": len(result.ignored)},
        )


def _assign_args(request: HttpRequest) -> dict[str, Any]:
    """The agent and/or team a bulk assign asks for: "" keeps, "none" clears, "me", or an id."""
    args: dict[str, Any] = {}
    assignee = request.POST.get("assignee", "")
    if assignee == ib.ME:
        args["assignee"] = desk_user(request)
    elif assignee == ib.NONE:
        args["assignee"] = None
    elif assignee:
        ids = _ids([assignee])
        if not ids:
            raise ValidationFailed(_("No such user."))
        args["assignee"] = user_get(ids[0])
    team = request.POST.get("team", "")
    if team == ib.NONE:
        args["team"] = None
    elif team:
        ids = _ids([team])
        if not ids:
            raise ValidationFailed(_("No such team."))
        args["team"] = team_get(ids[0])
    return args


@desk_view
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked cases and report what changed, what was refused and why."""
    back = _back(request)
    actor = desk_user(request)
    ids = _ids(request.POST.getlist("case"))
    action = request.POST.get("action", "")
    try:
        with via("web"):
            if action == "assign":
                result = cases_bulk_assign(actor=actor, case_ids=ids, **_assign_args(request))
            elif action == "status":
                if not request.POST.get("status"):
                    raise ValidationFailed(_("Choose the status to set."))
                result = cases_bulk_set_status(actor=actor, case_ids=ids, status=request.POST["status"])
            elif action == "priority":
                if not request.POST.get("priority"):
                    raise ValidationFailed(_("Choose the priority to set."))
                result = cases_bulk_set_priority(actor=actor, case_ids=ids, priority=request.POST["priority"])
            elif action == "tag":
                names = tag_names_split(request.POST.get("tags", ""))
                result = cases_bulk_tag(actor=actor, case_ids=ids, names=names)
            else:
                messages.error(request, _("Choose what to do with the ticked cases."))
                return HttpResponseRedirect(back)
    except VafaError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(back)
    _report(request, result)
    return HttpResponseRedirect(back)


def _definition(request: HttpRequest) -> tuple[dict[str, Any], str]:
    """The base view, filters and sort a "save view" form carries (the page's own, as hidden fields)."""
    filters: dict[str, Any] = {"view": request.POST.get("view", "")}
    for name in ib.FILTER_FIELDS:
        values = request.POST.getlist(name)
        if values:
            filters[name] = values
    return filters, request.POST.get("sort", ib.DEFAULT_SORT)


def _saved_view(request: HttpRequest, view_id: int) -> SavedView:
    return ib.saved_view_get(owner=desk_user(request), view_id=min(view_id, MAX_DB_INT))


@desk_view
@require_POST
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Save the inbox as it is shown now under a name."""
    filters, sort = _definition(request)
    try:
        with via("web"):
            view = saved_view_create(
                actor=desk_user(request), name=request.POST.get("name", ""), filters=filters, sort=sort
            )
    except VafaError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(_back(request))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(f"{reverse('desk:inbox')}?saved={view.pk}")


@desk_view
@require_POST
def saved_view_save(request: HttpRequest, view_id: int) -> HttpResponse:
    """Keep the filters and sort shown now in the saved view."""
    view = _saved_view(request, view_id)
    filters, sort = _definition(request)
    try:
        with via("web"):
            saved_view_update(actor=desk_user(request), view=view, filters=filters, sort=sort)
    except VafaError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(_back(request))
    messages.success(request, _("View “%(name)s” updated.") % {"name": view.name})
    return HttpResponseRedirect(f"{reverse('desk:inbox')}?saved={view.pk}")


@desk_view
@require_POST
def saved_view_rename(request: HttpRequest, view_id: int) -> HttpResponse:
    view = _saved_view(request, view_id)
    try:
        with via("web"):
            saved_view_update(actor=desk_user(request), view=view, name=request.POST.get("name", ""))
    except VafaError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
    return HttpResponseRedirect(_back(request))


@desk_view
@require_POST
def saved_view_remove(request: HttpRequest, view_id: int) -> HttpResponse:
    view = _saved_view(request, view_id)
    name = view.name
    with via("web"):
        saved_view_delete(actor=desk_user(request), view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": name})
    return HttpResponseRedirect(reverse("desk:inbox"))


@desk_view
@require_POST
def saved_view_move(request: HttpRequest, view_id: int) -> HttpResponse:
    """Move a saved view one place up or down in the left column."""
    view = _saved_view(request, view_id)
    order = [saved.pk for saved in ib.saved_view_list(owner=desk_user(request))]
    index = order.index(view.pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        with via("web"):
            saved_view_reorder(actor=desk_user(request), view_ids=order)
    return HttpResponseRedirect(_back(request))


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/rows/", inbox_rows, name="inbox_rows"),
    path("inbox/bulk/", inbox_bulk, name="inbox_bulk"),
    path("inbox/views/new/", saved_view_new, name="inbox_view_new"),
    path("inbox/views/<int:view_id>/save/", saved_view_save, name="inbox_view_save"),
    path("inbox/views/<int:view_id>/rename/", saved_view_rename, name="inbox_view_rename"),
    path("inbox/views/<int:view_id>/delete/", saved_view_remove, name="inbox_view_delete"),
    path("inbox/views/<int:view_id>/move/", saved_view_move, name="inbox_view_move"),
]
