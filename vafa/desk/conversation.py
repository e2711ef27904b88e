"""The case page's stream as people read it: messages with safe bodies, events as short sentences.

`stream_entries()` turns a `ConversationPage` (service selector) into entries for the templates. The
names of the users, teams and units events refer to came with the events; the e-mail facts of the
page's public messages take two queries whatever the page holds: the e-mails they came from and the
delivery of the replies that were e-mailed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vafa.automation.actions import action_describe
from vafa.automation.routing import ROUTING_REASONS
from vafa.channels.models import InboundMail, OutboundMail
from vafa.channels.selectors import message_deliveries
from vafa.core.i18n import choice_label
from vafa.core.text import html_for_display, sanitize_html, text_to_html
from vafa.desk.aftersales_timeline import aftersales_sentence, record_link
from vafa.service.events import AFTERSALES_KINDS
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
from vafa.sla.models import Metric

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
    message_id: int = 0
    # e-mail: the address a customer's message came from (with its Cc), and a reply's delivery
    email_from: str = ""
    email_cc: list[str] = field(default_factory=list)
    delivery_state: str = ""
    delivery_label: str = ""
    delivery_error: str = ""
    # events
    event_kind: str = ""
    sentences: list[str] = field(default_factory=list)
    detail: str = ""
    link_href: str = ""
    link_text: str = ""


# Inline images are shown only in the types the attachment download serves as themselves.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_CID_IMG = re.compile(r'<img\b[^>]*\bsrc="cid:([^"]*)"[^>]*>', re.IGNORECASE)
_ALT = re.compile(r'\balt="([^"]*)"')


def _with_inline_images(clean: str, images: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Take out each <img src="cid:…"> whose file the case holds, leaving a random token in its place.

    The tokens are plain text, so `html_for_display` passes them untouched while it turns every
    other picture into a link; the caller then puts the images, pointing at the case's own
    attachment address, back where the tokens are.
    """
    placed: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        url = images.get(html.unescape(match.group(1)).strip().strip("<>"))
        if url is None:
            return match.group(0)
        token = f"vafacid{secrets.token_hex(12)}"
        alt = _ALT.search(match.group(0))
        placed[token] = format_html(
            '<img src="{}" alt="{}" class="case-inline-image" loading="lazy">',
            url,
            html.unescape(alt.group(1)) if alt else "",
        )
        return token

    return _CID_IMG.sub(swap, clean), placed


def safe_body(message: Message, inline_images: dict[str, str] | None = None) -> SafeString:
    """The message body as HTML, sanitised again now (stored HTML is never trusted blindly), with
    images shown as links so that opening the case fetches nothing from the sender's servers.

    `inline_images` maps Content-IDs to the case's own address of that file: an e-mail's inline
    picture (<img src="cid:…">) is shown from there, since loading it reveals nothing to anyone.
    """
    if message.body_html:
        if not inline_images:
            return mark_safe(html_for_display(message.body_html))  # noqa: S308 - sanitised just now
        body, placed = _with_inline_images(sanitize_html(message.body_html), inline_images)
        shown = html_for_display(body)
        for token, image in placed.items():
            shown = shown.replace(token, image)
        return mark_safe(shown)  # noqa: S308 - sanitised just now; the images are built escaped
    return mark_safe(text_to_html(message.body_text))  # noqa: S308 - text_to_html escapes


def _case_ref(number: Any) -> str:
    return f"{settings.VAFA_CASE_PREFIX}{number}"


def _case_href(number: Any) -> str:
    try:
        return reverse("desk:case", args=[int(number)])
    except (TypeError, ValueError):
        return ""


@dataclass(frozen=True)
class _MailFacts:
    """What the stream shows of the e-mail a customer's message came from."""

    address: str
    cc: list[str]
    case_number: int | None


def _mail_facts(messages: list[Message]) -> dict[int, _MailFacts]:
    """The e-mail each public message arrived as, if it came by e-mail (one query).

    Asked for every public message, not only those marked as e-mail, so that a page's query count
    does not depend on what its messages are (a page of notes alone asks nothing).
    """
    ids = [m.pk for m in messages if not m.is_internal]
    if not ids:
        return {}
    facts: dict[int, _MailFacts] = {}
    rows = (
        InboundMail.objects.filter(message_id__in=ids)
        .order_by("id")
        .values_list("message_id", "from_address", "cc_addresses", "message__case__number")
    )
    for message_id, address, cc, number in rows:
        # The first delivery stands for its duplicates.
        facts.setdefault(
            message_id,
            _MailFacts(address=address, cc=[str(a) for a in cc or []], case_number=number),
        )
    return facts


def _inline_images(message: Message, case_number: int | None) -> dict[str, str]:
    if case_number is None:
        return {}
    return {
        attachment.content_id: reverse("desk:case_attachment", args=[case_number, attachment.pk])
        for attachment in message.attachments.all()
        if attachment.content_id and attachment.content_type in INLINE_IMAGE_TYPES
    }


