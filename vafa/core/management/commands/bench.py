"""`vafa bench`: measure Vafa on SQLite and PostgreSQL and write var/bench/results.json."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vafa.bench.desk import run_desk
from vafa.bench.email import run_email
from vafa.bench.portal import run_portal
from vafa.bench.results import results_merge
from vafa.bench.runner import run_foundation, target_postgres, target_sqlite
from vafa.bench.sla import run_sla

SUITES = {
    "foundation": run_foundation,
    "desk": run_desk,
    "email": run_email,
    "sla": run_sla,
    "portal": run_portal,
}


class Command(BaseCommand):
    help = "Run the benchmarks on SQLite and PostgreSQL; write var/bench/results.json."

    def add_arguments(self, parser):
        parser.add_argument("--database", choices=["sqlite", "postgresql", "all"], default="all")
        parser.add_argument(
            "--quick", action="store_true", help="Smaller scale and shorter runs, for a smoke test."
        )
        parser.add_argument(
            "--suite",
            choices=[*SUITES, "all"],
            default="all",
            help="Which issue's benchmarks to run (default: all).",
        )
        parser.add_argument(
            "--output", default=None, help="Results file (default: VAR_DIR/bench/results.json)."
        )

    def handle(self, *args, database: str, quick: bool, suite: str, output: str | None, **options):
        var_dir = Path(settings.VAR_DIR)
        path = Path(output) if output else var_dir / "bench" / "results.json"
        targets = []
        if database in ("sqlite", "all"):
            targets.append(target_sqlite)
        if database in ("postgresql", "all"):
            targets.append(target_postgres)
        measured = []
        for make_target in targets:
            try:
                target = make_target(var_dir)
            except Exception as exc:  # a missing PostgreSQL must fail the run, loudly
                raise CommandError(
                    f"Cannot prepare the {make_target.__name__} bench database: {exc}"
                ) from exc
            for name, run in SUITES.items():
                if suite in (name, "all"):
                    measured.extend(run(target, quick=quick, log=self.stdout.write))
        results_merge(path, measured)
        for result in measured:
            self.stdout.write(f"{result.name:28} {result.database:11} {result.value:>10.2f} {result.unit}")
        self.stdout.write(f"Wrote {path}")
