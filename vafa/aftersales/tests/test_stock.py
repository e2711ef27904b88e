"""Spare-parts stock: deliveries, stocktake corrections, and the database's own limits."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import StockLevel, StockMovement
from vafa.aftersales.services.stock import stock_adjust, stock_receive
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, stocked
from vafa.core.errors import Forbidden, ValidationFailed


@pytest.fixture
def location(db):
    return ServiceLocationFactory()


@pytest.fixture
def part(db):
    return PartFactory()


def _levels():
    return list(StockLevel.objects.order_by("id").values_list("on_hand", "reserved"))


def test_receiving_a_part_never_stocked_creates_its_level(agent, part, location):
    stock = stock_receive(actor=agent, part=part, location=location, quantity=4, note="Delivery 17")

    assert (stock.part, stock.location, stock.on_hand, stock.reserved) == (part, location, 4, 0)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.kind, movement.quantity, movement.actor, movement.note) == (
        "received",
        4,
        agent,
        "Delivery 17",
    )
    audit = AuditLog.objects.get(action="stock.receive", object_id=str(stock.pk))
    assert (audit.actor, audit.before, audit.after) == (agent, {"on_hand": 0}, {"on_hand": 4, "received": 4})


def test_receiving_adds_to_what_is_on_the_shelf(agent, part, location):
    stocked(part, location, 3, reserved=1)

    stock = stock_receive(actor=agent, part=part, location=location, quantity="2")

    assert (stock.on_hand, stock.reserved) == (5, 1)
    assert StockLevel.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -2, "1.5", "many", None, True])
def test_a_delivery_is_a_whole_number_of_at_least_one(agent, part, location, quantity):
    stocked(part, location, 3)

    with pytest.raises(ValidationFailed) as error:
        stock_receive(actor=agent, part=part, location=location, quantity=quantity)

    assert error.value.code == AftersalesError.QUANTITY
    assert _levels() == [(3, 0)]
    assert StockMovement.objects.count() == 0


def test_a_customer_cannot_receive_stock(customer_user, part, location):
    with pytest.raises(Forbidden):
        stock_receive(actor=customer_user, part=part, location=location, quantity=1)

    assert StockLevel.objects.count() == 0


def test_a_manager_corrects_the_count_with_a_reason(manager, part, location):
    stocked(part, location, 10, reserved=2)

    stock = stock_adjust(actor=manager, part=part, location=location, on_hand=7, note=" Stocktake March ")

    assert (stock.on_hand, stock.reserved) == (7, 2)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.kind, movement.quantity, movement.actor, movement.note) == (
        "adjusted",
        -3,
        manager,
        "Stocktake March",
    )
    audit = AuditLog.objects.get(action="stock.adjust", object_id=str(stock.pk))
    assert (audit.before, audit.after) == ({"on_hand": 10}, {"on_hand": 7, "note": "Stocktake March"})


def test_a_count_can_start_a_level_that_did_not_exist(admin_user, part, location):
    stock = stock_adjust(
        actor=admin_user, part=part, location=location, on_hand="6", note="Found in the back"
    )

    assert (stock.on_hand, stock.reserved) == (6, 0)
    assert StockMovement.objects.get(stock=stock).quantity == 6


def test_an_agent_cannot_correct_the_count(agent, part, location):
    stocked(part, location, 10)

    with pytest.raises(Forbidden):
        stock_adjust(actor=agent, part=part, location=location, on_hand=0, note="Lost")

    assert _levels() == [(10, 0)]
    assert StockMovement.objects.count() == 0


def test_the_count_cannot_drop_below_what_repairs_reserved(manager, part, location):
    stocked(part, location, 5, reserved=3)

    with pytest.raises(ValidationFailed) as error:
        stock_adjust(actor=manager, part=part, location=location, on_hand=2, note="Stocktake")

    assert set(error.value.fields) == {"on_hand"}
    assert _levels() == [(5, 3)]
    assert StockMovement.objects.count() == 0


@pytest.mark.parametrize(
    ("on_hand", "note", "fields"),
    [(-1, "x", {"on_hand"}), (4, "  ", {"note"}), ("a", "", {"on_hand", "note"})],
)
def test_a_correction_needs_a_count_and_a_reason(manager, part, location, on_hand, note, fields):
    stocked(part, location, 5)

    with pytest.raises(ValidationFailed) as error:
        stock_adjust(actor=manager, part=part, location=location, on_hand=on_hand, note=note)

    assert set(error.value.fields) == fields
    assert _levels() == [(5, 0)]


def test_the_database_refuses_negative_stock_and_over_reservation(part, location):
    stock = stocked(part, location, 2, reserved=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=stock.pk).update(on_hand=-1, reserved=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=stock.pk).update(reserved=3)

    assert _levels() == [(2, 1)]
