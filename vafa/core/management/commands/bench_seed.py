"""Fill the current database with benchmark data; print `session=<key>` (a signed-in agent's session
for the desk pages) and an admin API token (last line)."""

from django.core.management.base import BaseCommand

from vafa.bench.seed import seed as seed_fn


class Command(BaseCommand):
    help = "Load benchmark customers and cases in bulk; print an admin token on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--cases", type=int, default=0)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--messages-per-case", type=int, default=1)

    def handle(self, *args, customers: int, cases: int, seed: int, messages_per_case: int, **options):
        seeded = seed_fn(
            customers=customers, cases=cases, seed_value=seed, messages_per_case=max(1, messages_per_case)
        )
        self.stderr.write(f"customers={seeded.customers} cases={seeded.cases} messages={seeded.messages}")
        self.stdout.write(f"session={seeded.session}")
        self.stdout.write(seeded.token)
