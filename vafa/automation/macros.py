"""Texts with placeholders, in the customer's language: macros (canned replies) and the messages
automation rules send.

A text is chosen among its languages in this order: the language asked for, the case's, the
customer's, English, then any. Placeholders are `{name}` with a name from `PLACEHOLDERS`; an unknown
one stays in the text as written and is reported, so that the agent sees it before sending. The
result is plain text: the reply pipeline turns it into HTML, escaping whatever the values hold.

Applying a macro to a case (its text and its field changes) is `services.macro_apply`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.automation.models import Macro
from vafa.core.dates import format_date
from vafa.sales.selectors import unit_warranty_status
from vafa.service.models import Case

FALLBACK_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _agent_name(case: Case, agent: User | None, language: str) -> str:
    person = agent or case.assignee
    if person is None:
        return str(settings.VAFA_COMPANY_NAME)
    return person.get_full_name() or str(person)


def _product_name(case: Case, agent: User | None, language: str) -> str:
    return case.product.display_name(language) if case.product is not None else ""


def _warranty_end(case: Case, agent: User | None, language: str) -> str:
    if case.unit is None:
        return ""
    ends_on = unit_warranty_status(case.unit).ends_on
    # A customer reads their own digits: Persian digits (and the Jalali calendar) for Persian.
    return format_date(ends_on, language=language, with_time=False, native_digits=language in ("fa", "ar"))


PLACEHOLDERS: dict[str, tuple[Promise, Callable[[Case, User | None, str], str]]] = {
    "customer_name": (_("the customer's name"), lambda case, agent, language: case.customer.name),
    "case_number": (_("the case reference, e.g. VF-1042"), lambda case, agent, language: case.reference),
    "case_subject": (_("the case subject"), lambda case, agent, language: case.subject),
    "agent_name": (_("the agent's name (for a rule: the assignee, else the company)"), _agent_name),
    "unit_serial": (
        _("the serial number of the case's unit"),
        lambda case, agent, language: case.unit.serial_number if case.unit is not None else "",
    ),
    "product_name": (_("the product's name in the text's language"), _product_name),
    "warranty_end": (_("the day the unit's warranty ends, as the reader writes dates"), _warranty_end),
}


@dataclass(frozen=True)
class Rendered:
    """A text ready to send: its language, and the placeholders it has that nobody knows."""

    text: str
    language: str
    unknown: tuple[str, ...] = ()


def language_order(case: Case, language: str | None = None) -> list[str]:
    """The languages to try for a text to this case's customer, best first."""
    order: list[str] = []
    for candidate in (language, case.language, case.customer.language, FALLBACK_LANGUAGE):
        if candidate and candidate not in order:
            order.append(candidate)
    return order


def text_choose(texts: Mapping[str, str], case: Case, language: str | None = None) -> tuple[str, str] | None:
    """(language, text) of the best text for the case's reader, or None when there is none."""
    for candidate in language_order(case, language):
        if texts.get(candidate, "").strip():
            return candidate, texts[candidate]
    for code, _name in settings.LANGUAGES:
        if texts.get(code, "").strip():
            return code, texts[code]
    return None


def text_render(body: str, *, case: Case, language: str, agent: User | None = None) -> Rendered:
    """Fill the placeholders of `body` for `case`, written in `language`."""
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        known = PLACEHOLDERS.get(name)
        if known is None:
            if name not in unknown:
                unknown.append(name)
            return match.group(0)
        return known[1](case, agent, language)

    return Rendered(text=_PLACEHOLDER.sub(fill, body), language=language, unknown=tuple(unknown))


def placeholders_unknown(body: str) -> list[str]:
    """The placeholders in `body` that are not in `PLACEHOLDERS` (to warn whoever writes the text)."""
    found: list[str] = []
    for name in _PLACEHOLDER.findall(body):
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def macro_texts(macro: Macro) -> dict[str, str]:
    """The macro's text in each language it has."""
    return {text.language: text.body for text in macro.texts.all()}


def macro_render_detail(
    *, macro: Macro, case: Case, language: str | None = None, agent: User | None = None
) -> Rendered:
    """The macro's text for the case, in the best language, with the unknown placeholders named."""
    chosen = text_choose(macro_texts(macro), case, language)
    if chosen is None:
        return Rendered(text="", language=language or case.language)
    code, body = chosen
    return text_render(body, case=case, language=code, agent=agent)


def macro_render(*, macro: Macro, case: Case, language: str | None = None, agent: User | None = None) -> str:
    """The macro's text for the case, in the case's language (or the best one it has), placeholders filled."""
    return macro_render_detail(macro=macro, case=case, language=language, agent=agent).text


def placeholders_help() -> list[tuple[str, str]]:
    """({name}, what it becomes) for each placeholder, for the forms' help texts."""
    return [("{" + name + "}", str(label)) for name, (label, _fill) in PLACEHOLDERS.items()]
