"""The demo's after-sales work: service centres and stock, records on the open cases written
through the services in each case's life, costs in the company's currency, and what the Persian
portal customer finds in "My service"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from vafa.accounts.models import User
from vafa.aftersales.models import (
    CostEntry,
    RepairOrder,
    ServiceLocation,
    StockLevel,
    Visit,
)
from vafa.aftersales.services.costs import company_currency
from vafa.demo import builder
from vafa.demo.people import CUSTOMER_EMAIL
from vafa.service.events import AFTERSALES_KINDS
from vafa.service.models import CaseEvent, EventKind

NOW = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.UTC)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_company(django_db_setup, django_db_blocker):
    """One demo company for the whole module (the tests only read it; each one's writes roll back)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        counts = builder.build_demo(seed=7, now=NOW, customers=200, cases=400)
    yield counts
    with django_db_blocker.unblock():
        builder.reset_vafa_tables()


@pytest.fixture
def demo(demo_company, db, settings) -> dict[str, int]:
    settings.PASSWORD_HASHERS = FAST_HASHER
    return demo_company


def test_service_centres_hold_stock_in_three_currencies(demo):
    assert set(ServiceLocation.objects.values_list("currency", flat=True)) == {"IRR", "AED", "RUB"}
    assert StockLevel.objects.filter(on_hand__gt=0).exists()
    assert not StockLevel.objects.filter(reserved__gt=0, on_hand__lt=0).exists()


def test_open_after_sales_cases_carry_records_at_different_stages(demo):
    assert demo["warranty claims"] and demo["repairs"] and demo["returns"] and demo["visits"]
    steps = set(CaseEvent.objects.filter(kind__in=AFTERSALES_KINDS).values_list("kind", flat=True))
    assert {EventKind.CLAIM_OPENED, EventKind.REPAIR_OPENED, EventKind.REPAIR_QUOTED} <= steps
    assert len(steps) >= 8, steps


def test_after_sales_steps_lie_in_the_case_life_before_the_demo_ends(demo):
    events = CaseEvent.objects.filter(kind__in=AFTERSALES_KINDS).select_related("case")

    assert events.exists()
    for event in events:
        assert event.case.created_at <= event.created_at <= NOW, (event.case.number, event.kind)


def test_costs_are_converted_to_the_company_currency(demo):
    entries = list(CostEntry.objects.all())

    assert entries
    for entry in entries:
        if entry.currency == company_currency():
            assert entry.amount_company == entry.amount
        else:
            assert entry.amount_company == (entry.amount * entry.rate).quantize(entry.amount_company)


def test_the_persian_portal_customer_has_a_quote_to_answer_and_a_visit_to_confirm(demo):
    customer = User.objects.get(email=CUSTOMER_EMAIL).customer

    repair = RepairOrder.objects.filter(customer=customer).order_by("-id").first()
    assert repair is not None
    assert repair.status == RepairOrder.Status.AWAITING_APPROVAL
    assert repair.quote_total > 0
    visit = Visit.objects.filter(case__customer=customer).get()
    assert visit.status == Visit.Status.SCHEDULED
    assert visit.starts_at > NOW
