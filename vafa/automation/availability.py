"""Whether an agent can take a case now — in (not away, not out of office), on shift, under their load
cap — and the services with which agents and their managers change it.

Routing (vafa/automation/routing.py) reads the same rules for a whole team at once; the desk shows them
in the top bar (an agent's own state) and on the team page (every agent of a manager's teams).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import Role, Team, User
from vafa.accounts.permissions import require_manager
from vafa.automation.models import AgentProfile, AgentStatus, RoutingMethod, TeamRouting
from vafa.catalog.models import Category
from vafa.core.businesstime import business_is_open
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.core.jobs import work_schedule
from vafa.service.models import OPEN_STATUSES, Case, CaseKind
from vafa.sla.calendars import schedule_for
from vafa.sla.models import BusinessCalendar

# Who routing may give cases to: the people who answer customers (admins configure, they are not routed).
ROUTABLE_ROLES = (Role.AGENT, Role.MANAGER)
# The work that hands a team's waiting cases to its agents; its handler is in routing.py.
DRAIN_KIND = "automation.route_team"
PROFILE_FIELDS = ("languages", "case_kinds", "max_open_cases", "calendar")


class AvailabilityError(StrEnum):
    NOT_ALLOWED = "availability_not_allowed"
    NOT_STAFF = "availability_not_staff"
    BAD_STATUS = "availability_bad_status"
    DATE_IN_PAST = "availability_date_in_past"
    BAD_PROFILE = "availability_bad_profile"


class Presence(StrEnum):
    """What an agent's colleagues and the top bar read: in, away, or out of office until a date."""

    AVAILABLE = "available"
    AWAY = "away"
    OUT_OF_OFFICE = "out_of_office"


# --- reading availability -----------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def agent_today(user: User, at: dt.datetime) -> dt.date:
    """The date it is for the agent at `at`, in their own time zone (out of office is counted in days)."""
    return at.astimezone(_zone(user.time_zone)).date()


def profile_of(user: User) -> AgentProfile | None:
    """The agent's routing profile, if one was ever saved (none: available, any skill, no own cap)."""
    try:
        return user.agent_profile
    except AgentProfile.DoesNotExist:
        return None


def presence_of(profile: AgentProfile | None, *, today: dt.date) -> Presence:
    """Out of office wins over away: the date says when they are back, whatever the status says."""
    if profile is None:
        return Presence.AVAILABLE
    if profile.out_of_office_until is not None and profile.out_of_office_until >= today:
        return Presence.OUT_OF_OFFICE
    if profile.status == AgentStatus.AWAY:
        return Presence.AWAY
    return Presence.AVAILABLE


def shift_calendar(profile: AgentProfile | None, routing: TeamRouting | None) -> BusinessCalendar | None:
    """The agent's own shift calendar, else the team's; None means always on shift."""
    if profile is not None and profile.calendar_id is not None:
        return profile.calendar
    if routing is not None and routing.calendar_id is not None:
        return routing.calendar
    return None


def calendar_is_open(calendar: BusinessCalendar | None, at: dt.datetime) -> bool:
    # schedule_for(None) would be the company's default calendar; a shift without a calendar never closes.
    return calendar is None or business_is_open(schedule_for(calendar), at)


def agent_is_available(user: User, at: dt.datetime, *, team: Team | None = None) -> bool:
    """Whether routing may give the agent a case at `at`: active, in, and on shift.

    The shift is the agent's own calendar, else `team`'s shift calendar (when a team is given), else
    always. The load cap is not part of availability: routing counts it for the whole team at once.
    """
    if not user.is_active or user.role not in ROUTABLE_ROLES:
        return False
    profile = profile_of(user)
    if presence_of(profile, today=agent_today(user, at)) != Presence.AVAILABLE:
        return False
    routing = None
    if team is not None and (profile is None or profile.calendar_id is None):
        routing = TeamRouting.objects.select_related("calendar").filter(team=team).first()
    return calendar_is_open(shift_calendar(profile, routing), at)


