"""Read a raw e-mail into what a case needs: who, threading, the text, attachments, and loop signals.

Pure parsing: no database, no storage. Anything a customer sent that cannot be decoded is decoded as
far as it goes (replacement characters, recorded defects) rather than refused; only bytes that are not
an e-mail at all raise MailParseError.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import mimetypes
import re
import secrets
from dataclasses import dataclass, field, replace
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.policy import default as _stdlib_default_policy

from django.utils.translation import gettext as _
from flufl.bounce import scan_message

from vafa.channels.email.decode import (
    ADDRESS_PATTERN,
    FOLDED_LINE,
    SPACES,
    Address,
    addresses_from,
    date_from,
    decode_bytes,
    decode_header_text,
    decode_header_value,
    message_ids_from,
    tidy,
)
from vafa.channels.email.language import guess_language
from vafa.channels.email.quotes import Split, has_forward_marker, split_html, split_text
from vafa.core.text import html_to_text, sanitize_html, text_to_html


class _CachingHeaderRegistry(HeaderRegistry):
    """The modern policy's header parsing, remembered for values seen before.

    The parser asks for a part's Content-Type many times while it walks a message, and each time
    the header registry parses it from scratch; most values ("text/plain; charset=utf-8") repeat
    from mail to mail. Header objects are immutable, so one can serve every message.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        header = self._seen.get(key)
        if header is None:
            header = super().__call__(name, value)
            if len(self._seen) >= self.MAX_ENTRIES:
                self._seen.clear()
            self._seen[key] = header
        return header


default_policy = _stdlib_default_policy.clone(header_factory=_CachingHeaderRegistry())


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool


@dataclass(frozen=True)
class SkippedPart:
    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime.datetime | None
    text: str
    html: str
    new_text: str
    attachments: tuple[Part, ...]
    skipped: tuple[SkippedPart, ...]
    auto_reply: bool
    auto_reason: str
    bounce: bool
    bounced_addresses: tuple[str, ...]
    bounced_message_id: str
    forwarded: bool
    language: str | None
    defects: tuple[str, ...]
    content_hash: str


