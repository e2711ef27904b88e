"""The case page's stream as people read it: messages with safe bodies, events as short sentences.

`stream_entries()` turns a `ConversationPage` (service selector) into entries for the templates. It
makes no queries: the names of the users, teams and units events refer to came with the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vafa.core.text import html_for_display, text_to_html
from vafa.service.models import (
    Attachment,
    AuthorKind,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    EventKind,
    Message,
)
from vafa.service.models import Priority as CasePriority
from vafa.service.selectors import ConversationPage

# Reasons the services write in English when they reopen a case themselves.
_REOPEN_REASONS = {
    "agent replied": lambda: _("an agent replied"),
    "customer replied": lambda: _("the customer replied"),
    "merged with an open case": lambda: _("an open case was merged into it"),
}


@dataclass
class Entry:
    """One item of the stream, ready for the template."""

    kind: str  # "message" or "event"
    at: dt.datetime
    anchor: str
    # messages
    author: str = ""
    author_kind: str = ""
    is_internal: bool = False
    channel: str = ""
    body: SafeString | str = ""
    attachments: list[Attachment] = field(default_factory=list)
    merged_from: str = ""
    # events
    event_kind: str = ""
    sentences: list[str] = field(default_factory=list)
    detail: str = ""
    link_href: str = ""
    link_text: str = ""


def safe_body(message: Message) -> SafeString:
    """The message body as HTML, sanitised again now (stored HTML is never trusted blindly), with
    images shown as links so that opening the case fetches nothing from the sender's servers."""
    if message.body_html:
        return mark_safe(html_for_display(message.body_html))  # noqa: S308 - sanitised just now
    return mark_safe(text_to_html(message.body_text))  # noqa: S308 - text_to_html escapes


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _case_ref(number: Any) -> str:
    return f"{settings.VAFA_CASE_PREFIX}{number}"


def _case_href(number: Any) -> str:
    try:
        return reverse("desk:case", args=[int(number)])
    except (TypeError, ValueError):
        return ""


def _message_entry(message: Message) -> Entry:
    if message.author_kind == AuthorKind.CUSTOMER:
        author = message.author_customer.name if message.author_customer else _("Customer")
    elif message.author_kind == AuthorKind.AGENT:
        author = str(message.author_user) if message.author_user else _("A former agent")
    else:
        author = str(settings.VAFA_COMPANY_NAME)
    merged = message.merged_from
    return Entry(
        kind="message",
        at=message.created_at,
        anchor=f"message-{message.pk}",
        author=author,
        author_kind=message.author_kind,
        is_internal=message.is_internal,
        channel=_label(Channel, message.channel),
        body=safe_body(message),
        attachments=list(message.attachments.all()),
        merged_from=_case_ref(merged.number) if merged is not None else "",
    )


def _named(event: CaseEvent, key: str) -> str:
    """The name the selector read for `data[key]`; "(deleted)" when the record is gone."""
    name = getattr(event, f"{key}_name", None)
    return str(name) if name else _("(deleted)")


def _actor(event: CaseEvent) -> str:
    if event.actor is not None:
        return str(event.actor)
    if event.actor_kind == AuthorKind.CUSTOMER:
        return _("The customer")
    return _("The system")


def _update_sentences(actor: str, data: dict[str, Any]) -> list[str]:
    before = data.get("from") or {}
    after = data.get("to") or {}
    sentences = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "subject":
            sentences.append(
                _("%(actor)s changed the subject from “%(old)s” to “%(new)s”")
                % {"actor": actor, "old": old or "", "new": new or ""}
            )
        elif key == "kind":
            sentences.append(
                _("%(actor)s changed the kind from %(old)s to %(new)s")
                % {"actor": actor, "old": _label(CaseKind, old), "new": _label(CaseKind, new)}
            )
        else:
            sentences.append(_("%(actor)s changed %(field)s") % {"actor": actor, "field": key})
    return sentences or [_("%(actor)s updated the case") % {"actor": actor}]


