"""Writes of the desk: agents' saved inbox views, and bulk actions on the cases ticked in the inbox.

Bulk actions change each case through the case services (vafa.service.services), so every rule,
timeline event and audit row of a single change applies to each case of a bulk change too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Team, User
from vafa.accounts.permissions import require_staff
from vafa.core.errors import NotFound, VafaError, ValidationFailed
from vafa.core.i18n import choose_one_of
from vafa.desk.inbox import SORTS, VIEWS_BY_SLUG, parse_filters
from vafa.desk.models import SavedView
from vafa.service.models import Case
from vafa.service.selectors import case_list
from vafa.service.services import case_assign, case_set_priority, case_set_status, case_tag

MAX_BULK_CASES = 500
MAX_SAVED_VIEWS = 50
NAME_MAX_CHARS = 80


class DeskError(StrEnum):
    """Stable codes of the desk's own rules."""

    VIEW_NAME_TAKEN = "view_name_taken"
    VIEW_NAME_INVALID = "view_name_invalid"
    VIEW_FILTERS_INVALID = "view_filters_invalid"
    TOO_MANY_VIEWS = "too_many_views"
    BULK_NOTHING_CHOSEN = "bulk_nothing_chosen"
    BULK_TOO_MANY = "bulk_too_many"


# --- saved views ----------------------------------------------------------------------------------


def _owned(actor: User, view: SavedView) -> SavedView:
    if view.owner_id != actor.pk:
        raise NotFound(_("No such saved view."))
    return view


def _clean_name(actor: User, name: str, *, exclude: int | None = None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationFailed(
            _("Give the view a name."),
            fields={"name": [_("This field is required.")]},
            code=DeskError.VIEW_NAME_INVALID,
        )
    if len(cleaned) > NAME_MAX_CHARS:
        raise ValidationFailed(
            _("Keep the name under %(count)d characters.") % {"count": NAME_MAX_CHARS},
            fields={"name": [_("Too long.")]},
            code=DeskError.VIEW_NAME_INVALID,
        )
    taken = SavedView.objects.filter(owner=actor, name__iexact=cleaned)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _name_taken(cleaned)
    return cleaned


def _name_taken(name: str) -> ValidationFailed:
    return ValidationFailed(
        _("You already have a view called “%(name)s”; choose another name.") % {"name": name},
        fields={"name": [_("Already used.")]},
        code=DeskError.VIEW_NAME_TAKEN,
    )


def _clean_definition(filters: Mapping[str, Any], sort: str) -> tuple[dict[str, Any], str]:
    """The canonical form of a view's filters: the base view and only valid filter values."""
    view = filters.get("view", "open")
    if not isinstance(view, str) or view not in VIEWS_BY_SLUG:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"view": [choose_one_of(VIEWS_BY_SLUG)]},
            code=DeskError.VIEW_FILTERS_INVALID,
        )
    if sort not in SORTS:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"sort": [choose_one_of(SORTS)]},
            code=DeskError.VIEW_FILTERS_INVALID,
        )
    parsed, errors = parse_filters(filters)
    if errors:
        raise ValidationFailed(
            _("Some filters are not valid."), fields={"filters": errors}, code=DeskError.VIEW_FILTERS_INVALID
        )
    return {"view": view, **parsed.to_params()}, sort


@transaction.atomic
def saved_view_create(*, actor: User, name: str, filters: Mapping[str, Any], sort: str) -> SavedView:
    """Save the inbox as the agent sees it now (base view, filters, sort) under a name of their own."""
    require_staff(actor)
    cleaned = _clean_name(actor, name)
    definition, sort = _clean_definition(filters, sort)
    if SavedView.objects.filter(owner=actor).count() >= MAX_SAVED_VIEWS:
        raise ValidationFailed(
            _("You can keep at most %(count)d saved views; delete one first.") % {"count": MAX_SAVED_VIEWS},
            code=DeskError.TOO_MANY_VIEWS,
        )
    last = SavedView.objects.filter(owner=actor).aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                owner=actor,
                name=cleaned,
                filters=definition,
                sort=sort,
                position=0 if last is None else last + 1,
            )
    except IntegrityError:
        # The same agent saved a view of this name a moment ago, in another tab.
        raise _name_taken(cleaned) from None


@transaction.atomic
def saved_view_update(
    *,
    actor: User,
    view: SavedView,
    name: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
) -> SavedView:
    """Rename a saved view, or keep new filters and sort in it (its owner only)."""
    require_staff(actor)
    view = _owned(actor, view)
    fields: list[str] = []
    if name is not None:
        cleaned = _clean_name(actor, name, exclude=view.pk)
        if cleaned != view.name:
            view.name = cleaned
            fields.append("name")
    if filters is not None or sort is not None:
        definition, new_sort = _clean_definition(
            filters if filters is not None else view.filters, sort if sort is not None else view.sort
        )
        if definition != view.filters:
            view.filters = definition
            fields.append("filters")
        if new_sort != view.sort:
            view.sort = new_sort
            fields.append("sort")
    if fields:
        view.save(update_fields=fields)
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    """Delete one of the agent's saved views."""
    require_staff(actor)
    _owned(actor, view).delete()


