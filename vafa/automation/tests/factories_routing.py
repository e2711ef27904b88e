"""Routed teams, agents with profiles, and cases waiting in a team's queue, for the routing tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import factory
from django.db.models import F
from django.utils import timezone

from vafa.accounts.models import Role, Team, User
from vafa.accounts.tests.factories import TeamFactory, UserFactory
from vafa.automation.models import AgentProfile, AgentStatus, RoutingMethod, TeamRouting
from vafa.catalog.models import Category
from vafa.core.models import Counter
from vafa.customers.models import Customer
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import Case, Channel
from vafa.service.tests.factories import make_case


class TeamRoutingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamRouting

    team = factory.SubFactory(TeamFactory)
    method = RoutingMethod.ROUND_ROBIN
    use_skills = True
    skills_required = False


class AgentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.AGENT)
    status = AgentStatus.AVAILABLE


def routed_team(
    name: str = "Phones", *, method: str = RoutingMethod.ROUND_ROBIN, **routing: Any
) -> tuple[Team, TeamRouting]:
    team = TeamFactory.create(name=name)
    return team, TeamRoutingFactory.create(team=team, method=method, **routing)


def team_agent(
    team: Team,
    name: str,
    *,
    languages: Sequence[str] = (),
    case_kinds: Sequence[str] = (),
    categories: Sequence[Category] = (),
    status: str = AgentStatus.AVAILABLE,
    out_of_office_until: dt.date | None = None,
    max_open_cases: int | None = None,
    role: str = Role.AGENT,
    time_zone: str = "UTC",
    **profile: Any,
) -> User:
    """A member of `team` with a routing profile (written directly, not through the services)."""
    user = UserFactory.create(
        email=f"{name.lower()}@staff.vafa.test", full_name=name, role=role, time_zone=time_zone
    )
    team.members.add(user)
    saved = AgentProfileFactory.create(
        user=user,
        languages=list(languages),
        case_kinds=list(case_kinds),
        status=status,
        out_of_office_until=out_of_office_until,
        max_open_cases=max_open_cases,
        **profile,
    )
    if categories:
        saved.product_categories.set(categories)
    return user


def waiting_cases(team: Team, customer: Customer, count: int) -> list[Case]:
    """`count` open cases in the team's queue, written at once (no first message or timeline)."""
    now = timezone.now()
    # Take the numbers from the counter case_open uses, so cases opened later do not collide.
    counter, _created = Counter.objects.get_or_create(name="case")
    first = counter.value + 1
    Counter.objects.filter(name="case").update(value=F("value") + count)
    return Case.objects.bulk_create(
        Case(
            number=first + i,
            subject=f"Waiting {i + 1}",
            customer=customer,
            channel=Channel.EMAIL,
            team=team,
            language=customer.language,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    )


def waiting_case(team: Team, **fields: Any) -> Case:
    """An open case in the team's queue, opened as a customer's e-mail would be (nobody assigned)."""
    fields.setdefault("customer", CustomerFactory.create())
    return make_case(fields.pop("customer"), team=team, **fields)
