"""Business calendars: the services that change them and `schedule_for`, which turns one into a Schedule.

Only managers and administrators change calendars (a management command acts as the system, actor
None). Every change bumps the calendar's `updated_at`, which is what refreshes the cached Schedule.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any
from zoneinfo import available_timezones

import jdatetime
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from vafa.accounts.audit import audit_record, snapshot
from vafa.accounts.models import Role, User
from vafa.core.businesstime import HolidayRule, Schedule, SpecialPeriod
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.sla.models import (
    MIDNIGHT,
    BusinessCalendar,
    Holiday,
    HolidayKind,
    HolidaySource,
    SpecialHours,
    SpecialInterval,
    Weekday,
    WeeklyHours,
)

Intervals = Sequence[tuple[dt.time, dt.time]]


class CalendarError(StrEnum):
    NOT_ALLOWED = "calendar_not_allowed"
    UNKNOWN_ZONE = "calendar_unknown_time_zone"
    BAD_INTERVAL = "calendar_bad_interval"
    OVERLAP = "calendar_intervals_overlap"
    BAD_WEEKDAY = "calendar_bad_weekday"
    BAD_HOLIDAY = "calendar_bad_holiday"
    BAD_DATES = "calendar_bad_dates"
    DUPLICATE_NAME = "calendar_duplicate_name"
    UNKNOWN_PRESET = "calendar_unknown_preset"


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
    """Read a calendar's hours, holidays and special hours (at most five queries) into a Schedule."""
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


# --- checks -----------------------------------------------------------------------------------------


def require_calendar_manager(actor: User | None) -> None:
    if actor is not None and actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden(
            _("Only managers and administrators can change business calendars."),
            code=CalendarError.NOT_ALLOWED,
        )


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_clean(name: str) -> str:
    """The IANA time zone name, or a translated error."""
    name = name.strip()
    if name not in _zone_names():
        raise ValidationFailed(
            _("“%(zone)s” is not a time zone; use an IANA name such as Asia/Tehran or Europe/Moscow.")
            % {"zone": name},
            fields={"time_zone": [_("Unknown time zone.")]},
            code=CalendarError.UNKNOWN_ZONE,
        )
    return name


def _hhmm(value: dt.time) -> str:
    return "24:00" if value == MIDNIGHT else value.strftime("%H:%M")


def _span_text(intervals: Iterable[tuple[dt.time, dt.time]]) -> list[str]:
    return [f"{_hhmm(start) if start != MIDNIGHT else '00:00'}–{_hhmm(end)}" for start, end in intervals]


def intervals_clean(
    intervals: Iterable[Sequence[dt.time]], *, field: str = "intervals"
) -> list[tuple[dt.time, dt.time]]:
    """Sort a day's open intervals; each ends after it starts (00:00 as an end is midnight), none overlap."""
    result: list[tuple[dt.time, dt.time]] = []
    for pair in intervals:
        if len(pair) != 2:
            raise ValidationFailed(
                _("Each interval has an opening and a closing time."), code=CalendarError.BAD_INTERVAL
            )
        start, end = pair
        result.append((start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)))
    result.sort()
    previous: tuple[dt.time, dt.time] | None = None
    for start, end in result:
        values = {"start": _hhmm(start) if start != MIDNIGHT else "00:00", "end": _hhmm(end)}
        if end != MIDNIGHT and end <= start:
            raise ValidationFailed(
                _("The interval %(start)s–%(end)s closes before it opens.") % values,
                fields={field: [_("The closing time must be after the opening time.")]},
                code=CalendarError.BAD_INTERVAL,
            )
        if previous is not None and (previous[1] == MIDNIGHT or start < previous[1]):
            raise ValidationFailed(
                _("The interval %(start)s–%(end)s overlaps %(other)s.")
                % {**values, "other": _span_text([previous])[0]},
                fields={field: [_("Intervals of one day must not overlap.")]},
                code=CalendarError.OVERLAP,
            )
        previous = (start, end)
    return result


def _weekday_clean(weekday: int) -> int:
    if weekday not in Weekday.values:
        raise ValidationFailed(
            _("%(weekday)s is not a weekday (0 is Monday, 6 is Sunday).") % {"weekday": weekday},
            code=CalendarError.BAD_WEEKDAY,
        )
    return weekday


def _jalali_day_exists(month: int, day: int) -> bool:
    # 1403 is a leap year, so 30 Esfand is accepted (it is a holiday only in leap years).
    try:
        jdatetime.date(1403, month, day)
    except ValueError:
        return False
    return True


def _gregorian_day_exists(month: int, day: int) -> bool:
    try:
        dt.date(2024, month, day)  # a leap year: 29 February is a valid yearly date
    except ValueError:
        return False
    return True