@transaction.atomic
def saved_view_reorder(*, actor: User, view_ids: Sequence[int]) -> list[SavedView]:
    """Put the agent's saved views in this order; views left out keep their order after these."""
    require_staff(actor)
    views = list(SavedView.objects.select_for_update().filter(owner=actor).order_by("position", "name", "pk"))
    by_id = {view.pk: view for view in views}
    unknown = [pk for pk in view_ids if pk not in by_id]
    if unknown or len(set(view_ids)) != len(view_ids):
        raise NotFound(_("No such saved view."))
    ordered = [by_id[pk] for pk in view_ids] + [view for view in views if view.pk not in set(view_ids)]
    changed = []
    for position, view in enumerate(ordered):
        if view.position != position:
            view.position = position
            changed.append(view)
    SavedView.objects.bulk_update(changed, ["position"])
    return ordered


# --- bulk actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkFailure:
    """A case a bulk action could not change, and the rule that refused it."""

    case: Case
    message: str


@dataclass
class BulkResult:
    """What a bulk action did: changed cases, cases already as asked, refusals, and unknown ids."""

    changed: list[Case] = field(default_factory=list)
    unchanged: list[Case] = field(default_factory=list)
    failed: list[BulkFailure] = field(default_factory=list)
    # Ids that are no case the actor may see (deleted, another team's, or made up): left alone.
    ignored: list[int] = field(default_factory=list)


def error_text(exc: VafaError) -> str:
    """A refusal in one line: its message and what it says about each field."""
    details = [str(message) for messages in exc.fields.values() for message in _as_list(messages)]
    return " ".join([str(exc.message), *[d for d in details if d != str(exc.message)]])


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _clean_ids(case_ids: Iterable[int]) -> list[int]:
    ids: list[int] = []
    for pk in case_ids:
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationFailed(_("Tick at least one case first."), code=DeskError.BULK_NOTHING_CHOSEN)
    if len(ids) > MAX_BULK_CASES:
        raise ValidationFailed(
            _("Change at most %(count)d cases at once.") % {"count": MAX_BULK_CASES},
            code=DeskError.BULK_TOO_MANY,
        )
    return ids


@transaction.atomic
def _bulk(actor: User, case_ids: Iterable[int], change: Callable[[Case], Case]) -> BulkResult:
    """Apply `change` to each case the actor may see, in one transaction, one savepoint per case.

    A case a rule refuses is rolled back alone (its service's atomic block is a savepoint) and
    reported; the others go through.
    """
    require_staff(actor)
    ids = _clean_ids(case_ids)
    # Locked in id order by the case services, so two bulk actions cannot deadlock each other.
    cases = list(case_list(viewer=actor).filter(pk__in=ids).order_by("pk"))
    result = BulkResult(ignored=[pk for pk in ids if pk not in {case.pk for case in cases}])
    for case in cases:
        try:
            after = change(case)
        except VafaError as exc:
            result.failed.append(BulkFailure(case=case, message=error_text(exc)))
            continue
        if after.updated_at != case.updated_at:
            result.changed.append(after)
        else:
            result.unchanged.append(after)
    return result


_UNSET: Any = object()


def cases_bulk_assign(
    *, actor: User, case_ids: Iterable[int], assignee: User | None = _UNSET, team: Team | None = _UNSET
) -> BulkResult:
    """Give the cases to an agent and/or a team (None clears it; left out keeps each case's own)."""
    kwargs: dict[str, Any] = {}
    if assignee is not _UNSET:
        kwargs["assignee"] = assignee
    if team is not _UNSET:
        kwargs["team"] = team
    if not kwargs:
        raise ValidationFailed(
            _("Choose an agent or a team to assign the cases to."),
            fields={"assignee": [_("Choose an agent or a team.")]},
        )
    return _bulk(actor, case_ids, lambda case: case_assign(actor=actor, case=case, **kwargs))


def cases_bulk_set_status(*, actor: User, case_ids: Iterable[int], status: str) -> BulkResult:
    """Move the cases to `status` where the workflow allows it."""
    return _bulk(actor, case_ids, lambda case: case_set_status(actor=actor, case=case, status=status))


def cases_bulk_set_priority(*, actor: User, case_ids: Iterable[int], priority: str) -> BulkResult:
    """Set how urgent the cases are."""
    return _bulk(actor, case_ids, lambda case: case_set_priority(actor=actor, case=case, priority=priority))


def cases_bulk_tag(*, actor: User, case_ids: Iterable[int], names: Sequence[str]) -> BulkResult:
    """Put tags on the cases (tags they already have are kept)."""
    if not any(name.strip() for name in names):
        raise ValidationFailed(_("Write the tag to add."), fields={"tags": [_("This field is required.")]})
    return _bulk(actor, case_ids, lambda case: case_tag(actor=actor, case=case, names=names))
