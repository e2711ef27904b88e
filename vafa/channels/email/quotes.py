"""Split a message body into what the customer wrote now, the quoted history and the signature.

Nothing is dropped: the three pieces together hold the whole body. Only the display folds the
quoted history and the signature away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from vafa.core.text import html_to_text, sanitize_html


@dataclass(frozen=True)
class Split:
    new: str
    quoted: str
    signature: str


_ATTRIBUTION = re.compile(
    r"(?:\bwrote|\bschrieb|a écrit|نوشت|نوشته(?: است)?|كتب|كتبت|пишет|написала?|написал\(а\))\s*:\s*$",
    re.IGNORECASE,
)
# Arabic clients put the name after the verb: «في ‏6 يناير 2025، كتب Vafa Support <support@vafa.test>:».
_ATTRIBUTION_ARABIC = re.compile(r"^في\s.{2,300}\sكتب\s.{1,200}:\s*$")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|forwarded message|исходное сообщение|пересылаемое сообщение"
    r"|پیام اصلی|پیام هدایت ?شده|پیام ارسال ?شده|پیام بازارسال ?شده|الرسالة الأصلية"
    r"|الرسالة المعاد توجيهها|رسالة معاد توجيهها|ursprüngliche nachricht|weitergeleitete nachricht"
    r"|message d'origine|message transféré)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|пересылаемое сообщение|پیام هدایت ?شده|پیام ارسال ?شده"
    r"|پیام بازارسال ?شده|الرسالة المعاد توجيهها|رسالة معاد توجيهها|weitergeleitete nachricht"
    r"|message transféré)\s*-{2,}|begin forwarded message:|début du message réexpédié\s*:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_BEGIN_FORWARDED = re.compile(r"^\s*(?:begin forwarded message:|début du message réexpédié\s*:)\s*$", re.I)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|от|از|من|von|de)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:sent|date|to|subject|cc|отправлено|дата|кому|тема|копия|ارسال شده|تاریخ|به|موضوع"
    r"|رونوشت|تم الإرسال|تاريخ الإرسال|التاريخ|أرسل|مرسل|إلى|الموضوع|نسخة|gesendet|datum|an|betreff"
    r"|envoyé|à|objet)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{8,}\s*$")
_SIGNATURE_DASHES = re.compile(r"^--[ \t]?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my .{1,60}|sent from (?:mail|outlook|yahoo mail) for .{1,60}|sent from yahoo mail.{0,60}"
    r"|get outlook for (?:ios|android).{0,20}|ارسال شده از .{1,60}|فرستاده شده از .{1,60}"
    r"|أرسلت من .{1,60}|أُرسلت من .{1,60}|مرسل من .{1,60}|تم الإرسال من .{1,60}|отправлено с .{1,60}"
    r"|отправлено из .{1,60}|envoyé de mon .{1,60}|von meinem .{1,60} gesendet)\s*$",
    re.IGNORECASE,
)
_HEADER_LOOKAHEAD = 6


def _clean(line: str) -> str:
    return line.replace("\u200c", " ").replace("\u200f", "").replace("\u200e", "").strip()


def has_forward_marker(text: str) -> bool:
    """Tell whether `text` carries a forwarded-message marker line."""
    return bool(_FORWARD_MARKER.search(text.replace("\u200c", " ")))


def _is_header_block(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = lines[index + 1 : index + 1 + _HEADER_LOOKAHEAD]
    return sum(1 for line in following if _HEADER_OTHER.match(line)) >= 2


def _quoted_suffix(lines: list[str]) -> list[bool]:
    """For each index, whether every non-blank line from there on starts with ">" (and one does)."""
    result = [False] * (len(lines) + 1)
    blank_after = True
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line:
            result[index] = result[index + 1]
        elif line.startswith(">"):
            result[index] = result[index + 1] or blank_after
            blank_after = False
        else:
            blank_after = False
    return result


def _attribution_end(lines: list[str], index: int) -> int | None:
    """Index of the last line of an attribution starting at `index` (it may wrap onto 3 lines)."""
    joined = ""
    for end in range(index, min(index + 3, len(lines))):
        if not lines[end]:
            return None
        joined = f"{joined} {lines[end]}".strip()
        if len(joined) > 400:
            return None
        if _ATTRIBUTION.search(joined) or _ATTRIBUTION_ARABIC.match(joined):
            return end
    return None


def _quote_start(lines: list[str]) -> int:
    quoted_from = _quoted_suffix(lines)
    for index, line in enumerate(lines):
        if not line:
            continue
        if _SEPARATOR.match(line) or _BEGIN_FORWARDED.match(line) or _is_header_block(lines, index):
            if index > 0 and _RULE.match(lines[index - 1]):
                return index - 1
            return index
        if line.startswith(">"):
            if quoted_from[index]:
                return index
            continue
        end = _attribution_end(lines, index)
        if end is not None and quoted_from[end + 1]:
            return index
    return len(lines)


def _signature_start(lines: list[str], stop: int) -> int:
    for index in range(stop - 1, -1, -1):
        if _SIGNATURE_DASHES.match(lines[index]):
            return index
    last = stop - 1
    while last >= 0 and not lines[last]:
        last -= 1
    if last >= 0 and _MOBILE_SIGNATURE.match(lines[last]):
        return last
    return stop


def split_text(text: str) -> Split:
    """Split plain text into (new, quoted, signature); fold nothing if the new part would be empty."""
    raw_lines = text.splitlines(keepends=True)
    lines = [_clean(line) for line in raw_lines]
    quote = _quote_start(lines)
    signature = _signature_start(lines, quote)
    new = "".join(raw_lines[:signature])
    if not new.strip():
        return Split(new=text, quoted="", signature="")
    return Split(
        new=new,
        quoted="".join(raw_lines[quote:]),
        signature="".join(raw_lines[signature:quote]),
    )


# --- HTML -------------------------------------------------------------------------------------

_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "protonmail_quote", "vafa-forwarded")
_TO_END_IDS = frozenset({"appendonsend", "divrplyfwdmsg", "x_divrplyfwdmsg", "olk_src_body_section"})
_SIGNATURE_CLASSES = frozenset({"gmail_signature", "moz-signature"})
_SIGNATURE_IDS = frozenset({"signature", "applemailsignature"})
_TAGS = re.compile(r"<[^>]*>")


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    start: int
    end: int

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").lower().split()

    @property
    def ident(self) -> str:
        return self.attrs.get("id", "").lower()


class _Locator(HTMLParser):
    """Record where each element starts and ends in the source, closing what authors leave open."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", source)]
        self.open: list[_Element] = []
        self.elements: list[_Element] = []
        self.body_end = len(source)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element = _Element(tag, {key: value or "" for key, value in attrs}, start, start)
        if tag in _VOID:
            element.end = start + len(self.get_starttag_text() or "")
            self.elements.append(element)
        else:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element = _Element(tag, {key: value or "" for key, value in attrs}, start, start)
        element.end = start + len(self.get_starttag_text() or "")
        self.elements.append(element)

    def handle_endtag(self, tag: str) -> None:
        position = self._offset()
        if tag == "body" and self.body_end == len(self.source):
            self.body_end = position
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth].tag == tag:
                end = self.source.find(">", position)
                end = len(self.source) if end < 0 else end + 1
                while len(self.open) > depth:
                    element = self.open.pop()
                    element.end = end if len(self.open) == depth else position
                    self.elements.append(element)
                return

    def finish(self) -> list[_Element]:
        self.close()
        while self.open:
            element = self.open.pop()
            element.end = len(self.source)
            self.elements.append(element)
        return sorted(self.elements, key=lambda element: (element.start, -element.end))


