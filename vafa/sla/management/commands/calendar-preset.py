"""`vafa calendar-preset NAME --preset iran [--zone …] [--country …] [--years 2] [--default]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from vafa.core.errors import VafaError
from vafa.sla.calendars import calendar_create, calendar_set_default
from vafa.sla.models import BusinessCalendar
from vafa.sla.presets import PRESETS, calendar_apply_preset


class Command(BaseCommand):
    help = "Create a business calendar from a preset, or apply the preset again to the calendar of that name."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="The calendar's name.")
        parser.add_argument("--preset", required=True, choices=PRESETS)
        parser.add_argument("--zone", default=None, help="IANA time zone; default: the preset's own.")
        parser.add_argument(
            "--country", default=None, help="Gulf: SA, AE, QA, KW, BH, OM; Western: any code."
        )
        parser.add_argument(
            "--years", type=int, default=2, help="Years of holidays from this one (default: 2)."
        )
        parser.add_argument("--default", action="store_true", help="Make it the default calendar.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                calendar = BusinessCalendar.objects.filter(name=options["name"]).first()
                created = calendar is None
                if calendar is None:
                    calendar = calendar_create(
                        actor=None, name=options["name"], time_zone=options["zone"] or "UTC"
                    )
                result = calendar_apply_preset(
                    actor=None,
                    calendar=calendar,
                    preset=options["preset"],
                    country=options["country"],
                    years=options["years"],
                    time_zone=options["zone"],
                )
                if options["default"]:
                    calendar_set_default(actor=None, calendar=calendar)
        except VafaError as exc:
            raise CommandError(str(exc.message)) from exc
        calendar.refresh_from_db()
        values = {
            "name": calendar.name,
            "id": calendar.pk,
            "preset": calendar.preset,
            "zone": calendar.time_zone,
            "yearly": result.yearly,
            "dated": result.single,
            "working": result.working_days,
        }
        if created:
            line = _(
                "Created %(name)s (#%(id)s): preset %(preset)s, %(zone)s, %(yearly)s yearly and %(dated)s dated "
                "holidays, %(working)s moved working days"
            )
        else:
            line = _(
                "Updated %(name)s (#%(id)s): preset %(preset)s, %(zone)s, %(yearly)s yearly and %(dated)s dated "
                "holidays, %(working)s moved working days"
            )
        self.stdout.write(line % values)
