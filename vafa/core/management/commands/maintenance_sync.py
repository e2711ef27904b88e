"""`vafa maintenance_sync`: create or update the maintenance schedules of every unit that needs one."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vafa.aftersales.services.visits import SCHEDULE_BATCH_SIZE, maintenance_schedules_refresh


class Command(BaseCommand):
    help = "Create or update the maintenance schedules of the units whose product needs maintenance."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=SCHEDULE_BATCH_SIZE,
            help=f"Units per batch (default {SCHEDULE_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = maintenance_schedules_refresh(batch_size=options["batch_size"])
        self.stdout.write(
            f"Maintenance schedules: {result.created} created, {result.updated} updated, "
            f"{result.deactivated} deactivated."
        )
