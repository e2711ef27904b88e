"""Show people why a result matched: the matching words marked, in a short excerpt of long text.

Matching here follows the index exactly (the same `tokens`), so a word is marked when the search
would have found it: "کتاب" marks "كتاب", "sara@exa" marks "sara@example.com". Everything is
HTML-escaped first; only the <mark> elements added here are markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vafa.core.search.normalize import PHONE_RUN, Query, Term, normalize, phone_forms, tokens

_WORD = re.compile(r"\S+")


def _matches(token: str, terms: Iterable[Term]) -> bool:
    return any(token == t.token or (t.prefix and token.startswith(t.token)) for t in terms)


def match_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """(start, end) of each part of `text` that matches a term of `query`, in order, not overlapping."""
    terms = query.terms()
    if not text or not terms:
        return []
    spans: list[tuple[int, int]] = []
    for word in _WORD.finditer(text):
        if _matches_any(word.group(), terms):
            spans.append(_trim(text, word.start(), word.end()))
    for run in PHONE_RUN.finditer(text):
        forms = phone_forms(normalize(run.group()))
        if any(_matches(form, terms) for form in forms):
            spans.append((run.start(), run.end()))
    return _merge(spans)


def _matches_any(word: str, terms: list[Term]) -> bool:
    return any(_matches(token, terms) for token in tokens(word))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Leave surrounding punctuation ("(battery)," → "battery") outside the mark."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return (start, end) if start < end else (start, start)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for span in spans if span[0] < span[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]], offset: int = 0) -> str:
    out: list[str] = []
    position = 0
    for start, end in spans:
        start, end = max(start - offset, 0), min(end - offset, len(text))
        if end <= position:
            continue
        start = max(start, position)
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def highlight(text: str, query: Query) -> SafeString:
    """`text`, escaped, with the parts that match `query` in <mark>."""
    return mark_safe(_render(text or "", match_spans(text or "", query)))  # noqa: S308 - escaped above


def excerpt(text: str, query: Query, *, length: int = 220) -> SafeString:
    """About `length` characters of `text` around its first match (from the start if none), marked."""
    text = " ".join((text or "").split())
    spans = match_spans(text, query)
    if len(text) <= length:
        return mark_safe(_render(text, spans))  # noqa: S308 - escaped in _render
    first = spans[0][0] if spans else 0
    start = max(0, first - length // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    inside = [(s, e) for s, e in spans if s < end and e > start]
    body = _render(text[start:end], inside, offset=start)
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))  # noqa: S308
