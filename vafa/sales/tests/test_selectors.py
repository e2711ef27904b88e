import datetime as dt

import pytest

from vafa.catalog.tests.factories import ProductFactory
from vafa.core.errors import NotFound
from vafa.sales.selectors import (
    unit_next_maintenance,
    unit_registration_get,
    unit_registration_list,
    unit_registration_matches,
    unit_registration_pending_count,
)
from vafa.sales.tests.factories import UnitFactory, UnitRegistrationFactory

pytestmark = pytest.mark.django_db

D = dt.date


def _unit(interval, **dates):
    return UnitFactory.build(product=ProductFactory.build(maintenance_interval_days=interval), **dates)


def test_next_maintenance_is_the_first_due_day_on_or_after_the_day():
    unit = _unit(90, purchased_on=D(2025, 1, 1), delivered_on=D(2025, 1, 11), warranty_start=D(2025, 1, 11))
    assert unit_next_maintenance(unit, D(2025, 1, 11)) == D(2025, 4, 11)
    assert unit_next_maintenance(unit, D(2025, 4, 11)) == D(2025, 4, 11)
    assert unit_next_maintenance(unit, D(2025, 4, 12)) == D(2025, 7, 10)
    assert unit_next_maintenance(unit, D(2024, 12, 1)) == D(2025, 4, 11)


def test_next_maintenance_counts_from_purchase_then_warranty_start():
    bought = _unit(30, purchased_on=D(2025, 1, 1), delivered_on=None, warranty_start=D(2025, 2, 1))
    assert unit_next_maintenance(bought, D(2025, 1, 15)) == D(2025, 1, 31)
    started = _unit(30, purchased_on=None, delivered_on=None, warranty_start=D(2025, 2, 1))
    assert unit_next_maintenance(started, D(2025, 2, 2)) == D(2025, 3, 3)


def test_no_maintenance_without_an_interval_or_a_start():
    assert unit_next_maintenance(_unit(None, purchased_on=D(2025, 1, 1)), D(2025, 6, 1)) is None
    assert unit_next_maintenance(_unit(0, purchased_on=D(2025, 1, 1)), D(2025, 6, 1)) is None
    none = _unit(30, purchased_on=None, delivered_on=None, warranty_start=None, warranty_end=None)
    assert unit_next_maintenance(none, D(2025, 6, 1)) is None


def test_customers_see_only_their_own_registrations(customer_user, customer, other_customer, agent):
    own = UnitRegistrationFactory(customer=customer)
    theirs = UnitRegistrationFactory(customer=other_customer)
    assert list(unit_registration_list(viewer=customer_user)) == [own]
    assert set(unit_registration_list(viewer=agent)) == {own, theirs}
    with pytest.raises(NotFound):
        unit_registration_get(viewer=customer_user, registration_id=theirs.pk)
    assert unit_registration_pending_count(viewer=agent) == 2
    assert unit_registration_pending_count(viewer=customer_user) == 0


def test_matching_units_are_shown_to_staff_only(customer_user, agent, other_customer):
    unit = UnitFactory(serial_number="AB-1", owner=other_customer)
    registration = UnitRegistrationFactory(serial_number="ab-1")
    assert unit_registration_matches(viewer=agent, registration=registration) == [unit]
    assert (
        unit_registration_matches(viewer=agent, registration=UnitRegistrationFactory(serial_number="AB"))
        == []
    )
    assert unit_registration_matches(viewer=customer_user, registration=registration) == []
