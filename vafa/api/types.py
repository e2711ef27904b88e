"""Field types every API schema uses, so that no client input can reach the database malformed.

PostgreSQL refuses NUL characters in text, bigint ids end at 2**63 - 1, and Python's dates end in
year 9999: each type here turns such input into a 422 instead of a server error.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1
# Dates outside these years are typing mistakes; they also keep date arithmetic (warranty ends,
# time-zone shifts) clear of Python's year-9999 limit.
MIN_YEAR = 1900
MAX_YEAR = 2999
MAX_BODY_CHARS = 200_000


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_unicode", "Text must be valid Unicode.") from None
    return value


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PydanticCustomError(
            "year_out_of_range",
            "Give a year between {min_year} and {max_year}.",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        )


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    _check_year(value.year)
    try:
        value = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError(
            "year_out_of_range",
            "Give a year between {min_year} and {max_year}.",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        ) from None
    _check_year(value.year)
    return value


def _date_in_range(value: dt.date) -> dt.date:
    _check_year(value.year)
    return value


# Pydantic would also read numbers as Unix timestamps and "2026-01-31" as a date-time; the schema
# promises ISO 8601 text, so nothing else is accepted.
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_datetime_text(value: Any) -> Any:
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise PydanticCustomError("datetime_parsing", "Enter a valid date/time.")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise PydanticCustomError("date_parsing", "Enter a valid date.")


# Ids in paths and query strings arrive as text; ids in JSON bodies must be JSON integers.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
Flag = Annotated[bool, Strict()]


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802 - a type factory, read like a type
    """A string of at most `max_length` characters with no NUL and no lone surrogates."""
    return Annotated[
        str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)
    ]


ShortText = Text(200)
Body = Text(MAX_BODY_CHARS)
DateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime_text), AfterValidator(_aware)]
Date = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(_date_in_range)]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 99_999_999_999_999.99},
                {"type": "string", "pattern": r"^[0-9]{1,14}(\.[0-9]{1,2})?$"},
            ],
            "description": "An amount with at most two decimal places; a string keeps it exact.",
        }
    ),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
# The languages Vafa speaks are fixed configuration (settings.LANGUAGES), not environment.
Language = Literal[tuple(code for code, _name in settings.LANGUAGES)]  # type: ignore[valid-type]
Quantity = Annotated[int, Strict(), Field(ge=1, le=100_000)]
Days = Annotated[int, Strict(), Field(ge=0, le=36_500)]
