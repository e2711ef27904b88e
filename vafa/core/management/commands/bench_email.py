"""Store and process bench e-mails in the current database; print the rates as JSON (last line)."""

import json

from django.core.management.base import BaseCommand

from vafa.bench.email import measure_ingest


class Command(BaseCommand):
    help = "Measure e-mail ingestion (store, then one worker processes); print JSON on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=1000)

    def handle(self, *args, messages: int, **options):
        self.stdout.write(json.dumps(measure_ingest(messages)))
