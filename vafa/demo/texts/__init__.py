"""Conversation templates per language and the helpers that fill them in."""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from functools import lru_cache
from types import ModuleType

import jdatetime

from vafa.core.dates import to_local_digits
from vafa.core.money import format_money
from vafa.demo.texts import ar, en, fa, ru

LANGUAGES: dict[str, ModuleType] = {"en": en, "fa": fa, "ar": ar, "ru": ru}

_GENDERED = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")
_RU_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
_AR_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]


@lru_cache(maxsize=4096)
def fields_of(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def usable(templates: list, available: set[str], index: int = 1) -> list:
    """Keep the templates whose placeholders can all be filled (index: which part of a tuple is the text)."""

    def text(item: object) -> str:
        return item if isinstance(item, str) else " ".join(item)  # type: ignore[arg-type]

    fitting = [item for item in templates if fields_of(text(item)) <= available]
    return fitting or templates


def render(template: str, context: dict[str, str], *, female: bool) -> str:
    """Fill the placeholders and pick the grammatical gender marked as [masculine|feminine]."""
    text = template.format_map(context)
    return _GENDERED.sub(lambda m: m.group(2) if female else m.group(1), text)


def visit_date(value: dt.date, language: str) -> str:
    if language == "fa":
        jalali = jdatetime.date.fromgregorian(date=value, locale="fa_IR")
        return to_local_digits(jalali.strftime("%A %d %B").replace(" 0", " "), "fa", native_digits=True)
    if language == "ar":
        return f"{value.day} {_AR_MONTHS[value.month - 1]}"
    if language == "ru":
        return f"{value.day} {_RU_MONTHS[value.month - 1]}"
    return f"{value:%A} {value.day} {value:%B}"


def amount_text(amount: Decimal, currency: str, language: str) -> str:
    if currency == "IRR" and language == "fa":
        return to_local_digits(f"{int(amount):,}", "fa", native_digits=True).replace(",", "٬") + " ریال"
    if currency == "IRR":
        return f"{int(amount):,} IRR"
    return format_money(amount, currency, language)
