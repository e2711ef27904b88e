"""Returns (RMA): the request and its window, every step of the workflow, and what each step refuses."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import ReturnRequest, ServiceLocation
from vafa.aftersales.services.returns import (
    return_approve,
    return_cancel,
    return_close,
    return_inspect,
    return_instruct,
    return_packing_note_url,
    return_receive,
    return_refundable,
    return_reject,
    return_request,
)
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import OrderLine, Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.models import Case, CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

Status = ReturnRequest.Status


def bought(customer, *, days_ago: int = 5, quantity: int = 1, product=None) -> OrderLine:
    """An order line of `customer` placed `days_ago` days ago (the category's window is 14 days)."""
    order = OrderFactory(customer=customer, placed_at=timezone.now() - dt.timedelta(days=days_ago))
    return OrderLineFactory(order=order, product=product or ProductFactory(), quantity=quantity)


def unit_of(line: OrderLine, *, delivered_days_ago: int) -> Unit:
    delivered = timezone.localdate() - dt.timedelta(days=delivered_days_ago)
    return UnitFactory(
        owner=line.order.customer,
        product=line.product,
        order_line=line,
        purchased_on=delivered - dt.timedelta(days=2),
        delivered_on=delivered,
    )


def location(**fields) -> ServiceLocation:
    fields.setdefault("code", f"hub-{ServiceLocation.objects.count() + 1}")
    return ServiceLocation.objects.create(
        name=fields.pop("name", "Tehran returns hub"),
        address=fields.pop("address", "12 Enghelab Street, Tehran"),
        **fields,
    )


def return_case(customer, team) -> Case:
    return make_case(customer, team=team, kind="return")


def snapshot(rma: ReturnRequest) -> dict:
    return ReturnRequest.objects.values().get(pk=rma.pk)


def notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind="agent", author_user=None)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def rma_at(status: str, agent, team, customer, *, reason: str = "defective") -> ReturnRequest:
    """A return of `customer` walked to `status` through the services."""
    case = return_case(customer, team)
    rma = return_request(actor=agent, case=case, order_line=bought(customer), reason=reason)
    path = {
        Status.REQUESTED: [],
        Status.APPROVED: ["approve"],
        Status.REJECTED: ["reject"],
        Status.CANCELLED: ["cancel"],
        Status.INSTRUCTED: ["approve", "instruct"],
        Status.RECEIVED: ["approve", "instruct", "receive"],
        Status.INSPECTED: ["approve", "instruct", "receive", "inspect"],
        Status.CLOSED: ["approve", "instruct", "receive", "inspect", "close"],
    }[status]
    hub = location()
    for name in path:
        rma = {
            "approve": lambda r: return_approve(actor=agent, rma=r, location=hub),
            "reject": lambda r: return_reject(actor=agent, rma=r, note="Bought elsewhere."),
            "cancel": lambda r: return_cancel(actor=agent, rma=r),
            "instruct": lambda r: return_instruct(actor=agent, rma=r),
            "receive": lambda r: return_receive(actor=agent, rma=r),
            "inspect": lambda r: return_inspect(actor=agent, rma=r, condition="used"),
            "close": lambda r: return_close(actor=agent, rma=r, outcome="repair"),
        }[name](rma)
    assert rma.status == status
    return rma


# --- the request --------------------------------------------------------------------------------


def test_a_return_within_the_window_is_recorded(agent, team, customer):
    case = return_case(customer, team)
    line = bought(customer, days_ago=5, quantity=2)

    rma = return_request(
        actor=agent, case=case, order_line=line, reason="changed_mind", quantity=2, description=" Too big. "
    )

    placed_on = timezone.localtime(line.order.placed_at).date()
    assert rma.status == Status.REQUESTED
    assert rma.customer == customer
    assert rma.quantity == 2
    assert rma.description == "Too big."
    assert rma.window_ends_on == placed_on + dt.timedelta(days=14)
    assert rma.within_window is True
    assert rma.reference == f"RMA-{rma.number:06d}"
    event = CaseEvent.objects.get(case=case, kind=EventKind.RETURN_REQUESTED)
    assert event.actor == agent
    assert event.data["record"]["reference"] == rma.reference
    assert (event.data["reason"], event.data["quantity"], event.data["within_window"]) == (
        "changed_mind",
        2,
        True,
    )
    audit = AuditLog.objects.get(action="return.request", object_id=str(rma.pk))
    assert audit.after["status"] == "requested"