class MailParseError(Exception):
    """The bytes are not a readable e-mail at all (empty, no header block, binary junk)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# --- loops and noise --------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?response|auto[- ]?reply|auto\s*:"
    r"|abwesenheitsnotiz|automatische antwort|réponse automatique|absence"
    r"|پاسخ خودکار|خارج از دفتر|رد تلقائي|الرد التلقائي|رد آلي|خارج المكتب"
    r"|автоматический ответ|автоответ|нет на месте|вне офиса)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:fwd?|fw|tr|wg|rv|ارسال مجدد|هدایت|فوروارد|بازارسال|إعادة توجيه|إعادة إرسال|توجيه|пересл|переслано)"
    r"\s*[:：]",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|mail delivery failed|returned mail|failure notice"
    r"|delivery failure|returning message to sender",
    re.IGNORECASE,
)
_SUBJECT_NOISE = re.compile(r"\[[^\]]*\]|^\s*(?:(?:re|aw|sv|fwd?|fw|tr|wg|rv)\s*[:：]\s*)+", re.IGNORECASE)
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})
_INLINE_MESSAGE_ID = re.compile(r"(?im)^message-id:\s*<([^<>\s]+)>")


def _auto_reason(headers: dict[str, list[str]], subject: str) -> str:
    def first(name: str) -> str:
        return headers.get(name, [""])[0].strip().lower()

    auto_submitted = first("auto-submitted").split(";")[0].strip()
    if "auto-submitted" in headers and auto_submitted != "no":
        return "auto-submitted"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers:
            return name
    suppress = first("x-auto-response-suppress")
    if any(word in suppress for word in ("oof", "autoreply", "all")):
        return "x-auto-response-suppress"
    if first("precedence") in ("bulk", "junk", "list"):
        return "precedence"
    if "precedence" in headers and ("list-id" in headers or "list-unsubscribe" in headers):
        return "list"
    if _AUTO_SUBJECT.match(subject):
        return "subject"
    return ""


# --- the parts ------------------------------------------------------------------------------------

_BASE64_START = re.compile(rb"\n\r?\n(?=[A-Za-z0-9+/]{16})")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\s]")
_BASE64_HEADER = re.compile(rb"(?im)^content-transfer-encoding:[ \t]*\"?base64")
_ELIDED = "x-vafa-elided"
_CHARSET_PARAM = re.compile(r"(?i)\bcharset\s*=\s*[\"']?([^\"';\s]+)")
# The sanitiser keeps the text of <title>; a mail's <head> is never part of what was written.
_HEAD = re.compile(r"(?is)<head\b.*?</head\s*>|<title\b.*?</title\s*>")
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_MAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "sender",
        "content-type",
        "mime-version",
        "return-path",
        "delivered-to",
        "reply-to",
        "in-reply-to",
        "references",
    }
)
_HEADER_LINE = re.compile(rb"^(?:From .*|[!-9;-~]+[ \t]*:.*)$")
_MAX_DEPTH = 20


def _elide_huge_parts(raw: bytes, limit: int, nonce: str) -> bytes:
    """Cut base64 bodies over `limit` out before parsing, leaving a header with their decoded size.

    The email package would hold a 50 MB attachment several times over (lines, joined payload,
    decoded bytes) only for the part to be refused as too large. The scan walks the bytes without
    copying them (a repeated-group regex would keep a backtracking entry per line).
    """
    pieces: list[bytes] = []
    position = 0
    for match in _BASE64_START.finditer(raw):
        if match.start() < position:
            continue
        start = match.end()
        bad = _NOT_BASE64.search(raw, start)
        end = raw.rfind(b"\n", start, bad.start() if bad else len(raw)) + 1
        if end <= start or (end - start) * 3 // 4 <= limit:
            continue
        header_start = max(raw.rfind(b"\n\n", 0, match.start()), raw.rfind(b"\n\r\n", 0, match.start()), 0)
        if match.start() - header_start > 16384 or not _BASE64_HEADER.search(
            raw, header_start, match.start()
        ):
            continue
        spaces = sum(raw.count(char, start, end) for char in (b"\n", b"\r", b" ", b"\t"))
        size = (end - start - spaces) * 3 // 4 - raw.count(b"=", max(start, end - 8), end)
        if size <= limit:
            continue
        cut = match.start() - 1 if raw[match.start() - 1 : match.start()] == b"\r" else match.start()
        pieces.append(raw[position:cut])
        pieces.append(f"\r\nX-Vafa-Elided: {nonce} {size}\r\n\r\n".encode("ascii"))
        position = end
    if not pieces:
        return raw
    pieces.append(raw[position:])
    return b"".join(pieces)


def _check_readable(raw: bytes) -> None:
    if not re.search(rb"\S", raw):
        raise MailParseError("empty", "The message has no content.")
    head = raw[:65536]
    blank = re.search(rb"\r?\n\r?\n", head)
    header_block = head[: blank.start()] if blank else head
    if b"\x00" in header_block:
        raise MailParseError("not_mail", "The data is binary, not an e-mail.")
    first_line = head.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    if not _HEADER_LINE.match(first_line):
        raise MailParseError("not_mail", "The data does not start with a header block.")


@dataclass
class _Segment:
    plain: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class _Forward:
    text: str
    html: str
    # What the forwarded message says, without the translated labels around it (for the content hash).
    content: str


@dataclass
class _Body:
    segments: list[_Segment] = field(default_factory=list)
    forwards: list[_Forward] = field(default_factory=list)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, Message)]


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _raw_headers(part: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in part.raw_items():
        headers.setdefault(name.lower(), []).append(str(value))
    return headers


def _raw(part: Message, name: str) -> str:
    """A part's raw header value, unparsed: the header registry is the slow half of the email package."""
    for key, value in part.raw_items():
        if key.lower() == name:
            return FOLDED_LINE.sub("", str(value)).strip()
    return ""


def _charset(part: Message) -> str | None:
    match = _CHARSET_PARAM.search(_raw(part, "content-type"))
    return match.group(1) if match else None


def _defect_names(part: Message) -> list[str]:
    return [type(defect).__name__ for defect in part.defects]


