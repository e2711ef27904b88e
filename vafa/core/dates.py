"""One place that turns dates into text: the viewer's time zone, Jalali for Persian readers."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jdatetime
from django.utils import timezone

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def to_local_digits(text: str, language: str, *, native_digits: bool) -> str:
    if not native_digits:
        return text
    if language == "fa":
        return text.translate(_PERSIAN_DIGITS)
    if language == "ar":
        return text.translate(_ARABIC_DIGITS)
    return text


def format_date(
    value: dt.date | dt.datetime | None,
    *,
    language: str = "en",
    tz: str | None = None,
    with_time: bool = True,
    native_digits: bool = False,
) -> str:
    """Format a date or an aware datetime for a reader: Jalali calendar for Persian, ISO order."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(ZoneInfo(tz) if tz else timezone.get_current_timezone())
        if language == "fa":
            j = jdatetime.datetime.fromgregorian(datetime=value)
            text = j.strftime("%Y/%m/%d %H:%M") if with_time else j.strftime("%Y/%m/%d")
        else:
            text = value.strftime("%Y-%m-%d %H:%M") if with_time else value.strftime("%Y-%m-%d")
    else:
        if language == "fa":
            text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
        else:
            text = value.isoformat()
    return to_local_digits(text, language, native_digits=native_digits)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DATE = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$")
# A year below this is a Jalali year (today ~1404), above it a Gregorian one (~2026): a reader may
# type either, whatever the page language.
_JALALI_BEFORE = 1700


def parse_date(raw: str) -> dt.date | None:
    """A day typed as yyyy/mm/dd or yyyy-mm-dd, Jalali or Gregorian, Persian or Arabic digits allowed."""
    match = _DATE.match(raw.strip().translate(_DIGITS))
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        if year < _JALALI_BEFORE:
            parsed: dt.date = jdatetime.date(year, month, day).togregorian()
        else:
            parsed = dt.date(year, month, day)
    except ValueError:
        return None
    if not 1900 <= parsed.year <= 2999:
        return None
    return parsed
