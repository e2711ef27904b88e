"""Service levels in desk templates: the case card and the inbox badges (one query a page)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from vafa.core.templatetags.vafa import _reader
from vafa.desk.sla import Badge, inbox_badge, sla_card
from vafa.service.models import Case
from vafa.sla.selectors import case_clocks, cases_nearest_clock

register = template.Library()


@register.inclusion_tag("desk/case/_sla.html", takes_context=True)
def sla_card_for(context: template.Context, case: Case) -> dict[str, Any]:
    """`{% sla_card_for case %}`: the "Service level" card of a case (nothing when no policy applies)."""
    language, native = _reader(context)
    return {
        "card": sla_card(case_clocks(case), language, native_digits=native),
        "request": context.get("request"),
    }


@register.simple_tag(takes_context=True)
def sla_badges(context: template.Context, cases: Iterable[Case]) -> dict[int, Badge]:
    """`{% sla_badges cases as sla %}`: each listed case's nearest running target, read in one query."""
    language, native = _reader(context)
    nearest = cases_nearest_clock(case.pk for case in cases)
    return {case_id: inbox_badge(view, language, native_digits=native) for case_id, view in nearest.items()}