class _Reader:
    """Walk one message's MIME tree once, collecting body, attachments and report fields."""

    def __init__(self, message: Message, *, max_part_bytes: int, max_parts: int, nonce: str) -> None:
        self.message = message
        self.max_part_bytes = max_part_bytes
        self.max_parts = max_parts
        self.nonce = nonce
        self.attachments: list[Part] = []
        self.skipped: list[SkippedPart] = []
        self.defects: list[str] = []
        self.counter = 0
        self.report_type = ""
        self.dsn_failed: list[str] = []
        self.returned_message_id = ""
        self.rfc822_attached = False
        self.charset_hint: str | None = None
        self.hashes: list[str] = []

    # walking

    def walk(self, part: Message, body: _Body, depth: int = 0) -> None:
        self.defects.extend(_defect_names(part))
        if depth > _MAX_DEPTH:
            self.defects.append("NestingTooDeep")
            return
        try:
            content_type = part.get_content_type()
            if content_type == "message/rfc822" and part.is_multipart():
                self._forwarded(part, body, depth)
            elif content_type == "multipart/report":
                self._report(part, body, depth)
            elif content_type == "multipart/alternative" and part.is_multipart():
                self._alternative(part, body, depth)
            elif part.is_multipart():
                for child in _children(part):
                    self.walk(child, body, depth + 1)
            elif content_type.startswith("multipart/"):
                self._recover_multipart(part, body, depth)
            else:
                self._leaf(part, body, content_type)
        except Exception as error:  # noqa: BLE001 -- one broken part must not lose the rest of the mail
            self.defects.append(f"UnreadablePart:{type(error).__name__}")
            payload = part.get_payload()
            self._skip(part, "undecodable", len(payload) if isinstance(payload, str) else 0)

    def _alternative(self, part: Message, body: _Body, depth: int) -> None:
        plain: str | None = None
        rich: str | None = None
        for child in _children(part):
            inner = _Body()
            self.walk(child, inner, depth + 1)
            body.forwards.extend(inner.forwards)
            for segment in inner.segments:
                if segment.plain is not None and plain is None:
                    plain = segment.plain
                if segment.html is not None:
                    rich = segment.html
        if plain is not None or rich is not None:
            body.segments.append(_Segment(plain=plain, html=rich))

    def _forwarded(self, part: Message, body: _Body, depth: int) -> None:
        messages = _children(part)
        if not messages:
            self._keep(part, "message/rfc822")
            return
        self.rfc822_attached = True
        inner_message = messages[0]
        inner = _Body()
        self.walk(inner_message, inner, depth + 1)
        headers = _raw_headers(inner_message)
        lines = []
        for label, name in (
            (_("From"), "from"),
            (_("Date"), "date"),
            (_("Subject"), "subject"),
            (_("To"), "to"),
        ):
            if name in headers:
                value = SPACES.sub(" ", decode_header_value(headers[name][0])).strip()
                lines.append(_("%(label)s: %(value)s") % {"label": label, "value": value})
        marker = "---------- " + _("Forwarded message") + " ----------"
        text, rich = _compose(inner.segments)
        block_text = "\n".join([marker, *lines, "", text])
        header_html = "<br>".join(html.escape(line) for line in lines)
        block_html = f'<div class="vafa-forwarded"><p>{html.escape(marker)}<br>{header_html}</p>{rich}</div>'
        content = "\x00".join(
            [
                *(header for name in ("from", "date", "subject", "to") for header in headers.get(name, [])),
                text,
                rich,
            ]
        )
        body.forwards.append(_Forward(text=block_text, html=block_html, content=content))
        body.forwards.extend(inner.forwards)

    def _report(self, part: Message, body: _Body, depth: int) -> None:
        self.report_type = self.report_type or str(part.get_param("report-type", "") or "").lower()
        children = _children(part)
        for child in children:
            content_type = child.get_content_type()
            if content_type == "message/delivery-status":
                self._delivery_status(child)
            elif content_type in ("message/rfc822", "text/rfc822-headers"):
                self._returned_headers(child)
            else:
                self.walk(child, body, depth + 1)
        if not children:
            self._recover_multipart(part, body, depth)

    def _delivery_status(self, part: Message) -> None:
        blocks = _children(part)
        if not part.is_multipart():
            text = decode_bytes(_payload_bytes(part), "utf-8", self.defects)
            blocks = [HeaderParser().parsestr(block) for block in re.split(r"\r?\n\s*\r?\n", text)]
        for block in blocks:
            action = str(block.get("action", "")).strip().lower()
            recipient = str(block.get("final-recipient", "") or block.get("original-recipient", ""))
            if not action.startswith(("fail", "error")) or not recipient:
                continue
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if ADDRESS_PATTERN.match(address):
                self.dsn_failed.append(address)

    def _returned_headers(self, part: Message) -> None:
        returned = _children(part)
        if returned:
            value = str(returned[0].get("message-id", ""))
        else:
            text = decode_bytes(_payload_bytes(part), "utf-8", self.defects)
            value = str(HeaderParser().parsestr(text, headersonly=True).get("message-id", ""))
        ids = message_ids_from(value)
        if ids and not self.returned_message_id:
            self.returned_message_id = ids[0]

    def _recover_multipart(self, part: Message, body: _Body, depth: int) -> None:
        """Read a multipart whose boundary is missing or wrong by guessing it from the body."""
        self.defects.append("MultipartWithoutParts")
        raw = _payload_bytes(part)
        match = re.search(rb"(?m)^--([^\s]{1,70})\r?$", raw)
        if match is not None:
            header = f'Content-Type: {part.get_content_type()}; boundary="{match.group(1).decode("ascii", "replace")}"'
            rebuilt = BytesParser(policy=default_policy).parsebytes(
                header.encode("ascii", "replace") + b"\n\n" + raw
            )
            if rebuilt.is_multipart():
                for child in _children(rebuilt):
                    self.walk(child, body, depth + 1)
                return
        body.segments.append(_Segment(plain=decode_bytes(raw, _charset(part), self.defects)))

    def _leaf(self, part: Message, body: _Body, content_type: str) -> None:
        attached = _raw(part, "content-disposition").lower().startswith("attachment")
        if content_type in _BODY_TYPES and not attached:
            if self._elided_size(part) is not None or self._encoded_size(part) > self.max_part_bytes:
                self._keep(part, content_type)
                return
            charset = _charset(part)
            self.charset_hint = self.charset_hint or charset
            text = tidy(decode_bytes(_payload_bytes(part), charset, self.defects))
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if content_type == "text/html":
                body.segments.append(_Segment(html=_HEAD.sub("", text)))
            else:
                body.segments.append(_Segment(plain=text))
            return
        self._keep(part, content_type)

    # attachments

    def _elided_size(self, part: Message) -> int | None:
        nonce, _space, size = _raw(part, _ELIDED).partition(" ")
        if nonce == self.nonce and size.isdigit():
            return int(size)
        return None

    def _encoded_size(self, part: Message) -> int:
        payload = part.get_payload()
        if not isinstance(payload, str):
            return 0
        if _raw(part, "content-transfer-encoding").strip('"').lower() == "base64":
            return len(payload) * 3 // 4
        return len(payload)

    def _filename(self, part: Message, content_type: str) -> str:
        try:
            name = part.get_filename() or ""
        except (LookupError, ValueError, TypeError):
            name = ""
            self.defects.append("UndecodableFilename")
        name = decode_header_value(name)
        name = re.split(r"[/\\]", name)[-1]
        name = "".join(char for char in name if char.isprintable()).strip().strip(".")[:200]
        if name:
            return name
        extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
        return f"part-{self.counter}{extension}"

    def _skip(self, part: Message, reason: str, size: int, content_type: str = "") -> None:
        self.counter += 1
        try:
            content_type = content_type or part.get_content_type()
            filename = self._filename(part, content_type)
        except Exception:  # noqa: BLE001 -- the record of a broken part must not fail too
            filename, content_type = f"part-{self.counter}.bin", "application/octet-stream"
        self.skipped.append(
            SkippedPart(filename=filename, content_type=content_type, size=size, reason=reason)
        )

    def _keep(self, part: Message, content_type: str) -> None:
        elided = self._elided_size(part)
        if elided is not None:
            self._skip(part, "too_large", elided, content_type)
            return
        estimate = self._encoded_size(part)
        if estimate > self.max_part_bytes * 1.05:
            self._skip(part, "too_large", estimate, content_type)
            return
        defects_before = len(part.defects)
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes) or (
            not content and estimate and len(part.defects) > defects_before
        ):
            self.defects.extend(_defect_names(part)[defects_before:])
            self._skip(part, "undecodable", estimate, content_type)
            return
        self.defects.extend(_defect_names(part)[defects_before:])
        if len(content) > self.max_part_bytes:
            self._skip(part, "too_large", len(content), content_type)
            return
        if len(self.attachments) >= self.max_parts:
            self._skip(part, "too_many", len(content), content_type)
            return
        self.counter += 1
        content_id = message_ids_from(_raw(part, "content-id"))
        raw_id = _raw(part, "content-id").strip("<>")
        self.attachments.append(
            Part(
                filename=self._filename(part, content_type),
                content_type=content_type,
                content=content,
                content_id=content_id[0] if content_id else raw_id,
                inline=False,
            )
        )


