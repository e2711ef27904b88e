"""iCalendar import: all-day events become holidays; re-importing updates; a broken file imports nothing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vafa.accounts.models import AuditLog
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.sla.calendars import schedule_for, schedules_forget
from vafa.sla.ical import calendar_import_ical
from vafa.sla.models import Holiday, HolidayKind, HolidaySource
from vafa.sla.tests.factories import tehran_calendar

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _forget_schedules():
    schedules_forget()
    yield
    schedules_forget()


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.django_db
def test_an_iranian_holiday_file_becomes_single_range_yearly_and_expanded_holidays(manager):
    calendar = tehran_calendar()
    result = calendar_import_ical(
        actor=manager, calendar=calendar, data=_read("iran-holidays.ics"), today=TODAY
    )
    # Nowruz (range), Nature Day, Eid al-Fitr, Revolution Day (yearly) and 23 Stocktaking Sundays
    # from 1 January 2025 to 1 January 2027 (one of them excluded by EXDATE).
    assert (result.created, result.updated, result.skipped) == (27, 0, {})
    nowruz = calendar.holidays.get(uid="nowruz-1404@holidays.example")
    assert (nowruz.kind, nowruz.start_date, nowruz.end_date) == (
        HolidayKind.RANGE,
        dt.date(2025, 3, 21),
        dt.date(2025, 3, 24),
    )
    eid = calendar.holidays.get(uid="eid-al-fitr-1446@holidays.example")
    assert (eid.kind, eid.name, eid.start_date) == (HolidayKind.SINGLE, "عید فطر", dt.date(2025, 3, 31))
    yearly = calendar.holidays.get(kind=HolidayKind.YEARLY_GREGORIAN)
    assert (yearly.name, yearly.month, yearly.day) == ("Islamic Revolution Day", 2, 10)
    sundays = calendar.holidays.filter(name="Stocktaking Sunday")
    assert sundays.count() == 23
    assert not sundays.filter(start_date=dt.date(2025, 6, 1)).exists()
    assert set(calendar.holidays.values_list("source", flat=True)) == {HolidaySource.ICALENDAR}

    schedule = schedule_for(calendar)
    # DTEND is exclusive: 25 March (a Tuesday) is open again.
    assert [schedule.is_holiday(dt.date(2025, 3, day)) for day in (20, 21, 24, 25)] == [
        False,
        True,
        True,
        False,
    ]
    assert schedule.is_holiday(dt.date(2030, 2, 10))
    assert AuditLog.objects.get(action="calendar.import_ical").after == {
        "created": 27,
        "updated": 0,
        "skipped": {},
    }


@pytest.mark.django_db
def test_importing_again_updates_instead_of_duplicating(manager):
    calendar = tehran_calendar()
    data = _read("iran-holidays.ics")
    calendar_import_ical(actor=manager, calendar=calendar, data=data, today=TODAY)
    moved = data.replace(b"DTEND;VALUE=DATE:20250325", b"DTEND;VALUE=DATE:20250326").replace(
        b"SUMMARY:Nowruz", b"SUMMARY:Nowruz 1404"
    )
    result = calendar_import_ical(actor=manager, calendar=calendar, data=moved, today=TODAY)
    assert (result.created, result.updated) == (0, 1)
    assert calendar.holidays.count() == 27
    nowruz = calendar.holidays.get(uid="nowruz-1404@holidays.example")
    assert (nowruz.name, nowruz.end_date) == ("Nowruz 1404", dt.date(2025, 3, 25))


@pytest.mark.django_db
def test_timed_and_cancelled_events_are_skipped_and_counted(manager):
    calendar = tehran_calendar()
    result = calendar_import_ical(
        actor=manager, calendar=calendar, data=_read("timed-events.ics"), today=TODAY
    )
    assert (result.created, result.updated, result.skipped) == (1, 0, {"cancelled": 1, "timed": 2})
    assert list(calendar.holidays.values_list("name", "start_date")) == [("Company day", dt.date(2025, 5, 8))]


@pytest.mark.django_db
def test_a_broken_file_imports_nothing(manager):
    calendar = tehran_calendar()
    stamp = calendar.updated_at
    with pytest.raises(ValidationFailed) as refused:
        calendar_import_ical(actor=manager, calendar=calendar, data=_read("broken.ics"), today=TODAY)
    assert str(refused.value.message) == (
        "The file is not a valid iCalendar file (DTSTART is not a date); nothing was imported."
    )
    with pytest.raises(ValidationFailed):
        calendar_import_ical(actor=manager, calendar=calendar, data=b"\x89PNG\r\n\x1a\n", today=TODAY)
    with pytest.raises(ValidationFailed):
        calendar_import_ical(actor=manager, calendar=calendar, data=b"", today=TODAY)
    calendar.refresh_from_db()
    assert calendar.updated_at == stamp
    assert Holiday.objects.count() == 0


@pytest.mark.django_db
def test_a_file_over_one_mebibyte_is_refused(manager):
    calendar = tehran_calendar()
    data = _read("iran-holidays.ics").replace(
        b"END:VCALENDAR", b"X-PAD:" + b"x" * (1024 * 1024) + b"\r\nEND:VCALENDAR"
    )
    with pytest.raises(ValidationFailed) as refused:
        calendar_import_ical(actor=manager, calendar=calendar, data=data, today=TODAY)
    assert refused.value.code == "too_large"
    assert Holiday.objects.count() == 0


@pytest.mark.django_db
def test_agents_may_not_import(agent):
    calendar = tehran_calendar()
    with pytest.raises(Forbidden):
        calendar_import_ical(actor=agent, calendar=calendar, data=_read("iran-holidays.ics"), today=TODAY)
    assert Holiday.objects.count() == 0


@pytest.mark.django_db
def test_the_calendar_import_command():
    calendar = tehran_calendar(name="Tehran office")
    out = io.StringIO()
    call_command("calendar-import", "Tehran office", str(DATA / "timed-events.ics"), stdout=out)
    assert out.getvalue().strip() == "Tehran office: 1 new, 0 updated, skipped cancelled 1, timed 2"
    assert calendar.holidays.count() == 1
    with pytest.raises(CommandError, match="not a valid iCalendar file"):
        call_command("calendar-import", "Tehran office", str(DATA / "broken.ics"))
    with pytest.raises(CommandError, match="No business calendar is named “Mashhad office”."):
        call_command("calendar-import", "Mashhad office", str(DATA / "timed-events.ics"))
    assert calendar.holidays.count() == 1