def _quote_kind(element: _Element) -> str | None:
    if element.ident in _TO_END_IDS:
        return "to_end"
    if element.tag == "blockquote" and element.attrs.get("type", "").lower() == "cite":
        return "element"
    classes = element.classes
    if "moz-cite-prefix" in classes:
        return "prefix"
    if any(name.startswith(_QUOTE_CLASSES) for name in classes):
        return "element"
    return None


def _is_signature(element: _Element) -> bool:
    return bool(_SIGNATURE_CLASSES.intersection(element.classes)) or element.ident in _SIGNATURE_IDS


def _has_text(fragment: str) -> bool:
    return bool(html_to_text(sanitize_html(fragment)).strip())


def _without_quotes(source: str, elements: list[_Element], start: int, stop: int) -> str:
    """The source between `start` and `stop` less any further quote elements in it."""
    pieces: list[str] = []
    position = start
    for element in elements:
        if element.start < position or element.start >= stop or _quote_kind(element) is None:
            continue
        pieces.append(source[position : element.start])
        position = min(element.end, stop)
    pieces.append(source[position:stop])
    return "".join(pieces)


def _quote_range(source: str, elements: list[_Element], body_end: int) -> int | None:
    """Start offset of the trailing quoted history, or None if there is none to fold."""
    for element in elements:
        kind = _quote_kind(element)
        if kind is None:
            continue
        if kind == "to_end":
            return element.start
        end = element.end
        if kind == "prefix":
            following = [
                other
                for other in elements
                if other.tag == "blockquote"
                and other.start >= end
                and not _TAGS.sub("", source[end : other.start]).strip()
            ]
            if following:
                end = following[0].end
        if end <= body_end and _has_text(_without_quotes(source, elements, end, body_end)):
            # A reply written below or between the quotes stays in view.
            return None
        return element.start
    return None


def split_html(source: str) -> Split:
    """Split raw (unsanitised) HTML into (new, quoted, signature) fragments; sanitise each afterwards."""
    locator = _Locator(source)
    try:
        locator.feed(source)
        elements = locator.finish()
    except (AssertionError, ValueError):
        return Split(new=source, quoted="", signature="")
    quote = _quote_range(source, elements, locator.body_end)
    stop = len(source) if quote is None else quote
    signature = next(
        (element for element in elements if _is_signature(element) and element.end <= stop),
        None,
    )
    if signature is None:
        new = source[:stop]
        signature_html = ""
    else:
        new = source[: signature.start] + source[signature.end : stop]
        signature_html = source[signature.start : signature.end]
    if not _has_text(new):
        return Split(new=source, quoted="", signature="")
    return Split(new=new, quoted=source[stop:], signature=signature_html)
