"""The conditions of an automation rule: which case fields it may test, how, and whether a case matches.

A rule's `conditions` is a list; every item must hold (AND). An item is either one test,
`{"field": "priority", "op": "in", "value": ["high", "urgent"]}`, or a group of tests of which at
least one must hold, `{"any": [test, test, …]}`. The vocabulary (fields, their operators and values)
is `FIELDS` below; `conditions_clean` checks a list against it before a rule is saved, and
`conditions_match` tests a case (through `CaseFacts`, which loads each fact once and only if asked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vafa.accounts.models import STAFF_ROLES, Team, User
from vafa.catalog.models import Category
from vafa.core.errors import ValidationFailed
from vafa.core.i18n import language_codes
from vafa.customers.models import Organisation, Tier
from vafa.service.models import Case, CaseKind, CaseStatus, Channel, Message, Priority, WarrantyStatus
from vafa.service.services import tag_name_clean
from vafa.sla.models import ClockState, SlaClock

MAX_CONDITIONS = 50
MAX_VALUES = 200
MAX_TEXT = 500
NONE = "none"
NO_UNIT = "no_unit"


class ConditionError(StrEnum):
    """Stable code of a refused list of conditions."""

    INVALID = "invalid_conditions"


class Kind(StrEnum):
    """How a field's values compare."""

    CHOICE = "choice"  # one of a fixed list of values
    REF = "ref"  # a record by id (or code), or "none"
    TAGS = "tags"  # the case's set of tags
    TEXT = "text"  # free text, searched for a phrase
    NUMBER = "number"  # a quantity


OPS: dict[Kind, tuple[str, ...]] = {
    Kind.CHOICE: ("is", "is_not", "in", "not_in"),
    Kind.REF: ("is", "is_not", "in", "not_in"),
    Kind.TAGS: ("contains", "not_contains", "in", "not_in"),
    Kind.TEXT: ("contains", "not_contains"),
    Kind.NUMBER: ("gt", "lt"),
}
LIST_OPS = frozenset({"in", "not_in"})


class SlaState(StrEnum):
    """Where the case stands against its SLA clocks."""

    NONE = "none"  # no clock: no policy applies
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


def _staff_missing(ids: set[int]) -> set[int]:
    found = set(User.objects.filter(pk__in=ids, role__in=STAFF_ROLES).values_list("pk", flat=True))
    return ids - found


def _missing(model: Any, field: str = "pk") -> Callable[[set[Any]], set[Any]]:
    def missing(values: set[Any]) -> set[Any]:
        return values - set(model.objects.filter(**{f"{field}__in": values}).values_list(field, flat=True))

    return missing


@dataclass(frozen=True)
class Field:
    """One case field a condition may test."""

    name: str
    label: Promise
    kind: Kind
    values: Callable[[], Iterable[str]] | None = None  # CHOICE: the allowed values
    missing: Callable[[set[Any]], set[Any]] | None = None  # REF: which of these do not exist
    by_code: bool = False  # REF: values are codes (strings), not ids

    @property
    def ops(self) -> tuple[str, ...]:
        return OPS[self.kind]


FIELDS: dict[str, Field] = {
    field.name: field
    for field in (
        Field("status", gettext_lazy("status"), Kind.CHOICE, lambda: CaseStatus.values),
        Field("priority", gettext_lazy("priority"), Kind.CHOICE, lambda: Priority.values),
        Field("kind", gettext_lazy("kind"), Kind.CHOICE, lambda: CaseKind.values),
        Field("channel", gettext_lazy("channel"), Kind.CHOICE, lambda: Channel.values),
        Field("language", gettext_lazy("language"), Kind.CHOICE, lambda: sorted(language_codes())),
        Field("team", gettext_lazy("team"), Kind.REF, missing=_missing(Team)),
        Field("assignee", gettext_lazy("assignee"), Kind.REF, missing=_staff_missing),
        Field("tags", gettext_lazy("tags"), Kind.TAGS),
        Field("customer_tier", gettext_lazy("customer tier"), Kind.CHOICE, lambda: Tier.values),
        Field("organisation", gettext_lazy("organisation"), Kind.REF, missing=_missing(Organisation)),
        Field(
            "product_category",
            gettext_lazy("product category"),
            Kind.REF,
            missing=_missing(Category, "code"),
            by_code=True,
        ),
        Field(
            "warranty_status",
            gettext_lazy("unit warranty status when opened"),
            Kind.CHOICE,
            lambda: [*WarrantyStatus.values, NO_UNIT],
        ),
        Field("subject", gettext_lazy("subject"), Kind.TEXT),
        Field("body", gettext_lazy("message text"), Kind.TEXT),
        Field("hours_open", gettext_lazy("hours since opened"), Kind.NUMBER),
        Field("sla_state", gettext_lazy("SLA state"), Kind.CHOICE, lambda: [s.value for s in SlaState]),
    )
}


