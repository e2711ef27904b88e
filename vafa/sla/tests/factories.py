"""Factories for business calendars and SLA policies.

`tehran_calendar()` builds the calendar most scenarios use: Asia/Tehran, Saturday–Wednesday
08:00–16:00 with a 12:00–13:00 lunch break, Thursday 08:00–12:00, Friday closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

import factory

from vafa.sla.models import (
    BusinessCalendar,
    EscalationAction,
    EscalationTrigger,
    Holiday,
    HolidayKind,
    SlaEscalation,
    SlaPolicy,
    SpecialHours,
    SpecialInterval,
    Weekday,
    WeeklyHours,
)

T = dt.time


class BusinessCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "UTC"


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours

    calendar = factory.SubFactory(BusinessCalendarFactory)
    weekday = Weekday.MONDAY
    start = T(9)
    end = T(17)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    calendar = factory.SubFactory(BusinessCalendarFactory)
    name = factory.Sequence(lambda n: f"Holiday {n}")
    kind = HolidayKind.SINGLE
    start_date = dt.date(2025, 1, 1)


class SpecialHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialHours

    calendar = factory.SubFactory(BusinessCalendarFactory)
    name = factory.Sequence(lambda n: f"Special hours {n}")
    start_date = dt.date(2025, 3, 1)
    end_date = dt.date(2025, 3, 29)


class SpecialIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialInterval

    special = factory.SubFactory(SpecialHoursFactory)
    weekday = Weekday.MONDAY
    start = T(9)
    end = T(14)


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    calendar = factory.SubFactory(BusinessCalendarFactory)
    position = factory.Sequence(lambda n: n)
    first_response_minutes = 60
    next_response_minutes = 120
    resolution_minutes = 480


class SlaEscalationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaEscalation

    policy = factory.SubFactory(SlaPolicyFactory)
    trigger = EscalationTrigger.BREACHED
    action = EscalationAction.NOTIFY_MANAGERS
    position = factory.Sequence(lambda n: n)


def calendar_with_hours(
    *,
    name: str | None = None,
    time_zone: str = "UTC",
    hours: Mapping[int, Sequence[tuple[dt.time, dt.time]]],
    is_default: bool = False,
) -> BusinessCalendar:
    """A calendar with the given weekly hours (weekday → intervals), written without the services."""
    calendar = cast(
        BusinessCalendar,
        BusinessCalendarFactory(
            time_zone=time_zone, is_default=is_default, **({"name": name} if name else {})
        ),
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(calendar=calendar, weekday=weekday, start=start, end=end)
        for weekday, intervals in hours.items()
        for start, end in intervals
    )
    return calendar


TEHRAN_HOURS: dict[int, list[tuple[dt.time, dt.time]]] = {
    **{
        weekday: [(T(8), T(12)), (T(13), T(16))]
        for weekday in (Weekday.SATURDAY, Weekday.SUNDAY, Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY)
    },
    Weekday.THURSDAY: [(T(8), T(12))],
}

WESTERN_HOURS: dict[int, list[tuple[dt.time, dt.time]]] = {weekday: [(T(9), T(17))] for weekday in range(5)}


def tehran_calendar(*, name: str = "Tehran office", is_default: bool = False) -> BusinessCalendar:
    """Asia/Tehran, Sat–Wed 08:00–16:00 with lunch 12:00–13:00, Thu 08:00–12:00, Fri closed; no holidays."""
    return calendar_with_hours(name=name, time_zone="Asia/Tehran", hours=TEHRAN_HOURS, is_default=is_default)


def western_calendar(
    *, name: str = "New York office", time_zone: str = "America/New_York"
) -> BusinessCalendar:
    """Mon–Fri 09:00–17:00 in the given zone; no holidays."""
    return calendar_with_hours(name=name, time_zone=time_zone, hours=WESTERN_HOURS)
