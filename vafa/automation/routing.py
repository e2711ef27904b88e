"""Routing: a team's cases go to its available agents by round robin or least open cases, preferring
agents with the case's language, product category and kind; cases nobody can take wait in the team queue.

How it runs:
- a case moved into a routed team, unassigned there, or reopened without an assignee is routed at once
  (work subscribed to case.transferred / case.assigned / case.reopened; case_open publishes
  case.transferred for the team it opens in, so a new case is covered too);
- every minute, and as soon as an agent becomes available, each routed team's queue is drained: its
  oldest waiting cases go to whoever is free now (back from away, on shift, under their cap again).

Every decision for a team happens under a lock on its TeamRouting row, so two workers never pick the
same "next" agent and a load cap holds however many cases are routed at once. Locks are always taken
in the order routing row, then case — and a case someone else is holding is skipped (the drain takes
it later), so routing never waits on a case while holding the team.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from vafa.accounts.models import User
from vafa.automation.availability import (
    DRAIN_KIND,
    ROUTABLE_ROLES,
    Presence,
    agent_is_available,
    agent_today,
    calendar_is_open,
    load_cap,
    open_loads,
    presence_of,
    profile_of,
    shift_calendar,
)
from vafa.automation.models import AgentProfile, RoutingMethod, TeamRouting
from vafa.core.jobs import periodic, work_handler, work_schedule, work_subscribe
from vafa.service.models import OPEN_STATUSES, Case
from vafa.service.services import case_assign

__all__ = [
    "DRAIN_BATCH",
    "ROUTE_KIND",
    "ROUTING_REASONS",
    "agent_is_available",
    "case_route",
    "routing_drain",
    "team_queue_drain",
]

logger = logging.getLogger(__name__)

ROUTE_KIND = "automation.route_case"
# At most this many cases are assigned per team in one drain (one transaction); a full batch schedules
# the next one at once. The drain looks this far into the queue for cases someone can take.
DRAIN_BATCH = 50
DRAIN_SCAN = 500
# The reason stored on the assignment event is the method's code; the desk shows these words.
ROUTING_REASONS = {
    RoutingMethod.ROUND_ROBIN.value: _("round robin"),
    RoutingMethod.LEAST_OPEN.value: _("least open cases"),
}

# How well an agent's profile fits one facet of a case: not at all, "any" (an empty list, or a case
# without that facet), or named in the profile.
MISMATCH, ANY, NAMED = 0, 1, 2


@dataclass
class _Candidate:
    user: User
    profile: AgentProfile | None
    load: int
    cap: int | None
    categories: frozenset[int] = frozenset()

    @property
    def has_room(self) -> bool:
        return self.cap is None or self.load < self.cap


def _fit(wanted: object, offered: Sequence[object] | frozenset[int] | None) -> int:
    if wanted is None or not offered:
        return ANY
    return NAMED if wanted in offered else MISMATCH


class _Router:
    """Routes cases of one team while its TeamRouting row is locked: agents and loads are read once."""

    def __init__(self, routing: TeamRouting, at: dt.datetime) -> None:
        self.routing = routing
        members = (
            routing.team.members.filter(is_active=True, role__in=ROUTABLE_ROLES)
            .select_related("agent_profile__calendar")
            .order_by("pk")
        )
        present = []
        for user in members:
            profile = profile_of(user)
            if presence_of(profile, today=agent_today(user, at)) != Presence.AVAILABLE:
                continue
            if not calendar_is_open(shift_calendar(profile, routing), at):
                continue
            present.append((user, profile))
        loads = open_loads(user.pk for user, _profile in present)
        self.candidates = [
            _Candidate(user=user, profile=profile, load=loads.get(user.pk, 0), cap=load_cap(profile, routing))
            for user, profile in present
        ]
        self._categories_read = False

    @property
    def anyone_free(self) -> bool:
        return any(candidate.has_room for candidate in self.candidates)

    def _read_categories(self) -> None:
        """The product categories of every candidate's profile, in one query, only when a case needs them."""
        if self._categories_read:
            return
        self._categories_read = True
        profile_ids = [c.profile.pk for c in self.candidates if c.profile is not None]
        through = AgentProfile.product_categories.through
        pairs = through.objects.filter(agentprofile_id__in=profile_ids).values_list(
            "agentprofile_id", "category_id"
        )
        by_profile: dict[int, set[int]] = {}
        for profile_id, category_id in pairs:
            by_profile.setdefault(profile_id, set()).add(category_id)
        for candidate in self.candidates:
            if candidate.profile is not None:
                candidate.categories = frozenset(by_profile.get(candidate.profile.pk, ()))

    def _skilled(self, case: Case, pool: list[_Candidate]) -> list[_Candidate]:
        """The agents that fit the case best, language first; [] when the case must wait for one."""
        category_id = case.product.category_id if case.product is not None else None
        if category_id is not None:
            self._read_categories()

        def fits(candidate: _Candidate) -> tuple[int, int, int]:
            profile = candidate.profile
            return (
                _fit(case.language, profile.languages if profile else None),
                _fit(category_id, candidate.categories),
                _fit(case.kind, profile.case_kinds if profile else None),
            )

        scored = [(fits(candidate), candidate) for candidate in pool]
        matching = [(fit, candidate) for fit, candidate in scored if MISMATCH not in fit]
        if not matching:
            if self.routing.skills_required:
                return []
            matching = scored
        best = max((fit[0], sum(fit)) for fit, _candidate in matching)
        return [candidate for fit, candidate in matching if (fit[0], sum(fit)) == best]

    def _in_turn(self, pool: list[_Candidate]) -> list[_Candidate]:
        """The pool in round-robin order: the first agent after the last one assigned, wrapping."""
        last = self.routing.last_assigned_id or 0
        ordered = sorted(pool, key=lambda candidate: candidate.user.pk)
        after = [candidate for candidate in ordered if candidate.user.pk > last]
        return after + [candidate for candidate in ordered if candidate.user.pk <= last]

    def choose(self, case: Case) -> _Candidate | None:
        pool = [candidate for candidate in self.candidates if candidate.has_room]
        if pool and self.routing.use_skills:
            pool = self._skilled(case, pool)
        if not pool:
            return None
        in_turn = self._in_turn(pool)
        if self.routing.method == RoutingMethod.LEAST_OPEN:
            # Ties go to whoever is next in turn, so equal loads rotate instead of favouring one agent.
            return min(in_turn, key=lambda candidate: candidate.load)
        return in_turn[0]

    def route(self, case: Case) -> User | None:
        candidate = self.choose(case)
        if candidate is None:
            return None
        case_assign(actor=None, case=case, assignee=candidate.user, reason=self.routing.method)
        candidate.load += 1
        self.routing.last_assigned = candidate.user
        self.routing.save(update_fields=["last_assigned"])
        return candidate.user