def calendar_touch(calendar: BusinessCalendar) -> None:
    # auto_now sets updated_at; schedule_for compares it to decide whether its copy is stale.
    calendar.save(update_fields=["updated_at"])


# --- services ---------------------------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    actor: User | None,
    name: str,
    time_zone: str,
    preset: str | None = None,
    country: str | None = None,
    years: int = 2,
) -> BusinessCalendar:
    """Create a business calendar, empty or filled from a preset."""
    require_calendar_manager(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A calendar needs a name."), fields={"name": [_("This field is required.")]})
    zone = time_zone_clean(time_zone)
    if BusinessCalendar.objects.filter(name=name).exists():
        raise Conflict(
            _("A calendar named “%(name)s” already exists.") % {"name": name},
            code=CalendarError.DUPLICATE_NAME,
        )
    calendar = BusinessCalendar.objects.create(name=name, time_zone=zone)
    audit_record(
        actor=actor, action="calendar.create", obj=calendar, after=snapshot(calendar, ["name", "time_zone"])
    )
    if preset:
        from vafa.sla.presets import calendar_apply_preset

        calendar_apply_preset(
            actor=actor, calendar=calendar, preset=preset, country=country, years=years, time_zone=zone
        )
    return calendar


@transaction.atomic
def calendar_update(
    *, actor: User | None, calendar: BusinessCalendar, name: str | None = None, time_zone: str | None = None
) -> BusinessCalendar:
    """Rename a calendar or move it to another time zone."""
    require_calendar_manager(actor)
    before = snapshot(calendar, ["name", "time_zone"])
    if name is not None and name.strip() != calendar.name:
        name = name.strip()
        if not name:
            raise ValidationFailed(
                _("A calendar needs a name."), fields={"name": [_("This field is required.")]}
            )
        if BusinessCalendar.objects.filter(name=name).exclude(pk=calendar.pk).exists():
            raise Conflict(
                _("A calendar named “%(name)s” already exists.") % {"name": name},
                code=CalendarError.DUPLICATE_NAME,
            )
        calendar.name = name
    if time_zone is not None:
        calendar.time_zone = time_zone_clean(time_zone)
    calendar.save(update_fields=["name", "time_zone", "updated_at"])
    after = snapshot(calendar, ["name", "time_zone"])
    if after != before:
        audit_record(actor=actor, action="calendar.update", obj=calendar, before=before, after=after)
    return calendar


@transaction.atomic
def calendar_set_hours(
    *, actor: User | None, calendar: BusinessCalendar, weekday: int, intervals: Intervals
) -> list[WeeklyHours]:
    """Replace the open intervals of one weekday (none: closed that day)."""
    require_calendar_manager(actor)
    weekday = _weekday_clean(weekday)
    cleaned = intervals_clean(intervals)
    rows = WeeklyHours.objects.filter(calendar=calendar, weekday=weekday)
    before = _span_text((row.start, row.end) for row in rows)
    rows.delete()
    created = WeeklyHours.objects.bulk_create(
        WeeklyHours(calendar=calendar, weekday=weekday, start=start, end=end) for start, end in cleaned
    )
    calendar_touch(calendar)
    audit_record(
        actor=actor,
        action="calendar.set_hours",
        obj=calendar,
        before={"weekday": weekday, "intervals": before},
        after={"weekday": weekday, "intervals": _span_text(cleaned)},
    )
    return created


def holiday_fields_clean(
    kind: str, start_date: dt.date | None, end_date: dt.date | None, month: int | None, day: int | None
) -> dict[str, Any]:
    if kind == HolidayKind.SINGLE:
        if start_date is None:
            raise ValidationFailed(
                _("A one-day holiday needs its date."),
                fields={"start_date": [_("This field is required.")]},
                code=CalendarError.BAD_HOLIDAY,
            )
        return {"start_date": start_date, "end_date": None, "month": None, "day": None}
    if kind == HolidayKind.RANGE:
        if start_date is None or end_date is None:
            raise ValidationFailed(
                _("A holiday of several days needs its first and last day."), code=CalendarError.BAD_HOLIDAY
            )
        if end_date < start_date:
            raise ValidationFailed(
                _("The holiday's last day is before its first day."),
                fields={"end_date": [_("The last day must not be before the first day.")]},
                code=CalendarError.BAD_DATES,
            )
        return {"start_date": start_date, "end_date": end_date, "month": None, "day": None}
    if kind in (HolidayKind.YEARLY_GREGORIAN, HolidayKind.YEARLY_JALALI):
        exists = _jalali_day_exists if kind == HolidayKind.YEARLY_JALALI else _gregorian_day_exists
        if month is None or day is None:
            raise ValidationFailed(
                _("A yearly holiday needs its month and day."),
                fields={"day": [_("This field is required.")]},
                code=CalendarError.BAD_HOLIDAY,
            )
        if not exists(month, day):
            raise ValidationFailed(
                _("%(month)s/%(day)s is not a day of the year in that calendar.")
                % {"month": month, "day": day},
                fields={"day": [_("No such day.")]},
                code=CalendarError.BAD_HOLIDAY,
            )
        return {"start_date": None, "end_date": None, "month": month, "day": day}
    raise ValidationFailed(_("Unknown kind of holiday."), code=CalendarError.BAD_HOLIDAY)


@transaction.atomic
def holiday_add(
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    name: str,
    kind: str = HolidayKind.SINGLE,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    month: int | None = None,
    day: int | None = None,
    source: str = HolidaySource.MANUAL,
    uid: str = "",
) -> Holiday:
    """Close the calendar on a date, a range of dates, or every year on a Gregorian or Jalali date."""
    require_calendar_manager(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A holiday needs a name."), fields={"name": [_("This field is required.")]})
    fields = holiday_fields_clean(kind, start_date, end_date, month, day)
    holiday = Holiday.objects.create(
        calendar=calendar, name=name[:200], kind=kind, source=source, uid=uid, **fields
    )
    calendar_touch(calendar)
    audit_record(
        actor=actor,
        action="holiday.add",
        obj=holiday,
        after=snapshot(
            holiday, ["calendar", "name", "kind", "start_date", "end_date", "month", "day", "source"]
        ),
    )
    return holiday


@transaction.atomic
def holiday_remove(*, actor: User | None, holiday: Holiday) -> None:
    """Open the calendar again on a holiday's dates."""
    require_calendar_manager(actor)
    calendar = holiday.calendar
    audit_record(
        actor=actor,
        action="holiday.remove",
        obj=holiday,
        before=snapshot(
            holiday, ["calendar", "name", "kind", "start_date", "end_date", "month", "day", "source"]
        ),
    )
    holiday.delete()
    calendar_touch(calendar)


@transaction.atomic
def special_hours_add(
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    intervals: Mapping[int, Intervals],
) -> SpecialHours:
    """Give a stretch of dates its own hours per weekday (a weekday left out is closed)."""
    require_calendar_manager(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed(
            _("Special hours need a name."), fields={"name": [_("This field is required.")]}
        )
    if end_date < start_date:
        raise ValidationFailed(
            _("The special hours end before they start."),
            fields={"end_date": [_("The last day must not be before the first day.")]},
            code=CalendarError.BAD_DATES,
        )
    cleaned = {_weekday_clean(weekday): intervals_clean(spans) for weekday, spans in intervals.items()}
    special = SpecialHours.objects.create(
        calendar=calendar, name=name[:200], start_date=start_date, end_date=end_date
    )
    SpecialInterval.objects.bulk_create(
        SpecialInterval(special=special, weekday=weekday, start=start, end=end)
        for weekday, spans in sorted(cleaned.items())
        for start, end in spans
    )
    calendar_touch(calendar)
    audit_record(
        actor=actor,
        action="special_hours.add",
        obj=special,
        after={
            "calendar": calendar.pk,
            "name": special.name,
            "start_date": start_date,
            "end_date": end_date,
            "intervals": {str(weekday): _span_text(spans) for weekday, spans in sorted(cleaned.items())},
        },
    )
    return special


@transaction.atomic
def special_hours_remove(*, actor: User | None, special: SpecialHours) -> None:
    """Drop a stretch of special hours; its dates follow the weekly hours again."""
    require_calendar_manager(actor)
    calendar = special.calendar
    audit_record(
        actor=actor,
        action="special_hours.remove",
        obj=special,
        before=snapshot(special, ["calendar", "name", "start_date", "end_date"]),
    )
    special.delete()
    calendar_touch(calendar)


@transaction.atomic
def calendar_set_default(*, actor: User | None, calendar: BusinessCalendar) -> BusinessCalendar:
    """Make this the calendar used wherever no other is chosen."""
    require_calendar_manager(actor)
    previous = list(
        BusinessCalendar.objects.select_for_update().filter(is_default=True).exclude(pk=calendar.pk)
    )
    for other in previous:
        other.is_default = False
        other.save(update_fields=["is_default", "updated_at"])
    calendar.is_default = True
    try:
        calendar.save(update_fields=["is_default", "updated_at"])
    except IntegrityError as exc:  # another request made a different calendar the default meanwhile
        raise Conflict(_("Another calendar was made the default at the same time; try again.")) from exc
    audit_record(
        actor=actor,
        action="calendar.set_default",
        obj=calendar,
        before={"previous_default": [other.pk for other in previous]},
        after={"is_default": True},
    )
    return calendar


def calendar_get(calendar_id: int) -> BusinessCalendar:
    """The calendar with this id, or NotFound."""
    try:
        return BusinessCalendar.objects.get(pk=calendar_id)
    except BusinessCalendar.DoesNotExist:
        raise NotFound(_("No such business calendar.")) from None