def open_loads(user_ids: Iterable[int]) -> dict[int, int]:
    """Open cases assigned to each of these users, in one aggregate query (missing: none)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = (
        Case.objects.filter(assignee_id__in=ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def load_cap(profile: AgentProfile | None, routing: TeamRouting | None) -> int | None:
    """The agent's own maximum of open cases, else the team's; None: no maximum."""
    if profile is not None and profile.max_open_cases is not None:
        return profile.max_open_cases
    return routing.max_open_per_agent if routing is not None else None


# --- changing availability ----------------------------------------------------------------------------


def _require_may_change(actor: User | None, user: User) -> None:
    """An agent changes their own availability; admins and managers anyone's; the system anything."""
    if actor is not None:
        if not actor.is_active or not actor.is_company_staff:
            raise Forbidden(_("Only the company's staff can do this."), code=AvailabilityError.NOT_ALLOWED)
        if actor.pk != user.pk and actor.role not in (Role.ADMIN, Role.MANAGER):
            raise Forbidden(
                _("You can change only your own availability."), code=AvailabilityError.NOT_ALLOWED
            )
    if not user.is_company_staff:
        raise ValidationFailed(
            _("Only the company's staff have an availability."), code=AvailabilityError.NOT_STAFF
        )


def _profile_for_update(user: User) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    locked = AgentProfile.objects.select_for_update().get(pk=profile.pk)
    # The cached reverse relation on `user` would otherwise keep showing the old state.
    user.agent_profile = locked
    return locked


def _schedule_drains(user: User) -> None:
    """An agent who just became free may take the cases waiting in their teams' queues now."""
    team_ids = (
        TeamRouting.objects.filter(team__members=user)
        .exclude(method=RoutingMethod.MANUAL)
        .values_list("team_id", flat=True)
    )
    for team_id in team_ids:
        work_schedule(DRAIN_KIND, {"team_id": team_id})


def _save(profile: AgentProfile, actor: User | None, action: str, before: dict[str, object]) -> bool:
    old, new = changed(before, snapshot(profile, before))
    if not new:
        return False
    profile.save(update_fields=[*new, "updated_at"])
    audit_record(actor=actor, action=action, obj=profile, before=old, after=new)
    if presence_of(profile, today=agent_today(profile.user, timezone.now())) == Presence.AVAILABLE:
        _schedule_drains(profile.user)
    return True


@transaction.atomic
def agent_set_status(*, actor: User | None, user: User, status: str) -> AgentProfile:
    """Mark the agent available or away (an out-of-office date, if any, still applies)."""
    _require_may_change(actor, user)
    if status not in AgentStatus.values:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"status": [choose_one_of(AgentStatus.values)]},
            code=AvailabilityError.BAD_STATUS,
        )
    profile = _profile_for_update(user)
    before = snapshot(profile, ["status"])
    profile.status = status
    _save(profile, actor, "agent.set_status", before)
    return profile


@transaction.atomic
def agent_set_out_of_office(*, actor: User | None, user: User, until: dt.date | None) -> AgentProfile:
    """Set the last day the agent is out of office (None: back now); routing skips them until then."""
    _require_may_change(actor, user)
    profile = _profile_for_update(user)
    if until == profile.out_of_office_until:
        return profile
    if until is not None and until < agent_today(user, timezone.now()):
        raise ValidationFailed(
            _("Choose today or a later day."),
            fields={"until": [_("This day has passed.")]},
            code=AvailabilityError.DATE_IN_PAST,
        )
    before = snapshot(profile, ["out_of_office_until"])
    profile.out_of_office_until = until
    _save(profile, actor, "agent.set_out_of_office", before)
    return profile


