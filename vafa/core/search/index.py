"""Writing the search index: what the apps call from their services, and the bulk rebuild.

An app feeds the index in the same transaction as the change (`search_index`, `search_remove`,
`search_move_case`), so a committed change is findable and a rolled-back one is not. For a full
rebuild each app registers a *source* in its own `search.py` — a function yielding batches of
`Doc`s read from its tables — and `search_reindex` runs them; the core never imports the apps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from vafa.core.models import SearchDocument
from vafa.core.search.backends import Doc, search_backend

BATCH = 2000

Batches = Callable[[int, int | None], Iterator[list[Doc]]]
"""`batches(size, after_id)`: the documents of every object with a primary key above `after_id`
(all when None), in primary-key order, `size` objects at a time."""


Rebuild = Callable[[int, int | None, Callable[[int], None] | None], int]
"""`rebuild(batch_size, after_id, progress)`: rebuild an index an app keeps in its own tables
(objects above `after_id`, all when None), calling `progress(done)` now and then; returns how many
documents it wrote."""


@dataclass(frozen=True)
class Source:
    """How to rebuild one kind: `batches` of `SearchDocument`s, or an app's own `rebuild`."""

    kind: str
    batches: Batches | None = None
    rebuild: Rebuild | None = None


_SOURCES: dict[str, Source] = {}


def search_source(kind: str) -> Callable[[Batches], Batches]:
    """Register the function that yields every document of `kind` (decorator)."""
    if kind not in SearchDocument.Kind.values:
        raise ValueError(f"Unknown search document kind: {kind}")

    def register(batches: Batches) -> Batches:
        _SOURCES[kind] = Source(kind, batches=batches)
        return batches

    return register


def search_rebuilder(kind: str) -> Callable[[Rebuild], Rebuild]:
    """Register the rebuild of a kind an app indexes in its own tables, not in `SearchDocument`.

    The knowledge base does so (`vafa/knowledge/search.py`, docs/decisions/0011): its few
    documents have a title and a body weighed apart and must not share an index with millions of
    messages. `vafa search reindex --kind <kind>` then runs `rebuild`.
    """
    if kind in SearchDocument.Kind.values:
        raise ValueError(f"{kind} is a SearchDocument kind: register it with search_source")

    def register(rebuild: Rebuild) -> Rebuild:
        _SOURCES[kind] = Source(kind, rebuild=rebuild)
        return rebuild

    return register


def search_sources() -> dict[str, Source]:
    """Every registered source, after importing each Vafa app's `search` module."""
    for config in apps.get_app_configs():
        if config.name.startswith("vafa.") and module_has_submodule(config.module, "search"):
            import_module(f"{config.name}.search")
    ordered = [kind for kind in SearchDocument.Kind.values if kind in _SOURCES]
    ordered += sorted(kind for kind in _SOURCES if kind not in SearchDocument.Kind.values)
    return {kind: _SOURCES[kind] for kind in ordered}


def search_index(
    kind: str,
    object_id: int,
    text: str,
    *,
    case_id: int | None = None,
    customer_id: int | None = None,
) -> None:
    """Index (or re-index) one object; `text` is normalised token text (`document_text`)."""
    search_backend().index([Doc(kind, object_id, text, case_id, customer_id)])


def search_index_docs(docs: Iterable[Doc]) -> int:
    """Index (or re-index) many documents at once."""
    return search_backend().index(docs)


def search_remove(kind: str, ids: Iterable[int]) -> int:
    """Forget these objects."""
    return search_backend().delete(kind, ids)


def search_move_case(kind: str, *, from_case_id: int, to_case_id: int) -> int:
    """Record that the documents of `kind` filed under one case now belong to another (a merge)."""
    return SearchDocument.objects.filter(kind=kind, case_id=from_case_id).update(case_id=to_case_id)


@dataclass(frozen=True)
class ReindexResult:
    kind: str
    documents: int
    seconds: float


def search_reindex(
    kinds: Iterable[str] | None = None,
    *,
    after_id: int | None = None,
    batch_size: int = BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> list[ReindexResult]:
    """Rebuild the documents of `kinds` (all) from the apps' tables, in batches.

    Without `after_id` the documents of each kind are dropped first and written again, so objects
    that no longer exist disappear too. With it, only objects above that id are (re-)indexed — how
    a bulk loader indexes what it just added.
    """
    sources = search_sources()
    wanted = list(kinds) if kinds is not None else list(sources)
    unknown = [kind for kind in wanted if kind not in sources]
    if unknown:
        raise ValueError(f"No search source for: {', '.join(unknown)}")
    results = []
    for kind in wanted:
        began = time.monotonic()
        source = sources[kind]
        if source.rebuild is not None:
            report = (lambda done, kind=kind: progress(kind, done)) if progress is not None else None
            written = source.rebuild(batch_size, after_id, report)
            results.append(ReindexResult(kind, written, time.monotonic() - began))
            continue
        assert source.batches is not None
        done = 0
        stale = SearchDocument.objects.filter(kind=kind)
        if after_id is not None:
            stale = stale.filter(object_id__gt=after_id)
        with transaction.atomic():
            stale.delete()
        for docs in source.batches(batch_size, after_id):
            with transaction.atomic():
                _insert(docs)
            done += len(docs)
            if progress is not None:
                progress(kind, done)
        results.append(ReindexResult(kind, done, time.monotonic() - began))
    search_backend().optimize()
    return results


def _insert(docs: list[Doc]) -> None:
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                kind=doc.kind,
                object_id=doc.object_id,
                text=doc.text,
                case_id=doc.case_id,
                customer_id=doc.customer_id,
            )
            for doc in docs
        ],
        batch_size=500,
    )
