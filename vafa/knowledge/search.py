"""The knowledge base's search: what a published translation is found by, and how a search ranks.

Articles have their own full-text index (`ArticleSearchDocument` and, beside it, an SQLite FTS5
table or a PostgreSQL tsvector column; docs/decisions/0011-knowledge-search.md), not a kind of
`core.SearchDocument`: a title must weigh more than a body, and ten thousand articles must not be
looked for inside an index of millions of messages.

Text goes through the core's normalisation (`vafa.core.search.tokens`: Persian/Arabic letter
folding, ZWNJ, digits), then **Python-side stemming** with Snowball: a Cyrillic word gets its
Russian stem, a Latin one its English stem, in the index *and* in the query, so SQLite and
PostgreSQL see the same tokens and agree. The index keeps each word and its stem; a query looks
up each word's stem as a prefix, which also bridges the stems Snowball gives different forms of one
word ("батарея" → батаре, "батареи" → батар).

Ranking (higher is better; docs/knowledge.md):

    score = text × product × helpfulness
    text        = bm25 (SQLite, title weighs TITLE_WEIGHT, body 1) or ts_rank (PostgreSQL, the same
                  weights through setweight A/B), for all the words of the query
    product     = PRODUCT_BOOST when the article is linked to the reader's product,
                  CATEGORY_BOOST when it is linked to the product's category, else 1
    helpfulness = 0.8 + 0.4 × (helpful + 1) / (helpful + unhelpful + 2)   (0.8 … 1.2; 1.0 unrated)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import snowballstemmer
from django.db import connection

from vafa.core.search import Query, Term, parse_query, search_rebuilder, tokens
from vafa.knowledge.models import (
    ArticleSearchDocument,
    ArticleStatus,
    ArticleTranslation,
    Visibility,
)

ARTICLE = "article"
"""The kind `vafa search reindex --kind article` rebuilds."""

FTS_TABLE = "knowledge_search_fts"
DOCS_TABLE = ArticleSearchDocument._meta.db_table
TRANSLATIONS_TABLE = ArticleTranslation._meta.db_table

TITLE_WEIGHT = 3.0
"""A word in the title counts this many times a word in the body (summary and text)."""

PRODUCT_BOOST = 2.0
CATEGORY_BOOST = 1.5
MIN_STEM_PREFIX = 4
"""A stem shorter than this is looked up as a whole token, not as a prefix ("car" must not find "card")."""


# --- tokens and stems -----------------------------------------------------------------------------


@functools.cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


def _is_cyrillic(token: str) -> bool:
    return all("\u0400" <= char <= "\u04ff" for char in token)


def _is_latin(token: str) -> bool:
    return token.isascii() and token.isalpha()


def _is_arabic_script(token: str) -> bool:
    return all("\u0600" <= char <= "\u06ff" for char in token)


# The Arabic definite article, alone or after a joined conjunction or preposition (و ب ف ک ل), as
# the core's normalisation leaves them (ك folded to ک).
_ARABIC_ARTICLES = ("وال", "بال", "فال", "کال", "لل", "ال")


def _arabic_light_stem(token: str) -> str:
    for article in _ARABIC_ARTICLES:
        if token.startswith(article) and len(token) - len(article) >= 3:
            token = token[len(article) :]
            break
    if token.endswith("ة") and len(token) > 3:
        token = token[:-1]
    return token


@functools.lru_cache(maxsize=50_000)
def stem(token: str) -> str:
    """The stem of a normalised token: Snowball's Russian stem for a Cyrillic word, its English one
    for a Latin word; an Arabic-script word without the definite article and the final ة ("البطارية"
    → بطاری, as in "بطاریات"); anything else is its own stem."""
    if _is_cyrillic(token):
        return str(_stemmer("russian").stemWord(token))
    if _is_latin(token):
        return str(_stemmer("english").stemWord(token))
    if _is_arabic_script(token):
        return _arabic_light_stem(token)
    return token


def index_text(*values: object) -> str:
    """The token text indexed for `values`: every core token, followed by its stem when different."""
    out: list[str] = []
    for value in values:
        if not value:
            continue
        for token in tokens(str(value)):
            out.append(token)
            stemmed = stem(token)
            if stemmed != token:
                out.append(stemmed)
    return " ".join(out)


def _term_options(term: Term) -> list[Term]:
    stemmed = stem(term.token)
    if stemmed == term.token and not (_is_cyrillic(term.token) or _is_latin(term.token)):
        return [term]
    options: list[Term] = []
    if len(stemmed) >= MIN_STEM_PREFIX:
        options.append(Term(stemmed, prefix=True))
    else:
        options.append(Term(stemmed, prefix=term.prefix and len(stemmed) >= 3))
    if term.prefix and not term.token.startswith(stemmed):
        options.append(term)
    return options


def article_query(text: str) -> Query:
    """The core's query for `text` with every Russian or English word looked up by its stem."""
    parsed = parse_query(text)
    clauses = []
    for clause in parsed.clauses:
        alternatives: list[tuple[Term, ...]] = []
        for alternative in clause:
            if len(alternative) == 1:
                alternatives.extend((option,) for option in _term_options(alternative[0]))
            else:
                alternatives.append(tuple(_term_options(term)[0] for term in alternative))
        clauses.append(tuple(dict.fromkeys(alternatives)))
    return Query(tuple(clauses))


