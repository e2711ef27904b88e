"""Warranty claims: opening with the entitlement of the day, deciding, cancelling and fulfilling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import ClaimReason, WarrantyClaim
from vafa.aftersales.services.claims import (
    claim_approve,
    claim_cancel,
    claim_default,
    claim_fulfil,
    claim_open,
    claim_reject,
)
from vafa.catalog.tests.factories import ProductFactory
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.sales.models import Unit
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import Case, CaseEvent, CaseStatus, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def unit_in_warranty(customer) -> Unit:
    """Bought 60 days ago (past the 14-day return window), in warranty for another ~10 months."""
    return UnitFactory(owner=customer, product=ProductFactory())


def unit_out_of_warranty(customer) -> Unit:
    bought = timezone.localdate() - dt.timedelta(days=800)
    return UnitFactory(
        owner=customer,
        product=ProductFactory(),
        purchased_on=bought,
        delivered_on=bought,
        warranty_start=bought,
        warranty_end=bought + dt.timedelta(days=365),
    )


def claim_case(customer, team, unit=None) -> Case:
    return make_case(customer, team=team, unit=unit, kind="warranty_claim")


def events(case: Case, kind: str) -> int:
    return CaseEvent.objects.filter(case=case, kind=kind).count()


def notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind="agent", author_user=None, is_internal=False)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def test_opening_a_claim_copies_the_units_entitlement(agent, team, customer):
    unit = unit_in_warranty(customer)
    case = claim_case(customer, team, unit)

    claim = claim_open(actor=agent, case=case, fault="  The screen flickers.  ")

    assert claim.unit == unit
    assert claim.customer == customer
    assert claim.status == WarrantyClaim.Status.OPEN
    assert claim.fault == "The screen flickers."
    assert claim.entitlement == "in_warranty"
    assert claim.entitlement_data["kind"] == "in_warranty"
    assert claim.entitlement_data["warranty_ends_on"] == unit.warranty_end.isoformat()
    assert claim.entitlement_data["covers_parts"] is True
    assert claim.reference == f"WC-{claim.number:06d}"
    assert claim.created_by == agent
    event = CaseEvent.objects.get(case=case, kind=EventKind.CLAIM_OPENED)
    assert event.actor == agent
    assert event.data["record"] == {"type": "claim", "id": claim.pk, "reference": claim.reference}
    assert event.data["entitlement"] == "in_warranty"
    audit = AuditLog.objects.get(action="claim.open", object_id=str(claim.pk))
    assert audit.actor == agent
    assert audit.after["status"] == "open"


def test_a_claim_may_name_another_unit_of_the_customer(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    other = unit_out_of_warranty(customer)

    claim = claim_open(actor=agent, case=case, unit=other)

    assert claim.unit == other
    assert claim.entitlement == "none"


def test_a_claim_needs_a_unit(agent, team, customer):
    case = claim_case(customer, team)

    with pytest.raises(ValidationFailed) as caught:
        claim_open(actor=agent, case=case)

    assert caught.value.code == AftersalesError.NO_UNIT
    assert WarrantyClaim.objects.count() == 0
    assert events(case, EventKind.CLAIM_OPENED) == 0


def test_a_claim_cannot_name_another_customers_unit(agent, team, customer, other_customer):
    case = claim_case(customer, team)

    with pytest.raises(ValidationFailed):
        claim_open(actor=agent, case=case, unit=unit_in_warranty(other_customer))

    assert WarrantyClaim.objects.count() == 0


def test_a_closed_case_takes_no_claim(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, resolved_at=now, closed_at=now)
    case.refresh_from_db()

    with pytest.raises(Conflict) as caught:
        claim_open(actor=agent, case=case)

    assert caught.value.code == AftersalesError.CASE_CLOSED
    assert WarrantyClaim.objects.count() == 0


def test_the_default_decision_follows_the_entitlement(agent, team, customer):
    covered = claim_open(actor=agent, case=claim_case(customer, team, unit_in_warranty(customer)))
    expired = claim_open(actor=agent, case=claim_case(customer, team, unit_out_of_warranty(customer)))

    assert claim_default(covered) == ("approve", "repair")
    assert claim_default(expired) == ("reject", "outside_period")


def test_approving_sets_the_remedy_and_tells_the_customer(agent, team, other_customer):
    case = claim_case(other_customer, team, unit_in_warranty(other_customer))
    claim = claim_open(actor=agent, case=case)

    claim = claim_approve(actor=agent, claim=claim, remedy="replacement", note="Second failure.")

    assert claim.status == WarrantyClaim.Status.APPROVED
    assert claim.remedy == "replacement"
    assert claim.note == "Second failure."
    assert claim.decided_by == agent
    assert claim.decided_at is not None
    stored = WarrantyClaim.objects.get(pk=claim.pk)
    assert (stored.status, stored.remedy) == ("approved", "replacement")
    event = CaseEvent.objects.get(case=case, kind=EventKind.CLAIM_APPROVED)
    assert event.data["remedy"] == "replacement"
    audit = AuditLog.objects.get(action="claim.approve", object_id=str(claim.pk))
    assert audit.before == {
        "status": "open",
        "remedy": "",
        "note": "",
        "decided_by": None,
        "decided_at": None,
    }
    assert audit.after["status"] == "approved"
    [notice] = notices(case)
    assert claim.reference in notice
    assert "How we will put it right: Replacement." in notice
    assert notice.startswith(f"Hello {other_customer.name},")


def test_the_notice_goes_out_in_the_cases_language(agent, team, customer):
    # The customer writes Persian: the case is Persian and so is everything it sends.
    case = claim_case(customer, team, unit_in_warranty(customer))
    assert case.language == "fa"
    claim = claim_open(actor=agent, case=case)

    claim_approve(actor=agent, claim=claim, remedy="replacement")

    [notice] = notices(case)
    assert claim.reference in notice
    assert "تعویض" in notice  # the remedy's label, in Persian
    assert timezone.localdate().isoformat() not in notice  # dates are Jalali for a Persian reader


def test_a_remedy_must_be_one_of_the_choices(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    with pytest.raises(ValidationFailed) as caught:
        claim_approve(actor=agent, claim=claim, remedy="cash")

    assert "remedy" in caught.value.fields
    claim.refresh_from_db()
    assert (claim.status, claim.remedy) == ("open", "")
    assert events(case, EventKind.CLAIM_APPROVED) == 0


def test_an_agent_cannot_approve_a_claim_without_cover(agent, team, customer):
    case = claim_case(customer, team, unit_out_of_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    with pytest.raises(Forbidden) as caught:
        claim_approve(actor=agent, claim=claim, remedy="repair")

    assert caught.value.code == AftersalesError.NOT_ENTITLED
    assert "only a manager" in str(caught.value.message)
    claim.refresh_from_db()
    assert (claim.status, claim.remedy, claim.decided_by) == ("open", "", None)
    assert events(case, EventKind.CLAIM_APPROVED) == 0
    assert notices(case) == []


def test_a_manager_may_approve_a_claim_without_cover_as_a_courtesy(agent, manager, team, customer):
    case = claim_case(customer, team, unit_out_of_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    claim = claim_approve(actor=manager, claim=claim, remedy="repair")

    assert claim.status == WarrantyClaim.Status.APPROVED
    assert claim.decided_by == manager


def test_rejecting_names_the_reason_to_the_customer(agent, team, other_customer):
    case = claim_case(other_customer, team, unit_in_warranty(other_customer))
    claim = claim_open(actor=agent, case=case)

    claim = claim_reject(actor=agent, claim=claim, reason=ClaimReason.LIQUID_DAMAGE, note="Corrosion inside.")

    assert claim.status == WarrantyClaim.Status.REJECTED
    assert claim.reason == "liquid_damage"
    assert claim.remedy == ""
    assert claim.decided_by == agent
    event = CaseEvent.objects.get(case=case, kind=EventKind.CLAIM_REJECTED)
    assert event.data["reason"] == "liquid_damage"
    assert AuditLog.objects.filter(action="claim.reject", object_id=str(claim.pk)).count() == 1
    [notice] = notices(case)
    assert claim.reference in notice
    assert "Reason: Liquid damage." in notice


def test_a_rejection_reason_must_be_one_of_the_choices(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    with pytest.raises(ValidationFailed) as caught:
        claim_reject(actor=agent, claim=claim, reason="bad luck")

    assert "reason" in caught.value.fields
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("open", "")


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("approve", "approve"),
        ("approve", "reject"),
        ("reject", "approve"),
        ("reject", "reject"),
        ("reject", "cancel"),
        ("reject", "fulfil"),
        ("cancel", "approve"),
        ("cancel", "cancel"),
        ("cancel", "fulfil"),
        ("fulfil", "cancel"),
        ("fulfil", "reject"),
        ("open", "fulfil"),
    ],
)
def test_a_decided_claim_refuses_other_steps(agent, team, customer, first, then):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)
    steps = {
        "open": lambda c: c,
        "approve": lambda c: claim_approve(actor=agent, claim=c, remedy="repair"),
        "reject": lambda c: claim_reject(actor=agent, claim=c, reason="not_a_defect"),
        "cancel": lambda c: claim_cancel(actor=agent, claim=c),
        "fulfil": lambda c: claim_fulfil(
            actor=agent, claim=claim_approve(actor=agent, claim=c, remedy="repair")
        ),
    }
    claim = steps[first](claim)
    before = WarrantyClaim.objects.values().get(pk=claim.pk)
    event_count = CaseEvent.objects.filter(case=case).count()
    audit_count = AuditLog.objects.count()

    with pytest.raises(Conflict) as caught:
        {
            "approve": lambda: claim_approve(actor=agent, claim=claim, remedy="refund"),
            "reject": lambda: claim_reject(actor=agent, claim=claim, reason="no_proof"),
            "cancel": lambda: claim_cancel(actor=agent, claim=claim),
            "fulfil": lambda: claim_fulfil(actor=agent, claim=claim),
        }[then]()

    assert caught.value.code == AftersalesError.WRONG_STATUS
    assert claim.reference in str(caught.value.message)
    assert WarrantyClaim.objects.values().get(pk=claim.pk) == before
    assert CaseEvent.objects.filter(case=case).count() == event_count
    assert AuditLog.objects.count() == audit_count


def test_an_open_claim_can_be_cancelled(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    claim = claim_cancel(actor=agent, claim=claim, note="Opened twice.")

    assert claim.status == WarrantyClaim.Status.CANCELLED
    assert claim.note == "Opened twice."
    assert CaseEvent.objects.get(case=case, kind=EventKind.CLAIM_CANCELLED).data["note"] == "Opened twice."
    assert AuditLog.objects.filter(action="claim.cancel", object_id=str(claim.pk)).count() == 1


def test_an_approved_claim_can_be_cancelled(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")

    claim = claim_cancel(actor=agent, claim=claim)

    assert claim.status == WarrantyClaim.Status.CANCELLED
    assert claim.remedy == "repair"


def test_fulfilling_is_idempotent_and_sends_nothing(agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")
    messages_before = case.messages.count()

    claim = claim_fulfil(actor=agent, claim=claim)
    again = claim_fulfil(actor=None, claim=claim)

    assert claim.status == again.status == WarrantyClaim.Status.FULFILLED
    assert AuditLog.objects.filter(action="claim.fulfil", object_id=str(claim.pk)).count() == 1
    assert case.messages.count() == messages_before


def test_an_agent_of_another_team_does_not_see_the_claim(agent, other_agent, team, customer):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    with pytest.raises(NotFound):
        claim_open(actor=other_agent, case=case)
    with pytest.raises(NotFound):
        claim_approve(actor=other_agent, claim=claim, remedy="repair")
    with pytest.raises(NotFound):
        claim_reject(actor=other_agent, claim=claim, reason="no_proof")

    claim.refresh_from_db()
    assert claim.status == "open"
    assert WarrantyClaim.objects.count() == 1


def test_a_customer_cannot_decide_their_own_claim(agent, team, customer, customer_user):
    case = claim_case(customer, team, unit_in_warranty(customer))
    claim = claim_open(actor=agent, case=case)

    with pytest.raises(Forbidden):
        claim_open(actor=customer_user, case=case)
    with pytest.raises(Forbidden):
        claim_approve(actor=customer_user, claim=claim, remedy="repair")
    with pytest.raises(Forbidden):
        claim_cancel(actor=customer_user, claim=claim)

    claim.refresh_from_db()
    assert claim.status == "open"
