"""Money: Decimal amounts with an ISO-4217 currency, formatted for the reader's language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

AMOUNT_DIGITS = 18
AMOUNT_PLACES = 2
_CURRENCIES = frozenset(list_currencies())


def default_currency() -> str:
    return str(settings.VAFA_DEFAULT_CURRENCY)


def is_currency(code: str) -> bool:
    return code in _CURRENCIES


def validate_currency(code: str) -> None:
    if not is_currency(code):
        raise ValidationError(
            _("%(code)s is not an ISO-4217 currency code."), params={"code": code}, code="currency"
        )


def to_amount(value: object) -> Decimal:
    """Parse a money amount exactly; refuse floats' binary noise and non-numbers."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter a valid amount."), code="amount") from exc
    if not amount.is_finite():
        raise ValidationError(_("Enter a valid amount."), code="amount")
    return amount.quantize(Decimal(1).scaleb(-AMOUNT_PLACES), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, language: str = "en") -> str:
    locale = {"fa": "fa_IR", "ar": "ar_SA", "ru": "ru_RU"}.get(language, "en_US")
    digits = get_currency_precision(currency)
    return format_currency(amount, currency, locale=locale, currency_digits=digits == AMOUNT_PLACES)
