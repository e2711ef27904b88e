"""Normalise how customers are reached: e-mails lower-cased and checked, phones to E.164."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            _("%(value)s is not a valid e-mail address."), params={"value": value}, code="email"
        ) from exc
    return email


def normalize_phone(value: str, region: str | None = None) -> str:
    """The phone number in E.164 (+989121234567), read in `region` when it has no country code."""
    region = (region or settings.VAFA_DEFAULT_PHONE_REGION or "").upper() or None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("%(value)s is not a valid phone number."), params={"value": value}, code="phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number."), params={"value": value}, code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