# --- validation -----------------------------------------------------------------------------------


class _Problems:
    """The errors found in a list, each naming the item it is about."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(_("Condition %(where)s: %(problem)s") % {"where": where, "problem": message})


def _clean_value(field: Field, op: str, value: Any, where: str, problems: _Problems) -> Any:
    if op in LIST_OPS:
        if not isinstance(value, list) or not value:
            problems.add(where, _("“%(op)s” needs a list of values.") % {"op": op})
            return None
        if len(value) > MAX_VALUES:
            problems.add(where, _("at most %(count)d values.") % {"count": MAX_VALUES})
            return None
        items = value
    else:
        if isinstance(value, list | dict):
            problems.add(where, _("“%(op)s” needs one value, not a list.") % {"op": op})
            return None
        items = [value]
    cleaned: list[Any] = []
    for item in items:
        result = _clean_one(field, item, where, problems)
        if result is None:
            return None
        cleaned.append(result)
    return cleaned if op in LIST_OPS else cleaned[0]


def _clean_one(field: Field, item: Any, where: str, problems: _Problems) -> Any:
    if field.kind == Kind.CHOICE:
        allowed = list(field.values()) if field.values else []
        if item not in allowed:
            problems.add(
                where,
                _("“%(value)s” is not a %(field)s; choose one of: %(choices)s.")
                % {"value": item, "field": field.label, "choices": ", ".join(allowed)},
            )
            return None
        return item
    if field.kind == Kind.REF:
        if item == NONE:
            return NONE
        if field.by_code:
            if isinstance(item, str) and item.strip():
                return item.strip()
        elif isinstance(item, int) and not isinstance(item, bool) and item > 0:
            return item
        problems.add(
            where,
            _("“%(value)s” is not a %(field)s; give its code, or “none”.")
            % {"value": item, "field": field.label}
            if field.by_code
            else _("“%(value)s” is not a %(field)s; give its id (a number), or “none”.")
            % {"value": item, "field": field.label},
        )
        return None
    if field.kind == Kind.TAGS:
        name = tag_name_clean(item) if isinstance(item, str) else ""
        if not name or len(name) > 50:
            problems.add(where, _("“%(value)s” is not a tag name.") % {"value": item})
            return None
        return name
    if field.kind == Kind.TEXT:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_TEXT:
            problems.add(
                where,
                _("give the text to look for (1 to %(count)d characters).") % {"count": MAX_TEXT},
            )
            return None
        return item.strip()
    if isinstance(item, bool) or not isinstance(item, int | float) or item < 0:
        problems.add(where, _("“%(value)s” is not a number of hours.") % {"value": item})
        return None
    return item


def _clean_test(raw: Any, where: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(where, _('write it as {"field": …, "op": …, "value": …}.'))
        return None
    extra = sorted(set(raw) - {"field", "op", "value"})
    if extra:
        problems.add(where, _("unexpected key “%(key)s”.") % {"key": extra[0]})
        return None
    field = FIELDS.get(raw.get("field"))  # type: ignore[arg-type]
    if field is None:
        problems.add(
            where,
            _("“%(field)s” is not a field; the fields are: %(fields)s.")
            % {"field": raw.get("field", ""), "fields": ", ".join(FIELDS)},
        )
        return None
    op = raw.get("op")
    if op not in field.ops:
        problems.add(
            where,
            _("“%(op)s” does not apply to %(field)s; use one of: %(ops)s.")
            % {"op": op, "field": field.name, "ops": ", ".join(field.ops)},
        )
        return None
    if "value" not in raw:
        problems.add(where, _("give a value."))
        return None
    value = _clean_value(field, op, raw["value"], where, problems)
    if value is None:
        return None
    return {"field": field.name, "op": op, "value": value}


def _check_records(tests: list[tuple[str, dict[str, Any]]], problems: _Problems) -> None:
    """Refuse references to teams, agents, organisations or categories that do not exist (one query each)."""
    wanted: dict[str, set[Any]] = {}
    for _where, test in tests:
        field = FIELDS[test["field"]]
        if field.kind != Kind.REF:
            continue
        values = test["value"] if isinstance(test["value"], list) else [test["value"]]
        wanted.setdefault(field.name, set()).update(v for v in values if v != NONE)
    missing: dict[str, set[Any]] = {}
    for name, ids in wanted.items():
        check = FIELDS[name].missing
        if ids and check is not None:
            missing[name] = check(ids)
    for where, test in tests:
        gone = missing.get(test["field"], set())
        values = test["value"] if isinstance(test["value"], list) else [test["value"]]
        for value in values:
            if value in gone:
                problems.add(
                    where,
                    _("there is no %(field)s “%(value)s”.")
                    % {"field": FIELDS[test["field"]].label, "value": value},
                )


def conditions_clean(raw: Any) -> list[dict[str, Any]]:
    """The conditions checked against the vocabulary; ValidationFailed names every bad item."""
    problems = _Problems()
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise ValidationFailed(
            _("The conditions are not valid."),
            fields={"conditions": [_("Write the conditions as a list.")]},
            code=ConditionError.INVALID,
        )
    if len(raw) > MAX_CONDITIONS:
        raise ValidationFailed(
            _("The conditions are not valid."),
            fields={"conditions": [_("At most %(count)d conditions.") % {"count": MAX_CONDITIONS}]},
            code=ConditionError.INVALID,
        )
    cleaned: list[dict[str, Any]] = []
    tests: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(raw, start=1):
        where = str(index)
        if isinstance(item, dict) and "any" in item:
            if set(item) != {"any"} or not isinstance(item["any"], list) or not item["any"]:
                problems.add(where, _("“any” needs a list of conditions and nothing else."))
                continue
            group = []
            for inner, member in enumerate(item["any"], start=1):
                test = _clean_test(member, f"{index}.{inner}", problems)
                if test is not None:
                    group.append(test)
                    tests.append((f"{index}.{inner}", test))
            cleaned.append({"any": group})
            continue
        test = _clean_test(item, where, problems)
        if test is not None:
            cleaned.append(test)
            tests.append((where, test))
    if not problems.messages:
        _check_records(tests, problems)
    if problems.messages:
        raise ValidationFailed(
            _("The conditions are not valid."),
            fields={"conditions": problems.messages},
            code=ConditionError.INVALID,
        )
    return cleaned


# --- matching -------------------------------------------------------------------------------------


_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": " "})


def _normalise(text: str) -> str:
    """Text folded for "contains": case, Arabic and Persian forms of the same letters, zero-width joins."""
    return " ".join(text.translate(_LETTERS).casefold().split())


class CaseFacts:
    """What conditions read of one case, each fact loaded once and only when a condition asks for it.

    `message_id` is the message of the event being answered (a reply trigger): the "body" field reads
    it; otherwise the case's first message.
    """

    def __init__(self, case: Case, *, message_id: int | None = None, now: dt.datetime | None = None) -> None:
        self.case = case
        self.message_id = message_id
        self.now = now or timezone.now()

    @cached_property
    def tags(self) -> set[str]:
        if "tags" in getattr(self.case, "_prefetched_objects_cache", {}):
            return {tag.name for tag in self.case.tags.all()}
        return set(self.case.tags.values_list("name", flat=True))

    @cached_property
    def customer_tier(self) -> str:
        return str(self.case.customer.tier)

    @cached_property
    def product_category(self) -> str | None:
        if self.case.product_id is None:
            return None
        if Case.product.is_cached(self.case) and self.case.product is not None:  # type: ignore[attr-defined]
            category = self.case.product.category if self.case.product.category_id else None
            return category.code if category is not None else None
        return (
            Category.objects.filter(products__pk=self.case.product_id).values_list("code", flat=True).first()
        )

    @cached_property
    def body(self) -> str:
        messages = Message.objects.filter(case_id=self.case.pk, is_internal=False)
        if self.message_id is not None:
            messages = Message.objects.filter(pk=self.message_id)
        return messages.order_by("created_at", "id").values_list("body_text", flat=True).first() or ""

    @cached_property
    def sla_state(self) -> str:
        """The state of the case's running or paused SLA clocks (met and cancelled ones are history)."""
        clocks = list(
            SlaClock.objects.filter(
                case_id=self.case.pk, state__in=[ClockState.RUNNING, ClockState.PAUSED]
            ).values_list("breached_at", "at_risk_reached_at")
        )
        if not clocks:
            return SlaState.NONE
        if any(breached is not None for breached, _risk in clocks):
            return SlaState.BREACHED
        if any(risk is not None for _breached, risk in clocks):
            return SlaState.AT_RISK
        return SlaState.ON_TRACK

    def value(self, name: str) -> Any:
        case = self.case
        if name in ("status", "priority", "kind", "channel", "language"):
            return getattr(case, name)
        if name == "team":
            return case.team_id or NONE
        if name == "assignee":
            return case.assignee_id or NONE
        if name == "organisation":
            return case.organisation_id or NONE
        if name == "product_category":
            return self.product_category or NONE
        if name == "warranty_status":
            return case.warranty_status_at_open or NO_UNIT
        if name == "hours_open":
            return (self.now - case.created_at).total_seconds() / 3600
        if name == "subject":
            return case.subject
        return getattr(self, name)


