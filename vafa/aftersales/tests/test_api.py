"""The after-sales API: a case's records as JSON, and claims, returns, refunds and stock through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vafa.accounts.models import AuditLog
from vafa.aftersales.models import (
    Refund,
    RepairOrder,
    ReturnRequest,
    StockLevel,
    StockMovement,
    WarrantyClaim,
)
from vafa.aftersales.services.claims import claim_approve, claim_open
from vafa.aftersales.services.repairs import (
    repair_add_labour,
    repair_add_part,
    repair_open,
    repair_set_status,
)
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.api.tests.helpers import english, error, post, queries_for
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.sales.models import OrderLine
from vafa.service.models import CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return ServiceLocationFactory(code="thr", labour_rate="50.00")


@pytest.fixture
def unit(customer):
    product = ProductFactory(
        name="Kettle K2",
        price="1000.00",
        warranty_policy=WarrantyPolicyFactory(months=12, covers_parts=True, covers_labour=False),
    )
    return owned_unit(customer, product=product)


@pytest.fixture
def case(customer, unit, team):
    return make_case(customer, unit=unit, team=team)


def _repair(case, agent, location) -> RepairOrder:
    repair = repair_open(actor=agent, case=case, location=location, fault="Does not heat")
    repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
    part = PartFactory(unit_price="80.00", unit_cost="30.00")
    stocked(part, location, 5)
    repair_add_part(actor=agent, repair=repair, part=part, quantity=1)
    repair_add_labour(actor=agent, repair=repair, hours="1.50", description="Bench work")
    return RepairOrder.objects.get(pk=repair.pk)


# --- reading a case's after-sales ----------------------------------------------------------------------


def test_a_cases_aftersales_as_json(api_as, agent, case, unit, location):
    # given a claim and a repair whose part is covered and labour is not
    claim = claim_open(actor=agent, case=case, fault="Does not heat")
    repair = _repair(case, agent, location)

    # when
    response = english(api_as(agent)).get(f"/api/v1/cases/{case.pk}/aftersales")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["case_id"], body["case_number"]) == (case.pk, case.number)
    assert body["entitlement"]["kind"] == "in_warranty"
    assert body["entitlement"]["covers_parts"] is True
    assert body["entitlement"]["covers_labour"] is False
    assert body["entitlement"]["warranty_ends_on"] == unit.warranty_end.isoformat()
    assert body["entitlement"]["reasons"]
    assert [(c["id"], c["reference"], c["status"], c["entitlement"]) for c in body["claims"]] == [
        (claim.pk, claim.reference, "open", "in_warranty")
    ]
    [out] = body["repairs"]
    assert (out["id"], out["reference"], out["status"], out["currency"]) == (
        repair.pk,
        repair.reference,
        "diagnosing",
        location.currency,
    )
    assert out["customer_total"] == "75.00"
    assert [(line["kind"], line["covered"], line["customer_amount"]) for line in out["lines"]] == [
        ("part", True, "0.00"),
        ("labour", False, "75.00"),
    ]
    assert (body["returns"], body["refunds"], body["visits"], body["goodwill"]) == ([], [], [], [])
    assert isinstance(body["cost_total"], str)
    assert body["currency"]


def test_a_cases_aftersales_takes_as_many_queries_for_many_repairs(api_as, agent, case, location):
    _repair(case, agent, location)
    client = api_as(agent)
    path = f"/api/v1/cases/{case.pk}/aftersales"
    one = queries_for(client, path)

    _repair(case, agent, location)
    claim_open(actor=agent, case=case)

    assert queries_for(client, path) == one


def test_a_customer_token_is_refused(api_as, customer_user, case):
    response = api_as(customer_user).get(f"/api/v1/cases/{case.pk}/aftersales")

    assert response.status_code == 403
    assert error(response)["code"] == "staff_only"


def test_an_agent_of_another_team_does_not_find_the_case(api_as, other_agent, case):
    response = api_as(other_agent).get(f"/api/v1/cases/{case.pk}/aftersales")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_an_unknown_case_is_a_404(api_as, agent, case):
    wrong = api_as(agent).get(f"/api/v1/cases/{case.pk + 1000}/aftersales")

    assert wrong.status_code == 404


def test_a_repair_by_id(api_as, agent, case, location):
    repair = _repair(case, agent, location)

    response = api_as(agent).get(f"/api/v1/aftersales/repairs/{repair.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["reference"], body["quote_status"], body["labour_rate"], body["version"]) == (
        repair.reference,
        "none",
        "50.00",
        repair.version,
    )
    assert [line["unit_price"] for line in body["lines"]] == ["80.00", "50.00"]


def test_a_repair_of_a_customer_token_and_an_unknown_repair(api_as, agent, customer_user, case, location):
    repair = _repair(case, agent, location)

    assert api_as(customer_user).get(f"/api/v1/aftersales/repairs/{repair.pk}").status_code == 403
    assert api_as(agent).get(f"/api/v1/aftersales/repairs/{repair.pk + 100}").status_code == 404


# --- claims ------------------------------------------------------------------------------------------


def test_opening_a_claim(api_as, agent, case, unit):
    response = post(api_as(agent), f"/api/v1/cases/{case.pk}/claims", {"fault": "Does not heat"})

    assert response.status_code == 201, response.content
    claim = WarrantyClaim.objects.get()
    assert response.json()["id"] == claim.pk
    assert response.json()["reference"] == claim.reference
    assert (claim.unit_id, claim.fault, claim.status, claim.created_by) == (
        unit.pk,
        "Does not heat",
        "open",
        agent,
    )
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLAIM_OPENED).count() == 1
    assert AuditLog.objects.filter(action="claim.open", via="api").count() == 1


def test_opening_a_claim_on_another_customers_unit_names_the_field(api_as, agent, case, other_customer):
    foreign = owned_unit(other_customer)

    response = post(api_as(agent), f"/api/v1/cases/{case.pk}/claims", {"unit_id": foreign.pk})

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["unit_id"]
    assert WarrantyClaim.objects.count() == 0


def test_a_claim_is_opened_once_per_idempotency_key(api_as, agent, case):
    client = api_as(agent)
    path = f"/api/v1/cases/{case.pk}/claims"

    first = post(client, path, {"fault": "x"}, HTTP_IDEMPOTENCY_KEY="claim-1")
    again = post(client, path, {"fault": "x"}, HTTP_IDEMPOTENCY_KEY="claim-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WarrantyClaim.objects.count() == 1


def test_approving_and_rejecting_claims(api_as, agent, case):
    client = api_as(agent)
    approved = claim_open(actor=agent, case=case)
    rejected = claim_open(actor=agent, case=case)

    yes = post(client, f"/api/v1/aftersales/claims/{approved.pk}/approve", {"remedy": "repair", "note": "ok"})
    no = post(client, f"/api/v1/aftersales/claims/{rejected.pk}/reject", {"reason": "liquid_damage"})

    assert (yes.status_code, no.status_code) == (200, 200)
    assert (yes.json()["status"], yes.json()["remedy"]) == ("approved", "repair")
    assert (no.json()["status"], no.json()["reason"]) == ("rejected", "liquid_damage")
    assert AuditLog.objects.filter(action__in=["claim.approve", "claim.reject"]).count() == 2


def test_a_decided_claim_cannot_be_decided_again(api_as, agent, case):
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")
    events = CaseEvent.objects.count()

    response = post(
        api_as(agent), f"/api/v1/aftersales/claims/{claim.pk}/reject", {"reason": "liquid_damage"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("approved", "")
    assert CaseEvent.objects.count() == events


def test_a_claim_decision_needs_a_known_remedy(api_as, agent, case):
    claim = claim_open(actor=agent, case=case)

    response = post(api_as(agent), f"/api/v1/aftersales/claims/{claim.pk}/approve", {"remedy": "prayer"})

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["remedy"]
    claim.refresh_from_db()
    assert claim.status == "open"


def test_a_customer_cannot_decide_a_claim(api_as, agent, customer_user, case):
    claim = claim_open(actor=agent, case=case)

    response = post(
        api_as(customer_user), f"/api/v1/aftersales/claims/{claim.pk}/approve", {"remedy": "repair"}
    )

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "open"


# --- returns and refunds -----------------------------------------------------------------------------


def test_asking_for_a_return(api_as, agent, case, unit):
    body = {
        "order_line_id": unit.order_line_id,
        "reason": "defective",
        "unit_id": unit.pk,
        "description": "Broken",
    }

    response = post(api_as(agent), f"/api/v1/cases/{case.pk}/returns", body)

    assert response.status_code == 201, response.content
    rma = ReturnRequest.objects.get()
    assert response.json()["reference"] == rma.reference
    assert (rma.status, rma.order_line_id, rma.unit_id, rma.quantity, rma.description) == (
        "requested",
        unit.order_line_id,
        unit.pk,
        1,
        "Broken",
    )


def test_a_return_of_an_unknown_order_line_names_the_field(api_as, agent, case):
    response = post(
        api_as(agent),
        f"/api/v1/cases/{case.pk}/returns",
        {"order_line_id": 999999, "reason": "defective"},
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["order_line_id"]
    assert ReturnRequest.objects.count() == 0


def test_a_refund_within_the_managers_limit_is_issued(api_as, manager, case, unit):
    body = {"order_line_id": unit.order_line_id, "amount": "250.00", "payment_reference": "TX-9"}

    response = post(api_as(manager), f"/api/v1/cases/{case.pk}/refunds", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["status"], out["amount"], out["currency"], out["payment_reference"]) == (
        "issued",
        "250.00",
        unit.order_line.order.currency,
        "TX-9",
    )
    assert OrderLine.objects.get(pk=unit.order_line_id).refunded_amount == Decimal("250.00")


def test_an_agents_refund_waits_and_a_manager_approves_it(api_as, agent, manager, case, unit):
    # given an agent whose limit is zero (the default)
    asked = post(
        api_as(agent),
        f"/api/v1/cases/{case.pk}/refunds",
        {"order_line_id": unit.order_line_id, "amount": 100},
    )
    assert asked.status_code == 201, asked.content
    refund_id = asked.json()["id"]
    assert asked.json()["status"] == "pending"

    # when the agent tries to approve it, then a manager does
    refused = post(api_as(agent), f"/api/v1/aftersales/refunds/{refund_id}/approve", {})
    approved = post(
        api_as(manager), f"/api/v1/aftersales/refunds/{refund_id}/approve", {"payment_reference": "TX-1"}
    )

    # then
    assert refused.status_code == 403
    assert error(refused)["code"] == "over_approval_limit"
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["payment_reference"]) == ("issued", "TX-1")
    assert Refund.objects.get(pk=refund_id).approved_by == manager


def test_a_refund_above_what_was_paid_is_refused_and_changes_nothing(api_as, manager, case, unit):
    response = post(
        api_as(manager),
        f"/api/v1/cases/{case.pk}/refunds",
        {"order_line_id": unit.order_line_id, "amount": "5000.00"},
    )

    assert response.status_code == 409
    assert error(response)["code"] == "refund_exceeds_paid"
    assert Refund.objects.count() == 0
    assert OrderLine.objects.get(pk=unit.order_line_id).refunded_amount == Decimal("0")


def test_a_refund_amount_must_be_a_number(api_as, manager, case, unit):
    response = post(
        api_as(manager),
        f"/api/v1/cases/{case.pk}/refunds",
        {"order_line_id": unit.order_line_id, "amount": "ten"},
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["amount"]


# --- stock -------------------------------------------------------------------------------------------


def test_receiving_stock(api_as, agent, location):
    part = PartFactory(sku="HE-9")
    stocked(part, location, 2)

    response = post(
        api_as(agent),
        "/api/v1/aftersales/stock/receive",
        {"part_id": part.pk, "location_id": location.pk, "quantity": 3, "note": "Delivery 17"},
    )

    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["part_sku"], out["location_code"], out["on_hand"], out["reserved"], out["available"]) == (
        "HE-9",
        "thr",
        5,
        0,
        5,
    )
    assert list(StockMovement.objects.values_list("kind", "quantity", "note")) == [
        ("received", 3, "Delivery 17")
    ]


def test_receiving_stock_is_for_staff_only(api_as, customer_user, location):
    part = PartFactory()

    response = post(
        api_as(customer_user),
        "/api/v1/aftersales/stock/receive",
        {"part_id": part.pk, "location_id": location.pk, "quantity": 3},
    )

    assert response.status_code == 403
    assert StockLevel.objects.count() == 0


def test_receiving_an_unknown_part_names_the_field(api_as, agent, location):
    response = post(
        api_as(agent),
        "/api/v1/aftersales/stock/receive",
        {"part_id": 424242, "location_id": location.pk, "quantity": 3},
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["part_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"quantity": "three"}, "quantity"), ({"quantity": 0}, "quantity"), ({"part_id": "1"}, "part_id")],
)
def test_receiving_stock_refuses_wrong_types(api_as, agent, location, body, field):
    part = PartFactory()
    data = {"part_id": part.pk, "location_id": location.pk, "quantity": 3, **body}

    response = post(api_as(agent), "/api/v1/aftersales/stock/receive", data)

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]


def test_malformed_json_is_a_400(api_as, agent, case):
    response = api_as(agent).post(
        f"/api/v1/cases/{case.pk}/claims", '{"fault": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"
