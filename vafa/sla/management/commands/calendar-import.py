"""`vafa calendar-import NAME FILE.ics`: add or update a calendar's holidays from an iCalendar file."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vafa.core.errors import VafaError
from vafa.sla.ical import MAX_BYTES, calendar_import_ical
from vafa.sla.models import BusinessCalendar


class Command(BaseCommand):
    help = "Import holidays into a business calendar from an iCalendar (.ics) file; all of it or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="The calendar's name.")
        parser.add_argument("file", type=Path, help="The .ics file (at most 1 MiB).")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = BusinessCalendar.objects.filter(name=options["name"]).first()
        if calendar is None:
            raise CommandError(_("No business calendar is named “%(name)s”.") % {"name": options["name"]})
        try:
            with options["file"].open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": exc}
            ) from exc
        try:
            result = calendar_import_ical(actor=None, calendar=calendar, data=data)
        except VafaError as exc:
            raise CommandError(str(exc.message)) from exc
        skipped = ", ".join(f"{reason} {count}" for reason, count in result.skipped.items()) or "0"
        self.stdout.write(
            _("%(name)s: %(created)s new, %(updated)s updated, skipped %(skipped)s")
            % {
                "name": calendar.name,
                "created": result.created,
                "updated": result.updated,
                "skipped": skipped,
            }
        )
