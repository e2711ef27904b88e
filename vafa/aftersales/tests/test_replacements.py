"""Replacements: the new unit, its warranty under the policy's rule, its cost, shipping and delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import CostEntry, Replacement, WarrantyClaim
from vafa.aftersales.services.claims import claim_approve, claim_open, claim_reject
from vafa.aftersales.services.replacements import replacement_deliver, replacement_issue, replacement_ship
from vafa.catalog.models import WarrantyPolicy
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.dates import add_months
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.sales.models import Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.models import Case, CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def failed_unit(customer, *, rule: str = "continue", months: int = 12, policy: bool = True) -> Unit:
    """A unit `customer` bought 100 days ago on an order, with a warranty of `months` and an extension."""
    product = ProductFactory(
        price="2500.00",
        currency="IRR",
        warranty_policy=WarrantyPolicyFactory(months=months, replacement_rule=rule) if policy else None,
    )
    line = OrderLineFactory(order=OrderFactory(customer=customer), product=product, unit_price="2500.00")
    bought = timezone.localdate() - dt.timedelta(days=100)
    return UnitFactory(
        owner=customer,
        product=product,
        order_line=line,
        purchased_on=bought,
        delivered_on=bought,
        warranty_start=bought,
        warranty_end=bought + dt.timedelta(days=365),
        extended_warranty_end=bought + dt.timedelta(days=730),
    )


def replacement_case(customer, team, unit: Unit) -> Case:
    return make_case(customer, team=team, unit=unit, kind="replacement")


def notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind="agent", author_user=None)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def test_a_replacement_continues_the_original_warranty(agent, team, customer):
    original = failed_unit(customer, rule=WarrantyPolicy.ReplacementRule.CONTINUE)
    case = replacement_case(customer, team, original)

    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="  NEW-001 ")

    new = replacement.new_unit
    assert new.serial_number == "NEW-001"
    assert new.product == original.product
    assert new.owner == customer
    assert new.order_line == original.order_line
    assert (new.purchased_on, new.delivered_on) == (None, None)
    assert (new.warranty_start, new.warranty_end, new.extended_warranty_end) == (
        original.warranty_start,
        original.warranty_end,
        original.extended_warranty_end,
    )
    assert replacement.warranty_rule == "continue"
    assert replacement.status == Replacement.Status.ISSUED
    assert replacement.original_unit == original
    assert replacement.reference == f"RPL-{replacement.number:06d}"
    event = CaseEvent.objects.get(case=case, kind=EventKind.REPLACEMENT_ISSUED)
    assert (event.data["new_unit"], event.data["serial"], event.data["warranty_rule"]) == (
        new.pk,
        "NEW-001",
        "continue",
    )
    assert AuditLog.objects.filter(action="replacement.issue", object_id=str(replacement.pk)).count() == 1
    assert AuditLog.objects.filter(action="unit.create", object_id=str(new.pk)).count() == 1


@time_machine.travel(dt.datetime(2026, 1, 31, 10, 0, tzinfo=dt.UTC), tick=False)
def test_a_replacement_restarts_the_warranty_from_today(agent, team, customer):
    original = failed_unit(customer, rule=WarrantyPolicy.ReplacementRule.RESTART, months=13)
    case = replacement_case(customer, team, original)

    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-002")

    new = replacement.new_unit
    assert new.warranty_start == dt.date(2026, 1, 31)
    # 13 months from 31 January is the last day of the next February, not an error or March.
    assert new.warranty_end == dt.date(2027, 2, 28)
    # The extension the customer bought (to 23 October 2027) still outlasts the new warranty.
    assert new.extended_warranty_end == dt.date(2027, 10, 23)
    assert replacement.warranty_rule == "restart"


def test_a_restart_drops_an_extension_the_new_warranty_outlasts(agent, team, customer):
    # The extension ends 630 days from now, the new 24-month warranty about 730 days from now.
    original = failed_unit(customer, rule=WarrantyPolicy.ReplacementRule.RESTART, months=24)
    case = replacement_case(customer, team, original)

    new = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-003").new_unit

    assert new.warranty_start == timezone.localdate()
    assert new.warranty_end == add_months(timezone.localdate(), 24)
    assert new.extended_warranty_end is None


def test_without_a_policy_the_warranty_continues(agent, team, customer):
    original = failed_unit(customer, policy=False)
    case = replacement_case(customer, team, original)

    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-004")

    assert replacement.warranty_rule == "continue"
    assert replacement.new_unit.warranty_end == original.warranty_end


def test_another_product_may_replace_the_original(agent, team, customer):
    original = failed_unit(customer)
    successor = ProductFactory(price="3000.00", currency="IRR")
    case = replacement_case(customer, team, original)

    replacement = replacement_issue(
        actor=agent, case=case, original_unit=original, new_serial="NEW-005", product=successor
    )

    assert replacement.new_unit.product == successor
    entry = CostEntry.objects.get(case=case, kind=CostEntry.Kind.REPLACEMENT)
    assert (entry.amount, entry.product) == (Decimal("3000.00"), successor)


def test_a_replacement_for_an_approved_claim_is_a_warranty_cost_and_fulfils_it(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="replacement")

    replacement = replacement_issue(
        actor=agent, case=case, original_unit=original, new_serial="NEW-006", claim=claim
    )

    entry = CostEntry.objects.get(case=case, kind=CostEntry.Kind.REPLACEMENT)
    assert (entry.amount, entry.currency, entry.under_warranty) == (Decimal("2500.00"), "IRR", True)
    assert entry.source == f"replacement:{replacement.pk}"
    assert entry.product == original.product
    assert replacement.claim == claim
    assert WarrantyClaim.objects.get(pk=claim.pk).status == WarrantyClaim.Status.FULFILLED


def test_a_replacement_without_a_claim_is_not_a_warranty_cost(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)

    replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-007")

    entry = CostEntry.objects.get(case=case, kind=CostEntry.Kind.REPLACEMENT)
    assert entry.under_warranty is False


def test_a_rejected_claim_is_not_met_with_a_replacement(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    claim = claim_reject(actor=agent, claim=claim_open(actor=agent, case=case), reason="physical_damage")

    with pytest.raises(Conflict) as caught:
        replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-008", claim=claim)

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert Replacement.objects.count() == 0
    assert not Unit.objects.filter(serial_number="NEW-008").exists()
    assert CostEntry.objects.count() == 0


def test_a_serial_number_is_never_used_twice_for_a_product(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    units_before = Unit.objects.count()

    with pytest.raises(Conflict) as caught:
        replacement_issue(
            actor=agent, case=case, original_unit=original, new_serial=f" {original.serial_number} "
        )

    assert caught.value.code == "duplicate"
    assert Unit.objects.count() == units_before
    assert Replacement.objects.count() == 0
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REPLACEMENT_ISSUED).count() == 0


def test_a_new_serial_number_is_required(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)

    with pytest.raises(ValidationFailed) as caught:
        replacement_issue(actor=agent, case=case, original_unit=original, new_serial="   ")

    assert "new_serial" in caught.value.fields
    assert Replacement.objects.count() == 0


def test_only_the_customers_own_unit_is_replaced(agent, team, customer, other_customer):
    case = replacement_case(customer, team, failed_unit(customer))

    with pytest.raises(ValidationFailed) as caught:
        replacement_issue(
            actor=agent, case=case, original_unit=failed_unit(other_customer), new_serial="NEW-009"
        )

    assert "original_unit" in caught.value.fields
    assert not Unit.objects.filter(serial_number="NEW-009").exists()


def test_shipping_and_delivery(agent, team, other_customer):
    original = failed_unit(other_customer)
    case = replacement_case(other_customer, team, original)
    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-010")

    replacement = replacement_ship(actor=agent, replacement=replacement, tracking=" TRK-55 ")

    assert (replacement.status, replacement.tracking) == (Replacement.Status.SHIPPED, "TRK-55")
    assert replacement.shipped_at is not None
    assert CaseEvent.objects.get(case=case, kind=EventKind.REPLACEMENT_SHIPPED).data["tracking"] == "TRK-55"
    assert AuditLog.objects.filter(action="replacement.ship", object_id=str(replacement.pk)).count() == 1
    [notice] = notices(case)
    assert replacement.reference in notice
    assert "serial number NEW-010" in notice
    assert "Tracking number: TRK-55" in notice

    replacement = replacement_deliver(actor=agent, replacement=replacement)

    assert replacement.status == Replacement.Status.DELIVERED
    assert replacement.delivered_at is not None
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REPLACEMENT_DELIVERED).count() == 1
    assert AuditLog.objects.filter(action="replacement.deliver", object_id=str(replacement.pk)).count() == 1


def test_a_persian_customer_is_told_of_the_shipment(agent, team, customer):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-011")

    replacement_ship(actor=agent, replacement=replacement, tracking="TRK-1")

    assert case.language == "fa"
    [notice] = notices(case)
    assert replacement.reference in notice
    assert "TRK-1" in notice


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "deliver"),
        (["ship"], "ship"),
        (["ship", "deliver"], "ship"),
        (["ship", "deliver"], "deliver"),
    ],
)
def test_a_step_out_of_order_changes_nothing(agent, team, customer, steps, action):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-012")
    for name in steps:
        replacement = {"ship": replacement_ship, "deliver": replacement_deliver}[name](
            actor=agent, replacement=replacement
        )
    before = Replacement.objects.values().get(pk=replacement.pk)
    event_count = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(Conflict) as caught:
        {"ship": replacement_ship, "deliver": replacement_deliver}[action](
            actor=agent, replacement=replacement
        )

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert Replacement.objects.values().get(pk=replacement.pk) == before
    assert CaseEvent.objects.filter(case=case).count() == event_count


def test_an_agent_of_another_team_or_a_customer_cannot_replace(
    agent, other_agent, team, customer, customer_user
):
    original = failed_unit(customer)
    case = replacement_case(customer, team, original)
    replacement = replacement_issue(actor=agent, case=case, original_unit=original, new_serial="NEW-013")

    with pytest.raises(NotFound):
        replacement_issue(actor=other_agent, case=case, original_unit=original, new_serial="NEW-014")
    with pytest.raises(NotFound):
        replacement_ship(actor=other_agent, replacement=replacement)
    with pytest.raises(Forbidden):
        replacement_issue(actor=customer_user, case=case, original_unit=original, new_serial="NEW-015")
    with pytest.raises(Forbidden):
        replacement_ship(actor=customer_user, replacement=replacement)

    assert Replacement.objects.get().status == Replacement.Status.ISSUED
    assert not Unit.objects.filter(serial_number__in=["NEW-014", "NEW-015"]).exists()