def _lock_routing(team_id: int) -> TeamRouting | None:
    """The team's routing row, locked until the transaction ends; None when the team routes by hand."""
    routing = (
        TeamRouting.objects.select_for_update(of=("self",))
        .select_related("team", "calendar")
        .filter(team_id=team_id)
        .first()
    )
    if routing is None or routing.method == RoutingMethod.MANUAL:
        return None
    return routing


def _waiting(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.filter(assignee__isnull=True, status__in=OPEN_STATUSES, merged_into__isnull=True)


@transaction.atomic
def case_route(*, case: Case) -> User | None:
    """Give an open, unassigned case to an available agent of its team, or leave it in the team queue."""
    if case.team_id is None:
        return None
    routing = _lock_routing(case.team_id)
    if routing is None:
        return None
    # Read again under the routing lock; a case another transaction holds is left for the drain.
    fresh = (
        _waiting(Case.objects.filter(pk=case.pk, team_id=routing.team_id))
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("product")
        .first()
    )
    if fresh is None:
        return None
    return _Router(routing, timezone.now()).route(fresh)


@transaction.atomic
def team_queue_drain(*, team_id: int, limit: int = DRAIN_BATCH) -> int:
    """Give the team's oldest waiting cases to the agents free now; return how many were assigned."""
    routing = _lock_routing(team_id)
    if routing is None:
        return 0
    router = _Router(routing, timezone.now())
    if not router.anyone_free:
        return 0
    waiting = list(
        _waiting(Case.objects.filter(team_id=team_id))
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("product")
        .order_by("created_at", "pk")[:DRAIN_SCAN]
    )
    assigned = 0
    for case in waiting:
        if assigned >= limit or not router.anyone_free:
            break
        if router.route(case) is not None:
            assigned += 1
    if assigned >= limit:
        work_schedule(DRAIN_KIND, {"team_id": team_id})
    return assigned


def routed_teams_waiting() -> list[int]:
    """The teams that route automatically and have cases waiting in their queue."""
    waiting = _waiting(Case.objects.filter(team_id=OuterRef("team_id")))
    return list(
        TeamRouting.objects.exclude(method=RoutingMethod.MANUAL)
        .filter(Exists(waiting))
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )


# --- triggers ---------------------------------------------------------------------------------------


@work_handler(ROUTE_KIND)
def _route_case(payload: dict[str, Any]) -> None:
    case = Case.objects.filter(pk=payload["case_id"]).first()
    if case is not None:
        case_route(case=case)


@work_handler(DRAIN_KIND)
def _drain_team(payload: dict[str, Any]) -> None:
    team_queue_drain(team_id=payload["team_id"])


def _moved_into_a_team(event: str, payload: dict[str, Any]) -> bool:
    return payload.get("data", {}).get("to") is not None


def _unassigned(event: str, payload: dict[str, Any]) -> bool:
    return payload.get("data", {}).get("to") is None


work_subscribe("case.transferred", ROUTE_KIND, when=_moved_into_a_team)
work_subscribe("case.assigned", ROUTE_KIND, when=_unassigned)
work_subscribe("case.reopened", ROUTE_KIND)


@periodic("routing_drain", every=dt.timedelta(minutes=1))
@task()
def routing_drain() -> int:
    """Drain every routed team's queue; one team's failure does not stop the others."""
    assigned = 0
    for team_id in routed_teams_waiting():
        try:
            assigned += team_queue_drain(team_id=team_id)
        except Exception:
            logger.exception("Routing could not drain the queue of team %s", team_id)
    return assigned
