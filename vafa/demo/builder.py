"""Build the demo company: staff, catalogue, customers, two years of orders and units, and cases.

Everything is derived from the seed and from today's date, so the same seed on the same day gives
the same company. Rows are written with bulk_create in batches inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker

from vafa.accounts.models import Role, Team, User
from vafa.accounts.services import user_create
from vafa.catalog.models import Category, Product, WarrantyPolicy
from vafa.channels.models import Mailbox
from vafa.core.housekeeping import database_statistics_refresh
from vafa.core.models import Counter
from vafa.core.search import search_reindex
from vafa.customers.models import ContactPoint, Customer, Organisation
from vafa.demo import names, products
from vafa.demo.aftersales import build_aftersales
from vafa.demo.knowledge import build_help_centre
from vafa.demo.people import CUSTOMER_EMAIL, PeopleMixin
from vafa.demo.portal import build_portal_data
from vafa.demo.records import Agent, CustomerRecord, OrderRecord, ProductRecord, UnitRecord
from vafa.demo.sales import SalesMixin
from vafa.sales.models import Order, OrderLine, Unit
from vafa.service.models import Case

UTC = dt.UTC
BATCH = 800
ADMIN_EMAIL = "admin@demo.vafa.test"
DEMO_MAILBOX = "support@demo.vafa.test"
PASSWORDS = {
    Role.ADMIN: "demo-admin-2026",
    Role.MANAGER: "demo-manager-2026",
    Role.AGENT: "demo-agent-2026",
    Role.CUSTOMER: "demo-customer-2026",
}
LOGINS = [
    ("admin", ADMIN_EMAIL, PASSWORDS[Role.ADMIN]),
    ("manager", "manager@demo.vafa.test", PASSWORDS[Role.MANAGER]),
    ("agent (Persian)", "agent.sara@demo.vafa.test", PASSWORDS[Role.AGENT]),
    ("agent (English)", "agent.john@demo.vafa.test", PASSWORDS[Role.AGENT]),
    ("customer (Persian)", CUSTOMER_EMAIL, PASSWORDS[Role.CUSTOMER]),
    ("customer (English)", names.DEMO_EN_CUSTOMER_EMAIL, PASSWORDS[Role.CUSTOMER]),
]


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the given created_at/updated_at: the demo's history lies in the past.

    auto_now and auto_now_add overwrite whatever value an object carries when it is inserted.
    """
    saved = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            flags = (getattr(field, "auto_now", False), getattr(field, "auto_now_add", False))
            if any(flags):
                saved.append((field, flags))
                setattr(field, "auto_now", False)  # noqa: B010 - not every Field declares these
                setattr(field, "auto_now_add", False)  # noqa: B010
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in saved:
            setattr(field, "auto_now", auto_now)  # noqa: B010
            setattr(field, "auto_now_add", auto_now_add)  # noqa: B010


class DemoClock:
    """The demo's own clock for code that stamps `timezone.now()`: each reading is a second later.

    The after-sales work is written through the services, as agents would; on the real clock one
    build would differ from the next and, for a demo dated in the past, lie in its future. `set`
    moves the clock to a moment of a case's life, so its steps fall where the story puts them.
    """

    def __init__(self, start: dt.datetime, tick: dt.timedelta = dt.timedelta(seconds=1)) -> None:
        self.moment = start
        self.tick = tick

    def __call__(self) -> dt.datetime:
        self.moment += self.tick
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment

    @contextmanager
    def running(self) -> Iterator[DemoClock]:
        with mock.patch.object(timezone, "now", self):
            yield self


def demo_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def demo_mailbox_ensure(*, team: Team | None) -> Mailbox:
    """The support address the banner tells newcomers to write to, taken by the listener the demo runs."""
    mailbox, _ = Mailbox.objects.get_or_create(
        address=DEMO_MAILBOX,
        defaults={
            "name": "Demo support",
            "from_name": "Vafa demo support",
            "team": team,
            "language": "en",
            "method": Mailbox.Method.SMTP,
            "is_default": not Mailbox.objects.filter(is_default=True).exists(),
        },
    )
    return mailbox


def business_data_exists() -> bool:
    return Customer.objects.exists() or Case.objects.exists() or User.objects.exists()


def vafa_tables() -> list[str]:
    return [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name.startswith("vafa.") and model._meta.managed
    ]


