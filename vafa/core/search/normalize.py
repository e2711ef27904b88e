"""One normalisation for everything the search indexes and everything people type into it.

Indexed text and queries go through the same two steps, so they always meet:

1. `normalize(text)` folds characters: Unicode NFKC and case folding; Arabic ي and ى become the
   Persian ی, ك (and the swash ڪ some keyboards type) becomes ک, ۀ and ە become ه (ة is kept: in
   Arabic it is a different letter); the hamza and madda forms of alef (أ إ ٱ آ) become ا, as the
   Arabic normaliser of Lucene does, since people type them either way; Arabic diacritics (harakat
   U+064B–U+065F, the superscript alef U+0670 and the Quranic marks) and the tatweel U+0640 are
   removed; accents are taken off Latin letters (é → e) but not off Cyrillic ones (й stays), and
   Russian ё becomes е; Persian (۰–۹) and Arabic-Indic (٠–٩) digits become 0–9; invisible
   formatting characters (zero-width joiner, direction marks, soft hyphen, BOM) are removed. The
   zero-width non-joiner (ZWNJ, U+200C) is kept, because it separates the parts of a Persian word.

2. `tokens(text)` cuts normalised text into index tokens. Letters and digits make tokens;
   everything else separates them. A word whose parts are joined without a space — by a ZWNJ
   ("می‌خواهم"), a hyphen ("VF-123"), a dot, an @ ("sara@example.com") — is indexed both as its
   parts and as the parts run together: "می‌خواهم" gives می, خواهم and میخواهم, so it is found by
   "می‌خواهم", by "میخواهم" (no ZWNJ, a common way of typing it) and by "می خواهم" (a space
   instead). Persian writers use all three, which is why the joined form and the parts are both
   kept rather than one chosen. The common affixes typed apart with a space ("می خواهم",
   "کتاب ها") are also indexed joined to their word, so "میخواهم" finds them too. A phone number
   written in groups ("+98 912 345 6789", "0912-345-6789") is also indexed as its digits run
   together, and an international number as its national forms too (989123456789, 09123456789,
   9123456789), so any way of typing it finds it.

`parse_query(text)` turns what someone typed into a `Query` the backends compile: every word must
match (AND); a joined word may match as a whole or by its parts (OR), and so may a Persian affix
typed apart from its word; the last word, from three letters on, is a prefix, so "sara@exa" already
finds "sara@example.com".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

MAX_TOKEN = 64
"""Longer tokens are cut to this length (the same on both sides, so they still meet)."""

MIN_PREFIX = 3
"""A last word shorter than this matches only whole tokens: "tv" finds "tv", not every word starting
with "tv" — a one- or two-letter prefix matches a tenth of everything and costs as much to rank."""

MAX_QUERY_WORDS = 12
"""Words after this many are ignored: they rarely narrow results and each one costs a lookup."""

ZWNJ = "\u200c"

_REMOVED = (
    # Invisible formatting: zero-width joiner, word joiner, BOM, soft hyphen, Mongolian vowel
    # separator, Arabic letter mark, direction marks and embeddings/isolates.
    "\u200d\u2060\ufeff\u00ad\u180e\u061c\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    # Tatweel (kashida): a stretching stroke, not a letter.
    "\u0640"
    # Arabic diacritics (harakat, shadda, sukun, hamza and madda marks) and the superscript alef.
    + "".join(chr(c) for c in range(0x064B, 0x0660))
    + "\u0670"
    # Quranic annotation marks.
    + "".join(chr(c) for c in (*range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8))
    + "".join(chr(c) for c in range(0x06EA, 0x06EE))
)

_FOLD: dict[int, str | None] = {ord(c): None for c in _REMOVED}
_FOLD.update(
    {
        ord("\u064a"): "\u06cc",  # ي Arabic yeh → ی Persian yeh
        ord("\u0649"): "\u06cc",  # ى alef maksura → ی
        ord("\u0643"): "\u06a9",  # ك Arabic kaf → ک Persian keheh
        ord("\u06aa"): "\u06a9",  # ڪ swash kaf (some keyboards) → ک
        ord("\u06c0"): "\u0647",  # ۀ heh with yeh above → ه
        ord("\u06d5"): "\u0647",  # ە ae → ه
        ord("\u0623"): "\u0627",  # أ alef with hamza above → ا
        ord("\u0625"): "\u0627",  # إ alef with hamza below → ا
        ord("\u0671"): "\u0627",  # ٱ alef wasla → ا
        ord("\u0622"): "\u0627",  # آ alef with madda → ا
        ord("\u0451"): "\u0435",  # ё → е
        ord("\u200b"): ZWNJ,  # zero-width space joins like a ZWNJ
    }
)
_FOLD.update({0x06F0 + d: str(d) for d in range(10)})  # Persian digits
_FOLD.update({0x0660 + d: str(d) for d in range(10)})  # Arabic-Indic digits

_LATIN_WITH_MARKS = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
_WORD_CHUNK = re.compile(r"[^\W_]+")
# Digits in groups as phone numbers are written: "+98 912 345 6789", "(021) 8888-1234".
PHONE_RUN = re.compile(r"(?<![^\W_])\+?\(?\d(?:[ \-.()/]{0,3}\d)+(?![^\W_])")
_NON_DIGIT = re.compile(r"\D")


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def _strip_latin_accents(text: str) -> str:
    out: list[str] = []
    base_is_latin = False
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(char)
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = text.translate(_FOLD)
    if _LATIN_WITH_MARKS.search(text):
        text = _strip_latin_accents(text)
    return text


def normalize(text: str) -> str:
    """Fold `text` to the form both the index and the queries use (see the module docstring).

    Idempotent: normalising normalised text changes nothing.
    """
    if not text:
        return ""
    folded = _fold_once(text)
    # NFKC after removing a mark can compose what the mark kept apart; fold again until stable.
    for _ in range(3):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


def _cut(token: str) -> str:
    return token[:MAX_TOKEN]


def phone_forms(run: str) -> list[str]:
    """Digits-only forms of a phone-like run of digits, or [] if it is not one."""
    digits = _NON_DIGIT.sub("", run)
    if not 7 <= len(digits) <= 15:
        return []
    forms = [digits]
    if run.startswith("+"):
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            national = _NON_DIGIT.sub(
                "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            )
            forms += [national, str(number.national_number)]
    stripped = digits.lstrip("0")
    if stripped != digits and len(stripped) >= 7:
        forms.append(stripped)
    out: list[str] = []
    for form in forms:
        if form and form not in out:
            out.append(form)
    return out


# Persian writes these affixes joined to their word by a ZWNJ, but people also type them with a
# space or with nothing: "می‌خواهم", "می خواهم", "میخواهم"; "کتاب‌ها", "کتاب ها", "کتابها".
PERSIAN_PREFIXES = frozenset({"می", "نمی", "بی"})
PERSIAN_SUFFIXES = frozenset({"ها", "های", "هایی", "تر", "ترین", "ام", "اش", "ایم", "اید", "اند"})


def _affix_join(left: list[str], right: list[str]) -> str | None:
    """The two space-separated words as one token when one of them is a Persian affix."""
    if not left or not right:
        return None
    if (len(left) == 1 and left[0] in PERSIAN_PREFIXES) or (len(right) == 1 and right[0] in PERSIAN_SUFFIXES):
        return _cut(left[-1] + right[0])
    return None


def tokens(text: str) -> list[str]:
    """The index tokens of `text`, in order: each word's parts, then the parts run together."""
    normal = normalize(text)
    words = [[_cut(chunk) for chunk in _WORD_CHUNK.findall(word)] for word in normal.split()]
    out: list[str] = []
    for index, chunks in enumerate(words):
        out.extend(chunks)
        if len(chunks) > 1:
            out.append(_cut("".join(chunks)))
        if index + 1 < len(words):
            joined = _affix_join(chunks, words[index + 1])
            if joined is not None:
                out.append(joined)
    known = set(out)
    for match in PHONE_RUN.finditer(normal):
        for form in phone_forms(match.group()):
            if form not in known:
                known.add(form)
                out.append(_cut(form))
    return out