def _compose(segments: list[_Segment]) -> tuple[str, str]:
    """Join body segments into (plain text, raw HTML), deriving whichever form a segment lacks."""
    texts: list[str] = []
    rich: list[str] = []
    for segment in segments:
        if segment.plain is not None:
            texts.append(segment.plain.strip("\n"))
        elif segment.html is not None:
            texts.append(html_to_text(sanitize_html(segment.html)))
        rich.append(segment.html if segment.html is not None else text_to_html(segment.plain or ""))
    return "\n\n".join(text for text in texts if text), "".join(rich)


def _fold(summary: str, css_class: str, content: str) -> str:
    if not content.strip():
        return ""
    return f'<details class="{css_class}"><summary>{html.escape(summary)}</summary>{content}</details>'


def _has_mail_headers(headers: dict[str, list[str]]) -> bool:
    return bool(_MAIL_HEADERS.intersection(headers))


def parse_mail(raw: bytes, *, max_part_bytes: int, max_parts: int) -> ParsedMail:
    """Parse raw e-mail bytes; raise MailParseError only when they are not an e-mail at all."""
    _check_readable(raw)
    nonce = secrets.token_hex(8)
    prepared = _elide_huge_parts(raw, max_part_bytes, nonce) if len(raw) > max_part_bytes else raw
    try:
        message = BytesParser(policy=default_policy).parsebytes(prepared)
        headers = _raw_headers(message)
        if not _has_mail_headers(headers):
            raise MailParseError("not_mail", "The data has no e-mail headers.")
        return _build(message, headers, max_part_bytes=max_part_bytes, max_parts=max_parts, nonce=nonce)
    except MailParseError:
        raise
    except Exception as error:  # noqa: BLE001 -- the caller quarantines with the reason instead of crashing
        raise MailParseError("unreadable", f"{type(error).__name__}: {error}") from error