# Words that say nothing about what an article is about, left out of a search when other words
# remain ("how do I reset the router" looks for "reset router"). Negations are not among them:
# "not charging" is another problem than "charging".
_STOP_WORDS = {
    "en": "a an and are at be but by can do does for from have how i if in is it its me my of on or "
    "our so that the there this to too very was what when where which why will with you your",
    "ru": "а без бы в во вот все всё вы да для до его ее её если есть еще ещё же за и из или им их к "
    "как ко когда кто ли между мне мой моя мы на над но ну о об он она они оно от по под при про с со "
    "так там то тоже только ты у уже чем что чтобы эта эти это этот я",
    "fa": "و در به از که این آن را با است برای یک تا من تو ما شما او هم یا اما اگر چه چرا چطور چگونه "
    "کنم کنید کرد کردم شد بود هست خیلی دارم دارد باید هر همه چی چیه کجا وقتی",
    "ar": "في من على إلى عن ما هذا هذه هل كيف لماذا أن إن و أو ثم مع كل قد كان يكون عند بعد قبل التي "
    "الذي هو هي أنا نحن لي لدي",
}
STOP_WORDS = frozenset(
    token for words in _STOP_WORDS.values() for word in words.split() for token in tokens(word)
)


# Negations narrow a search for all the words ("not charging"); in a search for any of them they
# would match nearly every article, so they are left out there.
_NEGATIONS = "no not never не нет ни نه نمی نیست ندارد لا لم لن ليس"
NEGATIONS = frozenset(
    form for word in _NEGATIONS.split() for token in tokens(word) for form in (token, stem(token))
)


def content_words(query: Query, *, any_word: bool = False) -> Query:
    """`query` without its stop words (and, for `any_word`, negations) — unless nothing else is left."""
    dropped = STOP_WORDS | NEGATIONS if any_word else STOP_WORDS
    kept = tuple(
        clause
        for clause in query.clauses
        if not all(len(alt) == 1 and alt[0].token in dropped for alt in clause)
    )
    return Query(kept or query.clauses)


def stem_forms(token: str) -> list[str]:
    """The other form the index keeps of `token`: its stem (for marking matches in excerpts)."""
    stemmed = stem(token)
    return [stemmed] if stemmed != token else []


# --- writing the index ----------------------------------------------------------------------------


def search_document(translation: ArticleTranslation, visibility: str) -> ArticleSearchDocument:
    """The search document of a published translation (not saved)."""
    return ArticleSearchDocument(
        translation_id=translation.pk,
        article_id=translation.article_id,
        language=translation.language,
        visibility=visibility,
        title=index_text(translation.title),
        body=index_text(translation.summary, translation.body_text),
    )