def _holds(test: dict[str, Any], facts: CaseFacts) -> bool:
    field = FIELDS[test["field"]]
    op, expected = test["op"], test["value"]
    actual = facts.value(field.name)
    if field.kind == Kind.TAGS:
        if op == "contains":
            return expected in actual
        if op == "not_contains":
            return expected not in actual
        if op == "in":
            return bool(actual & set(expected))
        return not actual & set(expected)
    if field.kind == Kind.TEXT:
        found = _normalise(expected) in _normalise(actual)
        return found if op == "contains" else not found
    if field.kind == Kind.NUMBER:
        return actual > expected if op == "gt" else actual < expected
    if op == "is":
        return bool(actual == expected)
    if op == "is_not":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    return actual not in expected


def conditions_match(conditions: Sequence[dict[str, Any]], facts: CaseFacts) -> list[dict[str, Any]] | None:
    """The conditions that held, in order (for an "any" group, the tests of it that held), when all
    of them hold; None when one does not. No conditions: the rule applies to every case."""
    matched: list[dict[str, Any]] = []
    for item in conditions:
        if "any" in item:
            held = [test for test in item["any"] if _holds(test, facts)]
            if not held:
                return None
            matched.append({"any": held})
        elif _holds(item, facts):
            matched.append(item)
        else:
            return None
    return matched


def conditions_fields(conditions: Sequence[dict[str, Any]]) -> set[str]:
    """The names of the fields the conditions read."""
    names: set[str] = set()
    for item in conditions:
        for test in item.get("any", [item]):
            names.add(test["field"])
    return names


def vocabulary_help() -> list[tuple[str, str, str, str]]:
    """(field, what it is, its operators, its values) for each field: shown next to the rule form."""
    rows = []
    for field in FIELDS.values():
        if field.kind == Kind.CHOICE and field.values is not None:
            values = ", ".join(field.values())
        elif field.kind == Kind.REF:
            values = _("a code, or “none”") if field.by_code else _("an id (a number), or “none”")
        elif field.kind == Kind.TAGS:
            values = _("a tag name (a list for in / not_in)")
        elif field.kind == Kind.TEXT:
            values = _("a phrase; case and Arabic/Persian letter forms are ignored")
        else:
            values = _("a number of hours")
        rows.append((field.name, str(field.label), ", ".join(field.ops), str(values)))
    return rows
