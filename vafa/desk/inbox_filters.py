"""The inbox's filter bar: what it offers, and reading its parameters into checked filters.

Values of one filter are alternatives (status new OR open), different filters all apply (… AND
priority urgent). A value that cannot be used is left out and reported with a translated message,
never a server error. Dates are typed as the reader writes them: year/month/day, Jalali (1405/01/01)
or Gregorian (2026-03-21), in Latin, Persian or Arabic digits; a day means that day in the reader's
time zone. The warranty filter means the warranty an agent would look up today: the linked unit's
warranty status on today's date, and for a case without a unit the status captured at opening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import STAFF_ROLES, Team, User
from vafa.catalog.models import Product
from vafa.core.dates import parse_date
from vafa.sales.models import Unit
from vafa.sales.selectors import unit_warranty_q
from vafa.service.models import Case, CaseKind, CaseStatus, Channel, Priority, WarrantyStatus
from vafa.service.services import tag_name_clean, tag_names_split

MAX_VALUES = 50
MAX_VALUE_CHARS = 100
ME = "me"
NONE = "none"

FILTER_LABELS: dict[str, Promise] = {
    "status": _("Status"),
    "kind": _("Kind"),
    "channel": _("Channel"),
    "priority": _("Priority"),
    "team": _("Team"),
    "assignee": _("Assignee"),
    "product": _("Product"),
    "warranty": _("Warranty"),
    "language": _("Language"),
    "tag": _("Tag"),
    "created_from": _("Opened from"),
    "created_to": _("Opened until"),
    "updated_from": _("Updated from"),
    "updated_to": _("Updated until"),
}
CHOICE_FIELDS: dict[str, Any] = {
    "status": CaseStatus,
    "kind": CaseKind,
    "channel": Channel,
    "priority": Priority,
    "warranty": WarrantyStatus,
}
DATE_FIELDS = ("created_from", "created_to", "updated_from", "updated_to")
FILTER_FIELDS = tuple(FILTER_LABELS)


@dataclass(frozen=True)
class InboxFilters:
    """What the filter bar asks for, checked: only known values, ids as numbers, dates as days."""

    status: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    warranty: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    team: tuple[int, ...] = ()
    team_none: bool = False
    assignee: tuple[int, ...] = ()
    assignee_me: bool = False
    assignee_none: bool = False
    product: tuple[int, ...] = ()
    tag: tuple[str, ...] = ()
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None

    @property
    def active(self) -> int:
        """How many filters are set (for the "Filters (3)" button)."""
        return sum(1 for values in self.to_params().values() if values)

    def to_params(self) -> dict[str, list[str]]:
        """The canonical query parameters: the form kept in saved views and in links (ISO dates)."""
        params: dict[str, list[str]] = {}
        for name in ("status", "kind", "channel", "priority"):
            params[name] = list(getattr(self, name))
        params["team"] = ([NONE] if self.team_none else []) + [str(pk) for pk in self.team]
        params["assignee"] = (
            ([ME] if self.assignee_me else [])
            + ([NONE] if self.assignee_none else [])
            + [str(pk) for pk in self.assignee]
        )
        params["product"] = [str(pk) for pk in self.product]
        params["warranty"] = list(self.warranty)
        params["language"] = list(self.language)
        params["tag"] = list(self.tag)
        for name in DATE_FIELDS:
            day = getattr(self, name)
            params[name] = [day.isoformat()] if day else []
        return {name: values for name, values in params.items() if values}

    def q(self, *, viewer: User, today: dt.date) -> Q:
        """The filter as one condition on cases (the viewer's scope is applied by the caller)."""
        condition = Q()
        for name in ("status", "kind", "channel", "priority", "language"):
            values = getattr(self, name)
            if values:
                condition &= Q(**{f"{name}__in": values})
        if self.team or self.team_none:
            team_q = Q(team_id__in=self.team) if self.team else Q()
            condition &= (team_q | Q(team__isnull=True)) if self.team_none else team_q
        if self.assignee or self.assignee_me or self.assignee_none:
            people = [*self.assignee, *([viewer.pk] if self.assignee_me else [])]
            who = Q(assignee_id__in=people) if people else Q(pk__in=[])
            if self.assignee_none:
                who |= Q(assignee__isnull=True)
            condition &= who
        if self.product:
            condition &= Q(product_id__in=self.product)
        if self.warranty:
            units = Q()
            for status in self.warranty:
                units |= unit_warranty_q(status, today)
            condition &= Q(unit__in=Unit.objects.filter(units).values("pk")) | Q(
                unit__isnull=True, warranty_status_at_open__in=self.warranty
            )
        if self.tag:
            condition &= Q(
                Exists(Case.tags.through.objects.filter(case_id=OuterRef("pk"), tag__name__in=self.tag))
            )
        for column, start, end in (
            ("created_at", self.created_from, self.created_to),
            ("updated_at", self.updated_from, self.updated_to),
        ):
            if start is not None:
                condition &= Q(**{f"{column}__gte": _start_of(start)})
            if end is not None:
                condition &= Q(**{f"{column}__lt": _start_of(end + dt.timedelta(days=1))})
        return condition


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the reader's time zone: "from 3 May" means from their 3 May."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


@dataclass(frozen=True)
class InboxChoices:
    """What the filter bar and the bulk bar offer: active agents, teams and products."""

    agents: list[User]
    teams: list[Team]
    products: list[Product]

    @property
    def agent_ids(self) -> frozenset[int]:
        return frozenset(user.pk for user in self.agents)

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team.pk for team in self.teams)

    @property
    def product_ids(self) -> frozenset[int]:
        return frozenset(product.pk for product in self.products)


