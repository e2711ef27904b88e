"""Business calendars: schedule_for and the services that change calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vafa.core.businesstime import business_add_minutes, business_is_open
from vafa.sla.calendars import calendar_default, schedule_for, schedules_forget
from vafa.sla.models import BusinessCalendar, HolidayKind, Weekday
from vafa.sla.tests.factories import HolidayFactory, SpecialIntervalFactory, tehran_calendar

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.fixture(autouse=True)
def _forget_schedules():
    schedules_forget()
    yield
    schedules_forget()


@pytest.mark.django_db
def test_without_a_default_calendar_schedule_for_none_is_open_around_the_clock():
    assert calendar_default() is None
    schedule = schedule_for(None)
    start = dt.datetime(2025, 1, 3, 23, 0, tzinfo=dt.UTC)
    assert business_add_minutes(schedule, start, 90) == dt.datetime(2025, 1, 4, 0, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_schedule_for_none_is_the_default_calendar():
    calendar = tehran_calendar(is_default=True)
    assert calendar_default() == calendar
    # A Friday in Tehran: closed.
    assert business_is_open(schedule_for(None), dt.datetime(2025, 1, 3, 10, 0, tzinfo=TEHRAN)) is False
    assert business_is_open(schedule_for(None), dt.datetime(2025, 1, 4, 10, 0, tzinfo=TEHRAN)) is True


@pytest.mark.django_db
def test_schedule_for_reads_hours_holidays_and_special_hours_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    calendar = tehran_calendar()
    HolidayFactory(calendar=calendar, kind=HolidayKind.YEARLY_JALALI, start_date=None, month=1, day=1)
    HolidayFactory(calendar=calendar, kind=HolidayKind.SINGLE, start_date=dt.date(2025, 1, 4))
    SpecialIntervalFactory(
        special__calendar=calendar,
        special__start_date=dt.date(2025, 3, 1),
        special__end_date=dt.date(2025, 3, 29),
        weekday=Weekday.SATURDAY,
        start=dt.time(9),
        end=dt.time(14),
    )
    with django_assert_num_queries(5):
        schedule = schedule_for(calendar)
    # Saturday 4 January 2025 is a holiday: a Thursday-evening case waits until Sunday.
    start = dt.datetime(2025, 1, 2, 18, 30, tzinfo=TEHRAN)
    assert business_add_minutes(schedule, start, 240) == dt.datetime(2025, 1, 5, 12, 0, tzinfo=TEHRAN)
    # Nowruz (1 Farvardin 1404 = 21 March 2025) is a yearly Jalali holiday.
    assert schedule.is_holiday(dt.date(2025, 3, 21))
    # Special hours: Saturdays 09:00–14:00 in March 2025, Sundays closed.
    assert schedule.intervals_on(dt.date(2025, 3, 8)) == ((dt.time(9), dt.time(14)),)
    assert schedule.intervals_on(dt.date(2025, 3, 9)) == ()


@pytest.mark.django_db
def test_schedule_for_is_cached_until_the_calendar_changes(django_assert_num_queries):
    calendar = tehran_calendar()
    first = schedule_for(calendar)
    with django_assert_num_queries(0):
        assert schedule_for(calendar) is first
    HolidayFactory(calendar=calendar, kind=HolidayKind.SINGLE, start_date=dt.date(2025, 1, 4))
    calendar.save(update_fields=["updated_at"])
    refreshed = schedule_for(BusinessCalendar.objects.get(pk=calendar.pk))
    assert refreshed is not first
    assert refreshed.is_holiday(dt.date(2025, 1, 4))