def test_the_window_of_a_unit_counts_from_its_delivery(agent, team, customer):
    line = bought(customer, days_ago=40)
    unit = unit_of(line, delivered_days_ago=10)

    rma = return_request(
        actor=agent, case=return_case(customer, team), order_line=line, reason="changed_mind", unit=unit
    )

    assert rma.unit == unit
    assert rma.window_ends_on == unit.delivered_on + dt.timedelta(days=14)
    assert rma.within_window is True


def test_the_products_own_window_wins_over_the_category(agent, team, customer):
    line = bought(customer, days_ago=20, product=ProductFactory(return_window_days=30))

    rma = return_request(
        actor=agent, case=return_case(customer, team), order_line=line, reason="changed_mind"
    )

    assert rma.window_ends_on == timezone.localtime(line.order.placed_at).date() + dt.timedelta(days=30)


def test_a_change_of_mind_after_the_window_is_refused(agent, team, customer):
    case = return_case(customer, team)
    line = bought(customer, days_ago=20)

    with pytest.raises(Conflict) as caught:
        return_request(actor=agent, case=case, order_line=line, reason="changed_mind")

    assert caught.value.code == AftersalesError.OUTSIDE_RETURN_WINDOW
    assert ReturnRequest.objects.count() == 0
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RETURN_REQUESTED).count() == 0


def test_a_defect_may_be_returned_after_the_window(agent, team, customer):
    line = bought(customer, days_ago=20)

    rma = return_request(actor=agent, case=return_case(customer, team), order_line=line, reason="defective")

    assert rma.within_window is False
    assert rma.window_ends_on == timezone.localtime(line.order.placed_at).date() + dt.timedelta(days=14)


def test_no_more_items_return_than_were_bought(agent, team, customer):
    case = return_case(customer, team)
    line = bought(customer, quantity=3)
    return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=2)

    with pytest.raises(ValidationFailed) as caught:
        return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=2)

    assert caught.value.code == AftersalesError.QUANTITY
    assert "1 to 1" in str(caught.value.message)
    assert ReturnRequest.objects.filter(order_line=line).count() == 1
    assert (
        return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=1).quantity == 1
    )


def test_refused_and_cancelled_returns_free_their_items(agent, team, customer):
    case = return_case(customer, team)
    line = bought(customer, quantity=2)
    first = return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=2)
    return_reject(actor=agent, rma=first, note="No proof of purchase.")
    second = return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=2)
    return_cancel(actor=agent, rma=second)

    third = return_request(actor=agent, case=case, order_line=line, reason="defective", quantity=2)

    assert third.quantity == 2


@pytest.mark.parametrize("quantity", [0, -1])
def test_the_quantity_is_at_least_one(agent, team, customer, quantity):
    with pytest.raises(ValidationFailed) as caught:
        return_request(
            actor=agent,
            case=return_case(customer, team),
            order_line=bought(customer),
            reason="defective",
            quantity=quantity,
        )

    assert caught.value.code == AftersalesError.QUANTITY
    assert ReturnRequest.objects.count() == 0


def test_the_line_must_be_the_customers(agent, team, customer, other_customer):
    with pytest.raises(ValidationFailed) as caught:
        return_request(
            actor=agent,
            case=return_case(customer, team),
            order_line=bought(other_customer),
            reason="defective",
        )

    assert "order_line" in caught.value.fields
    assert ReturnRequest.objects.count() == 0


def test_the_unit_must_be_on_the_line(agent, team, customer):
    line = bought(customer)
    other_line = bought(customer)

    with pytest.raises(ValidationFailed) as caught:
        return_request(
            actor=agent,
            case=return_case(customer, team),
            order_line=line,
            reason="defective",
            unit=unit_of(other_line, delivered_days_ago=3),
        )

    assert "unit" in caught.value.fields


def test_the_reason_must_be_one_of_the_choices(agent, team, customer):
    with pytest.raises(ValidationFailed) as caught:
        return_request(
            actor=agent, case=return_case(customer, team), order_line=bought(customer), reason="bored"
        )

    assert "reason" in caught.value.fields


# --- the workflow -------------------------------------------------------------------------------


