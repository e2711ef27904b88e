"""The one normalisation of indexed text and queries: exact cases per language, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vafa.core.search import Query, Term, document_text, normalize, parse_query, tokens
from vafa.core.search.backends import PostgresBackend, SqliteFts5Backend
from vafa.core.search.normalize import MAX_TOKEN

ZWNJ = "\u200c"

# Text with the characters the rules are about, mixed with anything else.
_alphabet = st.sampled_from(
    list("abcABCéÉßİıёЁйЙкК ٠١٢۰۱۲۳0123456789-_.@+/()#:\"'*^~{}[]\\")
    + [
        "ي",
        "ى",
        "ك",
        "ی",
        "ک",
        "ۀ",
        "ە",
        "ة",
        "أ",
        "إ",
        "آ",
        "ٱ",
        "ـ",
        "َ",
        "ّ",
        "ٰ",
        "ٔ",
        ZWNJ,
        "\u200b",
        "\u200d",
    ]
    + ["\u200e", "\u202b", "\ufeff", "\u00ad", "\n", "\t", "ﻻ", "ﷲ", "Ⅻ", "①", "ﬁ"]
)
messy_text = st.one_of(st.text(), st.text(alphabet=_alphabet))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Persian: Arabic yeh/kaf folded, ZWNJ kept, diacritics and tatweel gone, digits to ASCII.
        ("كتاب", "کتاب"),
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("خانۀ", "خانه"),
        ("مُحَمَّد", "محمد"),
        ("بـــاتری", "باتری"),
        ("۰۹۱۲۳۴۵۶۷۸۹", "09123456789"),
        ("٠١٢٣", "0123"),
        # Arabic: the alef forms fold, teh marbuta stays.
        ("إسلام أحمد آب", "اسلام احمد اب"),
        ("مدرسة", "مدرسة"),
        # Russian: ё is е, й stays й, case folded.
        ("Ёлка Йогурт", "елка йогурт"),
        # English and other Latin: accents off, case folded, ligatures opened.
        ("Café NAÏVE Straße ﬁle", "cafe naive strasse file"),
        # Invisible formatting characters disappear without splitting the word.
        ("bat\u200dtery\u00ad \u200eok\ufeff", "battery ok"),
    ],
)
def test_normalize_examples(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("می\u200cخواهم", ["می", "خواهم", "میخواهم"]),
        ("میخواهم", ["میخواهم"]),
        ("می خواهم", ["می", "میخواهم", "خواهم"]),
        ("کتاب ها", ["کتاب", "کتابها", "ها"]),
        ("sara@example.com", ["sara", "example", "com", "saraexamplecom"]),
        ("VF-123", ["vf", "123", "vf123"]),
        ("+98 912 345 6789", ["98", "912", "345", "6789", "989123456789", "09123456789", "9123456789"]),
        ("+989123456789", ["989123456789", "09123456789", "9123456789"]),
        ("0912-345-6789", ["0912", "345", "6789", "09123456789", "9123456789"]),
        ("Телефон не включается!", ["телефон", "не", "включается"]),
        ("الشاشة لا تعمل", ["الشاشة", "لا", "تعمل"]),
        ("(battery), don't", ["battery", "don", "t", "dont"]),
        ("", []),
        ("  \u200c  ", []),
    ],
)
def test_tokens_examples(raw, expected):
    assert tokens(raw) == expected


def test_document_text_joins_the_tokens_of_every_value():
    assert (
        document_text("Sara Ahmadi", None, "", "sara@example.test")
        == "sara ahmadi sara example test saraexampletest"
    )


def _found(query: Query, indexed: set[str]) -> bool:
    """Would a document with these tokens match the query (as the backends do)?"""

    def matches(term: Term) -> bool:
        return any(tok == term.token or (term.prefix and tok.startswith(term.token)) for tok in indexed)

    return all(
        any(all(matches(t) for t in alternative) for alternative in clause) for clause in query.clauses
    )


@pytest.mark.parametrize("typed", ["می\u200cخواهم", "میخواهم", "می خواهم", "مي\u200cخواهم", "ميخواهم"])
def test_a_zwnj_word_is_found_whichever_way_it_is_typed(typed):
    assert _found(parse_query(typed), set(tokens("من می‌خواهم گوشی را پس بدهم")))
    assert _found(parse_query(typed), set(tokens("من میخواهم گوشی را پس بدهم")))
    assert _found(parse_query(typed), set(tokens("من می خواهم گوشی را پس بدهم")))


@pytest.mark.parametrize(
    "typed", ["+98 912 345 6789", "09123456789", "0912 345 6789", "912-345-6789", "۰۹۱۲۳۴۵"]
)
def test_a_phone_number_is_found_however_it_is_written(typed):
    assert _found(parse_query(typed), set(tokens("+989123456789")))


def test_parse_query_ands_words_and_makes_the_last_one_a_prefix():
    assert parse_query("Battery dead") == Query((((Term("battery"),),), ((Term("dead", prefix=True),),)))


def test_parse_query_offers_a_joined_word_whole_or_in_parts():
    assert parse_query("sara@exa") == Query(
        (((Term("saraexa", prefix=True),), (Term("sara"), Term("exa", prefix=True))),)
    )


def test_parse_query_reads_digit_groups_run_together_or_group_by_group():
    assert parse_query("0912 345 6789") == Query(
        (
            (
                (Term("09123456789", prefix=True),),
                (Term("0912"), Term("345"), Term("6789", prefix=True)),
            ),
        )
    )


def test_parse_query_does_not_prefix_a_single_letter():
    assert parse_query("vitamin c") == Query((((Term("vitamin"),),), ((Term("c"),),)))


def test_parse_query_of_only_punctuation_is_empty():
    assert not parse_query(' "*:-()^~ ')
    assert not parse_query("")


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_tokens_are_letters_and_digits_only(text):
    for token in tokens(text):
        assert token
        assert len(token) <= MAX_TOKEN
        assert all(char.isalnum() for char in token), token
        assert normalize(token) == token


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_every_query_compiles_to_quoted_engine_syntax(text):
    query = parse_query(text)
    fts = SqliteFts5Backend().fts_query(query)
    tsquery = PostgresBackend().ts_query(query)
    for term in query.terms():
        assert term.token
        assert f'"{term.token}"' in fts
        assert f"'{term.token}'" in tsquery
    assert bool(query) == bool(tokens(text))


@settings(max_examples=200, deadline=None)
@given(messy_text)
def test_a_text_is_found_by_itself(text):
    """What was indexed is found when the same text is typed as a query (the last word as a prefix)."""
    assert _found(parse_query(text), set(tokens(text)))