def _delivery(entry: Entry, outbound: OutboundMail) -> None:
    entry.delivery_state = outbound.state
    entry.delivery_label = _("E-mail: %(state)s") % {
        "state": choice_label(OutboundMail.State, outbound.state)
    }
    if outbound.state in (OutboundMail.State.FAILED, OutboundMail.State.BOUNCED) and outbound.last_error:
        entry.delivery_error = outbound.last_error[:500]
    elif outbound.state == OutboundMail.State.BOUNCED:
        entry.delivery_error = _("The recipient's server returned the e-mail.")


def _message_entry(
    message: Message, mail: _MailFacts | None = None, delivery: OutboundMail | None = None
) -> Entry:
    if message.author_kind == AuthorKind.CUSTOMER:
        author = message.author_customer.name if message.author_customer else _("Customer")
    elif message.author_kind == AuthorKind.AGENT:
        author = str(message.author_user) if message.author_user else _("A former agent")
    else:
        author = str(settings.VAFA_COMPANY_NAME)
    merged = message.merged_from
    entry = Entry(
        kind="message",
        at=message.created_at,
        anchor=f"message-{message.pk}",
        author=author,
        author_kind=message.author_kind,
        is_internal=message.is_internal,
        channel=choice_label(Channel, message.channel),
        body=safe_body(message, _inline_images(message, mail.case_number) if mail is not None else None),
        attachments=list(message.attachments.all()),
        merged_from=_case_ref(merged.number) if merged is not None else "",
        message_id=message.pk,
    )
    if mail is not None:
        entry.email_from = mail.address
        entry.email_cc = mail.cc
    if delivery is not None:
        _delivery(entry, delivery)
    return entry


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
                % {"actor": actor, "old": choice_label(CaseKind, old), "new": choice_label(CaseKind, new)}
            )
        else:
            sentences.append(_("%(actor)s changed %(field)s") % {"actor": actor, "field": key})
    return sentences or [_("%(actor)s updated the case") % {"actor": actor}]


def _step(action: dict[str, Any]) -> str:
    try:
        return action_describe(action)
    except (KeyError, TypeError, ValueError):
        return str(action.get("type") or "")


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
            "channel": choice_label(Channel, data.get("channel")),
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
            "old": choice_label(CaseStatus, old),
            "new": choice_label(CaseStatus, new),
        }
    elif kind == EventKind.PRIORITY_CHANGED:
        text = _("%(actor)s changed the priority from %(old)s to %(new)s") % {
            "actor": actor,
            "old": choice_label(CasePriority, old),
            "new": choice_label(CasePriority, new),
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
    elif kind == EventKind.FOLLOWED_UP:
        text = _("Follow-up case opened")
        entry.link_href, entry.link_text = _case_href(data.get("number")), _case_ref(data.get("number"))
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
    elif kind == EventKind.SLA_APPLIED:
        if data.get("policy_name"):
            text = _("SLA policy %(policy)s applies") % {"policy": data["policy_name"]}
        else:
            text = _("No SLA policy applies any more")
    elif kind in (EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED):
        target = choice_label(Metric, data.get("metric"))
        if kind == EventKind.SLA_AT_RISK:
            text = _("SLA at risk: %(target)s") % {"target": target}
        else:
            text = _("SLA breached: %(target)s") % {"target": target}
    elif kind == EventKind.RULE_APPLIED:
        text = _("Automation rule “%(rule)s” applied") % {"rule": data.get("rule_name") or ""}
        steps = data.get("steps")
        if isinstance(steps, list):
            # Described now, in the reader's language; the stored lines are the worker's.
            entry.detail = "; ".join(_step(step) for step in steps if isinstance(step, dict))
        else:
            entry.detail = "; ".join(str(line) for line in data.get("actions") or [])
    elif kind == EventKind.RATED:
        who = str(event.actor) if event.actor is not None else case_customer
        if old is None:
            text = _("%(actor)s rated the service %(score)s out of 5") % {
                "actor": who,
                "score": data.get("score"),
            }
        else:
            text = _("%(actor)s changed the rating from %(old)s to %(new)s out of 5") % {
                "actor": who,
                "old": old,
                "new": data.get("score"),
            }
    elif kind in AFTERSALES_KINDS:
        text = aftersales_sentence(kind, actor, data)
        entry.link_href, entry.link_text = record_link(data)
        entry.detail = str(data.get("note") or "")
    else:
        text = _("%(actor)s: %(what)s") % {"actor": actor, "what": choice_label(EventKind, kind)}
    if kind in (EventKind.ASSIGNED, EventKind.TRANSFERRED) and data.get("reason"):
        reason = str(data["reason"])
        known_reason = ROUTING_REASONS.get(reason)
        entry.detail = str(known_reason) if known_reason is not None else reason
    entry.sentences = [text]
    return entry


def stream_entries(page: ConversationPage, *, customer_name: str) -> list[Entry]:
    """The page's items as entries, oldest first."""
    messages = [item.message for item in page.items if item.message is not None]
    mail = _mail_facts(messages)
    # Every public message, not only the agents': the query then runs on any page with a public
    # message, so a page's query count does not depend on who wrote what.
    deliveries = message_deliveries([m.pk for m in messages if not m.is_internal])
    entries = []
    for item in page.items:
        if item.message is not None:
            entries.append(
                _message_entry(item.message, mail.get(item.message.pk), deliveries.get(item.message.pk))
            )
        elif item.event is not None:
            entries.append(_event_entry(item.event, customer_name))
    return entries