def test_a_return_walks_from_approval_to_refund(agent, team, other_customer):
    case = return_case(other_customer, team)
    hub = location(name="Karaj hub", address="7 Azadi Road, Karaj", phone="+98 26 1234 5678")
    rma = return_request(actor=agent, case=case, order_line=bought(other_customer), reason="defective")

    rma = return_approve(actor=agent, rma=rma, location=hub)
    assert (rma.status, rma.location, rma.decided_by) == (Status.APPROVED, hub, agent)
    assert rma.decided_at is not None

    rma = return_instruct(actor=agent, rma=rma)
    assert rma.status == Status.INSTRUCTED
    assert rma.instructed_at is not None

    rma = return_receive(actor=agent, rma=rma)
    assert rma.status == Status.RECEIVED
    assert rma.received_at is not None

    rma = return_inspect(actor=agent, rma=rma, condition="used", note=" Scratched back. ")
    assert (rma.status, rma.condition, rma.inspection_note) == (Status.INSPECTED, "used", "Scratched back.")
    assert rma.inspected_at is not None

    rma = return_close(actor=agent, rma=rma, outcome="refund")
    assert (rma.status, rma.outcome) == (Status.CLOSED, "refund")
    assert rma.closed_at is not None

    kinds = list(
        CaseEvent.objects.filter(case=case, kind__startswith="return_")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EventKind.RETURN_REQUESTED,
        EventKind.RETURN_APPROVED,
        EventKind.RETURN_INSTRUCTED,
        EventKind.RETURN_RECEIVED,
        EventKind.RETURN_INSPECTED,
        EventKind.RETURN_CLOSED,
    ]
    actions = list(
        AuditLog.objects.filter(object_type="aftersales.returnrequest", object_id=str(rma.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "return.request",
        "return.approve",
        "return.instruct",
        "return.receive",
        "return.inspect",
        "return.close",
    ]
    approved, instructions, received, closed = notices(case)
    assert rma.reference in approved
    assert rma.reference in instructions
    assert "Karaj hub\n7 Azadi Road, Karaj\n+98 26 1234 5678" in instructions
    assert return_packing_note_url(rma) in instructions
    assert rma.reference in received
    assert "Outcome: Refund." in closed


def test_the_packing_note_link_uses_the_base_url(agent, team, customer, settings):
    settings.VAFA_BASE_URL = "https://care.example.test/"
    rma = rma_at(Status.APPROVED, agent, team, customer)

    return_instruct(actor=agent, rma=rma)

    assert (
        return_packing_note_url(rma) == f"https://care.example.test/portal/returns/{rma.number}/packing-note/"
    )
    [_approved, instructions] = notices(rma.case)
    assert f"https://care.example.test/portal/returns/{rma.number}/packing-note/" in instructions


def test_a_persian_customer_gets_the_instructions_with_the_rma_reference(agent, team, customer):
    rma = rma_at(Status.APPROVED, agent, team, customer)
    assert rma.case.language == "fa"

    return_instruct(actor=agent, rma=rma)

    instructions = notices(rma.case)[-1]
    assert rma.reference in instructions
    assert "12 Enghelab Street, Tehran" in instructions


def test_a_walk_in_return_is_received_without_instructions(agent, team, customer):
    rma = rma_at(Status.APPROVED, agent, team, customer)

    rma = return_receive(actor=agent, rma=rma)

    assert rma.status == Status.RECEIVED
    assert rma.instructed_at is None


def test_rejecting_tells_the_customer_why(agent, team, other_customer):
    rma = rma_at(Status.REQUESTED, agent, team, other_customer)

    rma = return_reject(actor=agent, rma=rma, note="  The seal was broken.  ")

    assert (rma.status, rma.rejection_note, rma.decided_by) == (
        Status.REJECTED,
        "The seal was broken.",
        agent,
    )
    assert CaseEvent.objects.filter(case=rma.case, kind=EventKind.RETURN_REJECTED).count() == 1
    assert AuditLog.objects.filter(action="return.reject", object_id=str(rma.pk)).count() == 1
    [notice] = notices(rma.case)
    assert rma.reference in notice
    assert "Reason: The seal was broken." in notice


def test_a_rejection_needs_a_note(agent, team, customer):
    rma = rma_at(Status.REQUESTED, agent, team, customer)
    before = snapshot(rma)

    with pytest.raises(ValidationFailed):
        return_reject(actor=agent, rma=rma, note="   ")

    assert snapshot(rma) == before


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.APPROVED, Status.INSTRUCTED])
def test_a_return_that_has_not_arrived_can_be_cancelled(agent, team, customer, status):
    rma = rma_at(status, agent, team, customer)

    rma = return_cancel(actor=agent, rma=rma, note="Customer keeps it.")

    assert rma.status == Status.CANCELLED
    event = CaseEvent.objects.filter(case=rma.case, kind=EventKind.RETURN_CLOSED).get()
    assert (event.data["status"], event.data["note"]) == ("cancelled", "Customer keeps it.")
    assert AuditLog.objects.filter(action="return.cancel", object_id=str(rma.pk)).count() == 1