def _write(documents: Sequence[ArticleSearchDocument]) -> int:
    if not documents:
        return 0
    ArticleSearchDocument.objects.bulk_create(
        list(documents),
        batch_size=500,
        update_conflicts=True,
        unique_fields=["translation"],
        update_fields=["article", "language", "visibility", "title", "body", "updated_at"],
    )
    return len(documents)


def translation_search_index(translation: ArticleTranslation, *, visibility: str) -> None:
    """Make the translation findable if it is published, else forget it (caller's transaction)."""
    if translation.status == ArticleStatus.PUBLISHED:
        _write([search_document(translation, visibility)])
    else:
        ArticleSearchDocument.objects.filter(translation_id=translation.pk).delete()


def article_search_visibility(article_id: int, visibility: str) -> None:
    """Tell the article's search documents who may now find them (caller's transaction)."""
    ArticleSearchDocument.objects.filter(article_id=article_id).update(visibility=visibility)


@search_rebuilder(ARTICLE)
def article_reindex(batch_size: int, after_id: int | None, progress: Callable[[int], None] | None) -> int:
    """Rebuild the documents of every published translation (above `after_id`: only those)."""
    stale = ArticleSearchDocument.objects.all()
    if after_id is not None:
        stale = stale.filter(translation_id__gt=after_id)
    stale.delete()
    last, done = after_id or 0, 0
    while True:
        rows = list(
            ArticleTranslation.objects.filter(pk__gt=last, status=ArticleStatus.PUBLISHED)
            .select_related("article")
            .only("pk", "article_id", "language", "title", "summary", "body_text", "article__visibility")
            .order_by("pk")[:batch_size]
        )
        if not rows:
            break
        done += _write([search_document(row, row.article.visibility) for row in rows])
        last = rows[-1].pk
        if progress is not None:
            progress(done)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DOCS_TABLE}")
    return done


# --- matching and ranking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A matching translation with what a result list shows of it."""

    translation_id: int
    article_id: int
    language: str
    title: str
    slug: str
    summary: str
    body_text: str
    score: float


def _fts_string(term: Term) -> str:
    return '"' + term.token.replace('"', '""') + '"' + ("*" if term.prefix else "")


def _fts_match(query: Query, *, any_word: bool = False) -> str:
    clauses = []
    for clause in query.clauses:
        alternatives = ["(" + " AND ".join(_fts_string(t) for t in alt) + ")" for alt in clause]
        clauses.append("(" + " OR ".join(alternatives) + ")")
    # Language and visibility are filtered on the joined rows: asking the index for them too
    # (`language : "en" AND …`) intersects doclists as long as the table and was measured slower.
    return "{title body} : (" + (" OR " if any_word else " AND ").join(clauses) + ")"


def _ts_lexeme(term: Term) -> str:
    token = term.token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'" + (":*" if term.prefix else "")


def _ts_query(query: Query, *, any_word: bool = False) -> str:
    clauses = []
    for clause in query.clauses:
        alternatives = ["(" + " & ".join(_ts_lexeme(t) for t in alt) + ")" for alt in clause]
        clauses.append("(" + " | ".join(alternatives) + ")")
    return (" | " if any_word else " & ").join(clauses)


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# The boosts are this module's floats: safe to write into the SQL text.
PRODUCT_FACTOR = (
    "(CASE WHEN %s IS NULL THEN 1.0 "  # noqa: S608 - values are bound, the boosts are floats
    "WHEN EXISTS (SELECT 1 FROM knowledge_article_products ap "
    f"WHERE ap.article_id = d.article_id AND ap.product_id = %s) THEN {PRODUCT_BOOST!r} "
    "WHEN EXISTS (SELECT 1 FROM knowledge_article_product_categories ac "
    "JOIN catalog_product p ON p.category_id = ac.category_id "
    f"WHERE ac.article_id = d.article_id AND p.id = %s) THEN {CATEGORY_BOOST!r} "
    "ELSE 1.0 END)"
)

