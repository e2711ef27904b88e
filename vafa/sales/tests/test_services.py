import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.errors import Conflict, ValidationFailed
from vafa.sales.models import Order, Unit
from vafa.sales.selectors import WarrantyInfo, unit_warranty_status
from vafa.sales.services import LineInput, order_create, order_update, order_upsert, unit_create, unit_update
from vafa.sales.tests.factories import UnitFactory

D = dt.date


def test_warranty_status_on_each_side_of_its_dates(db):
    unit = UnitFactory(
        warranty_start=D(2025, 1, 10), warranty_end=D(2026, 1, 10), extended_warranty_end=D(2027, 1, 10)
    )

    assert unit_warranty_status(unit, D(2025, 6, 1)) == WarrantyInfo("in_warranty", D(2026, 1, 10), 223)
    assert unit_warranty_status(unit, D(2026, 1, 10)) == WarrantyInfo("in_warranty", D(2026, 1, 10), 0)
    assert unit_warranty_status(unit, D(2026, 1, 11)) == WarrantyInfo("extended", D(2027, 1, 10), 364)
    assert unit_warranty_status(unit, D(2027, 1, 11)) == WarrantyInfo("expired", D(2027, 1, 10), 0)


def test_warranty_status_without_warranty(db):
    unit = UnitFactory(warranty_start=None, warranty_end=None)
    assert unit_warranty_status(unit, D(2026, 1, 1)) == WarrantyInfo("none", None, 0)


def test_unit_create_takes_warranty_from_the_policy(db, manager, customer):
    product = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=18))

    unit = unit_create(
        actor=manager,
        product=product,
        serial_number=" SN-1 ",
        owner=customer,
        purchased_on=D(2025, 8, 31),
        delivered_on=D(2025, 9, 2),
    )

    assert unit.serial_number == "SN-1"
    assert (unit.warranty_start, unit.warranty_end) == (D(2025, 9, 2), D(2027, 3, 2))
    assert AuditLog.objects.filter(action="unit.create", object_id=str(unit.pk)).count() == 1


def test_unit_rules_refuse_bad_dates_and_duplicate_serials(db, manager, customer):
    product = ProductFactory()
    unit_create(
        actor=manager, product=product, serial_number="SN-1", owner=customer, purchased_on=D(2025, 1, 1)
    )

    with pytest.raises(Conflict):
        unit_create(actor=manager, product=product, serial_number="SN-1", owner=customer)
    with pytest.raises(ValidationFailed) as error:
        unit_create(
            actor=manager,
            product=product,
            serial_number="SN-2",
            owner=customer,
            purchased_on=D(2025, 5, 1),
            delivered_on=D(2025, 4, 1),
        )
    assert "delivered_on" in error.value.fields
    assert Unit.objects.count() == 1


def test_database_refuses_a_warranty_that_ends_before_it_starts(db, customer):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitFactory(owner=customer, warranty_start=D(2025, 5, 1), warranty_end=D(2025, 4, 1))


def test_extending_a_warranty_moves_its_end(db, manager):
    unit = UnitFactory(warranty_start=D(2025, 1, 1), warranty_end=D(2026, 1, 1))

    unit_update(actor=manager, unit=unit, extended_warranty_end=D(2027, 1, 1))
    unit.refresh_from_db()

    assert unit.extended_warranty_end == D(2027, 1, 1)
    assert AuditLog.objects.get(action="unit.update").after == {"extended_warranty_end": "2027-01-01"}


def test_order_with_lines_totals_and_creates_units(db, manager, customer):
    phone = ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12))
    cable = ProductFactory(is_serialised=False)
    placed = timezone.make_aware(dt.datetime(2026, 3, 1, 10, 0))

    order = order_create(
        actor=manager,
        customer=customer,
        number="W-1001",
        placed_at=placed,
        currency="irr",
        lines=[LineInput(phone, 2, "15000000", ["IMEI-1", "IMEI-2"]), LineInput(cable, 3, "250000.5")],
    )

    assert order.total_amount == Decimal("30750001.50")  # 2 × 15,000,000 + 3 × 250,000.50
    assert order.currency == "IRR"
    units = Unit.objects.filter(owner=customer).order_by("serial_number")
    assert [(u.serial_number, u.purchased_on, u.order_line.product) for u in units] == [
        ("IMEI-1", D(2026, 3, 1), phone),
        ("IMEI-2", D(2026, 3, 1), phone),
    ]


def test_order_needs_lines_or_total_and_valid_values(db, manager, customer):
    product = ProductFactory()
    placed = timezone.now()
    bad = [
        {"lines": []},
        {"lines": [LineInput(product, 0, "1")]},
        {"lines": [LineInput(product, 1, "-1")]},
        {"lines": [LineInput(product, 1, "abc")]},
        {"lines": [LineInput(product, 1, "1", ["A", "B"])]},
        {"total_amount": "10", "currency": "XXQ"},
        {"total_amount": "10", "sales_channel": "telepathy"},
    ]
    for fields in bad:
        with pytest.raises(ValidationFailed):
            order_create(actor=manager, customer=customer, number="N", placed_at=placed, **fields)
    assert Order.objects.count() == 0


def test_order_upsert_is_idempotent(db, manager, customer):
    product = ProductFactory()
    fields = {
        "customer": customer,
        "number": "S-1",
        "placed_at": timezone.now(),
        "lines": [LineInput(product, 1, "100", ["SER-1"])],
    }

    first, created = order_upsert(actor=manager, external_source="shop", external_id="1", **fields)
    again, created_again = order_upsert(actor=manager, external_source="shop", external_id="1", **fields)

    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Order.objects.count() == 1
    assert again.lines.count() == 1
    assert Unit.objects.count() == 1
    assert AuditLog.objects.filter(action="order.update").count() == 0


def test_order_update_gives_new_units_the_orders_new_owner_and_day(db, manager, customer, other_customer):
    product = ProductFactory()
    order = order_create(
        actor=manager,
        customer=customer,
        number="S-9",
        total_amount="10",
        placed_at=timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0)),
    )

    order_update(
        actor=manager,
        order=order,
        customer=other_customer,
        placed_at=timezone.make_aware(dt.datetime(2026, 2, 7, 9, 0)),
        lines=[LineInput(product, 1, "10", ["NEW-1"])],
    )

    unit = Unit.objects.get(serial_number="NEW-1")
    assert (unit.owner, unit.purchased_on) == (other_customer, D(2026, 2, 7))
    order.refresh_from_db()
    assert (order.customer, order.total_amount) == (other_customer, Decimal("10.00"))


def test_order_update_without_changes_writes_nothing(db, manager, customer):
    order = order_create(
        actor=manager, customer=customer, number="S-10", total_amount="10", placed_at=timezone.now()
    )
    stamp = Order.objects.get(pk=order.pk).updated_at

    order_update(actor=manager, order=order, number="S-10", total_amount="10")

    assert Order.objects.get(pk=order.pk).updated_at == stamp
    assert AuditLog.objects.filter(action="order.update").count() == 0