REFUSED = [
    (Status.REQUESTED, "instruct"),
    (Status.REQUESTED, "receive"),
    (Status.REQUESTED, "inspect"),
    (Status.REQUESTED, "close"),
    (Status.APPROVED, "approve"),
    (Status.APPROVED, "reject"),
    (Status.APPROVED, "inspect"),
    (Status.APPROVED, "close"),
    (Status.REJECTED, "approve"),
    (Status.REJECTED, "reject"),
    (Status.REJECTED, "instruct"),
    (Status.REJECTED, "receive"),
    (Status.REJECTED, "cancel"),
    (Status.INSTRUCTED, "approve"),
    (Status.INSTRUCTED, "instruct"),
    (Status.INSTRUCTED, "inspect"),
    (Status.INSTRUCTED, "close"),
    (Status.RECEIVED, "receive"),
    (Status.RECEIVED, "instruct"),
    (Status.RECEIVED, "cancel"),
    (Status.RECEIVED, "close"),
    (Status.INSPECTED, "inspect"),
    (Status.INSPECTED, "receive"),
    (Status.INSPECTED, "cancel"),
    (Status.CLOSED, "close"),
    (Status.CLOSED, "cancel"),
    (Status.CLOSED, "receive"),
    (Status.CANCELLED, "approve"),
    (Status.CANCELLED, "receive"),
    (Status.CANCELLED, "cancel"),
]


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_a_step_the_status_does_not_allow_changes_nothing(agent, team, customer, status, action):
    rma = rma_at(status, agent, team, customer)
    hub = location()
    before = snapshot(rma)
    event_count = CaseEvent.objects.filter(case=rma.case).count()
    audit_count = AuditLog.objects.count()
    message_count = rma.case.messages.count()

    with pytest.raises(Conflict) as caught:
        {
            "approve": lambda: return_approve(actor=agent, rma=rma, location=hub),
            "reject": lambda: return_reject(actor=agent, rma=rma, note="No."),
            "instruct": lambda: return_instruct(actor=agent, rma=rma),
            "receive": lambda: return_receive(actor=agent, rma=rma),
            "inspect": lambda: return_inspect(actor=agent, rma=rma, condition="used"),
            "close": lambda: return_close(actor=agent, rma=rma, outcome="sent_back"),
            "cancel": lambda: return_cancel(actor=agent, rma=rma),
        }[action]()

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert rma.reference in str(caught.value.message)
    assert snapshot(rma) == before
    assert CaseEvent.objects.filter(case=rma.case).count() == event_count
    assert AuditLog.objects.count() == audit_count
    assert rma.case.messages.count() == message_count


@pytest.mark.parametrize(
    "fields", [{"receives_returns": False}, {"is_active": False}], ids=["not-for-returns", "inactive"]
)
def test_a_return_goes_only_to_an_active_returns_location(agent, team, customer, fields):
    rma = rma_at(Status.REQUESTED, agent, team, customer)
    before = snapshot(rma)

    with pytest.raises(ValidationFailed) as caught:
        return_approve(actor=agent, rma=rma, location=location(**fields))

    assert "location" in caught.value.fields
    assert snapshot(rma) == before


def test_the_condition_and_outcome_must_be_choices(agent, team, customer):
    received = rma_at(Status.RECEIVED, agent, team, customer)
    inspected = rma_at(Status.INSPECTED, agent, team, customer)

    with pytest.raises(ValidationFailed):
        return_inspect(actor=agent, rma=received, condition="shiny")
    with pytest.raises(ValidationFailed):
        return_close(actor=agent, rma=inspected, outcome="keep")

    assert ReturnRequest.objects.get(pk=received.pk).status == Status.RECEIVED
    assert ReturnRequest.objects.get(pk=inspected.pk).status == Status.INSPECTED


