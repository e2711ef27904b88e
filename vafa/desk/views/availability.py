"""Availability in the desk: the control in the top bar with which an agent says they are available,
away, or out of office until a day; and the team page where managers see every agent of their teams
(in or not, on shift or not, how loaded, what they handle) and can mark them available or away.

The control posts through htmx and gets itself back; without JavaScript the form posts and the page
comes back with a message. Dates are typed as the reader writes them (Jalali for Persian readers,
Gregorian otherwise; either is understood).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts.models import User
from vafa.automation.availability import (
    ROUTABLE_ROLES,
    Presence,
    agent_set_out_of_office,
    agent_set_status,
    agent_today,
    presence_of,
    profile_of,
    team_agents_overview,
)
from vafa.automation.models import AgentStatus
from vafa.core.context import via
from vafa.core.dates import format_date, parse_date
from vafa.core.errors import VafaError
from vafa.desk.access import desk_user, desk_view, is_htmx, manager_view, next_url

MAX_DB_INT = 2**63 - 1
CHOICES = (Presence.AVAILABLE, Presence.AWAY, Presence.OUT_OF_OFFICE)


@dataclass(frozen=True)
class AvailabilityState:
    """What the top bar shows: the agent's presence and, when out of office, until when."""

    presence: Presence
    until: dt.date | None
    label: str
    date_example: str


def _reader_date(user: User, day: dt.date) -> str:
    return format_date(
        day, language=translation.get_language() or "en", with_time=False, native_digits=user.native_digits
    )


def availability_state(user: User) -> AvailabilityState | None:
    """The signed-in agent's state for the top bar; None for those routing never picks (admins)."""
    if user.role not in ROUTABLE_ROLES:
        return None
    profile = profile_of(user)
    today = agent_today(user, timezone.now())
    presence = presence_of(profile, today=today)
    until = profile.out_of_office_until if profile is not None else None
    if presence == Presence.OUT_OF_OFFICE and until is not None:
        label = _("Out of office until %(date)s") % {"date": _reader_date(user, until)}
    elif presence == Presence.AWAY:
        label = _("Away")
    else:
        label = _("Available")
    return AvailabilityState(
        presence=presence,
        until=until if presence == Presence.OUT_OF_OFFICE else None,
        label=label,
        date_example=_reader_date(user, today + dt.timedelta(days=7)),
    )


def _target(request: HttpRequest, actor: User) -> User:
    """Whose availability the form changes: the actor's own, or (managers) the agent it names."""
    raw = request.POST.get("user", "")
    if not raw:
        return actor
    if not raw.isdigit() or int(raw) > MAX_DB_INT:
        raise Http404
    user = User.objects.filter(pk=int(raw)).first()
    if user is None:
        raise Http404
    return user


def _apply(actor: User, user: User, choice: str, raw_until: str) -> None:
    """Set one of the three states; out of office starts available, so the agent is in once it ends."""
    if choice == Presence.OUT_OF_OFFICE:
        until = parse_date(raw_until[:40])
        if until is None:
            raise _DateNotUnderstood
        agent_set_out_of_office(actor=actor, user=user, until=until)
        agent_set_status(actor=actor, user=user, status=AgentStatus.AVAILABLE)
    else:
        agent_set_out_of_office(actor=actor, user=user, until=None)
        agent_set_status(actor=actor, user=user, status=choice)


class _DateNotUnderstood(Exception):
    pass


def _control(request: HttpRequest, user: User, **extra: Any) -> HttpResponse:
    context = {"availability": availability_state(user), **extra}
    return render(request, "desk/availability/_control.html", context)


@require_POST
@desk_view
def availability_set(request: HttpRequest) -> HttpResponse:
    """Set an agent's availability: their own from the top bar, or a manager's agent from the team page."""
    actor = desk_user(request)
    user = _target(request, actor)
    choice = request.POST.get("state", "")
    if choice not in CHOICES:
        raise Http404
    error = ""
    try:
        with via("web"), transaction.atomic():
            _apply(actor, user, choice, request.POST.get("until", ""))
    except _DateNotUnderstood:
        error = _("Write the day as year/month/day, for example %(example)s.") % {
            "example": _reader_date(actor, agent_today(actor, timezone.now()) + dt.timedelta(days=7))
        }
    except VafaError as exc:
        if exc.status in (403, 404):
            raise
        error = str(exc.fields.get("until", [exc.message])[0]) if exc.fields else str(exc.message)
    user.refresh_from_db()
    if is_htmx(request) and user.pk == actor.pk:
        return _control(
            request, user, error=error, until_value=request.POST.get("until", "") if error else ""
        )
    if error:
        messages.error(request, error)
    elif user.pk != actor.pk:
        messages.success(
            request, _("%(agent)s is now: %(state)s") % {"agent": user, "state": _state_label(user)}
        )
    return HttpResponseRedirect(next_url(request, reverse("desk:home")))


def _state_label(user: User) -> str:
    state = availability_state(user)
    return state.label if state is not None else ""


@require_GET
@manager_view
def team_page(request: HttpRequest) -> HttpResponse:
    """Every agent of the manager's teams: presence, shift, load against the cap, and skills."""
    viewer = desk_user(request)
    teams = team_agents_overview(viewer=viewer, at=timezone.now())
    return render(request, "desk/availability/team.html", {"nav": "team", "teams": teams})


urlpatterns = [
    path("availability/", availability_set, name="availability_set"),
    path("team/", team_page, name="team"),
]
