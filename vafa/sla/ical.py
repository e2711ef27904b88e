"""Import holidays into a business calendar from an iCalendar (.ics) file.

- An all-day VEVENT is a holiday: one day, or a range (DTEND is exclusive in iCalendar).
- A plain yearly rule (FREQ=YEARLY, no COUNT/UNTIL/INTERVAL) becomes a yearly Gregorian holiday.
- Any other rule is expanded, with dateutil (which icalendar itself uses), for the next two years.
- Timed events are not holidays: they are skipped and counted, as are cancelled ones.
- The event's UID (plus the occurrence date for expanded rules) is stored, so importing the same
  file again updates the holidays instead of adding them twice.
- The whole file is read and checked before anything is written; a malformed file imports nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import icalendar
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rruleset, rrulestr
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import User
from vafa.core.errors import ErrorCode, ValidationFailed
from vafa.sla.calendars import calendar_touch, require_calendar_manager
from vafa.sla.models import BusinessCalendar, Holiday, HolidayKind, HolidaySource

MAX_BYTES = 1024 * 1024
EXPAND_YEARS = 2
DAY = dt.timedelta(days=1)


class SkipReason:
    TIMED = "timed"
    CANCELLED = "cancelled"
    NO_OCCURRENCE = "no_occurrence_in_window"


@dataclass
class _Row:
    uid: str
    name: str
    kind: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class IcalImportResult:
    created: int
    updated: int
    skipped: dict[str, int] = field(default_factory=dict)


def _malformed(detail: str) -> ValidationFailed:
    return ValidationFailed(
        _("The file is not a valid iCalendar file (%(detail)s); nothing was imported.") % {"detail": detail},
        fields={"file": [_("Not a valid iCalendar file.")]},
    )


def _as_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime | dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    raise _malformed(_("%(property)s is not a date") % {"property": what})


def _key(uid: str, suffix: str = "") -> str:
    key = f"{uid}/{suffix}" if suffix else uid
    # The column holds 255 characters; a longer UID is kept as its digest, which is just as stable.
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _uid(event: icalendar.cal.Component, start: dt.date) -> str:
    uid = str(event.get("UID") or "").strip()
    if uid:
        return uid
    summary = str(event.get("SUMMARY") or "")
    return "nouid:" + hashlib.sha256(f"{start.isoformat()}|{summary}".encode()).hexdigest()[:32]


def _plain_yearly(rule: dict[str, list[Any]], start: dt.date) -> bool:
    """FREQ=YEARLY on the start's own month and day, forever."""
    if [str(v).upper() for v in rule.get("FREQ", [])] != ["YEARLY"]:
        return False
    if set(rule) - {"FREQ", "BYMONTH", "BYMONTHDAY", "WKST"}:
        return False
    months = [int(v) for v in rule.get("BYMONTH", [])]
    days = [int(v) for v in rule.get("BYMONTHDAY", [])]
    return months in ([], [start.month]) and days in ([], [start.day])


def _expand(event: icalendar.cal.Component, start: dt.date, window: tuple[dt.date, dt.date]) -> list[dt.date]:
    rule = event["RRULE"]
    if isinstance(rule, list):  # several RRULE lines: rare, and the first is the one calendars use
        rule = rule[0]
    encoded = rule.to_ical()
    text = encoded.decode() if isinstance(encoded, bytes) else str(encoded)
    begin = dt.datetime.combine(start, dt.time(0))
    try:
        rules = rruleset()
        rules.rrule(rrulestr(text, dtstart=begin))  # type: ignore[arg-type]
        excluded = event.get("EXDATE")
        for group in excluded if isinstance(excluded, list) else [excluded] if excluded else []:
            for value in group.dts:
                rules.exdate(dt.datetime.combine(_as_date(value.dt, "EXDATE"), dt.time(0)))
        first, last = window
        found = rules.between(
            dt.datetime.combine(first, dt.time(0)), dt.datetime.combine(last, dt.time(0)), inc=True
        )
    except (ValueError, TypeError) as exc:
        raise _malformed(_("a recurrence rule cannot be read")) from exc
    return [moment.date() for moment in found]


