"""Show people why a result matched: the matching words marked, in a short excerpt of long text.

Matching here follows the index exactly (the same `tokens`), so a word is marked when the search
would have found it: "کتاب" marks "كتاب", "sara@exa" marks "sara@example.com". Everything is
HTML-escaped first; only the <mark> elements added here are markup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vafa.core.search.normalize import PHONE_RUN, Query, Term, normalize, phone_forms, tokens

_WORD = re.compile(r"\S+")


def _matches(token: str, terms: Iterable[Term]) -> bool:
    return any(token == t.token or (t.prefix and token.startswith(t.token)) for t in terms)


Forms = Callable[[str], Iterable[str]]
"""The forms an index keeps of a token besides itself (a stem, for the knowledge base)."""


def match_spans(text: str, query: Query, *, forms: Forms | None = None) -> list[tuple[int, int]]:
    """(start, end) of each part of `text` that matches a term of `query`, in order, not overlapping.

    `forms` gives the other forms the index keeps of a token, so a word found by its stem is marked.
    """
    return _spans(text, query.terms(), forms)


def _spans(
    text: str, terms: list[Term], forms: Forms | None, *, first_only: bool = False
) -> list[tuple[int, int]]:
    if not text or not terms:
        return []
    spans: list[tuple[int, int]] = []
    known: dict[str, bool] = {}
    for word in _WORD.finditer(text):
        value = word.group()
        found = known.get(value)
        if found is None:
            found = known[value] = _matches_any(value, terms, forms)
        if found:
            spans.append(_trim(text, word.start(), word.end()))
            if first_only:
                break
    for run in PHONE_RUN.finditer(text):
        if first_only and spans and run.start() > spans[0][0]:
            break
        digits = phone_forms(normalize(run.group()))
        if any(_matches(form, terms) for form in digits):
            spans.append((run.start(), run.end()))
            if first_only:
                break
    return _merge(spans)


@functools.lru_cache(maxsize=50_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    # Excerpts look at the same words again and again (a text's common words, the next search's
    # hits): normalising and cutting each once is most of an excerpt's cost.
    return tuple(tokens(word))


def _matches_any(word: str, terms: list[Term], forms: Forms | None = None) -> bool:
    for token in _word_tokens(word):
        if _matches(token, terms):
            return True
        if forms is not None and any(_matches(form, terms) for form in forms(token)):
            return True
    return False


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


def highlight(text: str, query: Query, *, forms: Forms | None = None) -> SafeString:
    """`text`, escaped, with the parts that match `query` in <mark>."""
    return mark_safe(_render(text or "", match_spans(text or "", query, forms=forms)))  # noqa: S308 - escaped above


def excerpt(text: str, query: Query, *, length: int = 220, forms: Forms | None = None) -> SafeString:
    """About `length` characters of `text` around its first match (from the start if none), marked."""
    text = " ".join((text or "").split())
    terms = query.terms()
    if len(text) <= length:
        return mark_safe(_render(text, _spans(text, terms, forms)))  # noqa: S308 - escaped in _render
    # Long text: find the first match, then mark only the words of the excerpt around it.
    found = _spans(text, terms, forms, first_only=True)
    first = found[0][0] if found else 0
    start = max(0, first - length // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    body = _render(text[start:end], _spans(text[start:end], terms, forms))
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))  # noqa: S308
