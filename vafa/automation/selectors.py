"""Reads of the automation app: the macros a person may use, the rules with their recent firing, and
the run log in keyset pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Role, User
from vafa.automation.models import Macro, MacroText, Rule, RuleRun, RunOutcome
from vafa.core.errors import NotFound
from vafa.core.keyset import KeysetPage, SortKey, keyset_page

RUN_PAGE_SIZE = 50
MAX_DB_INT = 2**63 - 1
NEWEST_FIRST = SortKey("-fired_at", (("fired_at", "datetime"),), True)


def macro_scope(viewer: User) -> Q:
    """The macros `viewer` may use: shared ones (no team, no owner), their teams', their own."""
    if not viewer.is_active or not viewer.is_company_staff:
        return Q(pk__in=[])
    team_ids = list(viewer.teams.values_list("pk", flat=True))
    return (
        Q(team__isnull=True, owner__isnull=True)
        | Q(team_id__in=team_ids, owner__isnull=True)
        | Q(owner=viewer)
    )


def macro_list(*, viewer: User, query: str = "") -> QuerySet[Macro]:
    """The active macros `viewer` may use, by name, with their texts; `query` narrows by name."""
    macros = Macro.objects.filter(macro_scope(viewer), is_active=True)
    if query.strip():
        macros = macros.filter(name__icontains=query.strip()[:100])
    return macros.select_related("team", "owner").prefetch_related(
        Prefetch("texts", queryset=MacroText.objects.order_by("language"))
    )


def macro_get(*, viewer: User, macro_id: int) -> Macro:
    """One active macro `viewer` may use; NotFound otherwise (another agent's macro does not exist)."""
    if not 0 < macro_id <= MAX_DB_INT:
        raise NotFound(_("There is no such macro."))
    macro = macro_list(viewer=viewer).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("There is no such macro."))
    return macro


def macro_list_editable(*, viewer: User) -> QuerySet[Macro]:
    """The macros `viewer` may change: their own; managers and admins also the shared and team ones."""
    if not viewer.is_active or not viewer.is_company_staff:
        return Macro.objects.none()
    macros = Macro.objects.all()
    if viewer.role not in (Role.ADMIN, Role.MANAGER):
        macros = macros.filter(owner=viewer)
    else:
        macros = macros.filter(Q(owner=viewer) | Q(owner__isnull=True))
    return macros.select_related("team", "owner").prefetch_related(
        Prefetch("texts", queryset=MacroText.objects.order_by("language"))
    )


def macro_get_editable(*, viewer: User, macro_id: int) -> Macro:
    if not 0 < macro_id <= MAX_DB_INT:
        raise NotFound(_("There is no such macro."))
    macro = macro_list_editable(viewer=viewer).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("There is no such macro."))
    return macro


# --- rules ----------------------------------------------------------------------------------------


def rule_overview(*, now: dt.datetime | None = None) -> list[Rule]:
    """Every rule in order, each with `last_fired_at` and `runs_week` (runs in the last 7 days); one query."""
    since = (now or timezone.now()) - dt.timedelta(days=7)
    return list(
        Rule.objects.select_related("time_calendar")
        .annotate(
            last_fired_at=Max("runs__fired_at"), runs_week=Count("runs", filter=Q(runs__fired_at__gte=since))
        )
        .order_by("position", "id")
    )


def rule_get(*, rule_id: int) -> Rule:
    if not 0 < rule_id <= MAX_DB_INT:
        raise NotFound(_("There is no such rule."))
    rule = Rule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("There is no such rule."))
    return rule


@dataclass(frozen=True)
class RunFilters:
    """What the run log is narrowed to."""

    rule_id: int | None = None
    outcome: str = ""

    @classmethod
    def parse(cls, rule: str, outcome: str) -> RunFilters:
        rule_id = int(rule) if rule.isdigit() and 0 < int(rule) <= MAX_DB_INT else None
        return cls(rule_id=rule_id, outcome=outcome if outcome in RunOutcome.values else "")


def rule_run_page(
    *, filters: RunFilters, after: str | None = None, before: str | None = None, size: int | None = None
) -> KeysetPage[RuleRun]:
    """A page of the run log, newest first, with each run's rule and case; one query."""
    runs = RuleRun.objects.all()
    if filters.rule_id is not None:
        runs = runs.filter(rule_id=filters.rule_id)
    if filters.outcome:
        runs = runs.filter(outcome=filters.outcome)
    load = RuleRun.objects.select_related("rule", "case")
    return keyset_page(
        runs.only("pk", "fired_at"),
        sort=NEWEST_FIRST,
        size=size or RUN_PAGE_SIZE,
        after=after,
        before=before,
        load=load,
    )