def ical_parse(data: bytes, *, today: dt.date) -> tuple[list[_Row], Counter[str]]:
    """Read an .ics file into holiday rows and the count of events skipped per reason."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("The iCalendar file is larger than %(limit)s MiB; nothing was imported.") % {"limit": 1},
            fields={"file": [_("File too large.")]},
            code=ErrorCode.TOO_LARGE,
        )
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, IndexError, KeyError) as exc:
        raise _malformed(_("it cannot be parsed")) from exc
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        raise _malformed(_("no VCALENDAR"))
    window = (today, today + relativedelta(years=EXPAND_YEARS))
    rows: dict[str, _Row] = {}
    overrides: list[_Row] = []
    skipped: Counter[str] = Counter()
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            if "DTSTART" not in event:
                raise _malformed(_("an event has no DTSTART"))
            raw_start = event.decoded("DTSTART")
            if isinstance(raw_start, dt.datetime):
                skipped[SkipReason.TIMED] += 1
                continue
            start = _as_date(raw_start, "DTSTART")
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                skipped[SkipReason.CANCELLED] += 1
                continue
            if "DTEND" in event:
                end = _as_date(event.decoded("DTEND"), "DTEND")
            elif "DURATION" in event:
                duration = event.decoded("DURATION")
                if not isinstance(duration, dt.timedelta):
                    raise _malformed(_("DURATION is not a duration"))
                end = start + max(duration, DAY)
            else:
                end = start + DAY
            days = max((end - start).days, 1)
            name = (str(event.get("SUMMARY") or "").strip() or _("Holiday"))[:200]
            uid = _uid(event, start)
            if "RECURRENCE-ID" in event:
                # One changed occurrence of a recurring holiday: it replaces that occurrence.
                occurrence = _as_date(event.decoded("RECURRENCE-ID"), "RECURRENCE-ID")
                overrides.append(_occurrence(uid, occurrence, start, days, name))
                continue
            rule = event.get("RRULE")
            if rule is None:
                rows[_key(uid)] = _occurrence(uid, None, start, days, name)
            elif not isinstance(rule, list) and _plain_yearly(dict(rule), start):
                for offset in range(days):
                    day = start + offset * DAY
                    suffix = f"yearly-{day.month:02d}-{day.day:02d}"
                    rows[_key(uid, suffix)] = _Row(
                        _key(uid, suffix), name, HolidayKind.YEARLY_GREGORIAN, month=day.month, day=day.day
                    )
            else:
                occurrences = _expand(event, start, window)
                if not occurrences:
                    skipped[SkipReason.NO_OCCURRENCE] += 1
                for occurrence in occurrences:
                    row = _occurrence(uid, occurrence, occurrence, days, name)
                    rows[row.uid] = row
    for row in overrides:
        rows[row.uid] = row
    return list(rows.values()), skipped


def _occurrence(uid: str, occurrence: dt.date | None, start: dt.date, days: int, name: str) -> _Row:
    key = _key(uid, occurrence.isoformat()) if occurrence else _key(uid)
    if days == 1:
        return _Row(key, name, HolidayKind.SINGLE, start_date=start)
    return _Row(key, name, HolidayKind.RANGE, start_date=start, end_date=start + (days - 1) * DAY)


@transaction.atomic
def calendar_import_ical(
    *, actor: User | None, calendar: BusinessCalendar, data: bytes, today: dt.date | None = None
) -> IcalImportResult:
    """Add or update the calendar's holidays from an iCalendar file; all of it or nothing."""
    require_calendar_manager(actor)
    rows, skipped = ical_parse(data, today=today or timezone.localdate())
    existing = {
        h.uid: h for h in Holiday.objects.filter(calendar=calendar, uid__in=[row.uid for row in rows])
    }
    created: list[Holiday] = []
    changed: list[Holiday] = []
    fields = ["name", "kind", "start_date", "end_date", "month", "day", "source"]
    for row in rows:
        values = {
            "name": row.name,
            "kind": row.kind,
            "start_date": row.start_date,
            "end_date": row.end_date,
            "month": row.month,
            "day": row.day,
            "source": HolidaySource.ICALENDAR,
        }
        holiday = existing.get(row.uid)
        if holiday is None:
            created.append(Holiday(calendar=calendar, uid=row.uid, **values))
        elif any(getattr(holiday, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(holiday, name, value)
            changed.append(holiday)
    Holiday.objects.bulk_create(created)
    Holiday.objects.bulk_update(changed, fields)
    calendar_touch(calendar)
    result = IcalImportResult(len(created), len(changed), dict(sorted(skipped.items())))
    audit_record(
        actor=actor,
        action="calendar.import_ical",
        obj=calendar,
        after={"created": result.created, "updated": result.updated, "skipped": result.skipped},
    )
    return result
