"""Seed the self-service bench (cases up to a total, a portal customer with their own cases, published
articles in four languages, indexed); print JSON with the customer's session on the last line."""

import json

from django.core.management.base import BaseCommand

from vafa.bench.portal import seed_self_service


class Command(BaseCommand):
    help = "Seed cases, a portal customer and knowledge-base articles for the self-service bench; print JSON."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--customer-cases", type=int, default=200)

    def handle(self, *args, cases: int, articles: int, customer_cases: int, **options):
        figures = seed_self_service(cases=cases, articles=articles, customer_cases=customer_cases)
        self.stdout.write(json.dumps(figures, ensure_ascii=False))
