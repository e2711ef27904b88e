"""After-sales in desk templates: money and times as the reader reads them, and status colours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html

from vafa.core.dates import format_date, to_local_digits
from vafa.core.money import format_money
from vafa.core.templatetags.vafa import _reader

register = template.Library()

_TONES = {
    "success": frozenset(
        {
            "approved",
            "fulfilled",
            "issued",
            "given",
            "done",
            "closed",
            "returned",
            "delivered",
            "ready",
            "confirmed",
        }
    ),
    "warning": frozenset(
        {"open", "pending", "requested", "awaiting_approval", "waiting_for_parts", "scheduled"}
    ),
    "danger": frozenset({"rejected", "missed"}),
    "secondary": frozenset({"cancelled", "none"}),
}


@register.filter
def status_tone(status: str) -> str:
    """The Bootstrap colour of a record's status badge."""
    for tone, statuses in _TONES.items():
        if status in statuses:
            return tone
    return "info"


@register.simple_tag(takes_context=True)
def money(context: template.Context, amount: Decimal | int | None, currency: str) -> str:
    """An amount with its currency, as the reader writes money (and in their digits)."""
    language, native = _reader(context)
    return to_local_digits(
        format_money(Decimal(amount or 0), currency, language), language, native_digits=native
    )


@register.simple_tag(takes_context=True)
def when_in(
    context: template.Context, value: dt.datetime | None, time_zone: str, with_time: bool = True
) -> str:
    """A <time> element in the given time zone (a customer's or a technician's), in the reader's calendar."""
    if value is None:
        return ""
    language, native = _reader(context)
    text = format_date(
        value, language=language, tz=time_zone or "UTC", with_time=with_time, native_digits=native
    )
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


@register.simple_tag(takes_context=True)
def clock(context: template.Context, value: dt.datetime | None, time_zone: str) -> str:
    """The time of day alone (HH:MM) in `time_zone`, in the reader's digits."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    language, native = _reader(context)
    local = value.astimezone(ZoneInfo(time_zone or "UTC"))
    return to_local_digits(local.strftime("%H:%M"), language, native_digits=native)


@register.filter
def pick(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def plain(context: template.Context, value: Decimal | None) -> str:
    """A decimal without trailing zeros or exponent (1.50000000 → 1.5, 5E+4 → 50000), in the reader's digits."""
    if value is None:
        return ""
    language, native = _reader(context)
    text = format(Decimal(value).normalize(), "f")
    return to_local_digits(text, language, native_digits=native)
