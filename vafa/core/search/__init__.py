"""Full-text search over cases, messages, customers and units: one interface, two engines.

- `normalize` / `tokens` / `document_text` / `parse_query`: the one normalisation of indexed text
  and queries (Persian, Arabic, Russian and English; see normalize.py).
- `search_index`, `search_remove`, `search_move_case`: what the apps' services call, in their
  transaction; `search_source` registers an app's bulk source and `search_reindex` rebuilds.
- `search_backend()`: SQLite FTS5 or PostgreSQL full text, chosen by the database in use.

Nothing here runs `LIKE '%term%'`: every match goes through the database's full-text index.
"""

from vafa.core.search.backends import Doc, Hit, Page, SearchBackend, search_backend
from vafa.core.search.index import (
    ReindexResult,
    search_index,
    search_index_docs,
    search_move_case,
    search_rebuilder,
    search_reindex,
    search_remove,
    search_source,
    search_sources,
)
from vafa.core.search.normalize import Query, Term, document_text, normalize, parse_query, tokens

__all__ = [
    "Doc",
    "Hit",
    "Page",
    "Query",
    "ReindexResult",
    "SearchBackend",
    "Term",
    "document_text",
    "normalize",
    "parse_query",
    "search_backend",
    "search_index",
    "search_index_docs",
    "search_move_case",
    "search_rebuilder",
    "search_reindex",
    "search_remove",
    "search_source",
    "search_sources",
    "tokens",
]