def document_text(*values: object) -> str:
    """The text a search document stores: the tokens of all `values`, separated by spaces."""
    return " ".join(token for value in values if value for token in tokens(str(value)))


@dataclass(frozen=True)
class Term:
    """One token to look up; a prefix term also matches longer tokens that start with it."""

    token: str
    prefix: bool = False


Alternative = tuple[Term, ...]
"""Terms that must all match."""

Clause = tuple[Alternative, ...]
"""Alternatives of which one must match (a joined word: whole, or by its parts)."""


@dataclass(frozen=True)
class Query:
    """What someone searched for: every clause must match."""

    clauses: tuple[Clause, ...]

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def terms(self) -> list[Term]:
        """Every term of the query (for highlighting)."""
        return [term for clause in self.clauses for alternative in clause for term in alternative]


def _alternatives(word_forms: list[list[str]]) -> Clause:
    return tuple(tuple(Term(token) for token in form) for form in word_forms if form)


def parse_query(text: str) -> Query:
    """Turn typed text into a `Query`: words AND-ed, joined words as whole OR parts, last one a prefix."""
    normal = normalize(text or "")
    clauses: list[Clause] = []
    spans: list[tuple[int, Clause]] = []
    consumed = [False] * len(normal)
    for match in PHONE_RUN.finditer(normal):
        # Digits in groups may be typed with other groups than they were written with: look for
        # them run together (as the index keeps phone numbers) or group by group.
        run = match.group()
        pieces = [_cut(piece) for piece in _WORD_CHUNK.findall(run)]
        if len(pieces) < 2:
            continue
        options = [[_cut("".join(pieces))], pieces]
        spans.append((match.start(), _alternatives(options)))
        for index in range(match.start(), match.end()):
            consumed[index] = True
    for match in re.finditer(r"\S+", normal):
        if any(consumed[match.start() : match.end()]):
            # Part of a phone run; its other characters (a bracket, a plus) add nothing.
            leftover = "".join(c for i, c in enumerate(match.group()) if not consumed[match.start() + i])
            if not _WORD_CHUNK.search(leftover):
                continue
            word = leftover
        else:
            word = match.group()
        chunks = [_cut(chunk) for chunk in _WORD_CHUNK.findall(word)]
        if not chunks:
            continue
        options = [["".join(chunks)[:MAX_TOKEN]], chunks] if len(chunks) > 1 else [chunks]
        spans.append((match.start(), _alternatives(options)))
    spans.sort(key=lambda item: item[0])
    merged: list[Clause] = []
    for _start, clause in spans:
        previous = merged[-1] if merged else None
        # A Persian affix typed apart from its word: the two, or the two joined.
        if previous is not None and len(previous) == 1 and len(clause) == 1:
            left, right = [t.token for t in previous[0]], [t.token for t in clause[0]]
            joined = _affix_join(left, right) if len(left) == 1 and len(right) == 1 else None
            if joined is not None:
                merged[-1] = ((Term(joined),), (*previous[0], *clause[0]))
                continue
        merged.append(clause)
    seen: set[Clause] = set()
    for clause in merged:
        if clause not in seen:
            seen.add(clause)
            clauses.append(clause)
    clauses = clauses[:MAX_QUERY_WORDS]
    if clauses:
        last = clauses[-1]
        clauses[-1] = tuple(
            (*alternative[:-1], Term(alternative[-1].token, prefix=len(alternative[-1].token) >= MIN_PREFIX))
            for alternative in last
        )
    return Query(tuple(clauses))