def agent_choices() -> list[User]:
    """Active staff who can take cases, by name: one query."""
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .only("pk", "full_name", "email", "role")
        .order_by("full_name", "email")
    )


def inbox_choices() -> InboxChoices:
    """The agents, teams and products the filter and bulk bars list (three queries)."""
    return InboxChoices(
        agents=agent_choices(),
        teams=list(Team.objects.only("pk", "name").order_by("name")),
        products=list(Product.objects.only("pk", "sku", "name").order_by("name", "sku")),
    )


def shown(value: str) -> str:
    """A value as a message quotes it: at most 40 characters."""
    return value if len(value) <= 40 else f"{value[:40]}…"


def _not_a_choice(name: str, value: str) -> str:
    return gettext("%(field)s: “%(value)s” is not one of the choices, so it was ignored.") % {
        "field": FILTER_LABELS[name],
        "value": shown(value),
    }


def param_values(params: Mapping[str, Any], name: str) -> list[str]:
    """The values of one parameter, from a query string or a saved view's filters."""
    return _values(_param(params, name))


def _param(params: Mapping[str, Any], name: str) -> Any:
    """Every value of one parameter: all of a query string's repeats, or a saved view's entry."""
    getlist = getattr(params, "getlist", None)
    return getlist(name) if getlist is not None else params.get(name)


def _values(raw: Any) -> list[str]:
    """The values of one parameter, from a query string (a list) or a saved view (a list or a string)."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return []
    values: list[str] = []
    for item in raw:
        if not isinstance(item, str | int) or isinstance(item, bool):
            continue
        for part in tag_names_split(str(item)):
            if part not in values:
                values.append(part)
    return values


def parse_filters(
    params: Mapping[str, Any], *, choices: InboxChoices | None = None
) -> tuple[InboxFilters, list[str]]:
    """Check the filter parameters; return the filters and a translated message per refused value.

    A refused value is left out (the rest of the filter still applies) and reported, so a crafted or
    outdated link shows a message, never a server error. With `choices`, team, assignee and product
    ids must also be ones the bar offers.
    """
    errors: list[str] = []
    found: dict[str, Any] = {}
    languages = {code for code, _name in settings.LANGUAGES}
    for name in FILTER_FIELDS:
        values = param_values(params, name)
        if len(values) > MAX_VALUES:
            errors.append(
                gettext("%(field)s: choose at most %(count)d values.")
                % {"field": FILTER_LABELS[name], "count": MAX_VALUES}
            )
            values = values[:MAX_VALUES]
        if name in CHOICE_FIELDS or name == "language":
            allowed = languages if name == "language" else set(CHOICE_FIELDS[name].values)
            good = [value for value in values if value in allowed]
            errors += [_not_a_choice(name, value) for value in values if value not in allowed]
            found[name] = tuple(good)
        elif name in ("team", "assignee", "product"):
            ids: list[int] = []
            allowed_ids = {
                "team": choices.team_ids if choices else None,
                "assignee": choices.agent_ids if choices else None,
                "product": choices.product_ids if choices else None,
            }[name]
            for value in values:
                if name == "team" and value == NONE:
                    found["team_none"] = True
                elif name == "assignee" and value in (ME, NONE):
                    found[f"assignee_{value}"] = True
                elif value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
                    if allowed_ids is not None and int(value) not in allowed_ids:
                        errors.append(_not_a_choice(name, value))
                    elif int(value) not in ids:
                        ids.append(int(value))
                else:
                    errors.append(_not_a_choice(name, value))
            found[name] = tuple(ids)
        elif name == "tag":
            names: list[str] = []
            for value in values:
                tag = tag_name_clean(value)
                if len(tag) > 50:
                    errors.append(
                        gettext("%(field)s: “%(value)s” is longer than 50 characters, so it was ignored.")
                        % {"field": FILTER_LABELS[name], "value": shown(value)}
                    )
                elif tag not in names:
                    names.append(tag)
            found[name] = tuple(names)
        else:
            if not values:
                continue
            day = parse_date(values[0][:MAX_VALUE_CHARS])
            if day is None or len(values) > 1:
                errors.append(
                    gettext("%(field)s: “%(value)s” is not a date (write year/month/day), so it was ignored.")
                    % {"field": FILTER_LABELS[name], "value": shown(values[-1])}
                )
                continue
            found[name] = day
    filters = InboxFilters(**found)
    for start, end in (("created_from", "created_to"), ("updated_from", "updated_to")):
        first, last = getattr(filters, start), getattr(filters, end)
        if first and last and first > last:
            errors.append(
                gettext("%(from)s is after %(until)s: no case can match.")
                % {"from": FILTER_LABELS[start], "until": FILTER_LABELS[end]}
            )
    return filters, errors
