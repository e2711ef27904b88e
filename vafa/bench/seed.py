"""Load benchmark data fast: bulk rows shaped like what the services write.

Benchmarks need 100,000s of cases; opening each through `case_open` would take longer than the
measurement. The rows here carry the same fields, first message and opening event.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vafa.accounts.models import Role, Team, User
from vafa.accounts.services import token_create
from vafa.core.models import Counter
from vafa.customers.models import ContactPoint, Customer
from vafa.service.models import Case, CaseEvent, CaseKind, CaseStatus, Channel, Message, Priority

BATCH = 5000
ADMIN_EMAIL = "bench.admin@bench.vafa.test"


@dataclass(frozen=True)
class Seeded:
    token: str
    customers: int
    cases: int


def _admin() -> User:
    user = User.objects.filter(email=ADMIN_EMAIL).first()
    if user is None:
        user = User.objects.create_user(ADMIN_EMAIL, None, role=Role.ADMIN, full_name="Bench Admin")
    return user


@transaction.atomic
def seed_customers(count: int, *, rng: random.Random) -> int:
    have = Customer.objects.count()
    languages = ["fa", "fa", "en", "en", "ar", "ru"]
    for start in range(have, count, BATCH):
        rows = [
            Customer(
                name=f"Bench Customer {i}",
                language=rng.choice(languages),
                external_source="bench",
                external_id=str(i),
            )
            for i in range(start, min(count, start + BATCH))
        ]
        created = Customer.objects.bulk_create(rows, batch_size=1000)
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(
                    customer=c,
                    kind=ContactPoint.Kind.EMAIL,
                    value=f"bench{c.external_id}@bench.vafa.test",
                    is_primary=True,
                )
                for c in Customer.objects.filter(
                    external_source="bench", external_id__in=[r.external_id for r in created]
                )
            ],
            batch_size=1000,
        )
    return Customer.objects.count()


def seed_cases(total: int, *, rng: random.Random) -> int:
    """Add bulk cases (one message and one event each) until there are `total`."""
    have = Case.objects.count()
    if have >= total:
        return have
    customer_ids = list(Customer.objects.values_list("pk", flat=True))
    teams = list(Team.objects.values_list("pk", flat=True)) or [Team.objects.create(name="Bench team").pk]
    now = timezone.now()
    start_number = (Case.objects.aggregate(m=Max("number"))["m"] or 0) + 1
    kinds, channels = CaseKind.values, Channel.values
    statuses = [
        CaseStatus.NEW,
        CaseStatus.OPEN,
        CaseStatus.PENDING_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
        CaseStatus.CLOSED,
        CaseStatus.CLOSED,
    ]
    number = start_number
    remaining = total - have
    while remaining > 0:
        size = min(BATCH, remaining)
        with transaction.atomic():
            rows = []
            for _ in range(size):
                created = now - dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
                status = rng.choice(statuses)
                resolved = (
                    created + dt.timedelta(hours=rng.randint(1, 200))
                    if status in ("resolved", "closed")
                    else None
                )
                rows.append(
                    Case(
                        number=number,
                        subject=f"Bench case {number}",
                        customer_id=rng.choice(customer_ids),
                        kind=rng.choice(kinds),
                        channel=rng.choice(channels),
                        status=status,
                        priority=rng.choice(Priority.values),
                        team_id=rng.choice(teams),
                        language="en",
                        created_at=created,
                        updated_at=resolved or created,
                        resolved_at=resolved,
                        closed_at=resolved if status == "closed" else None,
                    )
                )
                number += 1
            Case.objects.bulk_create(rows, batch_size=1000)
            ids = list(
                Case.objects.filter(number__gte=number - size, number__lt=number).values_list(
                    "pk", "created_at", "customer_id"
                )
            )
            Message.objects.bulk_create(
                [
                    Message(
                        case_id=pk,
                        author_kind="customer",
                        author_customer_id=cid,
                        channel="email",
                        body_text="Bench message body",
                        body_html="<p>Bench message body</p>",
                        created_at=at,
                    )
                    for pk, at, cid in ids
                ],
                batch_size=1000,
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(case_id=pk, kind="opened", actor_kind="customer", created_at=at)
                    for pk, at, _c in ids
                ],
                batch_size=1000,
            )
        remaining -= size
    Counter.objects.update_or_create(name="case", defaults={"value": number - 1})
    return Case.objects.count()


def seed(*, customers: int, cases: int, seed_value: int = 7) -> Seeded:
    """Make sure the bench database holds this many customers and cases; return an admin token."""
    rng = random.Random(seed_value)
    admin = _admin()
    total_customers = seed_customers(customers, rng=rng)
    total_cases = seed_cases(cases, rng=rng)
    token = token_create(actor=None, user=admin, name="bench").raw
    return Seeded(token=token, customers=total_customers, cases=total_cases)