HELPFULNESS_FACTOR = "(0.8 + 0.4 * (t.helpful_count + 1.0) / (t.helpful_count + t.unhelpful_count + 2.0))"


def match_articles(
    query: Query,
    *,
    languages: Sequence[str],
    visibilities: Sequence[str],
    product_id: int | None = None,
    exclude_languages: Sequence[str] = (),
    any_word: bool = False,
    limit: int = 10,
) -> list[Match]:
    """The best published translations matching `query`, one per article, best first.

    `languages` limits the search to these (all when empty); `exclude_languages` leaves some out.
    With `any_word` a translation matches when it has any of the words (ranking favours those with
    more of them); otherwise it must have all.
    """
    if not query or limit <= 0 or not visibilities:
        return []
    product_params = [product_id, product_id, product_id]
    if connection.vendor == "sqlite":
        # bm25() is negative, lower is better; language and visibility weigh nothing.
        text_score = f"-bm25({FTS_TABLE}, 0.0, 0.0, {TITLE_WEIGHT}, 1.0)"
        text_params: list[Any] = []
        source = (
            f"FROM {FTS_TABLE} JOIN {DOCS_TABLE} d ON d.translation_id = {FTS_TABLE}.rowid "
            f"JOIN {TRANSLATIONS_TABLE} t ON t.id = d.translation_id "
            f"WHERE {FTS_TABLE} MATCH %s"
        )
        match_params: list[Any] = [_fts_match(query, any_word=any_word)]
    else:
        ts_query = _ts_query(query, any_word=any_word)
        # Weights {D, C, B, A}: the title (A) weighs TITLE_WEIGHT times the body (B), as on SQLite.
        # Normalisation 1 divides by 1 + log(length): a short article is not drowned by a long one.
        text_score = (
            f"ts_rank('{{0.0, 0.0, {1.0 / TITLE_WEIGHT:.6f}, 1.0}}', d.search_vector, %s::tsquery, 1)"
        )
        text_params = [ts_query]
        source = (
            f"FROM {DOCS_TABLE} d JOIN {TRANSLATIONS_TABLE} t ON t.id = d.translation_id "
            "WHERE d.search_vector @@ %s::tsquery"
        )
        match_params = [ts_query]
    where = f" AND d.visibility IN ({_placeholders(visibilities)})"
    where_params: list[Any] = list(visibilities)
    if languages:
        where += f" AND d.language IN ({_placeholders(languages)})"
        where_params += list(languages)
    if exclude_languages:
        where += f" AND d.language NOT IN ({_placeholders(exclude_languages)})"
        where_params += list(exclude_languages)
    # Every value is a bound parameter; the names in the text come from this module.
    sql = (
        "WITH m AS (SELECT d.translation_id AS id, d.article_id AS article_id, "  # noqa: S608
        f"{text_score} * {PRODUCT_FACTOR} * {HELPFULNESS_FACTOR} AS score, "
        f"{HELPFULNESS_FACTOR} AS helpfulness "
        f"{source}{where}), "
        "r AS (SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.article_id "
        "ORDER BY m.score DESC, m.helpfulness DESC, m.id) AS n FROM m) "
        "SELECT r.id, r.article_id, t.language, t.title, t.slug, t.summary, t.body_text, r.score "
        f"FROM r JOIN {TRANSLATIONS_TABLE} t ON t.id = r.id WHERE r.n = 1 "
        "ORDER BY r.score DESC, r.helpfulness DESC, r.id LIMIT %s"
    )
    params = [*text_params, *product_params, *match_params, *where_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Match(row[0], row[1], row[2], row[3], row[4], row[5], row[6], float(row[7])) for row in rows]


def visibilities_for(staff: bool) -> list[str]:
    """The visibilities a reader may search: staff see internal articles too."""
    return [Visibility.PUBLIC, Visibility.INTERNAL] if staff else [Visibility.PUBLIC]


def languages_other_than(language: str, languages: Iterable[str]) -> list[str]:
    """`languages` without `language`, in order."""
    return [code for code in languages if code != language]