def _build(
    message: Message, headers: dict[str, list[str]], *, max_part_bytes: int, max_parts: int, nonce: str
) -> ParsedMail:
    reader = _Reader(message, max_part_bytes=max_part_bytes, max_parts=max_parts, nonce=nonce)
    body = _Body()
    reader.walk(message, body)
    hint = reader.charset_hint

    def header(name: str) -> str:
        return headers.get(name, [""])[0]

    def decoded(name: str) -> str:
        return tidy(decode_header_text(header(name), hint)) if name in headers else ""

    subject = SPACES.sub(" ", decoded("subject")).strip()
    senders = [address for address in addresses_from(headers.get("from", []), hint) if address.address]
    text, raw_html = _compose(body.segments)
    has_html = any(segment.html is not None for segment in body.segments)
    clean_html = sanitize_html(raw_html)

    text_split = split_text(text)
    new_text = text_split.new.strip()
    if has_html:
        html_split = split_html(raw_html)
        new_piece, quoted_piece, signature_piece = (sanitize_html(piece) for piece in _pieces(html_split))
        html_only = all(segment.plain is None for segment in body.segments)
        if html_only and (html_split.quoted or html_split.signature):
            new_text = html_to_text(new_piece)
    else:
        new_piece, quoted_piece, signature_piece = (
            text_to_html(text_split.new),
            text_to_html(text_split.quoted),
            text_to_html(text_split.signature),
        )
    forwards = body.forwards
    forward_texts = [forward.text for forward in forwards]
    forward_html = "".join(sanitize_html(forward.html) for forward in forwards)
    full_text = "\n\n".join(piece for piece in [text, *forward_texts] if piece.strip())
    if not new_text and forwards:
        # A bare forward: folding would leave nothing in view.
        new_text = full_text
        display_html = (clean_html + forward_html).strip()
    else:
        display_html = (
            new_piece
            + _fold(_("Show signature"), "vafa-signature", signature_piece)
            + _fold(_("Show quoted text"), "vafa-quoted", quoted_piece + forward_html)
        ).strip()

    references = tuple(
        dict.fromkeys(
            mail_id for value in headers.get("references", []) for mail_id in message_ids_from(value)
        )
    )
    in_reply_to = tuple(
        dict.fromkeys(
            mail_id for value in headers.get("in-reply-to", []) for mail_id in message_ids_from(value)
        )
    )
    message_ids = message_ids_from(header("message-id"))

    html_for_cid = (raw_html + "".join(forward.html for forward in forwards)).lower()
    attachments = tuple(
        replace(part, inline=True)
        if part.content_id and f"cid:{part.content_id.lower()}" in html_for_cid
        else part
        for part in reader.attachments
    )

    sender = senders[0] if senders else None
    auto_reason = _auto_reason(headers, subject)
    bounce, bounced, bounced_id = _bounce(message, headers, reader, sender, subject, full_text)
    if reader.report_type == "disposition-notification" and not auto_reason:
        auto_reason = "read-receipt"
    forwarded = (
        bool(_FORWARD_SUBJECT.match(subject))
        or (reader.rfc822_attached and not bounce)
        or has_forward_marker(text)
    )
    language_sample = _SUBJECT_NOISE.sub(" ", subject) + "\n" + new_text
    hash_fields = [
        message_ids[0] if message_ids else "",
        subject,
        text,
        clean_html,
        *(forward.content for forward in forwards),
        *(hashlib.sha256(part.content).hexdigest() for part in attachments),
        *(f"{part.filename}\x00{part.size}\x00{part.reason}" for part in reader.skipped),
    ]
    content_hash = hashlib.sha256(
        json.dumps(hash_fields, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ).hexdigest()
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        sender=sender,
        reply_to=addresses_from(headers.get("reply-to", []), hint),
        to=addresses_from(headers.get("to", []), hint),
        cc=addresses_from(headers.get("cc", []), hint),
        date=date_from(header("date")),
        text=full_text,
        html=display_html,
        new_text=new_text,
        attachments=attachments,
        skipped=tuple(reader.skipped),
        auto_reply=bool(auto_reason),
        auto_reason=auto_reason,
        bounce=bounce,
        bounced_addresses=bounced,
        bounced_message_id=bounced_id,
        forwarded=forwarded,
        language=guess_language(language_sample),
        defects=tuple(dict.fromkeys(reader.defects)),
        content_hash=content_hash,
    )


