"""Read the text of a CSV cell as a number, amount, yes/no, date or time; Persian and Arabic digits too."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vafa.core.money import to_amount

LIST_SEPARATOR = ";"
# Persian (U+06F0…) and Arabic-Indic (U+0660…) digits read as 0-9; the Arabic decimal separator as ".".
_NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
_INTEGER = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DATE_TIME = re.compile(r"(\d{4}[-/]\d{1,2}[-/]\d{1,2})[T ](.+)")
# An amount column holds at most 18 digits, 2 of them after the point.
_AMOUNT_LIMIT = Decimal(10) ** 16
_TRUE = {"1", "true", "yes", "y", "t", "on", "بله", "نعم", "да"}
_FALSE = {"0", "false", "no", "n", "f", "off", "خیر", "لا", "нет"}


class CellError(Exception):
    """A cell's text cannot be read as the value its column needs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_digits(value: str) -> str:
    """Replace Persian and Arabic-Indic digits by 0-9 (and the Arabic decimal separator by a point)."""
    return value.translate(_NATIVE_DIGITS)


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def parse_int(value: str, *, minimum: int | None = 0) -> int:
    text = normalise_digits(value).strip()
    if not _INTEGER.fullmatch(text):
        raise CellError(_("Enter a whole number."))
    number = int(text)
    if minimum is not None and number < minimum:
        raise CellError(_("Enter a number of at least %(minimum)s.") % {"minimum": minimum})
    return number


def parse_amount(value: str) -> Decimal:
    """A money amount with a decimal point; commas are refused, as they may be either separator."""
    text = normalise_digits(value).strip()
    if "," in text or "٬" in text:
        raise CellError(
            _("A comma in an amount is ambiguous (decimal or thousands separator); write it as 1234.50.")
        )
    if not _AMOUNT.fullmatch(text):
        raise CellError(_("Enter an amount such as 1234.50."))
    try:
        amount = to_amount(text)
    except ValidationError as exc:
        raise CellError(str(exc.messages[0])) from exc
    if amount < 0:
        raise CellError(_("The amount cannot be negative."))
    if amount >= _AMOUNT_LIMIT:
        raise CellError(_("The amount is too large."))
    return amount


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("Enter yes or no (1 or 0, true or false)."))


def parse_date(value: str, *, jalali: bool = False) -> dt.date:
    """A day as YYYY-MM-DD (or YYYY/MM/DD); Jalali when `jalali`, Gregorian otherwise."""
    text = normalise_digits(value).strip()
    match = _DATE.fullmatch(text)
    if not match:
        raise CellError(_("Enter a date as YYYY-MM-DD."))
    year, month, day = (int(part) for part in match.groups())
    if jalali:
        try:
            return jdatetime.date(year, month, day).togregorian()
        except ValueError as exc:
            raise CellError(_("This is not a day of the Jalali calendar.")) from exc
    if year < 1700:
        raise CellError(
            _("This looks like a Jalali date; give --jalali to read dates in the Jalali calendar.")
        )
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise CellError(_("This is not a valid date.")) from exc


def parse_datetime(value: str, *, jalali: bool = False) -> dt.datetime:
    """An ISO 8601 time with its UTC offset; a date alone is midnight in the TIME_ZONE setting."""
    text = normalise_digits(value).strip()
    if _DATE.fullmatch(text):
        day = parse_date(text, jalali=jalali)
        return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    match = _DATE_TIME.fullmatch(text)
    if not match:
        raise CellError(_("Enter a time such as 2024-08-02T14:30:00+03:30, or a date alone."))
    day = parse_date(match.group(1), jalali=jalali)
    try:
        clock = dt.time.fromisoformat(match.group(2).strip())
    except ValueError as exc:
        raise CellError(_("Enter a time such as 2024-08-02T14:30:00+03:30, or a date alone.")) from exc
    if clock.tzinfo is None:
        raise CellError(_("Give the time with its UTC offset, such as 2024-08-02T14:30:00+03:30."))
    return dt.datetime.combine(day, clock)
