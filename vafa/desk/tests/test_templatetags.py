"""The desk's template helpers: dates and digits as the viewer reads them."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation


def _render(source: str, *, language: str, native: bool) -> str:
    request = SimpleNamespace(user=SimpleNamespace(native_digits=native))
    with translation.override(language):
        return Template("{% load desk %}" + source).render(Context({"request": request}))


def test_localdigits_swaps_digits_in_text_but_not_in_attributes():
    source = '{% localdigits %}<a href="/desk/customers/12/">12 open cases</a>{% endlocaldigits %}'

    assert _render(source, language="fa", native=True) == '<a href="/desk/customers/12/">۱۲ open cases</a>'
    assert _render(source, language="ar", native=True) == '<a href="/desk/customers/12/">١٢ open cases</a>'
    assert _render(source, language="fa", native=False) == '<a href="/desk/customers/12/">12 open cases</a>'
    assert _render(source, language="en", native=True) == '<a href="/desk/customers/12/">12 open cases</a>'
