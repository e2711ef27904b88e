"""Message bodies: sanitise HTML with nh3 and keep a plain-text version beside it."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.translation import gettext as _

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "details",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    # Folded quoted history and signatures of e-mail (vafa-quoted, vafa-signature) keep their class.
    "details": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"dir", "lang"},
}
_BLOCK_END = re.compile(r"(?i)</(p|div|li|tr|h[1-6]|blockquote|pre|table)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def sanitize_html(value: str) -> str:
    """Keep formatting, drop scripts, event handlers, styles and unsafe links."""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'\b(src|alt)="([^"]*)"')


def _image_as_link(match: re.Match[str]) -> str:
    attributes = dict(_ATTR.findall(match.group(0)))
    src = html.unescape(attributes.get("src", ""))
    name = html.unescape(attributes.get("alt", "")) or src.rsplit("/", 1)[-1][:80]
    label = html.escape(_("Image not loaded: %(name)s") % {"name": name} if name else _("Image not loaded"))
    if src.startswith(("https://", "http://")):
        return (
            f'<a href="{html.escape(src)}" class="vafa-remote-image" target="_blank" '
            f'rel="noopener noreferrer nofollow">[{label}]</a>'
        )
    return f'<span class="vafa-remote-image">[{label}]</span>'


_FOLDED = re.compile(r'<details class="(vafa-quoted|vafa-signature)"><summary>.*?</summary>', re.DOTALL)


def _folded_in_reader_language(match: re.Match[str]) -> str:
    # The label was written in whatever language was active when the mail was read; the reader's counts.
    label = _("Show signature") if match.group(1) == "vafa-signature" else _("Show quoted text")
    return f'<details class="{match.group(1)}"><summary>{html.escape(label)}</summary>'


def html_for_display(value: str) -> str:
    """Sanitise `value` for showing in a page, with images turned into links that load nothing.

    A picture in a customer's message would otherwise be fetched by the reader's browser the moment
    the page opens, telling its host the reader's address and that the message was read (a
    tracking pixel), or hitting an address of Vafa's own. The reader opens it deliberately instead.
    """
    return _FOLDED.sub(_folded_in_reader_language, _IMG.sub(_image_as_link, sanitize_html(value)))


def html_to_text(value: str) -> str:
    text = _BLOCK_END.sub("\n", value)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def text_to_html(value: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def body_from(*, text: str | None = None, html_body: str | None = None) -> tuple[str, str]:
    """Return (sanitised html, plain text) from whichever form the author sent (both: both kept)."""
    if html_body:
        clean = sanitize_html(html_body)
        plain = (text or "").strip()
        return clean, plain or html_to_text(clean)
    plain = (text or "").strip()
    return text_to_html(plain), plain
