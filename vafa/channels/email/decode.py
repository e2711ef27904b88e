"""Decoding what e-mail headers and text parts carry: charsets, encoded words, addresses, ids, dates.

Customers write in UTF-8 and in the legacy charsets of Persian, Arabic and Russian mail clients, and
labels lie; everything here decodes as far as it can (replacement characters, recorded defects)
and never raises.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime
import re
from dataclasses import dataclass
from email import utils as email_utils

import charset_normalizer

from vafa.channels.email.language import guess_language


@dataclass(frozen=True)
class Address:
    name: str
    address: str


# --- charsets -----------------------------------------------------------------------------------

# The charsets customers of Vafa write in; detection is confined to them because open-ended
# detection takes short KOI8-R or ISO-8859-6 text for Japanese or Thai.
_LIKELY_CHARSETS = ["utf_8", "cp1256", "iso8859_6", "koi8_r", "cp1251", "cp1252"]
_LATIN_CODECS = frozenset({"iso8859-1", "iso8859-15", "cp1252"})
_CHARSET_ALIASES = {"unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8", "utf8mb4": "utf-8"}


def _codec(label: str | None) -> str | None:
    """Python's codec name for a MIME charset label, None if unknown or not a text encoding."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if name.startswith("x-mac-"):
        name = "mac_" + name[6:]
    if not name.isascii():
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _detect(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data, cp_isolation=_LIKELY_CHARSETS).best()
    return None if best is None else str(best)


def _misdeclared_latin(text: str) -> bool:
    """Tell whether text decoded as Latin-1 is really Cyrillic or Arabic bytes under a wrong label."""
    letters = [char for char in text if char.isalpha()]
    foreign = sum(1 for char in letters if not char.isascii())
    return foreign >= 8 and foreign > len(letters) * 0.4


def decode_bytes(data: bytes, label: str | None, defects: list[str]) -> str:
    """Decode `data` by its label, else by detection among likely charsets, else as Latin-1."""
    codec = _codec(label)
    if label and codec is None:
        defects.append("UnknownCharset")
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            defects.append("CharsetMismatch")
        else:
            if codec not in _LATIN_CODECS or not _misdeclared_latin(text):
                return text
            detected = _detect(data)
            if detected is not None and guess_language(detected) in ("ru", "ar", "fa"):
                defects.append("CharsetMismatch")
                return detected
            return text
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    detected = _detect(data)
    if detected is not None:
        return detected
    defects.append("UndecodableText")
    return data.decode("latin-1", errors="replace")


# --- headers --------------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
FOLDED_LINE = re.compile(r"\r?\n(?=[ \t])")
SPACES = re.compile(r"\s+")
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if not cleaned:
            return payload.encode("ascii", "replace")
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    raw = payload.replace("_", " ").encode("ascii", "replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda match: bytes([int(match.group(1), 16)]), raw)


def _decode_8bit(value: str, hint: str | None) -> str:
    """Decode header bytes sent raw (no encoded words): UTF-8, else the body's charset, else detection."""
    data = value.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = _codec(hint)
    if codec is not None and codec != "utf-8":
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return _detect(data) or data.decode("latin-1")


def decode_header_text(value: str, hint: str | None = None) -> str:
    value = FOLDED_LINE.sub("", value)
    if _SURROGATES.search(value):
        value = _decode_8bit(value, hint)
    if "=?" not in value:
        return value
    pieces: list[str] = []
    pending_charset = ""
    pending = b""
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset:
            codec = _codec(pending_charset)
            if codec is not None:
                pieces.append(pending.decode(codec, errors="replace"))
            else:
                pieces.append(_decode_8bit(pending.decode("ascii", "surrogateescape"), hint))
        pending, pending_charset = b"", ""

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
        if not (pending_charset and not between.strip()):
            flush()
            pieces.append(between)
        charset = match.group(1).lower()
        data = _word_bytes(match.group(2), match.group(3))
        if charset != pending_charset:
            # Words in one charset are joined first: senders split a multi-byte letter across two.
            flush()
            pending_charset = charset
        pending += data
        position = match.end()
    flush()
    pieces.append(value[position:])
    return "".join(pieces)


def decode_header_value(value: str) -> str:
    """Return a header's text with encoded words and raw 8-bit bytes decoded; never raise."""
    try:
        return tidy(decode_header_text(value))
    except Exception:  # noqa: BLE001 -- a header the decoder chokes on is still shown as sent
        return tidy(value)


def tidy(value: str) -> str:
    # PostgreSQL text refuses NUL, and lone surrogates cannot be encoded at all.
    return _SURROGATES.sub("\ufffd", value).replace("\x00", "")


ADDRESS_PATTERN = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+$")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def addresses_from(values: list[str], hint: str | None) -> tuple[Address, ...]:
    result: list[Address] = []
    for value in values:
        unfolded = FOLDED_LINE.sub("", value)
        if _SURROGATES.search(unfolded):
            unfolded = _decode_8bit(unfolded, hint)
        for name, address in email_utils.getaddresses([unfolded]):
            address = tidy(address.strip().lower())
            if not ADDRESS_PATTERN.match(address):
                address = ""
            name = SPACES.sub(" ", decode_header_value(name)).strip()
            if name or address:
                result.append(Address(name=name, address=address))
    return tuple(result)


def message_ids_from(value: str) -> tuple[str, ...]:
    ids = _MESSAGE_ID.findall(value) or [token for token in re.split(r"[\s,]+", value) if "@" in token]
    return tuple(dict.fromkeys(tidy(mail_id.strip()) for mail_id in ids if mail_id.strip()))


def date_from(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = email_utils.parsedate_to_datetime(FOLDED_LINE.sub("", value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def subject_case_numbers(subject: str, prefix: str) -> list[int]:
    """Return the case numbers of the "[<prefix><n>]" tokens in `subject`, in order."""
    pattern = re.compile(r"\[" + re.escape(prefix) + r"([0-9\u06f0-\u06f9\u0660-\u0669]+)\]", re.IGNORECASE)
    return list(dict.fromkeys(int(digits) for digits in pattern.findall(subject)))
