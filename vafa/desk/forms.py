"""Forms of the desk that are not tied to one page."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DeskForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes, so templates can render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class PreferencesForm(DeskForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)
    native_digits = forms.BooleanField(
        label=_("Show Persian or Arabic digits"),
        required=False,
        help_text=_(
            "Numbers and dates use ۰۱۲۳ or ٠١٢٣ instead of 0123 when the page is in Persian or Arabic."
        ),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