def _event_entry(event: CaseEvent, case_customer: str) -> Entry:
    data = event.data if isinstance(event.data, dict) else {}
    actor = _actor(event)
    entry = Entry(kind="event", at=event.created_at, anchor=f"event-{event.pk}", event_kind=event.kind)
    kind = event.kind
    old, new = data.get("from"), data.get("to")
    if kind == EventKind.OPENED:
        who = str(event.actor) if event.actor is not None else case_customer
        if event.actor is None and data.get("channel") == Channel.PROACTIVE:
            who = _("The system")
        text = _("%(actor)s opened the case by %(channel)s") % {
            "actor": who,
            "channel": _label(Channel, data.get("channel")),
        }
    elif kind == EventKind.ASSIGNED:
        if new is None:
            text = _("%(actor)s unassigned the case") % {"actor": actor}
        elif event.actor_id is not None and new == event.actor_id:
            text = _("%(actor)s took the case") % {"actor": actor}
        else:
            text = _("%(actor)s assigned the case to %(assignee)s") % {
                "actor": actor,
                "assignee": _named(event, "to"),
            }
    elif kind == EventKind.TRANSFERRED:
        if new is None:
            text = _("%(actor)s took the case out of team %(team)s") % {
                "actor": actor,
                "team": _named(event, "from"),
            }
        else:
            text = _("%(actor)s moved the case to team %(team)s") % {
                "actor": actor,
                "team": _named(event, "to"),
            }
    elif kind == EventKind.STATUS_CHANGED:
        text = _("%(actor)s changed the status from %(old)s to %(new)s") % {
            "actor": actor,
            "old": _label(CaseStatus, old),
            "new": _label(CaseStatus, new),
        }
    elif kind == EventKind.PRIORITY_CHANGED:
        text = _("%(actor)s changed the priority from %(old)s to %(new)s") % {
            "actor": actor,
            "old": _label(CasePriority, old),
            "new": _label(CasePriority, new),
        }
    elif kind == EventKind.RESOLVED:
        text = _("%(actor)s resolved the case") % {"actor": actor}
        entry.detail = str(data.get("summary") or "")
    elif kind == EventKind.CLOSED:
        text = _("%(actor)s closed the case") % {"actor": actor}
    elif kind == EventKind.REOPENED:
        text = _("%(actor)s reopened the case") % {"actor": actor}
        reason = str(data.get("reason") or "")
        known = _REOPEN_REASONS.get(reason)
        entry.detail = str(known()) if known is not None else reason
    elif kind == EventKind.MERGED:
        text = _("%(actor)s merged this case into another case") % {"actor": actor}
        entry.link_href, entry.link_text = (
            _case_href(data.get("into_number")),
            _case_ref(data.get("into_number")),
        )
    elif kind == EventKind.MERGED_FROM:
        count = int(data.get("messages") or 0)
        text = ngettext(
            "%(actor)s merged another case into this one (%(count)d message moved)",
            "%(actor)s merged another case into this one (%(count)d messages moved)",
            count,
        ) % {"actor": actor, "count": count}
        entry.link_href, entry.link_text = (
            _case_href(data.get("from_number")),
            _case_ref(data.get("from_number")),
        )
    elif kind == EventKind.LINKED_TO_UNIT:
        if new is None:
            text = _("%(actor)s unlinked the unit %(unit)s") % {"actor": actor, "unit": _named(event, "from")}
        else:
            text = _("%(actor)s linked the unit %(unit)s") % {"actor": actor, "unit": _named(event, "to")}
    elif kind == EventKind.UPDATED:
        entry.sentences = _update_sentences(actor, data)
        return entry
    elif kind == EventKind.TAGGED:
        text = _("%(actor)s tagged the case: %(tags)s") % {
            "actor": actor,
            "tags": ", ".join(str(t) for t in data.get("tags") or []),
        }
    elif kind == EventKind.UNTAGGED:
        text = _("%(actor)s removed the tag: %(tags)s") % {
            "actor": actor,
            "tags": ", ".join(str(t) for t in data.get("tags") or []),
        }
    else:
        text = _("%(actor)s: %(what)s") % {"actor": actor, "what": _label(EventKind, kind)}
    entry.sentences = [text]
    return entry


def stream_entries(page: ConversationPage, *, customer_name: str) -> list[Entry]:
    """The page's items as entries, oldest first."""
    entries = []
    for item in page.items:
        if item.message is not None:
            entries.append(_message_entry(item.message))
        elif item.event is not None:
            entries.append(_event_entry(item.event, customer_name))
    return entries
