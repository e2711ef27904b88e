"""Business calendars: schedule_for and the services that change calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from vafa.accounts.models import AuditLog
from vafa.core.businesstime import business_add_minutes, business_is_open
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.sla.calendars import (
    calendar_create,
    calendar_default,
    calendar_set_default,
    calendar_set_hours,
    calendar_update,
    holiday_add,
    holiday_remove,
    schedule_for,
    schedules_forget,
    special_hours_add,
    special_hours_remove,
)
from vafa.sla.models import BusinessCalendar, HolidayKind, SpecialHours, SpecialInterval, Weekday
from vafa.sla.tests.factories import HolidayFactory, SpecialIntervalFactory, tehran_calendar

TEHRAN = ZoneInfo("Asia/Tehran")
T = dt.time


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


# --- services -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_creates_a_calendar_and_the_audit_log_records_it(manager):
    calendar = calendar_create(actor=manager, name="Tehran office", time_zone="Asia/Tehran")
    assert (calendar.name, calendar.time_zone, calendar.preset) == ("Tehran office", "Asia/Tehran", "")
    log = AuditLog.objects.get(action="calendar.create")
    assert (log.actor, log.object_id, log.after) == (
        manager,
        str(calendar.pk),
        {"name": "Tehran office", "time_zone": "Asia/Tehran"},
    )


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_with_a_translated_message(manager):
    with pytest.raises(ValidationFailed) as refused:
        calendar_create(actor=manager, name="Mars base", time_zone="Mars/Olympus")
    assert refused.value.code == "calendar_unknown_time_zone"
    assert str(refused.value.message) == (
        "“Mars/Olympus” is not a time zone; use an IANA name such as Asia/Tehran or Europe/Moscow."
    )
    with translation.override("fa"), pytest.raises(ValidationFailed):
        calendar_create(actor=manager, name="Mars base", time_zone="../etc/passwd")
    assert not BusinessCalendar.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_name_is_a_conflict(manager):
    calendar_create(actor=manager, name="Office", time_zone="UTC")
    with pytest.raises(Conflict) as refused:
        calendar_create(actor=manager, name="Office", time_zone="Asia/Tehran")
    assert refused.value.code == "calendar_duplicate_name"
    assert BusinessCalendar.objects.count() == 1


@pytest.mark.django_db
def test_agents_may_not_change_calendars_and_nothing_changes(agent, manager):
    calendar = tehran_calendar()
    stamp = calendar.updated_at
    attempts = [
        lambda: calendar_create(actor=agent, name="Mine", time_zone="UTC"),
        lambda: calendar_set_hours(
            actor=agent, calendar=calendar, weekday=Weekday.FRIDAY, intervals=[(T(9), T(12))]
        ),
        lambda: holiday_add(actor=agent, calendar=calendar, name="Day off", start_date=dt.date(2025, 5, 1)),
        lambda: special_hours_add(
            actor=agent,
            calendar=calendar,
            name="Ramadan",
            start_date=dt.date(2026, 2, 18),
            end_date=dt.date(2026, 3, 19),
            intervals={Weekday.SATURDAY: [(T(9), T(14))]},
        ),
        lambda: calendar_set_default(actor=agent, calendar=calendar),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.code == "calendar_not_allowed"
    calendar.refresh_from_db()
    assert calendar.updated_at == stamp
    assert BusinessCalendar.objects.count() == 1
    assert calendar.is_default is False
    assert list(calendar.hours.filter(weekday=Weekday.FRIDAY)) == []
    assert calendar.holidays.count() == 0
    assert calendar.special_hours.count() == 0
    assert not AuditLog.objects.filter(action__startswith="calendar.").exists()


@pytest.mark.django_db
def test_setting_a_days_hours_replaces_them_and_refreshes_the_schedule(manager):
    calendar = tehran_calendar()
    before = schedule_for(calendar)
    calendar_set_hours(
        actor=manager, calendar=calendar, weekday=Weekday.THURSDAY, intervals=[(T(13), T(15)), (T(8), T(11))]
    )
    assert [(h.start, h.end) for h in calendar.hours.filter(weekday=Weekday.THURSDAY)] == [
        (T(8), T(11)),
        (T(13), T(15)),
    ]
    after = schedule_for(calendar)
    assert after is not before
    assert after.intervals_on(dt.date(2025, 1, 2)) == ((T(8), T(11)), (T(13), T(15)))
    log = AuditLog.objects.get(action="calendar.set_hours")
    assert log.before == {"weekday": 3, "intervals": ["08:00–12:00"]}
    assert log.after == {"weekday": 3, "intervals": ["08:00–11:00", "13:00–15:00"]}


@pytest.mark.django_db
def test_an_interval_open_until_midnight_is_kept(manager):
    calendar = tehran_calendar()
    calendar_set_hours(actor=manager, calendar=calendar, weekday=Weekday.FRIDAY, intervals=[(T(18), T(0))])
    assert schedule_for(calendar).intervals_on(dt.date(2025, 1, 3)) == ((T(18), T(0)),)


@pytest.mark.parametrize(
    ("intervals", "code", "message"),
    [
        ([(T(12), T(8))], "calendar_bad_interval", "The interval 12:00–08:00 closes before it opens."),
        ([(T(9), T(9))], "calendar_bad_interval", "The interval 09:00–09:00 closes before it opens."),
        (
            [(T(8), T(12)), (T(11), T(16))],
            "calendar_intervals_overlap",
            "The interval 11:00–16:00 overlaps 08:00–12:00.",
        ),
        (
            [(T(20), T(0)), (T(22), T(23))],
            "calendar_intervals_overlap",
            "The interval 22:00–23:00 overlaps 20:00–24:00.",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_hours_are_refused_and_the_day_keeps_its_hours(manager, intervals, code, message):
    calendar = tehran_calendar()
    with pytest.raises(ValidationFailed) as refused:
        calendar_set_hours(actor=manager, calendar=calendar, weekday=Weekday.SATURDAY, intervals=intervals)
    assert (refused.value.code, str(refused.value.message)) == (code, message)
    assert [(h.start, h.end) for h in calendar.hours.filter(weekday=Weekday.SATURDAY)] == [
        (T(8), T(12)),
        (T(13), T(16)),
    ]


@pytest.mark.django_db
def test_holidays_of_each_kind_close_their_dates(manager):
    calendar = tehran_calendar()
    holiday_add(actor=manager, calendar=calendar, name="Company day", start_date=dt.date(2025, 5, 3))
    holiday_add(
        actor=manager,
        calendar=calendar,
        name="Summer break",
        kind=HolidayKind.RANGE,
        start_date=dt.date(2025, 8, 2),
        end_date=dt.date(2025, 8, 6),
    )
    holiday_add(
        actor=manager, calendar=calendar, name="Labour day", kind=HolidayKind.YEARLY_GREGORIAN, month=5, day=1
    )
    nowruz = holiday_add(
        actor=manager, calendar=calendar, name="Nowruz", kind=HolidayKind.YEARLY_JALALI, month=1, day=1
    )
    schedule = schedule_for(calendar)
    closed = {dt.date(2025, 5, 3), dt.date(2026, 5, 1), dt.date(2025, 3, 21), dt.date(2026, 3, 21)}
    closed |= {dt.date(2025, 8, day) for day in range(2, 7)}
    assert all(schedule.is_holiday(day) for day in closed)
    assert not schedule.is_holiday(dt.date(2025, 8, 7))
    holiday_remove(actor=manager, holiday=nowruz)
    assert not schedule_for(calendar).is_holiday(dt.date(2026, 3, 21))
    assert AuditLog.objects.filter(action="holiday.add").count() == 4
    assert AuditLog.objects.get(action="holiday.remove").before["name"] == "Nowruz"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": HolidayKind.SINGLE}, "calendar_bad_holiday"),
        (
            {"kind": HolidayKind.RANGE, "start_date": dt.date(2025, 8, 6), "end_date": dt.date(2025, 8, 2)},
            "calendar_bad_dates",
        ),
        ({"kind": HolidayKind.YEARLY_GREGORIAN, "month": 2, "day": 30}, "calendar_bad_holiday"),
        ({"kind": HolidayKind.YEARLY_JALALI, "month": 7, "day": 31}, "calendar_bad_holiday"),
        ({"kind": HolidayKind.YEARLY_JALALI, "month": 13, "day": 1}, "calendar_bad_holiday"),
    ],
)
@pytest.mark.django_db
def test_impossible_holidays_are_refused(manager, fields, code):
    calendar = tehran_calendar()
    with pytest.raises(ValidationFailed) as refused:
        holiday_add(actor=manager, calendar=calendar, name="Nope", **fields)
    assert refused.value.code == code
    assert calendar.holidays.count() == 0


@pytest.mark.django_db
def test_yearly_30_esfand_and_29_february_are_accepted(manager):
    calendar = tehran_calendar()
    holiday_add(
        actor=manager, calendar=calendar, name="Leap", kind=HolidayKind.YEARLY_JALALI, month=12, day=30
    )
    holiday_add(
        actor=manager, calendar=calendar, name="Leap", kind=HolidayKind.YEARLY_GREGORIAN, month=2, day=29
    )
    schedule = schedule_for(calendar)
    assert schedule.is_holiday(dt.date(2025, 3, 20))
    assert schedule.is_holiday(dt.date(2024, 2, 29))
    assert not schedule.is_holiday(dt.date(2026, 3, 20))


@pytest.mark.django_db
def test_special_hours_replace_the_week_for_their_dates(manager):
    calendar = tehran_calendar()
    special = special_hours_add(
        actor=manager,
        calendar=calendar,
        name="Ramadan 1447",
        start_date=dt.date(2026, 2, 18),
        end_date=dt.date(2026, 3, 19),
        intervals={weekday: [(T(9), T(14))] for weekday in (5, 6, 0, 1, 2)},
    )
    schedule = schedule_for(calendar)
    # Thursday 19 February 2026 is inside the stretch but has no special interval: closed.
    assert schedule.intervals_on(dt.date(2026, 2, 19)) == ()
    assert schedule.intervals_on(dt.date(2026, 2, 21)) == ((T(9), T(14)),)
    assert schedule.intervals_on(dt.date(2026, 3, 21)) == ((T(8), T(12)), (T(13), T(16)))
    special_hours_remove(actor=manager, special=special)
    assert schedule_for(calendar).intervals_on(dt.date(2026, 2, 21)) == ((T(8), T(12)), (T(13), T(16)))


@pytest.mark.django_db
def test_special_hours_with_bad_intervals_are_refused_whole(manager):
    calendar = tehran_calendar()
    with pytest.raises(ValidationFailed) as refused:
        special_hours_add(
            actor=manager,
            calendar=calendar,
            name="Ramadan",
            start_date=dt.date(2026, 2, 18),
            end_date=dt.date(2026, 3, 19),
            intervals={5: [(T(9), T(14))], 6: [(T(9), T(14)), (T(13), T(15))]},
        )
    assert refused.value.code == "calendar_intervals_overlap"
    with pytest.raises(ValidationFailed) as backwards:
        special_hours_add(
            actor=manager,
            calendar=calendar,
            name="Ramadan",
            start_date=dt.date(2026, 3, 19),
            end_date=dt.date(2026, 2, 18),
            intervals={5: [(T(9), T(14))]},
        )
    assert backwards.value.code == "calendar_bad_dates"
    assert SpecialHours.objects.count() == 0
    assert SpecialInterval.objects.count() == 0


@pytest.mark.django_db
def test_one_default_calendar_at_a_time(manager):
    first = calendar_create(actor=manager, name="First", time_zone="UTC")
    second = calendar_create(actor=manager, name="Second", time_zone="Asia/Tehran")
    calendar_set_default(actor=manager, calendar=first)
    calendar_set_default(actor=manager, calendar=second)
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [second]
    assert calendar_default() == second
    assert schedule_for(None).tz_name == "Asia/Tehran"


@pytest.mark.django_db
def test_renaming_and_moving_a_calendar(manager):
    calendar = calendar_create(actor=manager, name="Office", time_zone="UTC")
    calendar_update(actor=manager, calendar=calendar, name="Moscow office", time_zone="Europe/Moscow")
    calendar.refresh_from_db()
    assert (calendar.name, calendar.time_zone) == ("Moscow office", "Europe/Moscow")
    assert schedule_for(calendar).tz_name == "Europe/Moscow"
    assert AuditLog.objects.get(action="calendar.update").before == {"name": "Office", "time_zone": "UTC"}
