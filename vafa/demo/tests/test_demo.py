"""The demo company: deterministic, internally consistent, and usable with the printed logins."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter as Tally
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F, Max, Sum

from vafa.accounts.models import Role, User
from vafa.aftersales.models import CostEntry, RepairOrder
from vafa.core.dates import add_months
from vafa.core.models import Counter
from vafa.customers.models import ContactPoint, Customer
from vafa.customers.selectors import customer_list
from vafa.demo import builder
from vafa.knowledge.models import ArticleTranslation, DeflectionEvent
from vafa.sales.models import Order, OrderLine, Unit
from vafa.sales.selectors import unit_warranty_status
from vafa.service.events import AFTERSALES_KINDS
from vafa.service.models import Case, CaseEvent, CaseKind, CaseRating, CaseStatus, EventKind, Message
from vafa.service.selectors import case_list

NOW = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.UTC)
SIGNED_LINK = re.compile(r"/(?:quotes|visits/confirm)/[\w-]+/")
CUSTOMERS, CASES = 120, 150
UNIT_KINDS = [
    CaseKind.WARRANTY_CLAIM,
    CaseKind.REPAIR,
    CaseKind.RETURN,
    CaseKind.REPLACEMENT,
    CaseKind.REFUND,
    CaseKind.INSTALLATION,
    CaseKind.MAINTENANCE,
    CaseKind.PROBLEM,
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db) -> dict[str, int]:
    return builder.build_demo(seed=7, now=NOW, customers=CUSTOMERS, cases=CASES)


def _snapshot() -> dict[str, list]:
    # No primary keys: PostgreSQL's sequences do not go back when a build is rolled back, so a
    # second build gets other ids for the same rows. Rows are named by what a reader sees instead.
    return {
        "customers": list(Customer.objects.order_by("id").values_list("name", "city", "created_at")),
        "emails": list(ContactPoint.objects.order_by("id").values_list("value", flat=True)),
        "serials": list(
            Unit.objects.order_by("id").values_list("product__sku", "serial_number", "warranty_end")
        ),
        "orders": list(Order.objects.order_by("id").values_list("number", "total_amount", "placed_at")),
        "cases": list(
            Case.objects.order_by("number").values_list("number", "subject", "status", "created_at")
        ),
        # The after-sales notices carry signed links, whose tokens are random on purpose.
        "messages": [
            SIGNED_LINK.sub("/<token>/", body)
            for body in Message.objects.order_by("id").values_list("body_text", flat=True)
        ],
        "articles": list(
            ArticleTranslation.objects.order_by("id").values_list("title", "published_at", "view_count")
        ),
        "self-service": list(
            DeflectionEvent.objects.order_by("id").values_list(
                "kind", "query", "customer__name", "created_at"
            )
        ),
        "ratings": list(CaseRating.objects.order_by("id").values_list("case__number", "score", "created_at")),
        "repairs": list(
            RepairOrder.objects.order_by("number").values_list(
                "number", "case__number", "status", "created_at"
            )
        ),
        "costs": list(
            CostEntry.objects.order_by("id").values_list("kind", "amount", "amount_company", "created_at")
        ),
    }


def test_the_same_seed_builds_the_same_company(db):
    builder.build_demo(seed=7, now=NOW, customers=CUSTOMERS, cases=CASES)
    first = _snapshot()

    builder.reset_vafa_tables()
    assert not Customer.objects.exists() and not User.objects.exists()
    builder.build_demo(seed=7, now=NOW, customers=CUSTOMERS, cases=CASES)

    assert _snapshot() == first
    assert len(first["customers"]) == CUSTOMERS
    # The cases asked for, and the Persian portal customer's two after-sales cases.
    assert len(first["cases"]) == CASES + 2


def test_another_seed_builds_another_company(db):
    builder.build_demo(seed=7, now=NOW, customers=CUSTOMERS, cases=CASES)
    first = _snapshot()
    builder.reset_vafa_tables()

    builder.build_demo(seed=8, now=NOW, customers=CUSTOMERS, cases=CASES)

    assert _snapshot()["customers"] != first["customers"]


def test_cases_about_a_product_name_a_unit_the_customer_owns(demo):
    cases = Case.objects.filter(kind__in=UNIT_KINDS).select_related("unit")

    assert {CaseKind.WARRANTY_CLAIM, CaseKind.REPAIR, CaseKind.RETURN} <= set(
        cases.values_list("kind", flat=True)
    )
    for case in cases:
        assert case.unit is not None, case.number
        assert case.unit.owner_id == case.customer_id
        assert case.product_id == case.unit.product_id
        assert case.created_at.date() >= case.unit.delivered_on
        assert case.warranty_status_at_open == unit_warranty_status(case.unit, case.created_at.date()).status


def test_every_phone_is_valid_e164_and_every_email_unique_and_lower_case(demo):
    phones = list(ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE).values_list("value", flat=True))
    emails = list(ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL).values_list("value", flat=True))

    assert len(phones) > CUSTOMERS * 0.7
    for value in phones:
        number = phonenumbers.parse(value)
        assert phonenumbers.is_valid_number(number), value
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value
    assert len(emails) == len(set(emails))
    assert all(email == email.lower() for email in emails)
    assert (
        Customer.objects.exclude(contact_points__kind="email", contact_points__is_primary=True).count() == 0
    )


def test_units_have_consistent_warranty_dates(demo):
    units = Unit.objects.select_related("product__warranty_policy")

    assert units.count() > 0
    assert not units.filter(warranty_end__lt=F("warranty_start")).exists()
    assert not units.filter(delivered_on__lt=F("purchased_on")).exists()
    assert not units.filter(extended_warranty_end__lt=F("warranty_end")).exists()
    for unit in units.exclude(warranty_start=None):
        assert unit.warranty_start == unit.delivered_on
        assert unit.warranty_end == add_months(unit.warranty_start, unit.product.warranty_policy.months)


def test_order_totals_are_the_sum_of_their_lines(demo):
    itemised = Order.objects.filter(lines__isnull=False).distinct()

    assert Order.objects.filter(lines__isnull=True).exists()  # some orders come as totals only
    for order in itemised.prefetch_related("lines"):
        assert order.total_amount == sum(line.unit_price * line.quantity for line in order.lines.all())
    assert Order.objects.aggregate(Max("placed_at"))["placed_at__max"] < NOW
    serialised_quantity = (
        OrderLine.objects.filter(product__is_serialised=True)
        .exclude(order__status=Order.Status.CANCELLED)
        .aggregate(total=Sum("quantity"))["total"]
    )
    assert Unit.objects.count() == serialised_quantity


def test_timelines_are_in_order_and_follow_the_case(demo):
    # The SLA clocks are replayed after the story is written, and the customers' ratings are added
    # after it too: their events carry the instants they happened at, in the case's life, but come
    # later in id order and do not touch the case.
    sla_kinds = {EventKind.SLA_APPLIED, EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED, EventKind.RATED}
    for case in Case.objects.prefetch_related("events", "messages"):
        everything = sorted(case.events.all(), key=lambda e: e.pk)
        events = [event for event in everything if event.kind not in sla_kinds]
        assert all(case.created_at <= event.created_at <= NOW for event in everything), case.number
        times = [event.created_at for event in events]
        assert times == sorted(times), case.number
        assert events[0].kind == EventKind.OPENED
        assert events[0].created_at == case.created_at
        assert all(m.created_at >= case.created_at for m in case.messages.all())
        assert case.updated_at == max(times + [m.created_at for m in case.messages.all()])
        if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            assert case.resolved_at is not None and case.resolution_summary
        if case.status == CaseStatus.CLOSED:
            assert events[-1].kind == EventKind.CLOSED
            assert events[-1].data == {"from": "resolved", "to": "closed"}
        assert case.language == case.customer.language
        assert case.organisation_id == case.customer.organisation_id


def test_status_events_chain_from_new_to_the_current_status(demo):
    for case in Case.objects.prefetch_related("events"):
        status = CaseStatus.NEW
        for event in sorted(case.events.all(), key=lambda e: e.pk):
            if "to" in event.data and event.kind not in AFTERSALES_KINDS:  # a repair's own steps
                assert event.data["from"] == status, (case.number, event.kind, event.data)
                status = event.data["to"]
        assert status == case.status, case.number


def test_old_cases_are_mostly_closed_and_recent_ones_still_open(db):
    builder.build_demo(seed=7, now=NOW, customers=300, cases=600)
    old = Case.objects.filter(created_at__lt=NOW - dt.timedelta(days=60))
    recent = Case.objects.filter(created_at__gte=NOW - dt.timedelta(days=3))

    assert old.filter(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]).count() >= old.count() * 0.95
    assert recent.exclude(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]).count() >= recent.count() * 0.5
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Message.objects.filter(is_internal=True).exists()


def test_languages_are_persian_english_arabic_russian_with_persian_first(demo):
    tally = Tally(Customer.objects.values_list("language", flat=True))

    assert set(tally) == {"fa", "en", "ar", "ru"}
    assert tally.most_common(1)[0][0] == "fa"
    assert set(Case.objects.values_list("language", flat=True)) == {"fa", "en", "ar", "ru"}


def test_the_case_counter_continues_after_the_last_case(demo):
    numbers = list(Case.objects.order_by("number").values_list("number", flat=True))

    assert numbers == list(range(1, CASES + 2 + 1))
    assert Counter.objects.get(name="case").value == numbers[-1]


def test_the_printed_demo_logins_work(demo):
    for _, email, password in builder.LOGINS:
        user = authenticate(email=email, password=password)
        assert user is not None, email
    assert authenticate(email=builder.ADMIN_EMAIL, password="wrong") is None
    assert User.objects.get(email="agent.sara@demo.vafa.test").language == "fa"
    assert User.objects.get(email="agent.john@demo.vafa.test").language == "en"


def test_the_customer_account_sees_its_own_customer_and_cases(demo):
    account = User.objects.get(email=builder.CUSTOMER_EMAIL)

    assert account.role == Role.CUSTOMER
    assert list(customer_list(viewer=account)) == [account.customer]
    assert account.customer.language == "fa"
    assert account.customer.units.exists()
    own_cases = case_list(viewer=account)
    assert own_cases.exists()
    assert set(own_cases.values_list("customer_id", flat=True)) == {account.customer_id}
    assert own_cases.exclude(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]).exists()


def test_the_command_loads_once_and_then_skips(db):
    out = StringIO()
    call_command("demo", "--no-serve", "--customers", "30", "--cases", "25", stdout=out)
    counts = (Customer.objects.count(), Case.objects.count(), CaseEvent.objects.count())

    call_command("demo", "--no-serve", "--customers", "30", "--cases", "25", stdout=out)

    assert (Customer.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == counts
    assert "already loaded" in out.getvalue()
    assert "demo-admin-2026" in out.getvalue()
    assert "http://127.0.0.1:8000/admin/" in out.getvalue()


def test_the_command_rebuilds_with_reset(db):
    call_command("demo", "--no-serve", "--customers", "30", "--cases", "25", stdout=StringIO())

    call_command("demo", "--no-serve", "--reset", "--customers", "40", "--cases", "10", stdout=StringIO())

    assert Customer.objects.count() == 40
    assert Case.objects.count() == 10 + 2  # and the Persian portal customer's after-sales cases
    assert Counter.objects.get(name="case").value == 12


def test_the_command_hands_the_banner_to_the_stack_and_exits_with_its_code(db, monkeypatch):
    calls = []

    def fake_run_stack(**kwargs):
        calls.append(kwargs)
        return 3

    monkeypatch.setattr("vafa.core.stack.run_stack", fake_run_stack)

    with pytest.raises(SystemExit) as exit_info:
        call_command("demo", "--customers", "20", "--cases", "5", "--port", "8123", stdout=StringIO())

    assert exit_info.value.code == 3
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert "http://127.0.0.1:8123/api/docs" in calls[0]["banner"]
    assert "manager@demo.vafa.test" in calls[0]["banner"]
