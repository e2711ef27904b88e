"""Template helpers of the desk and the portal: dates and numbers as the viewer reads them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vafa.core.dates import format_date, to_local_digits

register = template.Library()


def _reader(context: template.Context) -> tuple[str, bool]:
    request = context.get("request")
    user = getattr(request, "user", None)
    native = bool(getattr(user, "native_digits", False)) if user is not None else False
    return translation.get_language() or "en", native


@register.simple_tag(takes_context=True)
def when(context: template.Context, value: dt.datetime | dt.date | None, with_time: bool = True) -> str:
    """A <time> element: the date in the viewer's calendar, time zone and digits; ISO in `datetime`."""
    if value is None:
        return ""
    language, native = _reader(context)
    text = format_date(value, language=language, with_time=with_time, native_digits=native)
    iso = value.isoformat()
    return format_html('<time datetime="{}">{}</time>', iso, text)


@register.simple_tag(takes_context=True)
def ago(context: template.Context, value: dt.datetime | None) -> str:
    """How long ago, short ("5 min", "3 h", "2 d"), with the full date as a tooltip."""
    if value is None:
        return ""
    language, native = _reader(context)
    seconds = max(0, int((timezone.now() - value).total_seconds()))
    if seconds < 60:
        text = _("now")
    elif seconds < 3600:
        text = _("%(n)d min") % {"n": seconds // 60}
    elif seconds < 86400:
        text = _("%(n)d h") % {"n": seconds // 3600}
    else:
        text = _("%(n)d d") % {"n": seconds // 86400}
    text = to_local_digits(text, language, native_digits=native)
    full = format_date(value, language=language, native_digits=native)
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), full, text)


@register.simple_tag(takes_context=True)
def num(context: template.Context, value: Any) -> str:
    """A number in the viewer's digits."""
    language, native = _reader(context)
    return to_local_digits(str(value), language, native_digits=native)


_TAGS = re.compile(r"(<[^>]*>)")


class LocalDigitsNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        rendered = self.nodelist.render(context)
        language, native = _reader(context)
        if not native:
            return rendered
        # Only the text between tags: digits inside attributes (links, ids) must stay ASCII.
        parts = _TAGS.split(rendered)
        return mark_safe(  # noqa: S308 - the rendered template's own output, digits swapped in text only
            "".join(
                part if part.startswith("<") else to_local_digits(part, language, native_digits=native)
                for part in parts
            )
        )


@register.tag
def localdigits(parser: template.base.Parser, token: template.base.Token) -> LocalDigitsNode:
    """`{% localdigits %}…{% endlocaldigits %}`: the text inside in the viewer's digits.

    For translated sentences with numbers in them ("3 open cases"), which `{% num %}` cannot reach.
    """
    nodelist = parser.parse(("endlocaldigits",))
    parser.delete_first_token()
    return LocalDigitsNode(nodelist)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None
