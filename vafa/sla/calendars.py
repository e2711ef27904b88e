"""Business calendars: the services that change them and `schedule_for`, which turns one into a Schedule."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from enum import StrEnum

from django.db.models import Prefetch

from vafa.core.businesstime import HolidayRule, Schedule, SpecialPeriod
from vafa.sla.models import (
    BusinessCalendar,
    Holiday,
    HolidayKind,
    SpecialHours,
    SpecialInterval,
    WeeklyHours,
)

Intervals = Sequence[tuple[dt.time, dt.time]]


class CalendarError(StrEnum):
    NOT_ALLOWED = "calendar_not_allowed"
    UNKNOWN_ZONE = "calendar_unknown_time_zone"
    BAD_INTERVAL = "calendar_bad_interval"
    OVERLAP = "calendar_intervals_overlap"
    BAD_HOLIDAY = "calendar_bad_holiday"
    BAD_DATES = "calendar_bad_dates"
    DUPLICATE_NAME = "calendar_duplicate_name"


# --- schedules --------------------------------------------------------------------------------------

_schedules: dict[int, tuple[dt.datetime, Schedule]] = {}
_schedules_lock = threading.Lock()


def calendar_default() -> BusinessCalendar | None:
    """The calendar used where none is chosen, if one is marked default."""
    return BusinessCalendar.objects.filter(is_default=True).first()


def _holiday_rule(holiday: Holiday) -> HolidayRule | None:
    if holiday.kind == HolidayKind.SINGLE and holiday.start_date:
        return HolidayRule.on(holiday.start_date)
    if holiday.kind == HolidayKind.RANGE and holiday.start_date and holiday.end_date:
        return HolidayRule.between(holiday.start_date, holiday.end_date)
    if holiday.month and holiday.day:
        if holiday.kind == HolidayKind.YEARLY_GREGORIAN:
            return HolidayRule.yearly(holiday.month, holiday.day)
        if holiday.kind == HolidayKind.YEARLY_JALALI:
            return HolidayRule.yearly_jalali(holiday.month, holiday.day)
    return None


def _by_weekday(rows: Iterable[WeeklyHours | SpecialInterval]) -> dict[int, list[tuple[dt.time, dt.time]]]:
    week: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in rows:
        week.setdefault(row.weekday, []).append((row.start, row.end))
    return week


def schedule_build(calendar: BusinessCalendar) -> Schedule:
    """Read a calendar's hours, holidays and special hours (four queries) into a Schedule."""
    calendar = (
        BusinessCalendar.objects.prefetch_related(
            "hours",
            "holidays",
            Prefetch("special_hours", queryset=SpecialHours.objects.prefetch_related("intervals")),
        )
        .filter(pk=calendar.pk)
        .get()
    )
    rules = [rule for rule in map(_holiday_rule, calendar.holidays.all()) if rule is not None]
    special = [
        SpecialPeriod.build(period.start_date, period.end_date, _by_weekday(period.intervals.all()))
        for period in calendar.special_hours.all()
    ]
    return Schedule.build(
        calendar.time_zone, _by_weekday(calendar.hours.all()), holidays=rules, special=special
    )


def schedule_for(calendar: BusinessCalendar | None) -> Schedule:
    """The Schedule of a calendar (None: the default calendar, or open 24/7 in UTC when there is none).

    Cached per process by the calendar's id and `updated_at`; every calendar service bumps `updated_at`.
    """
    if calendar is None:
        calendar = calendar_default()
        if calendar is None:
            return _ALWAYS
    cached = _schedules.get(calendar.pk)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    schedule = schedule_build(calendar)
    with _schedules_lock:
        _schedules[calendar.pk] = (calendar.updated_at, schedule)
    return schedule


def schedules_forget() -> None:
    """Drop every cached Schedule (tests that reuse ids across rolled-back transactions)."""
    with _schedules_lock:
        _schedules.clear()


_ALWAYS = Schedule.always("UTC")
