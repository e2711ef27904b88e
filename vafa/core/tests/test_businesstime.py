"""The business-time library: examples exact to the minute, then properties over many schedules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vafa.core.businesstime import (
    CalendarNeverOpen,
    HolidayRule,
    Schedule,
    SpecialPeriod,
    business_add,
    business_add_minutes,
    business_between,
    business_is_open,
    business_minutes_between,
    business_next_open,
)

T = dt.time
TEHRAN = ZoneInfo("Asia/Tehran")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
H = dt.timedelta(hours=1)

WORKDAY = [(T(8), T(12)), (T(13), T(16))]
# Saturday–Wednesday 08:00–16:00 with lunch, Thursday 08:00–12:00, Friday closed.
TEHRAN_WEEK = {5: WORKDAY, 6: WORKDAY, 0: WORKDAY, 1: WORKDAY, 2: WORKDAY, 3: [(T(8), T(12))]}
NOWRUZ = [HolidayRule.yearly_jalali(1, day) for day in (1, 2, 3, 4)]


def tehran(**kwargs) -> Schedule:
    return Schedule.build("Asia/Tehran", TEHRAN_WEEK, **kwargs)


# --- examples -----------------------------------------------------------------------------------


def test_a_thursday_evening_case_plus_240_minutes_is_due_saturday_noon_in_tehran():
    # Thursday 18:30: Thursday closed at 12:00, Friday closed, Saturday 08:00–12:00 is 240 minutes.
    opened = dt.datetime(2024, 5, 2, 18, 30, tzinfo=TEHRAN)
    assert opened.weekday() == 3
    due = business_add_minutes(tehran(), opened, 240)
    assert due == dt.datetime(2024, 5, 4, 12, 0, tzinfo=TEHRAN)
    assert business_minutes_between(tehran(), opened, due) == 240


def test_the_lunch_break_does_not_count():
    # Saturday 11:30 + 60 minutes: 30 before lunch, 30 after it.
    due = business_add_minutes(tehran(), dt.datetime(2024, 5, 4, 11, 30, tzinfo=TEHRAN), 60)
    assert due == dt.datetime(2024, 5, 4, 13, 30, tzinfo=TEHRAN)


def test_a_span_ending_at_closing_time_ends_there_not_at_the_next_opening():
    due = business_add_minutes(tehran(), dt.datetime(2024, 5, 4, 15, 0, tzinfo=TEHRAN), 60)
    assert due == dt.datetime(2024, 5, 4, 16, 0, tzinfo=TEHRAN)


def test_nowruz_days_are_closed_and_the_clock_resumes_after_them():
    # Wednesday 19 March 2025 15:00: 60 minutes that day, Thursday 20 March (30 Esfand 1403) 240,
    # Friday 21 (1 Farvardin) to Monday 24 March (4 Farvardin) Nowruz, Tuesday 08:00 + 60.
    schedule = tehran(holidays=NOWRUZ)
    opened = dt.datetime(2025, 3, 19, 15, 0, tzinfo=TEHRAN)
    assert business_add_minutes(schedule, opened, 360) == dt.datetime(2025, 3, 25, 9, 0, tzinfo=TEHRAN)
    assert business_add_minutes(tehran(), opened, 360) == dt.datetime(2025, 3, 22, 9, 0, tzinfo=TEHRAN)
    nowruz = (dt.datetime(2025, 3, 21, tzinfo=TEHRAN), dt.datetime(2025, 3, 25, tzinfo=TEHRAN))
    assert business_between(schedule, *nowruz) == dt.timedelta(0)
    # Without the holidays: Friday closed, then Saturday, Sunday and Monday at 7 hours each.
    assert business_between(tehran(), *nowruz) == dt.timedelta(hours=21)


def test_the_tehran_clock_jumped_at_midnight_in_2022_and_the_due_time_is_exact():
    # 2022-03-22 00:00 did not exist in Tehran: the clock went from 23:59:59 +03:30 to 01:00 +04:30.
    schedule = tehran()
    assert schedule.instant(dt.date(2022, 3, 22), T(0)) == dt.datetime(2022, 3, 21, 20, 30, tzinfo=dt.UTC)
    due = business_add_minutes(schedule, dt.datetime(2022, 3, 21, 15, 0, tzinfo=TEHRAN), 120)
    assert due == dt.datetime(2022, 3, 22, 9, 0, tzinfo=TEHRAN)
    assert due.utcoffset() == dt.timedelta(hours=4, minutes=30)
    always = Schedule.always("Asia/Tehran")
    day = (dt.datetime(2022, 3, 22, 1, 0, tzinfo=TEHRAN), dt.datetime(2022, 3, 23, tzinfo=TEHRAN))
    assert business_between(always, *day) == 23 * H
    # Tehran has kept +03:30 all year since: the same dates in 2023 are plain.
    assert (
        business_between(
            always, dt.datetime(2023, 3, 22, tzinfo=TEHRAN), dt.datetime(2023, 3, 23, tzinfo=TEHRAN)
        )
        == 24 * H
    )


def test_an_open_day_across_the_tehran_fall_back_counts_the_repeated_hour():
    # 2022-09-21 24:00 +04:30 became 23:00 +03:30: that day lasted 25 hours.
    schedule = Schedule.build("Asia/Tehran", {2: [(T(0), T(0))]})
    start = dt.datetime(2022, 9, 21, tzinfo=TEHRAN)
    assert business_between(schedule, start, start + 48 * H) == 25 * H
    assert business_add(schedule, start, 25 * H) == dt.datetime(2022, 9, 22, tzinfo=TEHRAN)


def test_moscow_history_dst_then_permanent_plus_four_then_plus_three():
    always = Schedule.always("Europe/Moscow")
    # 27 March 2011: the last spring forward (02:00 → 03:00), never turned back.
    assert business_between(always, *_day(2011, 3, 27, MOSCOW)) == 23 * H
    # 31 October 2010: the last autumn fall-back under DST.
    assert business_between(always, *_day(2010, 10, 31, MOSCOW)) == 25 * H
    # 26 October 2014: 02:00 +04 became 01:00 +03 for good.
    assert business_between(always, *_day(2014, 10, 26, MOSCOW)) == 25 * H
    assert business_between(always, *_day(2012, 10, 28, MOSCOW)) == 24 * H
    office = Schedule.build("Europe/Moscow", {d: [(T(9), T(13)), (T(14), T(18))] for d in range(5)})
    # Friday 24 October 2014 17:00 +04 + 120 minutes: 60 on Friday, Monday 09:00 +03 + 60.
    due = business_add_minutes(office, dt.datetime(2014, 10, 24, 17, 0, tzinfo=MOSCOW), 120)
    assert due == dt.datetime(2014, 10, 27, 7, 0, tzinfo=dt.UTC)
    assert due.utcoffset() == 3 * H


def test_new_york_spring_forward_gap_and_fall_back_repeat():
    # Sunday hours 00:00–04:00 and 01:00–01:30 in the repeated hour.
    gap = Schedule.build("America/New_York", {6: [(T(0), T(4))]})
    assert business_between(gap, *_day(2025, 3, 9, NEW_YORK)) == 3 * H
    assert business_between(gap, *_day(2025, 11, 2, NEW_YORK)) == 5 * H
    # A start inside the gap (02:30 does not exist) is the moment the clock jumps to, 03:00 EDT.
    late = Schedule.build("America/New_York", {6: [(T(2, 30), T(4))]})
    assert late.spans_on(dt.date(2025, 3, 9)) == (
        (dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.UTC), dt.datetime(2025, 3, 9, 8, 0, tzinfo=dt.UTC)),
    )
    # 01:00–01:30 on the fall-back day is its first occurrence only.
    repeated = Schedule.build("America/New_York", {6: [(T(1), T(1, 30))]})
    assert repeated.spans_on(dt.date(2025, 11, 2)) == (
        (dt.datetime(2025, 11, 2, 5, 0, tzinfo=dt.UTC), dt.datetime(2025, 11, 2, 5, 30, tzinfo=dt.UTC)),
    )
    always = Schedule.always("America/New_York")
    saturday_noon = dt.datetime(2025, 3, 8, 12, 0, tzinfo=NEW_YORK)
    assert business_add(always, saturday_noon, 24 * H) == dt.datetime(2025, 3, 9, 13, 0, tzinfo=NEW_YORK)


def test_special_hours_replace_the_week_and_a_weekday_without_them_is_closed():
    ramadan = SpecialPeriod.build(dt.date(2025, 3, 1), dt.date(2025, 3, 29), {5: [(T(9), T(14))]})
    schedule = tehran(special=[ramadan])
    assert schedule.intervals_on(dt.date(2025, 3, 8)) == ((T(9), T(14)),)
    assert schedule.intervals_on(dt.date(2025, 3, 9)) == ()
    assert schedule.intervals_on(dt.date(2025, 3, 30)) == tuple(WORKDAY)
    # A holiday inside the stretch still closes the date.
    closed = tehran(special=[ramadan], holidays=[HolidayRule.on(dt.date(2025, 3, 8))])
    assert closed.intervals_on(dt.date(2025, 3, 8)) == ()


def test_the_special_period_that_starts_last_decides_where_two_overlap():
    month = SpecialPeriod.build(dt.date(2025, 3, 1), dt.date(2025, 3, 31), {5: [(T(9), T(14))]})
    week = SpecialPeriod.build(dt.date(2025, 3, 15), dt.date(2025, 3, 21), {5: [(T(10), T(11))]})
    schedule = tehran(special=[week, month])
    assert schedule.intervals_on(dt.date(2025, 3, 15)) == ((T(10), T(11)),)
    assert schedule.intervals_on(dt.date(2025, 3, 22)) == ((T(9), T(14)),)


def test_yearly_holidays_on_29_february_and_30_esfand_only_in_leap_years():
    assert HolidayRule.yearly(2, 29).dates_in(2024) == {dt.date(2024, 2, 29)}
    assert HolidayRule.yearly(2, 29).dates_in(2025) == set()
    # 1403 is a Jalali leap year: 30 Esfand 1403 = 20 March 2025; 1402 had no 30 Esfand.
    assert HolidayRule.yearly_jalali(12, 30).dates_in(2025) == {dt.date(2025, 3, 20)}
    assert HolidayRule.yearly_jalali(12, 30).dates_in(2024) == set()
    # 13 Farvardin (Nature Day) moves with Nowruz: 1 April 2024, 2 April 2025.
    assert HolidayRule.yearly_jalali(1, 13).dates_in(2024) == {dt.date(2024, 4, 1)}
    assert HolidayRule.yearly_jalali(1, 13).dates_in(2025) == {dt.date(2025, 4, 2)}
    assert HolidayRule.between(dt.date(2025, 12, 30), dt.date(2026, 1, 2)).dates_in(2026) == {
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 2),
    }


def test_is_open_and_next_open():
    schedule = tehran()
    friday = dt.datetime(2024, 5, 3, 10, 0, tzinfo=TEHRAN)
    assert business_is_open(schedule, friday) is False
    assert business_next_open(schedule, friday) == dt.datetime(2024, 5, 4, 8, 0, tzinfo=TEHRAN)
    lunch = dt.datetime(2024, 5, 4, 12, 0, tzinfo=TEHRAN)
    assert business_is_open(schedule, lunch) is False
    assert business_next_open(schedule, lunch) == dt.datetime(2024, 5, 4, 13, 0, tzinfo=TEHRAN)
    working = dt.datetime(2024, 5, 4, 11, 59, tzinfo=TEHRAN)
    assert business_is_open(schedule, working) is True
    assert business_next_open(schedule, working) is working


def test_adding_zero_returns_the_start_and_results_keep_the_callers_zone():
    start = dt.datetime(2024, 5, 3, 10, 0, tzinfo=TEHRAN)
    assert business_add(tehran(), start, dt.timedelta(0)) is start
    utc_start = start.astimezone(dt.UTC)
    due = business_add_minutes(tehran(), utc_start, 1)
    assert due.tzinfo is dt.UTC
    assert due == dt.datetime(2024, 5, 4, 8, 1, tzinfo=TEHRAN)


def test_naive_datetimes_and_negative_spans_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        business_add_minutes(tehran(), dt.datetime(2024, 5, 3, 10, 0), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_between(tehran(), dt.datetime(2024, 5, 3, tzinfo=TEHRAN), dt.datetime(2024, 5, 4))
    with pytest.raises(ValueError, match="zero or more"):
        business_add(tehran(), dt.datetime(2024, 5, 3, tzinfo=TEHRAN), -H)


def test_overlapping_or_backward_hours_are_refused():
    with pytest.raises(ValueError, match="overlaps"):
        Schedule.build("UTC", {0: [(T(8), T(12)), (T(11), T(16))]})
    with pytest.raises(ValueError, match="does not end after"):
        Schedule.build("UTC", {0: [(T(12), T(8))]})
    with pytest.raises(ValueError, match="weekday"):
        Schedule.build("UTC", {7: [(T(8), T(12))]})


def test_a_calendar_never_open_raises_with_its_code():
    with pytest.raises(CalendarNeverOpen) as refused:
        business_add_minutes(Schedule.build("UTC", {}), dt.datetime(2025, 1, 1, tzinfo=dt.UTC), 1)
    assert refused.value.code == "calendar_never_open"
    closed = tehran(holidays=[HolidayRule.between(dt.date(2025, 1, 1), dt.date(2031, 12, 31))])
    with pytest.raises(CalendarNeverOpen):
        business_next_open(closed, dt.datetime(2025, 1, 1, tzinfo=TEHRAN))
    # Four closed years are long but not forever.
    reopens = tehran(holidays=[HolidayRule.between(dt.date(2025, 1, 1), dt.date(2028, 12, 31))])
    due = business_add_minutes(reopens, dt.datetime(2025, 1, 1, tzinfo=TEHRAN), 30)
    assert due == dt.datetime(2029, 1, 1, 8, 30, tzinfo=TEHRAN)


def test_thirty_business_days_skip_whole_weeks_and_land_exactly():
    # 30 days of 7 hours from Saturday 4 May 2024 08:00, Thursday half days counted as 4 hours.
    schedule = tehran()
    start = dt.datetime(2024, 5, 4, 8, 0, tzinfo=TEHRAN)
    due = business_add(schedule, start, 30 * 7 * H)
    # A week holds 5 × 7 + 4 = 39 hours: 210 hours are 5 weeks (195) + Sat, Sun (14) + 1 hour of Monday.
    assert due == dt.datetime(2024, 6, 10, 9, 0, tzinfo=TEHRAN)
    assert business_between(schedule, start, due) == 210 * H


def _day(year: int, month: int, day: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.date(year, month, day)
    schedule = Schedule.always(zone.key)
    return (schedule.instant(start, T(0)), schedule.instant(start + dt.timedelta(days=1), T(0)))


# --- properties ---------------------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Asia/Tehran", "America/New_York"]
# Transitions each zone went through, to start walks near them.
TRANSITIONS = [
    dt.datetime(2010, 3, 27, 23, tzinfo=dt.UTC),
    dt.datetime(2010, 10, 30, 23, tzinfo=dt.UTC),
    dt.datetime(2011, 3, 26, 23, tzinfo=dt.UTC),
    dt.datetime(2014, 10, 25, 22, tzinfo=dt.UTC),
    dt.datetime(2021, 9, 21, 19, 30, tzinfo=dt.UTC),
    dt.datetime(2022, 3, 21, 20, 30, tzinfo=dt.UTC),
    dt.datetime(2022, 9, 21, 19, 30, tzinfo=dt.UTC),
    dt.datetime(2025, 3, 9, 7, tzinfo=dt.UTC),
    dt.datetime(2025, 11, 2, 6, tzinfo=dt.UTC),
]
PROPERTY = settings(deadline=None, max_examples=150)


@st.composite
def day_hours(draw: st.DrawFn) -> list[tuple[dt.time, dt.time]]:
    # Points on a quarter-hour grid; 96 stands for midnight at the end of the day.
    points = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
    if len(points) % 2:
        points = points[:-1]
    return [
        (T(*divmod(points[i] * 15, 60)), T(0) if points[i + 1] == 96 else T(*divmod(points[i + 1] * 15, 60)))
        for i in range(0, len(points), 2)
    ]


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    week = {weekday: draw(day_hours()) for weekday in range(7)}
    if not any(week.values()):
        week[draw(st.integers(0, 6))] = [(T(9), T(17))]
    holidays = [HolidayRule.on(d) for d in draw(st.lists(dates(), max_size=6))]
    holidays += [
        HolidayRule.yearly(*draw(st.sampled_from([(1, 1), (3, 8), (5, 9), (12, 25), (2, 29)]))),
        HolidayRule.yearly_jalali(*draw(st.sampled_from([(1, 1), (1, 13), (11, 22), (12, 29), (12, 30)]))),
    ]
    return Schedule.build(zone, week, holidays=holidays)


def dates() -> st.SearchStrategy[dt.date]:
    return st.dates(dt.date(2009, 1, 1), dt.date(2026, 12, 31))


@st.composite
def instants(draw: st.DrawFn) -> dt.datetime:
    """Mostly within a few days of a DST transition; the rest anywhere from 2009 to 2026."""
    if draw(st.booleans()):
        near = draw(st.sampled_from(TRANSITIONS))
        return near + dt.timedelta(microseconds=draw(st.integers(-4 * 86400 * 10**6, 4 * 86400 * 10**6)))
    return draw(st.datetimes(dt.datetime(2009, 1, 1), dt.datetime(2026, 12, 31), timezones=st.just(dt.UTC)))


spans = st.integers(0, 5 * 86400 * 10**6).map(lambda us: dt.timedelta(microseconds=us))


@PROPERTY
@given(schedules(), instants(), spans)
def test_adding_then_measuring_gives_the_span_back(schedule, start, span):
    due = business_add(schedule, start, span)
    assert due >= start
    assert business_between(schedule, start, due) == span


@PROPERTY
@given(schedules(), instants(), spans, spans)
def test_adding_in_two_steps_is_adding_at_once(schedule, start, first, second):
    assert business_add(schedule, business_add(schedule, start, first), second) == business_add(
        schedule, start, first + second
    )


@PROPERTY
@given(schedules(), instants(), instants(), instants())
def test_measuring_is_additive(schedule, a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_between(schedule, a, b) + business_between(schedule, b, c) == business_between(
        schedule, a, c
    )
    assert business_between(schedule, c, a) == dt.timedelta(0)


@PROPERTY
@given(schedules(), instants(), spans, spans)
def test_adding_more_never_ends_earlier(schedule, start, one, other):
    small, large = sorted((one, other))
    assert business_add(schedule, start, small) <= business_add(schedule, start, large)


@PROPERTY
@given(schedules(), instants(), st.integers(1, 5 * 86400 * 10**6))
def test_added_time_ends_inside_open_hours_never_on_a_holiday(schedule, start, microseconds):
    due = business_add(schedule, start, dt.timedelta(microseconds=microseconds))
    just_before = due - dt.timedelta(microseconds=1)
    assert business_is_open(schedule, just_before)
    assert not schedule.is_holiday(schedule.local_date(just_before))


@PROPERTY
@given(schedules(), dates())
def test_a_holiday_counts_for_nothing(schedule, day):
    closed = Schedule.build(
        schedule.tz_name,
        dict(enumerate(schedule.weekly)),
        holidays=[*schedule.holidays, HolidayRule.on(day)],
    )
    start, end = closed.instant(day, T(0)), closed.instant(day + dt.timedelta(days=1), T(0))
    assert business_between(closed, start, end) == dt.timedelta(0)
    assert business_is_open(closed, start) is False


@PROPERTY
@given(schedules(), instants())
def test_next_open_is_open_and_nothing_counts_before_it(schedule, at):
    opening = business_next_open(schedule, at)
    assert opening >= at
    assert business_is_open(schedule, opening)
    assert business_between(schedule, at, opening) == dt.timedelta(0)


@PROPERTY
@given(st.sampled_from(ZONES), instants(), spans)
def test_around_the_clock_business_time_is_elapsed_time(zone, start, span):
    always = Schedule.always(zone)
    assert business_add(always, start, span) == start + span
    # The same answer through the general walk: a schedule open all day that is not flagged as such.
    walked = Schedule.build(
        zone, {d: [(T(0), T(0))] for d in range(7)}, holidays=[HolidayRule.on(dt.date(1990, 1, 1))]
    )
    assert business_add(walked, start, span) == start + span
    assert business_between(walked, start, start + span) == span
