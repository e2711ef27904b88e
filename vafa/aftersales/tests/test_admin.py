"""The after-sales admin: settings edited and audited, rates and limits through the services, and every
record with a workflow read only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from vafa.accounts.models import AuditLog
from vafa.aftersales.models import (
    ApprovalLimit,
    CostEntry,
    ExchangeRate,
    Goodwill,
    Part,
    Refund,
    RepairOrder,
    Replacement,
    ReturnRequest,
    ServiceLocation,
    StockLevel,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.services.claims import claim_open
from vafa.aftersales.services.repairs import repair_add_part, repair_open, repair_set_status
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.catalog.tests.factories import ProductFactory
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

READ_ONLY = [
    WarrantyClaim,
    ReturnRequest,
    Refund,
    RepairOrder,
    Replacement,
    Visit,
    Goodwill,
    CostEntry,
    StockLevel,
]
EDITABLE = [ServiceLocation, Part, ExchangeRate, ApprovalLimit]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:aftersales_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def repair(customer, agent, team):
    location = ServiceLocationFactory()
    unit = owned_unit(customer)
    case = make_case(customer, unit=unit, team=team)
    claim_open(actor=agent, case=case)
    repair = repair_open(actor=agent, case=case, location=location)
    repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
    part = PartFactory(name="Pump")
    stocked(part, location, 3)
    repair_add_part(actor=agent, repair=repair, part=part)
    return RepairOrder.objects.get(pk=repair.pk)


@pytest.mark.parametrize("model", READ_ONLY + EDITABLE, ids=lambda m: m.__name__)
def test_every_list_loads_for_an_admin(admin_client, repair, model):
    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200


def test_a_repair_shows_its_lines_read_only(admin_client, repair):
    response = admin_client.get(_url(RepairOrder, "change", repair.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Pump" in html
    assert 'name="lines-0-quantity"' not in html
    assert "quote_token_hash" not in html


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_records_with_a_workflow_refuse_adding(admin_client, model):
    assert admin_client.get(_url(model, "add")).status_code == 403


def test_a_repair_cannot_be_changed_or_deleted_in_the_admin(admin_client, repair):
    change = admin_client.post(_url(RepairOrder, "change", repair.pk), {"status": "returned"})
    delete = admin_client.post(_url(RepairOrder, "delete", repair.pk), {"post": "yes"})

    assert (change.status_code, delete.status_code) == (403, 403)
    repair.refresh_from_db()
    assert repair.status == "diagnosing"


def test_stock_counts_cannot_be_changed_in_the_admin(admin_client, repair):
    level = StockLevel.objects.get()

    response = admin_client.post(_url(StockLevel, "change", level.pk), {"on_hand": 99, "reserved": 0})

    assert response.status_code == 403
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (3, 1)


def test_records_are_found_by_their_reference(admin_client, repair):
    found = admin_client.get(_url(RepairOrder, "changelist"), {"q": repair.reference.lower()})
    missing = admin_client.get(_url(RepairOrder, "changelist"), {"q": "RO-999999"})
    nonsense = admin_client.get(_url(RepairOrder, "changelist"), {"q": "kettle"})

    assert found.context["cl"].result_count == 1
    assert missing.context["cl"].result_count == 0
    assert nonsense.context["cl"].result_count == 0


def test_records_filter_by_status(admin_client, repair):
    diagnosing = admin_client.get(_url(RepairOrder, "changelist"), {"status__exact": "diagnosing"})
    ready = admin_client.get(_url(RepairOrder, "changelist"), {"status__exact": "ready"})

    assert (diagnosing.context["cl"].result_count, ready.context["cl"].result_count) == (1, 0)


def test_parts_filter_by_product(admin_client):
    kettle = ProductFactory(name="Kettle")
    PartFactory(sku="FITS").products.add(kettle)
    PartFactory(sku="OTHER")

    response = admin_client.get(_url(Part, "changelist"), {"products__id__exact": kettle.pk})

    assert [part.sku for part in response.context["cl"].result_list] == ["FITS"]


def test_adding_a_service_location_is_audited(admin_client):
    data = {
        "code": "isf",
        "name": "Isfahan centre",
        "names": "{}",
        "address": "1 Bridge Road",
        "phone": "",
        "time_zone": "Asia/Tehran",
        "labour_rate": "40.00",
        "labour_cost": "15.00",
        "currency": "IRR",
        "receives_returns": "on",
        "is_active": "on",
    }

    response = admin_client.post(_url(ServiceLocation, "add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    location = ServiceLocation.objects.get(code="isf")
    assert location.labour_rate == Decimal("40.00")
    assert AuditLog.objects.filter(action="servicelocation.create", via="admin").count() == 1


def test_an_exchange_rate_is_saved_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        _url(ExchangeRate, "add"), {"currency": "eur", "rate": "52000.5", "valid_from": "2026-01-01"}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate, rate.valid_from, rate.recorded_by) == (
        "EUR",
        Decimal("52000.5"),
        dt.date(2026, 1, 1),
        admin_user,
    )
    assert AuditLog.objects.filter(action="exchange_rate.set").count() == 1


def test_the_company_currency_needs_no_rate(admin_client):
    response = admin_client.post(
        _url(ExchangeRate, "add"), {"currency": "IRR", "rate": "1", "valid_from": "2026-01-01"}
    )

    assert response.status_code == 200
    assert "needs no rate" in response.content.decode()
    assert ExchangeRate.objects.count() == 0


def test_an_approval_limit_is_saved_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        _url(ApprovalLimit, "add"), {"kind": "refund", "role": "agent", "user": "", "amount": "500.00"}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    limit = ApprovalLimit.objects.get()
    assert (limit.kind, limit.role, limit.user, limit.amount, limit.updated_by) == (
        "refund",
        "agent",
        None,
        Decimal("500.00"),
        admin_user,
    )
    assert AuditLog.objects.filter(action="approval_limit.set").count() == 1


def test_an_approval_limit_names_a_role_or_a_user(admin_client, agent):
    response = admin_client.post(
        _url(ApprovalLimit, "add"), {"kind": "refund", "role": "agent", "user": agent.pk, "amount": "5"}
    )

    assert response.status_code == 200
    assert ApprovalLimit.objects.count() == 0


def test_an_agent_cannot_open_the_admin(client, agent):
    client.force_login(agent)

    response = client.get(_url(RepairOrder, "changelist"))

    assert response.status_code == 302