def _pieces(split: Split) -> tuple[str, str, str]:
    return split.new, split.quoted, split.signature


def _bounce(
    message: Message,
    headers: dict[str, list[str]],
    reader: _Reader,
    sender: Address | None,
    subject: str,
    text: str,
) -> tuple[bool, tuple[str, ...], str]:
    """Return (is a bounce, permanently failed recipients, Message-ID of the bounced message)."""
    local_part = sender.address.split("@", 1)[0] if sender else ""
    daemon = local_part in _DAEMONS
    empty_envelope = any(value.strip() in ("<>", "") for value in headers.get("return-path", []))
    dsn = reader.report_type == "delivery-status"
    candidate = (
        dsn
        or daemon
        or empty_envelope
        or "x-failed-recipients" in headers
        or bool(_BOUNCE_SUBJECT.search(subject))
    )
    found: list[str] = list(reader.dsn_failed)
    if candidate:
        try:
            scanned = scan_message(message)
        except Exception:  # noqa: BLE001 -- heuristic third-party detectors on untrusted input
            reader.defects.append("BounceScanFailed")
            scanned = frozenset()
        found.extend(sorted(address.decode("ascii", "replace").lower() for address in scanned))
    bounce = dsn or bool(found) or (daemon and empty_envelope)
    if not bounce:
        return False, (), ""
    message_id = reader.returned_message_id
    if not message_id:
        match = _INLINE_MESSAGE_ID.search(text)
        message_id = match.group(1) if match else ""
    return True, tuple(dict.fromkeys(found)), message_id
