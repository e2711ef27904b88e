"""Seed open cases with running SLA clocks and time the due query and scheduler ticks; print JSON (last line)."""

import json

from django.core.management.base import BaseCommand

from vafa.bench.sla import measure_sla


class Command(BaseCommand):
    help = "Measure the SLA due query and scheduler tick at scale; print JSON on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--query-runs", type=int, default=300)

    def handle(self, *args, cases: int, runs: int, query_runs: int, **options):
        self.stdout.write(json.dumps(measure_sla(cases=cases, runs=runs, query_runs=query_runs)))
