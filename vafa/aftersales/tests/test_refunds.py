"""Refunds: never more than was paid (in the service and in the database), approval above a limit."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import ApprovalLimit, CostEntry, Refund, ReturnRequest, WarrantyClaim
from vafa.aftersales.services.claims import claim_approve, claim_open, claim_reject
from vafa.aftersales.services.refunds import refund_approve, refund_reject, refund_request
from vafa.aftersales.services.returns import return_reject, return_request
from vafa.catalog.tests.factories import ProductFactory
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import OrderLine
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.models import Case, CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def paid_line(customer, *, unit_price: str = "500.00", quantity: int = 2) -> OrderLine:
    """An order line of `customer`, paid `unit_price` × `quantity` (1,000.00 IRR unless told)."""
    order = OrderFactory(customer=customer, currency="IRR", placed_at=timezone.now() - dt.timedelta(days=5))
    return OrderLineFactory(order=order, product=ProductFactory(), unit_price=unit_price, quantity=quantity)


def refund_case(customer, team) -> Case:
    return make_case(customer, team=team, kind="refund")


@pytest.fixture
def agent_limit(db) -> ApprovalLimit:
    """Agents may refund up to 500.00 IRR alone."""
    return ApprovalLimit.objects.create(
        kind=ApprovalLimit.Kind.REFUND, role="agent", amount=Decimal("500.00")
    )


def refunded(line: OrderLine) -> Decimal:
    return OrderLine.objects.values_list("refunded_amount", flat=True).get(pk=line.pk)


def notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind="agent", author_user=None)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


# --- the line never gives back more than was paid ------------------------------------------------


def test_the_database_itself_refuses_refunding_more_than_was_paid(customer):
    line = paid_line(customer)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(refunded_amount=Decimal("1000.01"))

    assert refunded(line) == Decimal("0.00")
    OrderLine.objects.filter(pk=line.pk).update(refunded_amount=Decimal("1000.00"))
    assert refunded(line) == Decimal("1000.00")


def test_a_refund_within_the_agents_limit_is_issued_at_once(agent, team, other_customer, agent_limit):
    case = refund_case(other_customer, team)
    line = paid_line(other_customer)

    refund = refund_request(
        actor=agent, case=case, order_line=line, amount="400", reason="Arrived late.", reference=" PAY-9 "
    )

    assert refund.status == Refund.Status.ISSUED
    assert (refund.amount, refund.currency, refund.method) == (Decimal("400.00"), "IRR", "original")
    assert (refund.approved_by, refund.payment_reference, refund.reason) == (agent, "PAY-9", "Arrived late.")
    assert refund.decided_at is not None
    assert refunded(line) == Decimal("400.00")
    entry = CostEntry.objects.get(case=case, kind=CostEntry.Kind.REFUND)
    assert (entry.amount, entry.source, entry.under_warranty, entry.product) == (
        Decimal("400.00"),
        f"refund:{refund.pk}",
        False,
        line.product,
    )
    assert refund.reference == f"RF-{refund.number:06d}"
    event = CaseEvent.objects.get(case=case, kind=EventKind.REFUND_ISSUED)
    assert event.data["record"] == {"type": "refund", "id": refund.pk, "reference": refund.reference}
    assert (event.data["amount"], event.data["currency"]) == ("400.00", "IRR")
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFUND_REQUESTED).count() == 0
    actions = list(
        AuditLog.objects.filter(object_type="aftersales.refund", object_id=str(refund.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["refund.request", "refund.issue"]
    [notice] = notices(case)
    assert refund.reference in notice
    assert "IRR" in notice
    assert notice.startswith(f"Hello {other_customer.name},")


def test_two_refunds_together_never_exceed_what_was_paid(agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    refund_request(actor=agent, case=case, order_line=line, amount="450")
    refund_request(actor=agent, case=case, order_line=line, amount="150")
    events_before = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(Conflict) as caught:
        refund_request(actor=agent, case=case, order_line=line, amount="400.01")

    assert caught.value.code == AftersalesError.REFUND_TOO_LARGE
    assert "400.00" in str(caught.value.message)
    assert refunded(line) == Decimal("600.00")
    assert Refund.objects.count() == 2
    assert CaseEvent.objects.filter(case=case).count() == events_before
    assert (
        refund_request(actor=agent, case=case, order_line=line, amount="400").status == Refund.Status.ISSUED
    )
    assert refunded(line) == Decimal("1000.00")


def test_a_refund_above_the_agents_limit_waits_for_a_manager(agent, manager, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)

    refund = refund_request(actor=agent, case=case, order_line=line, amount="800", method="bank_transfer")

    assert refund.status == Refund.Status.PENDING_APPROVAL
    assert (refund.approved_by, refund.decided_at) == (None, None)
    assert refunded(line) == Decimal("800.00")  # held against the line while it waits
    assert CostEntry.objects.count() == 0
    assert CaseEvent.objects.get(case=case, kind=EventKind.REFUND_REQUESTED).data["amount"] == "800.00"
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFUND_ISSUED).count() == 0
    assert AuditLog.objects.filter(action="refund.request", object_id=str(refund.pk)).count() == 1
    assert notices(case) == []

    refund = refund_approve(actor=manager, refund=refund, reference="BANK-77")

    assert refund.status == Refund.Status.ISSUED
    assert (refund.approved_by, refund.payment_reference) == (manager, "BANK-77")
    assert refunded(line) == Decimal("800.00")
    assert CostEntry.objects.get(case=case, kind=CostEntry.Kind.REFUND).amount == Decimal("800.00")
    assert CaseEvent.objects.get(case=case, kind=EventKind.REFUND_ISSUED).actor == manager
    assert AuditLog.objects.filter(action="refund.issue", object_id=str(refund.pk)).count() == 1
    assert len(notices(case)) == 1


def test_with_no_limit_set_every_agent_refund_waits(agent, team, customer):
    refund = refund_request(
        actor=agent, case=refund_case(customer, team), order_line=paid_line(customer), amount="1"
    )

    assert refund.status == Refund.Status.PENDING_APPROVAL


def test_a_manager_refunds_any_amount_at_once(manager, team, customer):
    refund = refund_request(
        actor=manager, case=refund_case(customer, team), order_line=paid_line(customer), amount="1000"
    )

    assert refund.status == Refund.Status.ISSUED
    assert refund.approved_by == manager


def test_an_agent_cannot_approve_above_their_limit(agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    refund = refund_request(actor=agent, case=case, order_line=line, amount="800")
    before = Refund.objects.values().get(pk=refund.pk)

    with pytest.raises(Forbidden) as caught:
        refund_approve(actor=agent, refund=refund)

    assert caught.value.code == AftersalesError.OVER_LIMIT
    assert Refund.objects.values().get(pk=refund.pk) == before
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REFUND_ISSUED).count() == 0
    assert CostEntry.objects.count() == 0


def test_an_agent_may_approve_within_their_own_limit(agent, team, customer):
    case = refund_case(customer, team)
    refund = refund_request(actor=agent, case=case, order_line=paid_line(customer), amount="300")
    ApprovalLimit.objects.create(kind=ApprovalLimit.Kind.REFUND, user=agent, amount=Decimal("300.00"))

    assert refund_approve(actor=agent, refund=refund).status == Refund.Status.ISSUED


def test_refusing_a_pending_refund_releases_the_amount(agent, manager, team, other_customer, agent_limit):
    case = refund_case(other_customer, team)
    line = paid_line(other_customer)
    refund = refund_request(actor=agent, case=case, order_line=line, amount="800")

    refund = refund_reject(actor=manager, refund=refund, note="  Already refunded by the shop.  ")

    assert refund.status == Refund.Status.REJECTED
    assert refund.rejection_note == "Already refunded by the shop."
    assert refund.decided_at is not None
    assert refunded(line) == Decimal("0.00")
    assert CostEntry.objects.count() == 0
    assert CaseEvent.objects.get(case=case, kind=EventKind.REFUND_REJECTED).actor == manager
    assert AuditLog.objects.filter(action="refund.reject", object_id=str(refund.pk)).count() == 1
    [notice] = notices(case)
    assert refund.reference in notice
    assert "Reason: Already refunded by the shop." in notice


def test_a_refusal_needs_a_note(agent, manager, team, customer, agent_limit):
    line = paid_line(customer)
    refund = refund_request(actor=agent, case=refund_case(customer, team), order_line=line, amount="800")

    with pytest.raises(ValidationFailed):
        refund_reject(actor=manager, refund=refund, note=" ")

    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PENDING_APPROVAL
    assert refunded(line) == Decimal("800.00")


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("decided", ["issued", "rejected"])
def test_a_decided_refund_is_not_decided_again(agent, manager, team, customer, agent_limit, action, decided):
    case = refund_case(customer, team)
    line = paid_line(customer)
    refund = refund_request(actor=agent, case=case, order_line=line, amount="800")
    if decided == "issued":
        refund = refund_approve(actor=manager, refund=refund)
    else:
        refund = refund_reject(actor=manager, refund=refund, note="No.")
    before = Refund.objects.values().get(pk=refund.pk)
    line_before = refunded(line)
    event_count = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(Conflict) as caught:
        if action == "approve":
            refund_approve(actor=manager, refund=refund)
        else:
            refund_reject(actor=manager, refund=refund, note="No again.")

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert refund.reference in str(caught.value.message)
    assert Refund.objects.values().get(pk=refund.pk) == before
    assert refunded(line) == line_before
    assert CaseEvent.objects.filter(case=case).count() == event_count


# --- what a refund may be for ----------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "NaN"])
def test_the_amount_must_be_above_zero(agent, team, customer, agent_limit, amount):
    line = paid_line(customer)

    with pytest.raises(ValidationFailed) as caught:
        refund_request(actor=agent, case=refund_case(customer, team), order_line=line, amount=amount)

    assert "amount" in caught.value.fields
    assert refunded(line) == Decimal("0.00")
    assert Refund.objects.count() == 0


def test_the_line_must_be_the_customers(agent, team, customer, other_customer, agent_limit):
    line = paid_line(other_customer)

    with pytest.raises(ValidationFailed) as caught:
        refund_request(actor=agent, case=refund_case(customer, team), order_line=line, amount="10")

    assert "order_line" in caught.value.fields
    assert refunded(line) == Decimal("0.00")


def test_the_refund_is_in_the_orders_currency(manager, team, customer):
    order = OrderFactory(customer=customer, currency="IRR")
    line = OrderLineFactory(order=order, unit_price="100.00")

    refund = refund_request(actor=manager, case=refund_case(customer, team), order_line=line, amount="99.995")

    assert (refund.amount, refund.currency) == (Decimal("100.00"), "IRR")


def claim_on(case: Case, agent, *, decide: str) -> WarrantyClaim:
    unit = UnitFactory(owner=case.customer)
    claim = claim_open(actor=agent, case=case, unit=unit)
    if decide == "approve":
        return claim_approve(actor=agent, claim=claim, remedy="refund")
    if decide == "reject":
        return claim_reject(actor=agent, claim=claim, reason="physical_damage")
    return claim


def test_a_refund_for_an_approved_claim_is_a_warranty_cost_and_fulfils_it(agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    claim = claim_on(case, agent, decide="approve")

    refund = refund_request(actor=agent, case=case, order_line=paid_line(customer), amount="300", claim=claim)

    assert refund.claim == claim
    assert CostEntry.objects.get(case=case, kind=CostEntry.Kind.REFUND).under_warranty is True
    assert WarrantyClaim.objects.get(pk=claim.pk).status == WarrantyClaim.Status.FULFILLED


@pytest.mark.parametrize("decide", ["reject", "open"])
def test_a_claim_that_was_not_approved_cannot_be_refunded(agent, team, customer, agent_limit, decide):
    case = refund_case(customer, team)
    claim = claim_on(case, agent, decide=decide)
    line = paid_line(customer)

    with pytest.raises(Conflict) as caught:
        refund_request(actor=agent, case=case, order_line=line, amount="300", claim=claim)

    assert caught.value.code == AftersalesError.WRONG_STATUS
    if decide == "reject":
        assert "a rejected claim cannot be refunded" in str(caught.value.message)
    assert refunded(line) == Decimal("0.00")
    assert Refund.objects.count() == 0


def test_a_refused_return_cannot_be_refunded(agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    rma = return_reject(
        actor=agent,
        rma=return_request(actor=agent, case=case, order_line=line, reason="defective"),
        note="Not bought here.",
    )

    with pytest.raises(Conflict) as caught:
        refund_request(actor=agent, case=case, order_line=line, amount="300", return_request=rma)

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert refunded(line) == Decimal("0.00")


def test_a_refund_may_settle_a_return(agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    rma = return_request(actor=agent, case=case, order_line=line, reason="defective")

    refund = refund_request(actor=agent, case=case, order_line=line, amount="500", return_request=rma)

    assert refund.return_request == rma
    assert ReturnRequest.objects.get(pk=rma.pk).status == ReturnRequest.Status.REQUESTED


# --- who may act -----------------------------------------------------------------------------------


def test_an_agent_of_another_team_does_not_see_the_refund(agent, other_agent, team, customer, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    refund = refund_request(actor=agent, case=case, order_line=line, amount="800")

    with pytest.raises(NotFound):
        refund_request(actor=other_agent, case=case, order_line=line, amount="10")
    with pytest.raises(NotFound):
        refund_reject(actor=other_agent, refund=refund, note="No.")

    assert refunded(line) == Decimal("800.00")
    assert Refund.objects.get().status == Refund.Status.PENDING_APPROVAL


def test_a_customer_cannot_refund_themselves(agent, team, customer, customer_user, agent_limit):
    case = refund_case(customer, team)
    line = paid_line(customer)
    refund = refund_request(actor=agent, case=case, order_line=line, amount="800")

    with pytest.raises(Forbidden):
        refund_request(actor=customer_user, case=case, order_line=line, amount="10")
    with pytest.raises(Forbidden):
        refund_approve(actor=customer_user, refund=refund)

    assert refunded(line) == Decimal("800.00")
    assert Refund.objects.get().status == Refund.Status.PENDING_APPROVAL


def test_a_persian_customer_is_told_of_the_refund(manager, team, customer):
    case = refund_case(customer, team)
    assert case.language == "fa"

    refund = refund_request(actor=manager, case=case, order_line=paid_line(customer), amount="250")

    [notice] = notices(case)
    assert refund.reference in notice


# --- at the same moment (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_refunds_at_once_never_exceed_what_was_paid():
    customer = CustomerFactory.create()
    case = make_case(customer, kind="refund")
    line = paid_line(customer)
    results: dict[str, object] = {}

    def other_agent_refunds() -> None:
        try:
            results["second"] = refund_request(actor=None, case=case, order_line=line, amount="600")
        except Conflict as exc:
            results["second"] = exc.code
        finally:
            connection.close()

    with transaction.atomic():
        results["first"] = refund_request(actor=None, case=case, order_line=line, amount="600")
        # The other refund passes its check (it cannot see this one yet) and waits on the line's row.
        worker = threading.Thread(target=other_agent_refunds)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second refund did not wait for the first to hold its amount"
    worker.join(timeout=10)

    assert results["second"] == AftersalesError.REFUND_TOO_LARGE
    assert refunded(line) == Decimal("600.00")
    assert Refund.objects.count() == 1
