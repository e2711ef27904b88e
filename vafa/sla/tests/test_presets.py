"""Presets: Iran, the Gulf, Russia and a Western week, with holidays from the `holidays` library."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from vafa.accounts.models import AuditLog
from vafa.core.businesstime import business_add_minutes, business_is_open
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.sla.calendars import calendar_create, holiday_add, schedule_for, schedules_forget, special_hours_add
from vafa.sla.models import BusinessCalendar, HolidayKind, HolidaySource, Weekday
from vafa.sla.presets import calendar_apply_preset
from vafa.sla.tests.factories import BusinessCalendarFactory

T = dt.time
TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.fixture(autouse=True)
def _forget_schedules():
    schedules_forget()
    yield
    schedules_forget()


def _hours(calendar: BusinessCalendar) -> dict[int, list[tuple[dt.time, dt.time]]]:
    week: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in calendar.hours.all():
        week.setdefault(row.weekday, []).append((row.start, row.end))
    return week


@pytest.mark.django_db
def test_the_iran_preset_sets_the_week_nowruz_and_the_lunar_holidays(manager):
    calendar = BusinessCalendarFactory(name="Tehran office")
    result = calendar_apply_preset(actor=manager, calendar=calendar, preset="iran", years=2, first_year=2025)
    calendar.refresh_from_db()
    assert (calendar.time_zone, calendar.preset) == ("Asia/Tehran", "iran")
    workday = [(T(8), T(12)), (T(13), T(16))]
    assert _hours(calendar) == {
        Weekday.MONDAY: workday,
        Weekday.TUESDAY: workday,
        Weekday.WEDNESDAY: workday,
        Weekday.THURSDAY: [(T(8), T(12))],
        Weekday.SATURDAY: workday,
        Weekday.SUNDAY: workday,
    }
    yearly = {(h.month, h.day): h.name for h in calendar.holidays.filter(kind=HolidayKind.YEARLY_JALALI)}
    assert yearly == {
        (1, 1): "Nowruz",
        (1, 2): "Nowruz Holiday",
        (1, 3): "Nowruz Holiday",
        (1, 4): "Nowruz Holiday",
        (1, 12): "Islamic Republic Day",
        (1, 13): "Nature's Day",
        (3, 14): "Death of Imam Khomeini",
        (3, 15): "15 Khordad Uprising",
        (11, 22): "Islamic Revolution Day",
        (12, 29): "Iranian Oil Industry Nationalization Day",
    }
    singles = {h.start_date: h.name for h in calendar.holidays.filter(kind=HolidayKind.SINGLE)}
    assert singles[dt.date(2025, 3, 31)] == "Eid al-Fitr"
    assert singles[dt.date(2025, 7, 6)] == "Ashura"
    assert singles[dt.date(2026, 5, 27)] == "Eid al-Adha"
    # 22 March 2025 was both Nowruz Holiday (yearly row) and the Martyrdom of Imam Ali (lunar).
    assert singles[dt.date(2025, 3, 22)] == "Martyrdom of Imam Ali"
    assert min(singles) >= dt.date(2025, 1, 1) and max(singles) <= dt.date(2026, 12, 31)
    assert (result.yearly, result.single, result.working_days) == (10, len(singles), 0)
    assert set(calendar.holidays.values_list("source", flat=True)) == {HolidaySource.PRESET}

    schedule = schedule_for(calendar)
    friday = dt.datetime(2025, 5, 2, 10, 0, tzinfo=TEHRAN)
    assert business_is_open(schedule, friday) is False
    # Nowruz keeps the Jalali date after the years applied: 1 Farvardin 1407 = 21 March 2028.
    assert schedule.is_holiday(dt.date(2028, 3, 20)) is True
    # Wednesday 19 March 2025 (29 Esfand, a holiday) 15:00: Thursday 20 March (Last Day of Year),
    # Friday and Nowruz to Monday 24, so the clock starts on Tuesday 25 March.
    opened = dt.datetime(2025, 3, 19, 15, 0, tzinfo=TEHRAN)
    assert business_add_minutes(schedule, opened, 60) == dt.datetime(2025, 3, 25, 9, 0, tzinfo=TEHRAN)
    log = AuditLog.objects.get(action="calendar.apply_preset")
    assert log.after["preset"] == "iran" and log.after["years"] == [2025, 2026]


@pytest.mark.django_db
def test_applying_a_preset_again_replaces_its_rows_and_keeps_hand_entered_ones(manager):
    calendar = BusinessCalendarFactory()
    first = calendar_apply_preset(actor=manager, calendar=calendar, preset="iran", years=2, first_year=2025)
    holiday_add(actor=manager, calendar=calendar, name="Company anniversary", start_date=dt.date(2025, 10, 5))
    calendar_apply_preset(actor=manager, calendar=calendar, preset="iran", years=2, first_year=2025)
    assert calendar.holidays.filter(source=HolidaySource.PRESET).count() == first.yearly + first.single
    manual = calendar.holidays.get(source=HolidaySource.MANUAL)
    assert (manual.name, manual.start_date) == ("Company anniversary", dt.date(2025, 10, 5))
    assert calendar.hours.count() == 11


@pytest.mark.django_db
def test_holiday_names_follow_the_managers_language(manager):
    calendar = BusinessCalendarFactory()
    with translation.override("fa"):
        calendar_apply_preset(actor=manager, calendar=calendar, preset="iran", years=1, first_year=2025)
    assert calendar.holidays.get(kind=HolidayKind.YEARLY_JALALI, month=1, day=1).name == "جشن نوروز"


@pytest.mark.django_db
def test_the_gulf_preset_closes_friday_and_saturday_in_saudi_arabia(manager):
    calendar = BusinessCalendarFactory()
    calendar_apply_preset(actor=manager, calendar=calendar, preset="gulf", years=1, first_year=2025)
    calendar.refresh_from_db()
    assert calendar.time_zone == "Asia/Riyadh"
    assert _hours(calendar) == {d: [(T(8), T(17))] for d in (6, 0, 1, 2, 3)}
    schedule = schedule_for(calendar)
    assert [schedule.is_holiday(dt.date(2025, 3, day)) for day in (29, 30, 31)] == [False, True, True]
    # Thursday 27 March 2025 16:00 + 120 minutes: one hour on Thursday, Friday and Saturday closed,
    # Sunday 30 March is Eid al-Fitr, so the second hour is Thursday 3 April after Eid (to 2 April).
    riyadh = ZoneInfo("Asia/Riyadh")
    due = business_add_minutes(schedule, dt.datetime(2025, 3, 27, 16, 0, tzinfo=riyadh), 120)
    assert due == dt.datetime(2025, 4, 3, 9, 0, tzinfo=riyadh)


@pytest.mark.django_db
def test_the_gulf_preset_for_the_emirates_is_monday_to_friday_with_a_short_friday(manager):
    calendar = BusinessCalendarFactory()
    calendar_apply_preset(
        actor=manager, calendar=calendar, preset="gulf", country="ae", years=1, first_year=2025
    )
    calendar.refresh_from_db()
    assert calendar.time_zone == "Asia/Dubai"
    assert _hours(calendar)[Weekday.FRIDAY] == [(T(7, 30), T(12))]
    assert Weekday.SATURDAY not in _hours(calendar) and Weekday.SUNDAY not in _hours(calendar)
    assert calendar.holidays.get(start_date=dt.date(2025, 12, 2)).name == "National Day"


@pytest.mark.django_db
def test_the_russia_preset_has_the_new_year_holidays_and_the_moved_working_saturday(manager):
    calendar = BusinessCalendarFactory()
    result = calendar_apply_preset(
        actor=manager, calendar=calendar, preset="russia", years=1, first_year=2025
    )
    calendar.refresh_from_db()
    assert calendar.time_zone == "Europe/Moscow"
    assert result.working_days == 1
    schedule = schedule_for(calendar)
    assert all(schedule.is_holiday(dt.date(2025, 1, day)) for day in range(1, 9))
    # Saturday 1 November 2025 was a working day in place of Monday 3 November.
    assert schedule.intervals_on(dt.date(2025, 11, 1)) == ((T(9), T(13)), (T(14), T(18)))
    assert schedule.intervals_on(dt.date(2025, 11, 3)) == ()
    calendar_apply_preset(actor=manager, calendar=calendar, preset="russia", years=1, first_year=2025)
    assert calendar.special_hours.count() == 1


def test_applying_a_preset_again_keeps_a_managers_one_day_special_hours(manager):
    calendar = BusinessCalendarFactory()
    calendar_apply_preset(actor=manager, calendar=calendar, preset="russia", years=1, first_year=2025)
    special_hours_add(
        actor=manager,
        calendar=calendar,
        name="Stock-taking, short day",
        start_date=dt.date(2025, 12, 30),
        end_date=dt.date(2025, 12, 30),
        intervals={Weekday.TUESDAY: [(T(9), T(13))]},
    )

    calendar_apply_preset(actor=manager, calendar=calendar, preset="russia", years=1, first_year=2025)

    assert sorted(calendar.special_hours.values_list("name", "source")) == [
        ("Stock-taking, short day", HolidaySource.MANUAL),
        (calendar.special_hours.get(source=HolidaySource.PRESET).name, HolidaySource.PRESET),
    ]
    schedules_forget()
    assert schedule_for(calendar).intervals_on(dt.date(2025, 12, 30)) == ((T(9), T(13)),)


@pytest.mark.django_db
def test_the_western_preset_takes_a_zone_and_optionally_a_countrys_holidays(manager):
    calendar = BusinessCalendarFactory()
    calendar_apply_preset(
        actor=manager,
        calendar=calendar,
        preset="western",
        time_zone="America/New_York",
        years=1,
        first_year=2025,
    )
    calendar.refresh_from_db()
    assert calendar.time_zone == "America/New_York"
    assert _hours(calendar) == {d: [(T(9), T(17))] for d in range(5)}
    assert calendar.holidays.count() == 0
    calendar_apply_preset(
        actor=manager,
        calendar=calendar,
        preset="western",
        country="US",
        time_zone="America/New_York",
        first_year=2025,
    )
    assert calendar.holidays.get(start_date=dt.date(2025, 7, 4)).name == "Independence Day"


@pytest.mark.django_db
def test_a_calendar_can_be_created_from_a_preset(manager):
    calendar = calendar_create(actor=manager, name="Riyadh", time_zone="UTC", preset="gulf", years=1)
    calendar.refresh_from_db()
    assert (calendar.preset, calendar.time_zone) == ("gulf", "UTC")
    assert calendar.holidays.exists()


@pytest.mark.django_db
def test_unknown_presets_and_countries_are_refused_and_nothing_changes(manager):
    calendar = BusinessCalendarFactory(time_zone="UTC")
    for kwargs in (
        {"preset": "mars"},
        {"preset": "gulf", "country": "IR"},
        {"preset": "western", "country": "XX"},
    ):
        with pytest.raises(ValidationFailed) as refused:
            calendar_apply_preset(actor=manager, calendar=calendar, **kwargs)
        assert refused.value.code == "calendar_unknown_preset"
    with pytest.raises(ValidationFailed):
        calendar_apply_preset(actor=manager, calendar=calendar, preset="iran", years=50)
    calendar.refresh_from_db()
    assert (calendar.time_zone, calendar.preset, calendar.hours.count(), calendar.holidays.count()) == (
        "UTC",
        "",
        0,
        0,
    )


@pytest.mark.django_db
def test_agents_may_not_apply_presets(agent):
    calendar = BusinessCalendarFactory(time_zone="UTC")
    with pytest.raises(Forbidden):
        calendar_apply_preset(actor=agent, calendar=calendar, preset="iran")
    calendar.refresh_from_db()
    assert (calendar.time_zone, calendar.hours.count(), calendar.holidays.count()) == ("UTC", 0, 0)


@pytest.mark.django_db
def test_the_calendar_preset_command_creates_then_updates_a_calendar():
    out = io.StringIO()
    call_command(
        "calendar-preset", "Riyadh office", "--preset", "gulf", "--years", "1", "--default", stdout=out
    )
    calendar = BusinessCalendar.objects.get(name="Riyadh office")
    assert (calendar.time_zone, calendar.preset, calendar.is_default) == ("Asia/Riyadh", "gulf", True)
    dated = calendar.holidays.count()
    assert out.getvalue().strip() == (
        f"Created Riyadh office (#{calendar.pk}): preset gulf, Asia/Riyadh, 0 yearly and {dated} dated holidays, "
        "0 moved working days"
    )
    out = io.StringIO()
    call_command(
        "calendar-preset", "Riyadh office", "--preset", "gulf", "--country", "AE", "--years", "1", stdout=out
    )
    calendar.refresh_from_db()
    assert calendar.time_zone == "Asia/Dubai"
    assert out.getvalue().startswith(f"Updated Riyadh office (#{calendar.pk}): preset gulf, Asia/Dubai")
    assert BusinessCalendar.objects.count() == 1
    assert AuditLog.objects.get(action="calendar.create").actor_label == "system"


@pytest.mark.django_db
def test_the_calendar_preset_command_reports_a_bad_zone_and_creates_nothing():
    with pytest.raises(CommandError, match="is not a time zone"):
        call_command("calendar-preset", "Office", "--preset", "western", "--zone", "Nowhere/Land")
    assert not BusinessCalendar.objects.exists()
