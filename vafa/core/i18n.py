"""The languages Vafa speaks, and the messages every app's validation shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


def language_codes() -> frozenset[str]:
    """The language codes users and customers may choose (en, fa, ar, ru)."""
    return frozenset(code for code, _name in settings.LANGUAGES)


def choose_one_of(choices: Iterable[str]) -> str:
    """The translated message for a value outside `choices`."""
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}


def choice_label(choices: Any, value: Any) -> str:
    """The translated label of `value` in a TextChoices class; the value itself when it is not one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")
