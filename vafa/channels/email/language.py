"""Guess which of Vafa's languages a customer wrote in, from the letters they used."""

from __future__ import annotations

# Letters and digits that Persian uses and Arabic does not: پ چ ژ گ, Persian kaf and yeh, Persian digits.
_PERSIAN_ONLY = frozenset("پچژگکی۰۱۲۳۴۵۶۷۸۹")
# Letters that Arabic writes and Persian replaces: ta marbuta, Arabic yeh and kaf, alef maksura.
_ARABIC_ONLY = frozenset("ةيكى")
_MIN_LETTERS = 3
_MAJORITY = 0.5


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if char.isascii() or 0x00C0 <= code <= 0x024F:
        return "latin"
    return None


def guess_language(text: str) -> str | None:
    """Return "fa", "ar", "ru" or "en" for the script most of `text` is written in, None if unsure."""
    counts = {"cyrillic": 0, "arabic": 0, "latin": 0}
    persian = arabic = 0
    for char in text:
        if char in _PERSIAN_ONLY:
            persian += 1
        elif char in _ARABIC_ONLY:
            arabic += 1
        if not char.isalpha():
            continue
        script = _script(char)
        if script is not None:
            counts[script] += 1
    letters = sum(counts.values())
    if letters < _MIN_LETTERS:
        return None
    script, count = max(counts.items(), key=lambda item: item[1])
    if count / letters <= _MAJORITY:
        return None
    if script == "cyrillic":
        return "ru"
    if script == "latin":
        return "en"
    # A stray Persian letter in Arabic text (a name, a typo) does not make it Persian: Arabic's own
    # letters must not outnumber the Persian ones four to one.
    if persian and persian * 4 >= arabic:
        return "fa"
    return "ar"
