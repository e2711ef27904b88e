"""The full-text engines behind one interface: SQLite FTS5 and PostgreSQL text search.

Both index `SearchDocument.text` — tokens already normalised in Python (vafa.core.search.normalize)
— so they agree on what a token is; a backend only says how to match a `Query` and how to score a
match. Everything else (kinds, the viewer's scope, one result per case, counting, paging) is shared
SQL around the backend's match, so the two databases return the same results.

User input never reaches the SQL text: tokens hold only letters and digits, are quoted for the
engine's query syntax, and travel as bound parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from vafa.core.models import SearchDocument
from vafa.core.search.normalize import Query, Term

TABLE = SearchDocument._meta.db_table
FTS_TABLE = "core_search_fts"
"""SQLite: the FTS5 table over `SearchDocument.text` (external content, kept in step by triggers)."""

PG_VECTOR = "search_vector"
"""PostgreSQL: the stored tsvector column of the documents (created by migration, GIN-indexed)."""

ScopeField = Literal["object_id", "case_id", "customer_id"]
GroupField = Literal["case_id", "customer_id"]


@dataclass(frozen=True)
class Doc:
    """A document to index: what it is, the normalised text, and the case or customer it belongs to."""

    kind: str
    object_id: int
    text: str
    case_id: int | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class Hit:
    """A matching document; `score` is higher for better matches (comparable within one search)."""

    kind: str
    object_id: int
    case_id: int | None
    customer_id: int | None
    score: float


@dataclass(frozen=True)
class Page:
    """The hits of one page, best first, and how many there are in all (after grouping).

    `capped`: more documents matched than are ranked (`CANDIDATES`), so `total` is a lower bound.
    """

    hits: list[Hit]
    total: int
    capped: bool = False


CANDIDATES = 5000
"""How many matching documents, newest first, are ranked. A word found in a third of all messages
would otherwise make every search rank 100,000s of rows; among the newest 5,000 matches the best
ones are what an agent looks for. Searches with fewer matches rank them all."""

LARGE_KINDS = frozenset({SearchDocument.Kind.MESSAGE})
"""Kinds with many documents: filtered after the full-text match, not inside it (see SQLite)."""


class SearchBackend(ABC):
    """Match a query against the search documents; write documents."""

    vendor: str = ""

    # --- matching -------------------------------------------------------------------------------

    @abstractmethod
    def candidates_sql(
        self, query: Query, *, kinds: Sequence[str], where: list[str], params: list[Any], score_factor: str
    ) -> tuple[str, list[Any]]:
        """SELECT the newest `CANDIDATES` matching documents of `kinds` as
        (id, kind, object_id, case_id, customer_id, score, pool).

        `where` holds more conditions on the document `d` (with their `params`); the score, higher
        for better matches, is multiplied by the SQL expression `score_factor`. `pool` is how many
        documents were ranked before `where` applied, or NULL when `where` applied first.
        """

    def search(
        self,
        query: Query,
        *,
        kinds: Sequence[str],
        restrict: QuerySet[Any] | None = None,
        restrict_field: ScopeField = "object_id",
        group_by: GroupField | None = None,
        limit: int = 20,
        offset: int = 0,
        boost: dict[str, float] | None = None,
    ) -> Page:
        """The best matches of `kinds`, one per `group_by` value if given, best first.

        `restrict` is a queryset of the rows the viewer may see: a document passes when its
        `restrict_field` is the primary key of one of them (an unfiltered queryset lets all pass).
        `boost` multiplies the scores of some kinds (a subject match counts more than a message).
        """
        if not query or not kinds or limit <= 0:
            return Page([], 0)
        unknown = (set(kinds) | set(boost or {})) - set(SearchDocument.Kind.values)
        if unknown:
            raise ValueError(f"Unknown search document kinds: {sorted(unknown)}")
        where: list[str] = []
        params: list[Any] = []
        if restrict is not None and restrict.query.where:
            try:
                scope_sql, scope_params = (
                    restrict.filter(pk=RawSQL(f"d.{restrict_field}", ()))  # noqa: S611 - a column name
                    .order_by()
                    .values("pk")
                    .query.sql_with_params()
                )
            except EmptyResultSet:
                return Page([], 0)
            where.append(self.scope_condition(scope_sql))
            params += list(scope_params)
        factor = "1.0"
        if boost:
            # Kinds are checked against the model's choices above: safe to write into the SQL.
            cases = " ".join(f"WHEN '{kind}' THEN {float(value)!r}" for kind, value in boost.items())
            factor = f"(CASE d.kind {cases} ELSE 1.0 END)"
        candidates, params = self.candidates_sql(
            query, kinds=kinds, where=where, params=params, score_factor=factor
        )
        partition = f"m.{group_by}" if group_by else "m.id"
        # Every value is a bound parameter; the names in the text come from this module.
        sql = (
            f"WITH m AS ({candidates}), "  # noqa: S608
            "g AS (SELECT m.*, "
            f"ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY m.score DESC, m.id DESC) AS n, "
            "COALESCE(MAX(m.pool) OVER (), COUNT(*) OVER ()) AS matched FROM m) "
            "SELECT kind, object_id, case_id, customer_id, score, COUNT(*) OVER () AS total, matched "
            "FROM g WHERE n = 1 ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
        )
        params += [limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        hits = [Hit(row[0], row[1], row[2], row[3], float(row[4])) for row in rows]
        if not rows:
            return Page([], 0)
        return Page(hits, int(rows[0][5]), capped=int(rows[0][6]) >= CANDIDATES)

    def scope_condition(self, subquery: str) -> str:
        """The condition that the correlated `subquery` (about document `d`) finds a row."""
        return f"EXISTS ({subquery})"

    def match_ids(
        self,
        kind: str,
        query: Query,
        *,
        limit: int = 20,
        restrict: QuerySet[Any] | None = None,
    ) -> list[int]:
        """Ids of the best-matching objects of one kind that `restrict` lets through."""
        page = self.search(query, kinds=[kind], restrict=restrict, limit=limit)
        return [hit.object_id for hit in page.hits]

    # --- writing --------------------------------------------------------------------------------

    def index(self, docs: Iterable[Doc], *, batch_size: int = 1000) -> int:
        """Insert or replace these documents; the database updates its full-text index."""
        now = timezone.now()
        rows = [
            SearchDocument(
                kind=doc.kind,
                object_id=doc.object_id,
                text=doc.text,
                case_id=doc.case_id,
                customer_id=doc.customer_id,
                updated_at=now,
            )
            for doc in docs
        ]
        if not rows:
            return 0
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                rows,
                batch_size=batch_size,
                update_conflicts=True,
                unique_fields=["kind", "object_id"],
                update_fields=["text", "case_id", "customer_id", "updated_at"],
            )
        return len(rows)

    def delete(self, kind: str, ids: Iterable[int]) -> int:
        """Forget these objects of `kind`."""
        id_list = list(ids)
        if not id_list:
            return 0
        deleted, _ = SearchDocument.objects.filter(kind=kind, object_id__in=id_list).delete()
        return deleted

    def optimize(self) -> None:  # noqa: B027 - optional, a no-op unless the engine needs it
        """Tidy the full-text index after a bulk load (optional; queries work without it)."""


def _kind_list(kinds: Sequence[str]) -> str:
    return ", ".join(["%s"] * len(kinds))


def _fts_string(term: Term) -> str:
    return '"' + term.token.replace('"', '""') + '"' + ("*" if term.prefix else "")


class SqliteFts5Backend(SearchBackend):
    """SQLite: an FTS5 table with external content, ranked by BM25."""

    vendor = "sqlite"

    def fts_query(self, query: Query, kinds: Sequence[str] = ()) -> str:
        """The FTS5 MATCH expression: every token quoted, so no input can be FTS syntax.

        With `kinds`, the kind column is matched too: for the small kinds (customers, units) that
        is far cheaper than joining every match of a common word to see its kind.
        """
        clauses = []
        for clause in query.clauses:
            alternatives = ["(" + " AND ".join(_fts_string(t) for t in alt) + ")" for alt in clause]
            clauses.append("(" + " OR ".join(alternatives) + ")")
        text = "{text} : (" + " AND ".join(clauses) + ")"
        if not kinds:
            return text
        return "{kind} : (" + " OR ".join(f'"{kind}"' for kind in kinds) + ") AND " + text

    def candidates_sql(
        self, query: Query, *, kinds: Sequence[str], where: list[str], params: list[Any], score_factor: str
    ) -> tuple[str, list[Any]]:
        in_index = not (set(kinds) & LARGE_KINDS)
        conditions = [f"{FTS_TABLE} MATCH %s"]
        values: list[Any] = [self.fts_query(query, kinds if in_index else ())]
        if not in_index:
            conditions.append(f"d.kind IN ({_kind_list(kinds)})")
            values += list(kinds)
        # bm25() is negative, lower is better; the kind column weighs nothing.
        sql = (
            "SELECT d.id, d.kind, d.object_id, d.case_id, d.customer_id, "  # noqa: S608 - values are bound
            f"-bm25({FTS_TABLE}, 0.0, 1.0) * {score_factor} AS score, CAST(NULL AS INTEGER) AS pool "
            f"FROM {FTS_TABLE} JOIN {TABLE} d ON d.id = {FTS_TABLE}.rowid "
            f"WHERE {' AND '.join(conditions + where)} "
            f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT {CANDIDATES}"
        )
        return sql, values + params

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608


def _ts_lexeme(term: Term) -> str:
    token = term.token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'" + (":*" if term.prefix else "")


class PostgresBackend(SearchBackend):
    """PostgreSQL: a GIN index over the documents' stored tsvector, ranked by ts_rank."""

    vendor = "postgresql"

    def optimize(self) -> None:
        # Fresh statistics after a bulk load: the planner weighs the GIN index by them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")

    def scope_condition(self, subquery: str) -> str:
        # PostgreSQL turns EXISTS into a hash join over every row the viewer may see (100,000
        # cases read per search); a scalar subquery is looked up by primary key per candidate.
        return f"({subquery} LIMIT 1) IS NOT NULL"

    def ts_query(self, query: Query) -> str:
        """The tsquery text: quoted lexemes, so no input can be tsquery syntax."""
        clauses = []
        for clause in query.clauses:
            alternatives = ["(" + " & ".join(_ts_lexeme(t) for t in alt) + ")" for alt in clause]
            clauses.append("(" + " | ".join(alternatives) + ")")
        return " & ".join(clauses)

    def candidates_sql(
        self, query: Query, *, kinds: Sequence[str], where: list[str], params: list[Any], score_factor: str
    ) -> tuple[str, list[Any]]:
        ts_query = self.ts_query(query)
        conditions = [f"d.{PG_VECTOR} @@ %s::tsquery", f"d.kind IN ({_kind_list(kinds)})"]
        # Normalisation 1 divides by 1 + log(length): a short subject beats a long letter.
        newest = (
            "SELECT d.id, d.kind, d.object_id, d.case_id, d.customer_id, "  # noqa: S608 - values are bound
            f"ts_rank(d.{PG_VECTOR}, %s::tsquery, 1) * {score_factor} AS score "
            f"FROM {TABLE} d WHERE {' AND '.join(conditions)} "
            f"ORDER BY d.id DESC LIMIT {CANDIDATES}"
        )
        values = [ts_query, ts_query, *kinds]
        if not where:
            return f"SELECT d.*, CAST(NULL AS bigint) AS pool FROM ({newest}) d", values  # noqa: S608
        # The viewer's scope is checked on the newest matches only, by primary key: checked first,
        # PostgreSQL reads every case the viewer may see, or looks up every match of a common word.
        # For a word in more than CANDIDATES documents an agent with a narrow scope therefore sees
        # the matches among the newest CANDIDATES (the page says the list is cut).
        sql = (
            "SELECT d.* FROM (SELECT c.*, COUNT(*) OVER () AS pool "  # noqa: S608 - values are bound
            f"FROM ({newest}) c) d WHERE {' AND '.join(where)}"
        )
        return sql, [*values, *params]


_BACKENDS: dict[str, type[SearchBackend]] = {
    "sqlite": SqliteFts5Backend,
    "postgresql": PostgresBackend,
}


def search_backend() -> SearchBackend:
    """The backend for the database in use."""
    try:
        return _BACKENDS[connection.vendor]()
    except KeyError:
        # Vafa supports SQLite and PostgreSQL; any other database is a configuration error.
        raise ImproperlyConfigured(f"No search backend for the {connection.vendor} database.") from None