@transaction.atomic
def agent_profile_update(
    *,
    actor: User | None,
    user: User,
    languages: Sequence[str],
    case_kinds: Sequence[str],
    product_categories: Sequence[Category],
    max_open_cases: int | None,
    calendar: BusinessCalendar | None,
) -> AgentProfile:
    """Set what the agent handles (languages, case kinds, product categories), their cap and shift calendar."""
    require_manager(actor)
    if not user.is_company_staff:
        raise ValidationFailed(
            _("Only the company's staff have an availability."), code=AvailabilityError.NOT_STAFF
        )
    errors: dict[str, list[str]] = {}
    unknown_languages = set(languages) - language_codes()
    if unknown_languages:
        errors["languages"] = [choose_one_of(sorted(language_codes()))]
    if set(case_kinds) - set(CaseKind.values):
        errors["case_kinds"] = [choose_one_of(CaseKind.values)]
    if max_open_cases is not None and max_open_cases < 0:
        errors["max_open_cases"] = [str(_("Enter zero or more, or leave it empty for the team's maximum."))]
    if errors:
        raise ValidationFailed(
            _("Some fields are not valid."), fields=errors, code=AvailabilityError.BAD_PROFILE
        )
    profile = _profile_for_update(user)
    before = snapshot(profile, PROFILE_FIELDS)
    before["product_categories"] = sorted(profile.product_categories.values_list("pk", flat=True))
    # Kept in the order of the choices, so that saving the same skills again changes nothing.
    profile.languages = [code for code, _name in settings.LANGUAGES if code in set(languages)]
    profile.case_kinds = [kind for kind in CaseKind.values if kind in set(case_kinds)]
    profile.max_open_cases = max_open_cases
    profile.calendar = calendar
    categories = sorted({category.pk for category in product_categories})
    old, new = changed(before, {**snapshot(profile, PROFILE_FIELDS), "product_categories": categories})
    if not new:
        return profile
    fields = [name for name in new if name != "product_categories"]
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])
    if "product_categories" in new:
        profile.product_categories.set(categories)
    audit_record(actor=actor, action="agent.update_profile", obj=profile, before=old, after=new)
    if presence_of(profile, today=agent_today(user, timezone.now())) == Presence.AVAILABLE:
        _schedule_drains(user)
    return profile


# --- the team page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentRow:
    """One agent on the team page: where they are, whether on shift, and how loaded."""

    user: User
    presence: Presence
    out_of_office_until: dt.date | None
    on_shift: bool
    open_cases: int
    cap: int | None
    languages: tuple[str, ...]
    case_kinds: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def at_cap(self) -> bool:
        return self.cap is not None and self.open_cases >= self.cap


@dataclass(frozen=True)
class TeamAgents:
    team: Team
    method: str
    rows: tuple[AgentRow, ...]


def viewer_teams(viewer: User) -> Q:
    """The teams a viewer's team page lists: admins all; managers the teams they lead or belong to
    (all when they lead and belong to none — a manager of the whole service)."""
    if viewer.role == Role.ADMIN:
        return Q()
    own = Q(lead=viewer) | Q(members=viewer)
    return own if Team.objects.filter(own).exists() else Q()


def team_agents_overview(*, viewer: User, at: dt.datetime) -> list[TeamAgents]:
    """Every routable agent of the viewer's teams with presence, shift, load and skills (fixed queries)."""
    require_manager(viewer)
    members = User.objects.filter(is_active=True, role__in=ROUTABLE_ROLES).select_related(
        "agent_profile__calendar"
    )
    teams = list(
        Team.objects.filter(viewer_teams(viewer))
        .distinct()
        .select_related("routing__calendar")
        .prefetch_related(
            Prefetch("members", queryset=members.order_by("full_name", "email", "pk")),
            "members__agent_profile__product_categories",
        )
        .order_by("name", "pk")
    )
    loads = open_loads({member.pk for team in teams for member in team.members.all()})
    language_names = dict(settings.LANGUAGES)
    kind_names = dict(CaseKind.choices)
    result = []
    for team in teams:
        routing = getattr(team, "routing", None)
        rows = []
        for member in team.members.all():
            profile = profile_of(member)
            rows.append(
                AgentRow(
                    user=member,
                    presence=presence_of(profile, today=agent_today(member, at)),
                    out_of_office_until=profile.out_of_office_until if profile else None,
                    on_shift=calendar_is_open(shift_calendar(profile, routing), at),
                    open_cases=loads.get(member.pk, 0),
                    cap=load_cap(profile, routing),
                    languages=tuple(
                        str(language_names.get(c, c)) for c in (profile.languages if profile else [])
                    ),
                    case_kinds=tuple(
                        str(kind_names.get(k, k)) for k in (profile.case_kinds if profile else [])
                    ),
                    categories=tuple(
                        c.display_name() for c in (profile.product_categories.all() if profile else [])
                    ),
                )
            )
        method = routing.get_method_display() if routing is not None else RoutingMethod.MANUAL.label
        result.append(TeamAgents(team=team, method=str(method), rows=tuple(rows)))
    return result
