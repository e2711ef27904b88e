"""Repairs: opening, the status steps and their refusals, parts and labour, the quote, costs, versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import (
    CostEntry,
    RepairLine,
    RepairOrder,
    StockLevel,
    StockMovement,
    WarrantyClaim,
)
from vafa.aftersales.services.repairs import (
    repair_add_labour,
    repair_add_part,
    repair_assign,
    repair_by_quote_token,
    repair_customer_total,
    repair_diagnose,
    repair_open,
    repair_quote_accept,
    repair_quote_decline,
    repair_quote_send,
    repair_remove_line,
    repair_set_status,
)
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.service.models import AuthorKind, CaseEvent, CaseStatus, EventKind, Message
from vafa.service.tests.factories import make_case

S = RepairOrder.Status
ALL = [s.value for s in S]
ALLOWED = {
    (S.RECEIVED, S.DIAGNOSING),
    (S.RECEIVED, S.CANCELLED),
    (S.DIAGNOSING, S.WAITING_FOR_PARTS),
    (S.DIAGNOSING, S.REPAIRING),
    (S.DIAGNOSING, S.READY),
    (S.DIAGNOSING, S.CANCELLED),
    (S.AWAITING_APPROVAL, S.CANCELLED),
    (S.WAITING_FOR_PARTS, S.REPAIRING),
    (S.WAITING_FOR_PARTS, S.CANCELLED),
    (S.REPAIRING, S.WAITING_FOR_PARTS),
    (S.REPAIRING, S.READY),
    (S.READY, S.RETURNED),
}
# How to reach each status from "received" with a warranty repair (nothing to pay).
PATHS = {
    S.RECEIVED: [],
    S.DIAGNOSING: [S.DIAGNOSING],
    S.WAITING_FOR_PARTS: [S.DIAGNOSING, S.WAITING_FOR_PARTS],
    S.REPAIRING: [S.DIAGNOSING, S.REPAIRING],
    S.READY: [S.DIAGNOSING, S.READY],
    S.RETURNED: [S.DIAGNOSING, S.READY, S.RETURNED],
    S.CANCELLED: [S.CANCELLED],
}


@pytest.fixture
def location(db):
    return ServiceLocationFactory(phone="+982100000000")


@pytest.fixture
def warranty_case(customer, team):
    return make_case(customer, unit=owned_unit(customer), team=team)


@pytest.fixture
def expired_case(customer, team):
    return make_case(customer, unit=owned_unit(customer, bought_days_ago=400), team=team)


def _walk(repair, actor, statuses):
    for status in statuses:
        repair = repair_set_status(actor=actor, repair=repair, status=status)
    return repair


def _quoted(agent, case, location, *, hours="2"):
    """An out-of-warranty repair with labour on it, quoted to the customer."""
    repair = repair_open(actor=agent, case=case, location=location)
    repair = _walk(repair, agent, [S.DIAGNOSING])
    repair_add_labour(actor=agent, repair=repair, hours=hours)
    url = repair_quote_send(actor=agent, repair=repair)
    repair.refresh_from_db()
    return repair, url.rstrip("/").rsplit("/", 1)[1]


def _at(status, agent, customer, team, location):
    if status == S.AWAITING_APPROVAL:
        case = make_case(customer, unit=owned_unit(customer, bought_days_ago=400), team=team)
        return _quoted(agent, case, location)[0]
    case = make_case(customer, unit=owned_unit(customer), team=team)
    repair = repair_open(actor=agent, case=case, location=location)
    return _walk(repair, agent, PATHS[status])


def _events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("id"))


def _state(repair):
    repair.refresh_from_db()
    return (repair.status, repair.version, repair.quote_status, repair.diagnosis, repair.lines.count())


# --- opening -------------------------------------------------------------------------------------------


def test_opening_a_warranty_repair_copies_the_cover_rate_and_currency(agent, warranty_case, location):
    before = timezone.now()

    repair = repair_open(actor=agent, case=warranty_case, location=location, fault="Does not charge")

    assert repair.status == S.RECEIVED
    assert repair.unit == warranty_case.unit
    assert repair.customer_id == warranty_case.customer_id
    assert (repair.covers_parts, repair.covers_labour) == (True, True)
    assert repair.labour_rate == Decimal("50.00")
    assert repair.currency == "IRR"
    assert repair.fault == "Does not charge"
    assert repair.version == 1
    assert repair.received_at >= before
    assert repair.reference == f"RO-{repair.number:06d}"
    [event] = _events(warranty_case, EventKind.REPAIR_OPENED)
    assert event.actor == agent
    assert event.data == {
        "record": {"type": "repair", "id": repair.pk, "reference": repair.reference},
        "unit": warranty_case.unit.pk,
        "location": location.pk,
        "covers_parts": True,
        "covers_labour": True,
    }
    audit = AuditLog.objects.get(action="repair.open", object_id=str(repair.pk))
    assert audit.actor == agent
    assert audit.after["status"] == "received"
    notice = Message.objects.filter(case=warranty_case, is_internal=False).order_by("-id").first()
    assert repair.reference in notice.body_text
    assert warranty_case.unit.serial_number in notice.body_text


def test_an_expired_unit_is_opened_without_cover(agent, expired_case, location):
    repair = repair_open(actor=agent, case=expired_case, location=location)

    assert (repair.covers_parts, repair.covers_labour) == (False, False)
    notice = Message.objects.filter(case=expired_case, is_internal=False).order_by("-id").first()
    assert "quote" in notice.body_text


def test_a_case_without_a_unit_cannot_have_a_repair(agent, customer, team, location):
    case = make_case(customer, team=team)

    with pytest.raises(ValidationFailed) as error:
        repair_open(actor=agent, case=case, location=location)

    assert error.value.code == AftersalesError.NO_UNIT
    assert RepairOrder.objects.count() == 0


def test_another_customers_unit_is_refused(agent, warranty_case, other_customer, location):
    with pytest.raises(ValidationFailed) as error:
        repair_open(actor=agent, case=warranty_case, location=location, unit=owned_unit(other_customer))

    assert set(error.value.fields) == {"unit"}
    assert RepairOrder.objects.count() == 0


def test_a_closed_location_is_refused(agent, warranty_case):
    closed = ServiceLocationFactory(is_active=False)

    with pytest.raises(ValidationFailed) as error:
        repair_open(actor=agent, case=warranty_case, location=closed)

    assert set(error.value.fields) == {"location"}
    assert RepairOrder.objects.count() == 0


def test_a_customer_cannot_open_a_repair(customer_user, warranty_case, location):
    with pytest.raises(Forbidden):
        repair_open(actor=customer_user, case=warranty_case, location=location)

    assert RepairOrder.objects.count() == 0


def _claim(case, status, **data):
    return WarrantyClaim.objects.create(
        number=WarrantyClaim.objects.count() + 1,
        case=case,
        customer=case.customer,
        unit=case.unit,
        status=status,
        remedy=WarrantyClaim.Remedy.REPAIR if status != WarrantyClaim.Status.OPEN else "",
        entitlement="in_warranty",
        entitlement_data={"kind": "in_warranty", **data},
    )


def test_an_approved_claim_decides_the_cover(agent, expired_case, location):
    claim = _claim(expired_case, WarrantyClaim.Status.APPROVED, covers_parts=True, covers_labour=False)

    repair = repair_open(actor=agent, case=expired_case, location=location, claim=claim)

    assert repair.claim == claim
    assert (repair.covers_parts, repair.covers_labour) == (True, False)


def test_a_claim_not_yet_approved_is_refused(agent, warranty_case, location):
    claim = _claim(warranty_case, WarrantyClaim.Status.OPEN, covers_parts=True, covers_labour=True)

    with pytest.raises(Conflict) as error:
        repair_open(actor=agent, case=warranty_case, location=location, claim=claim)

    assert error.value.code == AftersalesError.WRONG_STATUS
    assert RepairOrder.objects.count() == 0


# --- status steps ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "to"), sorted(ALLOWED - {(S.AWAITING_APPROVAL, S.CANCELLED)}))
def test_each_allowed_step_moves_the_repair_and_writes_its_event(agent, customer, team, location, start, to):
    repair = _at(start, agent, customer, team, location)
    version = repair.version

    moved = repair_set_status(actor=agent, repair=repair, status=to, version=version)

    assert moved.status == to
    assert moved.version == version + 1
    event = _events(repair.case, EventKind.REPAIR_STATUS)[-1]
    assert event.data["from"] == start
    assert event.data["to"] == to
    assert event.actor == agent
    assert (
        AuditLog.objects.filter(action="repair.status", object_id=str(repair.pk)).count()
        == len(PATHS[start]) + 1
    )


def test_a_quoted_repair_can_be_cancelled_and_its_parts_go_back(agent, expired_case, location):
    part = PartFactory()
    stock = stocked(part, location, 3)
    repair = repair_open(actor=agent, case=expired_case, location=location)
    repair = _walk(repair, agent, [S.DIAGNOSING])
    repair_add_part(actor=agent, repair=repair, part=part, quantity=2)
    repair_quote_send(actor=agent, repair=repair)

    cancelled = repair_set_status(actor=agent, repair=repair, status=S.CANCELLED)

    assert cancelled.status == S.CANCELLED
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (3, 0)
    assert list(StockMovement.objects.filter(stock=stock).order_by("id").values_list("kind", "quantity")) == [
        ("reserved", 2),
        ("released", 2),
    ]
    assert RepairLine.objects.get(repair=repair).reserved is False


@pytest.mark.parametrize(
    ("start", "to"), [(a, b) for a in ALL for b in ALL if (a, b) not in ALLOWED], ids=lambda v: str(v)
)
def test_every_other_step_is_refused_and_changes_nothing(agent, customer, team, location, start, to):
    repair = _at(start, agent, customer, team, location)
    state = _state(repair)
    events = CaseEvent.objects.filter(case=repair.case).count()

    with pytest.raises(Conflict) as error:
        repair_set_status(actor=agent, repair=repair, status=to)

    assert error.value.code == AftersalesError.WRONG_STATUS
    assert _state(repair) == state
    assert CaseEvent.objects.filter(case=repair.case).count() == events


def test_an_agent_of_another_team_cannot_touch_the_repair(agent, other_agent, warranty_case, location):
    repair = repair_open(actor=agent, case=warranty_case, location=location)

    with pytest.raises(NotFound):
        repair_set_status(actor=other_agent, repair=repair, status=S.DIAGNOSING)

    assert _state(repair)[0] == S.RECEIVED


# --- money: warranty or quote ----------------------------------------------------------------------------


def test_a_warranty_repair_costs_the_customer_nothing_and_needs_no_quote(agent, warranty_case, location):
    part = PartFactory()
    stocked(part, location, 1)
    repair = _walk(repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING])
    part_line = repair_add_part(actor=agent, repair=repair, part=part)
    labour_line = repair_add_labour(actor=agent, repair=repair, hours="1.5")

    repair = _walk(repair, agent, [S.REPAIRING, S.READY])

    assert (part_line.covered, labour_line.covered) == (True, True)
    assert repair_customer_total(repair) == Decimal("0.00")
    assert repair.status == S.READY
    assert repair.quote_status == RepairOrder.QuoteStatus.NONE


@pytest.mark.parametrize("to", [S.WAITING_FOR_PARTS, S.REPAIRING, S.READY])
def test_an_unaccepted_paid_repair_cannot_go_on(agent, expired_case, location, to):
    repair = _walk(repair_open(actor=agent, case=expired_case, location=location), agent, [S.DIAGNOSING])
    repair_add_labour(actor=agent, repair=repair, hours="1")
    state = _state(repair)

    with pytest.raises(Conflict) as error:
        repair_set_status(actor=agent, repair=repair, status=to)

    assert error.value.code == AftersalesError.QUOTE_NEEDED
    assert _state(repair) == state


def test_a_paid_repair_with_no_lines_yet_may_be_worked_on(agent, expired_case, location):
    repair = _walk(repair_open(actor=agent, case=expired_case, location=location), agent, [S.DIAGNOSING])

    assert _walk(repair, agent, [S.REPAIRING]).status == S.REPAIRING


def test_sending_a_quote_lists_the_billable_lines_and_the_link(agent, expired_case, location, settings):
    settings.VAFA_BASE_URL = "https://help.example.test/"
    part = PartFactory(name="Battery", unit_price=Decimal("80.00"))
    stocked(part, location, 2)
    repair = _walk(repair_open(actor=agent, case=expired_case, location=location), agent, [S.DIAGNOSING])
    repair_add_part(actor=agent, repair=repair, part=part)
    repair_add_labour(actor=agent, repair=repair, hours="1.5", description="Replace the battery")

    url = repair_quote_send(actor=agent, repair=repair)

    token = urlparse(url).path.split("/")[3]
    assert url == f"https://help.example.test/portal/quotes/{token}/"
    repair.refresh_from_db()
    assert repair.status == S.AWAITING_APPROVAL
    assert repair.quote_status == RepairOrder.QuoteStatus.SENT
    assert repair.quote_total == Decimal("155.00")
    assert repair.quote_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert repair.quote_sent_at is not None
    [event] = _events(expired_case, EventKind.REPAIR_QUOTED)
    assert event.data["total"] == "155.00"
    assert (event.data["from"], event.data["to"]) == ("diagnosing", "awaiting_approval")
    assert AuditLog.objects.filter(action="repair.quote_send", object_id=str(repair.pk)).exists()
    notice = Message.objects.filter(case=expired_case, is_internal=False).order_by("-id").first()
    assert url in notice.body_text
    assert "Battery" in notice.body_text
    assert "Replace the battery" in notice.body_text
    assert "155" in notice.body_text
    assert repair_by_quote_token(token) == repair


def test_nothing_to_pay_means_nothing_to_quote(agent, warranty_case, location):
    repair = _walk(repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING])
    repair_add_labour(actor=agent, repair=repair, hours="1")
    state = _state(repair)

    with pytest.raises(Conflict):
        repair_quote_send(actor=agent, repair=repair)

    assert _state(repair) == state


def test_a_repair_just_received_cannot_be_quoted(agent, expired_case, location):
    repair = repair_open(actor=agent, case=expired_case, location=location)
    repair_add_labour(actor=agent, repair=repair, hours="1")
    state = _state(repair)

    with pytest.raises(Conflict) as error:
        repair_quote_send(actor=agent, repair=repair)

    assert error.value.code == AftersalesError.WRONG_STATUS
    assert _state(repair) == state


def test_accepting_by_the_link_starts_the_repair(agent, expired_case, location):
    repair, token = _quoted(agent, expired_case, location)

    accepted = repair_quote_accept(repair=repair, token=token)

    assert accepted.status == S.REPAIRING
    assert accepted.quote_status == RepairOrder.QuoteStatus.ACCEPTED
    assert accepted.quote_decided_at is not None
    [event] = _events(expired_case, EventKind.QUOTE_ACCEPTED)
    assert event.actor_kind == AuthorKind.CUSTOMER
    assert event.actor is None
    assert (event.data["from"], event.data["to"]) == ("awaiting_approval", "repairing")
    assert AuditLog.objects.filter(action="repair.quote_accept", object_id=str(repair.pk)).exists()
    assert repair_set_status(actor=agent, repair=accepted, status=S.READY).status == S.READY


def test_the_customer_accepts_in_the_portal(agent, expired_case, location, customer_user):
    repair, _token = _quoted(agent, expired_case, location)

    accepted = repair_quote_accept(repair=repair, actor=customer_user)

    assert accepted.status == S.REPAIRING
    [event] = _events(expired_case, EventKind.QUOTE_ACCEPTED)
    assert (event.actor, event.actor_kind) == (customer_user, AuthorKind.CUSTOMER)


@pytest.mark.parametrize("who", ["other_customer_user", "agent", "manager", "nobody"])
def test_only_the_customer_may_answer_the_quote(request, agent, expired_case, location, who):
    repair, _token = _quoted(agent, expired_case, location)
    actor = None if who == "nobody" else request.getfixturevalue(who)
    state = _state(repair)

    with pytest.raises(NotFound):
        repair_quote_accept(repair=repair, actor=actor)
    with pytest.raises(NotFound):
        repair_quote_decline(repair=repair, actor=actor)

    assert _state(repair) == state
    assert _events(expired_case, EventKind.QUOTE_ACCEPTED) == []


def test_a_wrong_token_finds_nothing(agent, expired_case, location):
    repair, token = _quoted(agent, expired_case, location)
    state = _state(repair)

    with pytest.raises(NotFound):
        repair_by_quote_token("not-" + token)
    with pytest.raises(NotFound):
        repair_by_quote_token("")
    with pytest.raises(NotFound):
        repair_quote_accept(repair=repair, token="not-" + token)

    assert _state(repair) == state


def test_an_expired_quote_link_is_refused(agent, expired_case, location, settings):
    settings.VAFA_QUOTE_LINK_DAYS = 14
    repair, token = _quoted(agent, expired_case, location)
    RepairOrder.objects.filter(pk=repair.pk).update(
        quote_sent_at=timezone.now() - dt.timedelta(days=14, minutes=1)
    )
    state = _state(repair)

    with pytest.raises(Conflict) as by_token:
        repair_by_quote_token(token)
    with pytest.raises(Conflict) as accept:
        repair_quote_accept(repair=repair, token=token)

    assert by_token.value.code == accept.value.code == AftersalesError.LINK_INVALID
    assert _state(repair) == state


def test_a_quote_link_answers_once(agent, expired_case, location):
    repair, token = _quoted(agent, expired_case, location)
    repair_quote_accept(repair=repair, token=token)
    state = _state(repair)

    with pytest.raises(Conflict) as again:
        repair_quote_accept(repair=repair, token=token)
    with pytest.raises(Conflict) as decline:
        repair_quote_decline(repair=repair, token=token)
    with pytest.raises(Conflict) as read:
        repair_by_quote_token(token)

    assert {again.value.code, decline.value.code, read.value.code} == {AftersalesError.LINK_INVALID}
    assert _state(repair) == state
    assert len(_events(expired_case, EventKind.QUOTE_ACCEPTED)) == 1


def test_declining_sends_the_unit_back_unrepaired(agent, expired_case, location):
    part = PartFactory()
    stock = stocked(part, location, 2)
    repair = _walk(repair_open(actor=agent, case=expired_case, location=location), agent, [S.DIAGNOSING])
    repair_add_part(actor=agent, repair=repair, part=part, quantity=2)
    url = repair_quote_send(actor=agent, repair=repair)

    declined = repair_quote_decline(repair=repair, token=url.rstrip("/").rsplit("/", 1)[1])

    assert declined.status == S.READY
    assert declined.quote_status == RepairOrder.QuoteStatus.DECLINED
    assert declined.ready_at is not None
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (2, 0)
    line = RepairLine.objects.get(repair=repair)
    assert (line.reserved, line.consumed) == (False, False)
    assert CostEntry.objects.filter(case=expired_case).count() == 0
    [event] = _events(expired_case, EventKind.QUOTE_DECLINED)
    assert event.actor_kind == AuthorKind.CUSTOMER
    assert (event.data["from"], event.data["to"]) == ("awaiting_approval", "ready")
    assert AuditLog.objects.filter(action="repair.quote_decline", object_id=str(repair.pk)).exists()
    notice = Message.objects.filter(case=expired_case, is_internal=False).order_by("-id").first()
    assert "declined" in notice.body_text


def test_work_added_after_acceptance_needs_a_new_quote(agent, expired_case, location):
    repair, token = _quoted(agent, expired_case, location, hours="2")
    repair = repair_quote_accept(repair=repair, token=token)
    repair_add_labour(actor=agent, repair=repair, hours="1")
    state = _state(repair)

    with pytest.raises(Conflict) as error:
        repair_set_status(actor=agent, repair=repair, status=S.READY)

    assert error.value.code == AftersalesError.QUOTE_NEEDED
    assert _state(repair) == state
    repair_quote_send(actor=agent, repair=repair)
    repair.refresh_from_db()
    assert (repair.status, repair.quote_total) == (S.AWAITING_APPROVAL, Decimal("150.00"))


# --- parts and labour --------------------------------------------------------------------------------------


def test_adding_a_part_reserves_it_at_the_repairs_location(agent, expired_case, location):
    part = PartFactory(unit_cost=Decimal("30.00"), unit_price=Decimal("80.00"))
    stock = stocked(part, location, 5)
    stocked(part, ServiceLocationFactory(), 9)
    repair = repair_open(actor=agent, case=expired_case, location=location)

    line = repair_add_part(actor=agent, repair=repair, part=part, quantity=2, version=1)

    assert (line.kind, line.part, line.quantity) == ("part", part, 2)
    assert (line.unit_cost, line.unit_price, line.covered, line.reserved) == (
        Decimal("30.00"),
        Decimal("80.00"),
        False,
        True,
    )
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (5, 2, 3)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.kind, movement.quantity, movement.repair_line, movement.actor) == (
        "reserved",
        2,
        line,
        agent,
    )
    repair.refresh_from_db()
    assert repair.version == 2
    assert repair_customer_total(repair) == Decimal("160.00")
    assert AuditLog.objects.get(action="repair.add_part").after["quantity"] == 2


def test_reserving_more_than_is_available_is_refused(agent, expired_case, location):
    part = PartFactory()
    stock = stocked(part, location, 3, reserved=2)
    repair = repair_open(actor=agent, case=expired_case, location=location)
    state = _state(repair)

    with pytest.raises(Conflict) as error:
        repair_add_part(actor=agent, repair=repair, part=part, quantity=2)

    assert error.value.code == AftersalesError.OUT_OF_STOCK
    assert "Only 1 " in str(error.value.message)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (3, 2)
    assert _state(repair) == state
    assert StockMovement.objects.count() == 0


def test_a_part_never_stocked_at_the_location_is_out_of_stock(agent, expired_case, location):
    part = PartFactory()
    repair = repair_open(actor=agent, case=expired_case, location=location)

    with pytest.raises(Conflict) as error:
        repair_add_part(actor=agent, repair=repair, part=part)

    assert error.value.code == AftersalesError.OUT_OF_STOCK
    assert StockLevel.objects.count() == 0
    assert RepairLine.objects.count() == 0


def test_a_part_must_fit_the_units_product(agent, expired_case, location):
    other = PartFactory()
    other.products.add(ProductFactory())
    fitting = PartFactory()
    fitting.products.add(expired_case.unit.product)
    stocked(other, location, 1)
    stocked(fitting, location, 1)
    repair = repair_open(actor=agent, case=expired_case, location=location)

    with pytest.raises(ValidationFailed) as error:
        repair_add_part(actor=agent, repair=repair, part=other)

    assert set(error.value.fields) == {"part"}
    assert repair_add_part(actor=agent, repair=repair, part=fitting).part == fitting
    assert RepairLine.objects.filter(repair=repair).count() == 1


def test_an_inactive_part_is_refused(agent, expired_case, location):
    part = PartFactory(is_active=False)
    stocked(part, location, 1)
    repair = repair_open(actor=agent, case=expired_case, location=location)

    with pytest.raises(ValidationFailed):
        repair_add_part(actor=agent, repair=repair, part=part)

    assert StockLevel.objects.get(part=part).reserved == 0


@pytest.mark.parametrize("quantity", [0, -1, "1.5", "two", None, True])
def test_a_part_quantity_is_a_whole_number_of_at_least_one(agent, expired_case, location, quantity):
    part = PartFactory()
    stocked(part, location, 5)
    repair = repair_open(actor=agent, case=expired_case, location=location)

    with pytest.raises(ValidationFailed) as error:
        repair_add_part(actor=agent, repair=repair, part=part, quantity=quantity)

    assert error.value.code == AftersalesError.QUANTITY
    assert StockLevel.objects.get(part=part).reserved == 0
    assert RepairLine.objects.count() == 0


def test_labour_is_charged_at_the_locations_rate(agent, warranty_case, location):
    repair = repair_open(actor=agent, case=warranty_case, location=location)

    line = repair_add_labour(actor=agent, repair=repair, hours="1.75", description="Open and clean")

    assert (line.kind, line.quantity, line.description) == ("labour", Decimal("1.75"), "Open and clean")
    assert (line.unit_price, line.unit_cost, line.covered) == (Decimal("50.00"), Decimal("20.00"), True)
    assert AuditLog.objects.filter(action="repair.add_labour", object_id=str(repair.pk)).count() == 1


@pytest.mark.parametrize("hours", [0, "-1", "0.3", "x", "2000"])
def test_labour_hours_must_be_positive_quarter_hours(agent, warranty_case, location, hours):
    repair = repair_open(actor=agent, case=warranty_case, location=location)

    with pytest.raises(ValidationFailed):
        repair_add_labour(actor=agent, repair=repair, hours=hours)

    assert _state(repair) == (S.RECEIVED, 1, "none", "", 0)


def test_removing_a_part_line_gives_the_part_back(agent, expired_case, location):
    part = PartFactory()
    stock = stocked(part, location, 1)
    repair = repair_open(actor=agent, case=expired_case, location=location)
    line = repair_add_part(actor=agent, repair=repair, part=part)

    after = repair_remove_line(actor=agent, line=line, version=2)

    assert after.version == 3
    assert RepairLine.objects.filter(repair=repair).count() == 0
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (1, 0)
    assert list(StockMovement.objects.order_by("id").values_list("kind", "quantity")) == [
        ("reserved", 1),
        ("released", 1),
    ]
    assert AuditLog.objects.get(action="repair.remove_line").after["removed"]["part"] == part.pk


def test_lines_cannot_change_once_the_repair_is_ready(agent, warranty_case, location):
    part = PartFactory()
    stocked(part, location, 2)
    repair = _walk(repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING])
    line = repair_add_part(actor=agent, repair=repair, part=part)
    repair = repair_set_status(actor=agent, repair=repair, status=S.READY)
    state = _state(repair)

    for attempt in (
        lambda: repair_add_part(actor=agent, repair=repair, part=part),
        lambda: repair_add_labour(actor=agent, repair=repair, hours="1"),
        lambda: repair_remove_line(actor=agent, line=line),
        lambda: repair_diagnose(actor=agent, repair=repair, diagnosis="Too late"),
    ):
        with pytest.raises(Conflict) as error:
            attempt()
        assert error.value.code == AftersalesError.WRONG_STATUS

    assert _state(repair) == state
    assert StockLevel.objects.get(part=part).on_hand == 1


# --- ready: parts used, costs written ------------------------------------------------------------------------


def test_ready_uses_the_parts_and_writes_the_costs_split_by_warranty(agent, customer, team, location):
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12, covers_labour=False))
    case = make_case(customer, unit=owned_unit(customer, product=product), team=team)
    part = PartFactory(unit_cost=Decimal("30.00"), unit_price=Decimal("80.00"))
    stock = stocked(part, location, 5)
    repair = _walk(repair_open(actor=agent, case=case, location=location), agent, [S.DIAGNOSING])
    part_line = repair_add_part(actor=agent, repair=repair, part=part, quantity=2)
    repair_add_labour(actor=agent, repair=repair, hours="1.5")
    assert repair_customer_total(repair) == Decimal("75.00")
    token = repair_quote_send(actor=agent, repair=repair).rstrip("/").rsplit("/", 1)[1]
    repair = repair_quote_accept(repair=repair, token=token)

    ready = repair_set_status(actor=agent, repair=repair, status=S.READY)

    assert ready.ready_at is not None
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (3, 0)
    part_line.refresh_from_db()
    assert (part_line.reserved, part_line.consumed) == (False, True)
    assert StockMovement.objects.filter(stock=stock, kind="consumed").get().quantity == 2
    costs = {
        (c.kind, c.under_warranty, c.amount, c.currency, c.source, c.product_id)
        for c in CostEntry.objects.filter(case=case)
    }
    assert costs == {
        ("parts", True, Decimal("60.00"), "IRR", f"repair:{repair.pk}:parts:covered", product.pk),
        ("labour", False, Decimal("30.00"), "IRR", f"repair:{repair.pk}:labour:charged", product.pk),
    }
    notice = Message.objects.filter(case=case, is_internal=False).order_by("-id").first()
    assert repair.reference in notice.body_text
    assert "ready" in notice.body_text


def test_a_full_warranty_repair_books_every_cost_to_the_warranty(agent, warranty_case, location):
    part = PartFactory(unit_cost=Decimal("12.50"))
    stocked(part, location, 1)
    repair = _walk(repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING])
    repair_add_part(actor=agent, repair=repair, part=part)
    repair_add_labour(actor=agent, repair=repair, hours="2")

    _walk(repair, agent, [S.READY])

    assert set(CostEntry.objects.values_list("kind", "under_warranty", "amount")) == {
        ("parts", True, Decimal("12.50")),
        ("labour", True, Decimal("40.00")),
    }


def test_cancelling_releases_every_reservation(agent, warranty_case, location):
    first, second = PartFactory(), PartFactory()
    stocked(first, location, 2)
    stocked(second, location, 1)
    repair = _walk(repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING])
    repair_add_part(actor=agent, repair=repair, part=first, quantity=2)
    repair_add_part(actor=agent, repair=repair, part=second)

    repair_set_status(actor=agent, repair=repair, status=S.CANCELLED)

    assert list(StockLevel.objects.order_by("part__sku").values_list("on_hand", "reserved")) == [
        (2, 0),
        (1, 0),
    ]
    assert StockMovement.objects.filter(kind="released").count() == 2
    assert CostEntry.objects.count() == 0


def test_returning_the_unit_stamps_it_and_tells_the_customer(agent, warranty_case, location):
    repair = _walk(
        repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING, S.READY]
    )

    returned = repair_set_status(actor=agent, repair=repair, status=S.RETURNED)

    assert returned.returned_at is not None
    notice = Message.objects.filter(case=warranty_case, is_internal=False).order_by("-id").first()
    assert "handed back" in notice.body_text


@pytest.mark.skipif(
    importlib.util.find_spec("vafa.aftersales.services.claims") is None,
    reason="the claims service is not there",
)
def test_returning_a_claim_repair_fulfils_the_claim(agent, warranty_case, location):
    claim = _claim(warranty_case, WarrantyClaim.Status.APPROVED, covers_parts=True, covers_labour=True)
    repair = repair_open(actor=agent, case=warranty_case, location=location, claim=claim)
    repair = _walk(repair, agent, [S.DIAGNOSING, S.READY])

    repair_set_status(actor=agent, repair=repair, status=S.RETURNED)

    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.FULFILLED


def test_no_notice_goes_out_on_a_closed_case_but_the_step_is_taken(agent, warranty_case, location):
    repair = _walk(
        repair_open(actor=agent, case=warranty_case, location=location), agent, [S.DIAGNOSING, S.READY]
    )
    now = timezone.now()
    type(warranty_case).objects.filter(pk=warranty_case.pk).update(
        status=CaseStatus.CLOSED, resolved_at=now, closed_at=now
    )
    messages = Message.objects.filter(case=warranty_case).count()

    returned = repair_set_status(actor=agent, repair=repair, status=S.RETURNED)

    assert returned.status == S.RETURNED
    assert Message.objects.filter(case=warranty_case).count() == messages


# --- assignment, diagnosis, versions ---------------------------------------------------------------------------


def test_assigning_and_diagnosing_are_audited_and_count_versions(agent, manager, warranty_case, location):
    repair = repair_open(actor=agent, case=warranty_case, location=location)

    repair = repair_assign(actor=agent, repair=repair, technician=manager, version=1)
    repair = repair_diagnose(actor=agent, repair=repair, diagnosis="  Loose connector ", version=2)

    assert (repair.technician, repair.diagnosis, repair.version) == (manager, "Loose connector", 3)
    assign = AuditLog.objects.get(action="repair.assign", object_id=str(repair.pk))
    assert (assign.before, assign.after) == (
        {"technician": None, "version": 1},
        {"technician": manager.pk, "version": 2},
    )
    diagnose = AuditLog.objects.get(action="repair.diagnose", object_id=str(repair.pk))
    assert diagnose.after == {"diagnosis": "Loose connector", "version": 3}


def test_a_customer_cannot_be_the_technician(agent, customer_user, warranty_case, location):
    repair = repair_open(actor=agent, case=warranty_case, location=location)

    with pytest.raises(ValidationFailed):
        repair_assign(actor=agent, repair=repair, technician=customer_user)

    repair.refresh_from_db()
    assert (repair.technician, repair.version) == (None, 1)


def test_a_change_from_a_stale_version_is_refused(agent, warranty_case, location):
    repair = repair_open(actor=agent, case=warranty_case, location=location)
    repair_diagnose(actor=agent, repair=repair, diagnosis="First look", version=1)
    part = PartFactory()
    stocked(part, location, 1)
    state = _state(repair)
    events = CaseEvent.objects.filter(case=warranty_case).count()

    for attempt in (
        lambda: repair_diagnose(actor=agent, repair=repair, diagnosis="Second look", version=1),
        lambda: repair_set_status(actor=agent, repair=repair, status=S.DIAGNOSING, version=1),
        lambda: repair_add_part(actor=agent, repair=repair, part=part, version=1),
        lambda: repair_add_labour(actor=agent, repair=repair, hours="1", version=1),
        lambda: repair_assign(actor=agent, repair=repair, technician=agent, version=1),
    ):
        with pytest.raises(Conflict) as error:
            attempt()
        assert error.value.code == AftersalesError.STALE
        assert "reload" in str(error.value.message)

    assert _state(repair) == state
    assert StockLevel.objects.get(part=part).reserved == 0
    assert CaseEvent.objects.filter(case=warranty_case).count() == events
