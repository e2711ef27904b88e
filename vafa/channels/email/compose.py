"""Outbound e-mail as customers receive it: subjects, bodies rendered from templates, threading headers.

Templates live under `channels/email/` in any template directory. For each kind of mail
(acknowledgement, reply, resolved) and each part (.html, .txt), a per-language template is looked up
first and the generic one after it:

    channels/email/<language>/<kind>.html   then   channels/email/<kind>.html
    channels/email/<language>/<kind>.txt    then   channels/email/<kind>.txt

so a business may word the Persian acknowledgement its own way (in its project's `templates/` folder)
while every other language keeps the translated generic template. The HTML templates extend
`channels/email/base.html`, which sets `lang` and `dir` from the case's language.
"""

from __future__ import annotations

import re
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from vafa.channels.models import Mailbox, OutboundMail
from vafa.core.dates import format_date
from vafa.core.text import sanitize_html
from vafa.service.models import Case, Message

TEMPLATE_DIR = "channels/email"
# Reply and forward prefixes of the common clients and languages ("Re:", "AW:", "رد:", "Ответ:" …),
# stripped so a reply's subject never reads "Re: Re: …".
_PREFIXES = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|odp|ynt|رد|پاسخ|ответ|отв|fw)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


def email_template_names(kind: str, language: str, extension: str) -> list[str]:
    """The templates tried for one part of a mail, the per-language one first."""
    return [f"{TEMPLATE_DIR}/{language}/{kind}.{extension}", f"{TEMPLATE_DIR}/{kind}.{extension}"]


def case_token(case: Case) -> str:
    return f"[{case.reference}]"


def bare_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and without any case token."""
    token = re.compile(r"\[\s*" + re.escape(settings.VAFA_CASE_PREFIX) + r"\d+\s*\]", re.IGNORECASE)
    previous = None
    text = subject
    while previous != text:
        previous = text
        text = _PREFIXES.sub("", token.sub("", text)).strip()
    return " ".join(text.split())


def outbound_subject(*, case: Case, kind: str) -> str:
    """The subject of a mail about the case, always carrying its token so a bare reply still threads."""
    token = case_token(case)
    base = bare_subject(case.subject)
    if kind == OutboundMail.Kind.REPLY:
        return f"Re: {token} {base}".strip()[:300]
    if kind == OutboundMail.Kind.RESOLVED:
        with translation.override(case.language):
            # Translators: the subject of the "your request was resolved" e-mail. Keep %(token)s: replies
            # are matched to the case by it.
            subject = gettext("%(token)s Your request has been resolved: %(subject)s") % {
                "token": token,
                "subject": base,
            }
        if token not in subject:
            subject = f"{token} {subject}"
        return subject.strip()[:300]
    return f"{token} {base}".strip()[:300]


def sender(mailbox: Mailbox | None) -> str:
    """The From header: the mailbox's name and address, or the site's default sender."""
    if mailbox is None:
        return str(settings.DEFAULT_FROM_EMAIL)
    return formataddr((mailbox.from_name or mailbox.name, mailbox.address))


def sender_address(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1].lower()
    return mailbox.address.lower()


def _first_name(message: Message | None) -> str:
    user = message.author_user if message is not None else None
    if user is None or not user.full_name.strip():
        return ""
    return user.full_name.split()[0]


def _context(outbound: OutboundMail) -> dict[str, Any]:
    case = outbound.case
    customer = case.customer
    language = outbound.language
    message = outbound.message
    mailbox = outbound.mailbox

    def when(value: Any) -> str:
        return format_date(value, language=language, tz=customer.time_zone or None, native_digits=True)

    return {
        "language": language,
        "direction": "rtl" if translation.get_language_info(language)["bidi"] else "ltr",
        "subject": outbound.subject,
        "case": case,
        "reference": case.reference,
        "case_subject": case.subject,
        "customer_name": customer.name,
        "opened_at": when(case.created_at),
        "resolved_at": when(case.resolved_at),
        "summary": case.resolution_summary,
        "agent_name": _first_name(message),
        # Stored bodies were sanitised when written; cleaning again costs little and keeps the mail
        # safe from rows written by other means.
        "body_html": mark_safe(sanitize_html(message.body_html)) if message is not None else "",  # noqa: S308
        "body_text": message.body_text if message is not None else "",
        "signature": mailbox.signature.strip() if mailbox is not None else "",
        "sender_name": (mailbox.from_name or mailbox.name) if mailbox is not None else "",
    }


def _attachments(message: Message) -> list[MIMEBase | tuple[str, bytes, str]]:
    parts: list[MIMEBase | tuple[str, bytes, str]] = []
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            content = handle.read()
        if attachment.content_id:
            # An inline image: the HTML refers to it as cid:<content_id>.
            maintype, _slash, subtype = attachment.content_type.partition("/")
            part = MIMEBase(maintype or "application", subtype or "octet-stream")
            part.set_payload(content)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "inline", filename=attachment.filename)
            part.add_header("Content-ID", f"<{attachment.content_id.strip('<>')}>")
            parts.append(part)
        else:
            parts.append((attachment.filename, content, attachment.content_type))
    return parts


def _subject_header(subject: str) -> str:
    """The subject as RFC 2047 words that each fit a line.

    Django encodes a non-ASCII subject as one long encoded word, which the generator then moves to a
    continuation line ("Subject:" followed by a fold), and readers show the subject with a leading
    space. Words cut to fit after "Subject: " fold between words instead, where the space is ignored.
    """
    if subject.isascii():
        return subject
    return Header(subject, "utf-8", header_name="Subject").encode().replace("\n ", " ")


def outbound_message_build(
    outbound: OutboundMail, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """Render the mail in the case's language, with its fixed Message-ID and threading headers."""
    context = _context(outbound)
    with translation.override(outbound.language):
        rendered = render_to_string(email_template_names(outbound.kind, outbound.language, "txt"), context)
        # Template tags leave blank lines behind; a plain-text mail keeps one between paragraphs.
        text = _BLANK_LINES.sub("\n\n", rendered.strip()) + "\n"
        html = render_to_string(email_template_names(outbound.kind, outbound.language, "html"), context)
    headers = {
        # Fixed when the mail was queued: every retry is the same message to the recipient's client.
        "Message-ID": f"<{outbound.rfc_message_id}>",
        "Content-Language": outbound.language,
        "X-Vafa-Case": outbound.case.reference,
    }
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        headers["References"] = outbound.references
    # RFC 3834: notifications say they were sent by a machine, so auto-responders stay quiet; an
    # agent's reply is written by a person and carries neither header.
    if outbound.kind == OutboundMail.Kind.ACKNOWLEDGEMENT:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    elif outbound.kind == OutboundMail.Kind.RESOLVED:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMultiAlternatives(
        subject=_subject_header(outbound.subject),
        body=text,
        from_email=sender(outbound.mailbox),
        to=list(outbound.to_addresses),
        cc=list(outbound.cc_addresses),
        reply_to=[outbound.mailbox.address] if outbound.mailbox is not None else None,
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(html, "text/html")
    if outbound.kind == OutboundMail.Kind.REPLY and outbound.message is not None:
        for part in _attachments(outbound.message):
            if isinstance(part, MIMEBase):
                email.attach(part)
            else:
                email.attach(*part)
    return email
