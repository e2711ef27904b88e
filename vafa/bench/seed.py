"""Load benchmark data fast: bulk rows shaped like what the services write.

Benchmarks need 100,000s of cases; opening each through `case_open` would take longer than the
measurement. The rows here carry the same fields, first message and opening event.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape

from vafa.accounts.models import Role, Team, User
from vafa.accounts.services import token_create
from vafa.bench import phrases
from vafa.core.housekeeping import database_statistics_refresh
from vafa.core.models import Counter
from vafa.core.search import search_reindex
from vafa.customers.models import ContactPoint, Customer
from vafa.service.models import Case, CaseEvent, CaseKind, CaseStatus, Channel, Message, Priority

BATCH = 5000
ADMIN_EMAIL = "bench.admin@bench.vafa.test"
AGENT_EMAIL = "bench.agent@bench.vafa.test"


@dataclass(frozen=True)
class Seeded:
    token: str
    customers: int
    cases: int
    messages: int = 0
    session: str = ""


def _admin() -> User:
    user = User.objects.filter(email=ADMIN_EMAIL).first()
    if user is None:
        user = User.objects.create_user(ADMIN_EMAIL, None, role=Role.ADMIN, full_name="Bench Admin")
    return user


def _agent() -> User:
    """An agent in every team (not one who sees all cases), so searches go through the team scope."""
    user = User.objects.filter(email=AGENT_EMAIL).first()
    if user is None:
        user = User.objects.create_user(AGENT_EMAIL, None, role=Role.AGENT, full_name="Bench Agent")
    teams = list(Team.objects.all()) or [Team.objects.create(name="Bench team")]
    for team in teams:
        team.members.add(user)
    return user


def agent_session() -> str:
    """A signed-in session of the bench agent, for measuring desk pages: its key (the cookie value)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    user = _agent()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


@transaction.atomic
def seed_customers(count: int, *, rng: random.Random) -> int:
    have = Customer.objects.count()
    languages = ["fa", "fa", "en", "en", "ar", "ru"]
    for start in range(have, count, BATCH):
        rows = [
            Customer(
                name=phrases.person_name(i),
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


def seed_cases(total: int, *, rng: random.Random, messages_per_case: int = 1) -> int:
    """Add bulk cases (`messages_per_case` messages and one event each) until there are `total`.

    Subjects and messages are drawn from the demo's conversations in four languages (see
    vafa.bench.phrases), so a search term matches a realistic share of the rows.
    """
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
            conversations: dict[int, phrases.Conversation] = {}
            for _ in range(size):
                created = now - dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
                status = rng.choice(statuses)
                resolved = (
                    created + dt.timedelta(hours=rng.randint(1, 200))
                    if status in ("resolved", "closed")
                    else None
                )
                language = rng.choice(phrases.LANGUAGE_MIX)
                conversation = phrases.conversation(rng, language, messages=messages_per_case)
                conversations[number] = conversation
                rows.append(
                    Case(
                        number=number,
                        subject=conversation.subject,
                        customer_id=rng.choice(customer_ids),
                        kind=rng.choice(kinds),
                        channel=rng.choice(channels),
                        status=status,
                        priority=rng.choice(Priority.values),
                        team_id=rng.choice(teams),
                        language=language,
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
                    "pk", "created_at", "customer_id", "number"
                )
            )
            messages = []
            for pk, at, cid, case_number in ids:
                for index, line in enumerate(conversations[case_number].messages):
                    from_customer = line.author == "customer"
                    messages.append(
                        Message(
                            case_id=pk,
                            author_kind=line.author,
                            author_customer_id=cid if from_customer else None,
                            channel="email",
                            is_internal=line.internal,
                            body_text=line.text,
                            body_html="".join(f"<p>{escape(p)}</p>" for p in line.text.split("\n") if p),
                            created_at=at + dt.timedelta(hours=index * 5),
                        )
                    )
            Message.objects.bulk_create(messages, batch_size=1000)
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(case_id=pk, kind="opened", actor_kind="customer", created_at=at)
                    for pk, at, _c, _n in ids
                ],
                batch_size=1000,
            )
        remaining -= size
    Counter.objects.update_or_create(name="case", defaults={"value": number - 1})
    return Case.objects.count()


def _last_pk(model: type[Customer] | type[Case] | type[Message]) -> int:
    return model.objects.aggregate(m=Max("pk"))["m"] or 0


def seed_search_index(*, customers_after: int, cases_after: int, messages_after: int) -> None:
    """Index what was just added (objects above the given ids), as `vafa search reindex` would."""
    search_reindex(["customer"], after_id=customers_after)
    search_reindex(["case"], after_id=cases_after)
    search_reindex(["message"], after_id=messages_after)


def seed(*, customers: int, cases: int, seed_value: int = 7, messages_per_case: int = 1) -> Seeded:
    """Make sure the bench database holds this many customers and cases; return an admin token.

    New rows are added to the search index too, and a signed-in session of an agent in every team
    is created for the desk benchmarks.
    """
    rng = random.Random(seed_value)
    admin = _admin()
    before = (_last_pk(Customer), _last_pk(Case), _last_pk(Message))
    total_customers = seed_customers(customers, rng=rng)
    total_cases = seed_cases(cases, rng=rng, messages_per_case=messages_per_case)
    seed_search_index(customers_after=before[0], cases_after=before[1], messages_after=before[2])
    # Fresh statistics, as a database that has lived with this data would have: without them
    # PostgreSQL plans the desk's queries for empty tables (seen: the case page's last-event lookup).
    database_statistics_refresh(full=True)
    token = token_create(actor=None, user=admin, name="bench").raw
    return Seeded(
        token=token,
        customers=total_customers,
        cases=total_cases,
        messages=Message.objects.count(),
        session=agent_session(),
    )
