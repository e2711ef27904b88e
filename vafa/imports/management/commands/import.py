"""`vafa import customers|products|orders|units FILE.csv`: check every row, then import all of them or none.

docs/import.md describes the columns of each kind of file.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vafa.imports.engine import ImportAborted, ImportOptions, run_import, summary_lines
from vafa.imports.importers import IMPORTERS


def _delimiter(value: str) -> str:
    if value.lower() in ("\\t", "tab"):
        return "\t"
    if len(value) != 1:
        raise CommandError(_('The delimiter is one character (or "tab").'))
    return value


class Command(BaseCommand):
    help = (
        "Import customers, products, orders or units from a CSV file. Every row is checked first; "
        "when any row has an error nothing is written and the errors go to a report file."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="What the file holds.")
        parser.add_argument("file", type=Path, help="The CSV file, with a header row.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and show what would change, without writing anything.",
        )
        parser.add_argument(
            "--report",
            type=Path,
            default=None,
            help="Where to write the error report (default: FILE.report.csv).",
        )
        parser.add_argument(
            "--source",
            default="",
            help="The system the external ids come from, e.g. the shop's name (default: none).",
        )
        parser.add_argument(
            "--delimiter", default=",", help='Column separator: one character, or "tab" (default: ,).'
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="The file's text encoding, e.g. windows-1256 (default: utf-8-sig, which also reads "
            "UTF-8 without a BOM).",
        )
        parser.add_argument(
            "--jalali",
            action="store_true",
            help="Read dates in the Jalali (Persian) calendar, e.g. 1403/05/12.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Show no progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        importer = IMPORTERS[options["kind"]](
            ImportOptions(
                source=options["source"].strip(),
                dry_run=options["dry_run"],
                jalali=options["jalali"],
                delimiter=_delimiter(options["delimiter"]),
                encoding=options["encoding"],
            )
        )
        try:
            result = run_import(
                importer,
                path,
                report_path=options["report"],
                progress=None if options["no_progress"] else self.stderr,
            )
        except ImportAborted as exc:
            raise CommandError(_("%(problem)s Nothing was imported.") % {"problem": exc.message}) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        for line in summary_lines(result, _labels()):
            self.stdout.write(line)
        if not result.ok:
            for error in result.errors[:10]:
                self.stderr.write(
                    _("row %(row)s, %(column)s: %(message)s")
                    % {"row": error.row, "column": error.column or "-", "message": error.message}
                )
            raise CommandError(
                _("%(count)s errors; nothing was imported. The report is in %(report)s.")
                % {"count": len(result.errors), "report": result.report_path}
            )


def _labels() -> dict[str, str]:
    return {
        "customers": _("customers"),
        "organisations": _("organisations"),
        "products": _("products"),
        "categories": _("categories"),
        "warranty policies": _("warranty policies"),
        "orders": _("orders"),
        "units": _("units"),
    }
