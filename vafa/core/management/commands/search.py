"""`vafa search reindex [--kind …]`: rebuild the search index from the tables, in batches."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vafa.core.search import search_reindex, search_sources


class Command(BaseCommand):
    help = "Search index maintenance: `reindex` rebuilds it from the cases, messages, customers, units and articles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{reindex}")
        reindex = actions.add_parser("reindex", help="Rebuild the search index (all kinds, or those given).")
        reindex.add_argument(
            "--kind",
            action="append",
            choices=list(search_sources()),
            help="Only this kind of document; repeat for several.",
        )
        reindex.add_argument("--batch-size", type=int, default=2000, help="Objects per batch (default 2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options["kind"] or list(search_sources())
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        began = time.monotonic()
        last_report = [0.0]

        def progress(kind: str, done: int) -> None:
            now = time.monotonic()
            if now - last_report[0] >= 2:
                last_report[0] = now
                self.stdout.write(f"  {kind}: {done} …")

        for kind in kinds:
            self.stdout.write(f"Indexing {kind} documents…")
            for result in search_reindex([kind], batch_size=options["batch_size"], progress=progress):
                self.stdout.write(
                    self.style.SUCCESS(f"  {result.kind}: {result.documents} in {result.seconds:.1f} s")
                )
        self.stdout.write(f"Search index rebuilt in {time.monotonic() - began:.1f} s.")
