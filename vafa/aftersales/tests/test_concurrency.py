"""Two technicians at once: the last part goes to one of them, and neither overwrites the other's change.

Each thread runs its service in its own transaction on its own connection; a barrier starts them
together so the database, not luck, decides who wins.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import RepairLine, RepairOrder, StockLevel, StockMovement
from vafa.aftersales.services.repairs import repair_add_labour, repair_add_part, repair_diagnose, repair_open
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.core.errors import Conflict
from vafa.service.tests.factories import make_case

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's concurrent transactions; runs in the PostgreSQL pass of make test",
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run each call in its own thread, all released at the same moment; their outcomes in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("not run", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # the test inspects whatever happened
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting for a lock"
    return outcomes


def _repair(agent, customer, team, location) -> RepairOrder:
    case = make_case(customer, unit=owned_unit(customer), team=team)
    return repair_open(actor=agent, case=case, location=location)


def test_two_repairs_reserving_the_last_part_at_once_leave_one_without_it(agent, customer, team):
    location = ServiceLocationFactory()
    part = PartFactory()
    stocked(part, location, 3, reserved=2)
    first, second = _repair(agent, customer, team, location), _repair(agent, customer, team, location)

    outcomes = _at_once(
        lambda: repair_add_part(actor=agent, repair=first, part=part),
        lambda: repair_add_part(actor=agent, repair=second, part=part),
    )

    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, Conflict)
    assert error.code == AftersalesError.OUT_OF_STOCK
    stock = StockLevel.objects.get(part=part, location=location)
    assert (stock.on_hand, stock.reserved) == (3, 3)
    assert RepairLine.objects.filter(part=part).count() == 1
    assert StockMovement.objects.filter(stock=stock, kind="reserved").count() == 1


def test_two_changes_to_one_repair_at_once_are_both_kept(agent, manager, customer, team):
    location = ServiceLocationFactory()
    repair = _repair(agent, customer, team, location)

    outcomes = _at_once(
        lambda: repair_add_labour(actor=agent, repair=repair, hours="1.5"),
        lambda: repair_diagnose(actor=manager, repair=repair, diagnosis="Worn charging port"),
    )

    assert [kind for kind, _value in outcomes] == ["ok", "ok"]
    repair.refresh_from_db()
    assert repair.diagnosis == "Worn charging port"
    assert list(repair.lines.values_list("kind", "quantity")) == [("labour", 1.5)]
    assert repair.version == 3


def test_two_changes_from_the_same_version_let_only_one_through(agent, manager, customer, team):
    location = ServiceLocationFactory()
    repair = _repair(agent, customer, team, location)

    outcomes = _at_once(
        lambda: repair_diagnose(actor=agent, repair=repair, diagnosis="Battery", version=1),
        lambda: repair_diagnose(actor=manager, repair=repair, diagnosis="Screen", version=1),
    )

    assert sorted(kind for kind, _value in outcomes) == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    [winner] = [value for kind, value in outcomes if kind == "ok"]
    assert isinstance(error, Conflict)
    assert error.code == AftersalesError.STALE
    repair.refresh_from_db()
    assert (repair.diagnosis, repair.version) == (winner.diagnosis, 2)