def reset_vafa_tables() -> None:
    """Empty every table of the Vafa apps (and what refers to them) and restart their id sequences."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks still pending in this transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        statements = connection.ops.sql_flush(
            no_style(), vafa_tables(), reset_sequences=True, allow_cascade=True
        )
        connection.ops.execute_sql_flush(statements)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def build_demo(
    *,
    seed: int = 42,
    customers: int = 2000,
    cases: int = 3000,
    now: dt.datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the demo company into an empty database and return how many rows of each kind were made."""
    return DemoBuilder(seed=seed, customers=customers, cases=cases, now=now, log=log).build()


class DemoBuilder(PeopleMixin, SalesMixin):
    """Builds the demo company in memory, then writes it in bulk."""

    def __init__(
        self,
        *,
        seed: int,
        customers: int,
        cases: int,
        now: dt.datetime | None,
        log: Callable[[str], None] | None,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.n_customers = max(customers, 10)
        self.n_cases = max(cases, 0)
        self.log = log or (lambda line: None)
        moment = (now or timezone.now()).astimezone(UTC)
        self.today = moment.date()
        # Data ends at the start of today (UTC), so a whole day of builds gives the same company.
        self.cutoff = dt.datetime.combine(self.today, dt.time.min, tzinfo=UTC)
        self.start = self.cutoff - dt.timedelta(days=730)
        self.faker: dict[str, Faker] = {}
        for offset, locale in enumerate(("en_US", "en_GB", "ru_RU")):
            fake = Faker(locale)
            fake.seed_instance(seed * 10 + offset)
            self.faker[locale] = fake
        self.hashes: dict[str, str] = {}
        self.agents: list[Agent] = []
        self.staff: dict[str, User] = {}
        self.teams: list[Team] = []
        self.team_members: dict[int, list[Agent]] = {}
        self.products: list[ProductRecord] = []
        self.product_by_sku: dict[str, ProductRecord] = {}
        self.customers: list[CustomerRecord] = []
        self.orders: list[OrderRecord] = []
        self.units: list[UnitRecord] = []
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._serials: dict[str, set[str]] = {}
        self._catalogue_cache: dict[tuple[str, int], list[ProductRecord]] = {}

    # --- the whole load ----------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        from vafa.demo.cases import CaseBuilder
        from vafa.demo.service_levels import build_service_levels

        began = time.monotonic()
        with transaction.atomic():
            self.log("Staff and teams…")
            self._staff()
            self.log("Catalogue: categories, warranty policies, products…")
            self._catalogue()
            self.log(f"Customers and organisations ({self.n_customers})…")
            self._customers()
            self.log("Orders, order lines and units (two years)…")
            self._sales()
            self.log(f"Cases, conversations and timelines ({self.n_cases})…")
            last_number = CaseBuilder(self).build()
            Counter.objects.update_or_create(name="case", defaults={"value": last_number})
            build_service_levels(
                admin=self.staff["admin"], teams=self.teams, agents=self.agents, now=self.cutoff, log=self.log
            )
            self_service = {**build_portal_data(self), **build_help_centre(self)}
            # The after-sales work on the open cases is the last thing that happens before the
            # demo's "now": it starts at the cutoff, after every case's history.
            with DemoClock(self.cutoff).running() as clock:
                aftersales = build_aftersales(self, clock)
            self.log("Search index…")
            search_reindex()
        database_statistics_refresh(full=True)
        counts = {
            "users": User.objects.count(),
            "teams": Team.objects.count(),
            "categories": Category.objects.count(),
            "warranty policies": WarrantyPolicy.objects.count(),
            "products": Product.objects.count(),
            "organisations": Organisation.objects.count(),
            "customers": Customer.objects.count(),
            "contact points": ContactPoint.objects.count(),
            "orders": Order.objects.count(),
            "order lines": OrderLine.objects.count(),
            "units": Unit.objects.count(),
        }
        from vafa.service.models import CaseEvent, Message

        counts.update(
            cases=Case.objects.count(), messages=Message.objects.count(), events=CaseEvent.objects.count()
        )
        counts.update(self_service)
        counts.update(aftersales)
        self.log(f"Loaded in {time.monotonic() - began:.1f} s.")
        return counts

    # --- helpers -----------------------------------------------------------------------------------

    def local_time(self, day: dt.date, tz: str, *, earliest: int = 8, latest: int = 23) -> dt.datetime:
        """A moment on that day at a plausible local hour, in UTC."""
        hour = self.rng.choices(
            range(earliest, latest), weights=[1 + (h in range(10, 21)) * 2 for h in range(earliest, latest)]
        )[0]
        local = dt.datetime.combine(
            day, dt.time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=ZoneInfo(tz)
        )
        return local.astimezone(UTC)

    def bulk(self, model: type[models.Model], objects: list) -> None:
        with explicit_timestamps(model):
            model._default_manager.bulk_create(objects, batch_size=BATCH)

    # --- staff -------------------------------------------------------------------------------------

    def _staff(self) -> None:
        self.hashes = {role: make_password(password) for role, password in PASSWORDS.items()}
        joined = self.start - dt.timedelta(days=60)
        users = []
        for key, email, role, full_name, language, tz, speaks, localized in names.STAFF:
            user = user_create(
                actor=None, email=email, full_name=full_name, role=role, language=language, time_zone=tz
            )
            # One PBKDF2 hash per distinct password, reused: hashing is slow on purpose.
            user.password = self.hashes[role]
            user.is_superuser = role == Role.ADMIN
            user.sees_all_cases = role != Role.AGENT or key == "neda"
            user.native_digits = language == "fa"
            user.date_joined = joined
            users.append(user)
            self.staff[key] = user
            if role == Role.AGENT:
                self.agents.append(
                    Agent(
                        user=user,
                        key=key,
                        language=language,
                        speaks=speaks,
                        names={"en": full_name, **localized},
                    )
                )
        User.objects.bulk_update(
            users, ["password", "is_superuser", "sees_all_cases", "native_digits", "date_joined"]
        )
        by_key = {agent.key: agent for agent in self.agents}
        self.teams = [
            Team(name=name, description=description, lead=self.staff[lead], created_at=joined)
            for name, description, lead, _ in names.TEAMS
        ]
        self.bulk(Team, self.teams)
        through = []
        for team, (_, _, _, members) in zip(self.teams, names.TEAMS, strict=True):
            self.team_members[team.pk] = [by_key[key] for key in members]
            through += [Team.members.through(team_id=team.pk, user_id=by_key[key].user.pk) for key in members]
        Team.members.through.objects.bulk_create(through)
        demo_mailbox_ensure(team=self.teams[0])

    # --- catalogue ---------------------------------------------------------------------------------

    def _catalogue(self) -> None:
        categories = {
            code: Category(code=code, name=names_["en"], names=names_, return_window_days=days)
            for code, names_, days in products.CATEGORIES
        }
        Category.objects.bulk_create(categories.values())
        policies = {
            key: WarrantyPolicy(
                name=name,
                months=months,
                covers_parts=parts,
                covers_labour=labour,
                covers_onsite=onsite,
                replacement_rule=rule,
                terms=terms,
            )
            for key, name, months, parts, labour, onsite, rule, terms in products.POLICIES
        }
        WarrantyPolicy.objects.bulk_create(policies.values())
        objects = []
        for data in products.PRODUCTS:
            launched = self.cutoff - dt.timedelta(days=data["launched"], hours=self.rng.randrange(24))
            product = Product(
                sku=data["sku"],
                name=data["names"]["en"],
                names=data["names"],
                category=categories[data["category"]],
                price=data["price"],
                currency=data["currency"],
                warranty_policy=policies[data["policy"]],
                return_window_days=data["returns"],
                maintenance_interval_days=data["maintenance"],
                is_serialised=data["serialised"],
                is_active=data["active"],
                created_at=launched,
                updated_at=launched + dt.timedelta(days=self.rng.randrange(30, 200)),
            )
            product.updated_at = min(product.updated_at, self.cutoff - dt.timedelta(hours=1))
            objects.append(product)
            record = ProductRecord(
                obj=product,
                kind=data["kind"],
                category=data["category"],
                months=policies[data["policy"]].months,
                markets=data["markets"],
                launched_on=launched.date(),
                retired_on=None if data["active"] else self.today - dt.timedelta(days=150),
                weight=data["weight"],
                serial_pattern=data["serial"],
                return_days=data["returns"] or categories[data["category"]].return_window_days,
            )
            self.products.append(record)
            self.product_by_sku[data["sku"]] = record
        self.bulk(Product, objects)

    def catalogue_for(self, market: str, day: dt.date) -> list[ProductRecord]:
        """Products on sale in a market on a day; an export SKU replaces the domestic one it is based on."""
        key = (market, day.toordinal())
        if key not in self._catalogue_cache:
            exported = {
                p.obj.sku.rsplit("-", 1)[0]
                for p in self.products
                if market in p.markets and p.obj.currency != "IRR"
            }
            self._catalogue_cache[key] = [
                p
                for p in self.products
                if market in p.markets
                and p.launched_on <= day
                and (p.retired_on is None or day < p.retired_on)
                and p.obj.sku not in exported
            ]
        return self._catalogue_cache[key]
