"""The translations: every catalogue compiles, fa/ar/ru are complete, and they really translate at run time.

The .mo files are not in git. The session fixture copies the .po files to a temporary locale
directory and runs `compilemessages` there (msgfmt --check-format, as `make messages` does), so the
tests never write the working tree's .mo files while another test worker is reading them.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("en", "fa", "ar", "ru")
TRANSLATED = ("fa", "ar", "ru")
PLURAL_FORMS = {
    "fa": "nplurals=2; plural=(n > 1);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|\{\w*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][\w-]*")
# Through a name, so that makemessages does not collect it from this file.
MERGED = "Merged into %(reference)s."


# --- a small .po reader ---------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file in order, the header (msgid "") first."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # which field continuation lines extend
    started = False

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # previous msgid of an obsolete entry
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started and target is not None:  # a comment after msgstr starts the next entry
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: a string outside an entry"
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            finish()  # entries not separated by a blank line
        if not started:
            started, entry.line = True, number
        entry.obsolete = entry.obsolete or obsolete
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, 0)
        elif keyword == "msgstr":
            entry.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) is not None:
            entry.msgstr[int(match.group(1))] = _unquote(rest)
            target = ("msgstr", int(match.group(1)))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def header(entries: list[Entry]) -> dict[str, str]:
    first = entries[0]
    assert first.msgid == "" and first.msgctxt is None, "the header must come first"
    fields = {}
    for line in first.msgstr[0].splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def messages(language: str) -> list[Entry]:
    return [e for e in read_po(po_path(language))[1:] if not e.obsolete]


# --- compiling ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of vafa/locale with its .mo files built by `compilemessages`."""
    root = tmp_path_factory.mktemp("i18n")
    locale = root / "locale"
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        target = locale / po.relative_to(LOCALE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(po, target)
    # compilemessages looks in LOCALE_PATHS and under the working directory: both are the copy.
    with contextlib.chdir(root), override_settings(LOCALE_PATHS=[str(locale)]):
        call_command("compilemessages", verbosity=0)  # raises CommandError if msgfmt reports an error
    return locale


@pytest.fixture
def runtime_locale(compiled_locale: Path) -> Iterator[Path]:
    """Django translates with the freshly compiled catalogues (the translation cache is reset)."""
    with override_settings(LOCALE_PATHS=[str(compiled_locale)]):
        yield compiled_locale


def test_compilemessages_builds_every_catalogue(compiled_locale: Path) -> None:
    for language in LANGUAGES:
        assert po_path(language).is_file(), f"{po_path(language)} is missing"
        mo = compiled_locale / language / "LC_MESSAGES" / "django.mo"
        assert mo.is_file() and mo.stat().st_size > 0, f"compilemessages did not build {mo}"


# --- completeness ---------------------------------------------------------------------------------


def test_catalogues_hold_the_same_messages() -> None:
    """makemessages was run for every language: no catalogue lags behind the others."""
    keys = {lang: {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(lang)} for lang in LANGUAGES}
    assert keys["en"], "the English catalogue is empty"
    for language in TRANSLATED:
        assert keys[language] == keys["en"], (
            f"{language}: missing {sorted(m[1] for m in keys['en'] - keys[language])[:10]}, "
            f"extra {sorted(m[1] for m in keys[language] - keys['en'])[:10]}"
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_header(language: str) -> None:
    entries = read_po(po_path(language))
    fields = header(entries)
    assert "fuzzy" not in entries[0].flags
    assert fields.get("Language") == language
    assert fields.get("Project-Id-Version") == "Vafa"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    nplurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    untranslated, fuzzy = [], []
    for entry in messages(language):
        if "fuzzy" in entry.flags:
            fuzzy.append(entry.label)
        forms = nplurals if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)) or not all(entry.msgstr.values()):
            untranslated.append(entry.label)
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_layout(language: str) -> None:
    problems = []
    for entry in messages(language):
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if entry.msgid_plural is not None:
                # A plural form may leave out the count (e.g. Arabic's "one"/"two" forms).
                wanted = set(PLACEHOLDER.findall(entry.msgid_plural)) - {"%(count)d", "%(count)s"}
                if not wanted <= set(PLACEHOLDER.findall(text)):
                    problems.append(f"{entry.label} [{index}]: placeholders")
            elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"{entry.label}: placeholders {PLACEHOLDER.findall(text)}")
            if text.startswith(" ") != source.startswith(" ") or text.endswith("\n") != source.endswith("\n"):
                problems.append(f"{entry.label}: leading space or trailing newline differs")
            if sorted(HTML_TAG.findall(text)) != sorted(HTML_TAG.findall(source)):
                problems.append(f"{entry.label}: HTML tags differ")
    assert not problems, problems[:20]


def test_persian_uses_persian_letters_and_arabic_uses_arabic_letters() -> None:
    """Persian: ی and ک, never Arabic ي/ك; Arabic: never the Persian forms."""
    for language, wrong in (("fa", "\u064a\u0643"), ("ar", "\u06cc\u06a9")):
        bad = [
            e.label
            for e in messages(language)
            if any(ch in text for text in e.msgstr.values() for ch in wrong)
        ]
        assert not bad, f"{language}: wrong letters in {bad[:10]}"


# --- at run time ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("runtime_locale")
def test_models_and_messages_translate_at_run_time() -> None:
    from vafa.sales.models import Unit
    from vafa.service.models import Case, CaseStatus, WarrantyStatus

    expected = {
        "en": ("case", "cases", "Pending customer", "unit", "Merged into C-7."),
        "fa": ("درخواست", "درخواست\u200cها", "در انتظار پاسخ مشتری", "دستگاه", "در C-7 ادغام شد."),
        "ar": ("الطلب", "الطلبات", "بانتظار رد العميل", "الجهاز", "دُمج في C-7."),
        "ru": ("обращение", "обращения", "Ожидает ответа клиента", "изделие", "Объединено с C-7."),
    }
    for language, (case, cases, pending, unit, merged) in expected.items():
        with translation.override(language):
            assert str(Case._meta.verbose_name) == case, language
            assert str(Case._meta.verbose_name_plural) == cases, language
            assert str(CaseStatus.PENDING_CUSTOMER.label) == pending, language
            assert str(Unit._meta.verbose_name) == unit, language
            assert gettext(MERGED) % {"reference": "C-7"} == merged, language
            # Every language names the warranty, and none leaves it in English.
            if language != "en":
                assert str(WarrantyStatus.IN_WARRANTY.label) != "In warranty", language