# --- refundable ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "condition", "refundable"),
    [
        ("any", "damaged", True),
        ("any", "used", True),
        ("as_new", "unopened", True),
        ("as_new", "as_new", True),
        ("as_new", "used", False),
        ("as_new", "damaged", False),
        ("unopened", "unopened", True),
        ("unopened", "as_new", False),
    ],
)
def test_a_change_of_mind_is_refunded_only_in_the_condition_the_category_accepts(
    agent, team, customer, rule, condition, refundable
):
    product = ProductFactory(category=CategoryFactory(return_condition=rule))
    rma = return_request(
        actor=agent,
        case=return_case(customer, team),
        order_line=bought(customer, product=product),
        reason="changed_mind",
    )
    rma.condition = condition

    assert return_refundable(rma) is refundable


def test_without_a_category_a_change_of_mind_must_come_back_as_new(agent, team, customer):
    product = ProductFactory(category=None, return_window_days=14)
    rma = return_request(
        actor=agent,
        case=return_case(customer, team),
        order_line=bought(customer, product=product),
        reason="changed_mind",
    )

    rma.condition = "as_new"
    assert return_refundable(rma) is True
    rma.condition = "used"
    assert return_refundable(rma) is False


def test_a_defect_is_refundable_in_any_condition(agent, team, customer):
    rma = rma_at(Status.REQUESTED, agent, team, customer, reason="defective")
    rma.condition = "damaged"

    assert return_refundable(rma) is True


def test_a_used_change_of_mind_return_cannot_close_with_a_refund(agent, team, customer):
    rma = rma_at(Status.RECEIVED, agent, team, customer, reason="changed_mind")
    rma = return_inspect(actor=agent, rma=rma, condition="used")
    before = snapshot(rma)

    with pytest.raises(Conflict) as caught:
        return_close(actor=agent, rma=rma, outcome="refund")

    assert caught.value.code == AftersalesError.NOT_ENTITLED
    assert snapshot(rma) == before
    assert return_close(actor=agent, rma=rma, outcome="sent_back").outcome == "sent_back"


# --- who may act --------------------------------------------------------------------------------


def test_an_agent_of_another_team_does_not_see_the_return(agent, other_agent, team, customer):
    rma = rma_at(Status.REQUESTED, agent, team, customer)
    before = snapshot(rma)

    with pytest.raises(NotFound):
        return_request(actor=other_agent, case=rma.case, order_line=bought(customer), reason="defective")
    with pytest.raises(NotFound):
        return_approve(actor=other_agent, rma=rma, location=location())

    assert snapshot(rma) == before
    assert ReturnRequest.objects.count() == 1


def test_a_customer_cannot_move_their_return(agent, team, customer, customer_user):
    rma = rma_at(Status.APPROVED, agent, team, customer)
    before = snapshot(rma)

    with pytest.raises(Forbidden):
        return_receive(actor=customer_user, rma=rma)
    with pytest.raises(Forbidden):
        return_request(actor=customer_user, case=rma.case, order_line=bought(customer), reason="defective")

    assert snapshot(rma) == before


# --- at the same moment (PostgreSQL) ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_requests_at_once_never_return_more_than_was_bought():
    customer = CustomerFactory.create()
    case = make_case(customer, kind="return")
    line = bought(customer, quantity=3)
    results: dict[str, object] = {}

    def other_agent_asks() -> None:
        try:
            results["second"] = return_request(
                actor=None, case=case, order_line=line, reason="defective", quantity=2
            )
        except ValidationFailed as exc:
            results["second"] = exc.code
        finally:
            connection.close()

    with transaction.atomic():
        results["first"] = return_request(
            actor=None, case=case, order_line=line, reason="defective", quantity=2
        )
        worker = threading.Thread(target=other_agent_asks)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second request counted the items without waiting for the first"
    worker.join(timeout=10)

    assert results["second"] == AftersalesError.QUANTITY
    assert list(ReturnRequest.objects.values_list("quantity", flat=True)) == [2]
