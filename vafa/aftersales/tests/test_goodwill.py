"""Goodwill: given at once within the giver's limit, else approved or refused by someone whose limit covers it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import ApprovalLimit, CostEntry, Goodwill
from vafa.aftersales.services.costs import approval_limit_set
from vafa.aftersales.services.goodwill import goodwill_approve, goodwill_give, goodwill_reject
from vafa.aftersales.tests.factories import owned_unit
from vafa.core.dates import add_months
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.sales.models import Unit
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import AuthorKind, Case, CaseEvent, EventKind
from vafa.service.tests.factories import make_case

GOODWILL_EVENTS = [EventKind.GOODWILL_PROPOSED, EventKind.GOODWILL_GIVEN, EventKind.GOODWILL_REJECTED]


def _events(case: Case) -> list[tuple[str, dict]]:
    return [
        (event.kind, event.data)
        for event in CaseEvent.objects.filter(case=case, kind__in=GOODWILL_EVENTS).order_by("id")
    ]


def _notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind=AuthorKind.AGENT, author_user__isnull=True)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def _cover(unit: Unit) -> tuple:
    unit.refresh_from_db()
    return (unit.warranty_start, unit.warranty_end, unit.extended_warranty_end)


@pytest.fixture
def unit(customer):
    return owned_unit(customer, warranty_months=12, bought_days_ago=30)


@pytest.fixture
def case(customer, unit):
    return make_case(customer, unit=unit, subject="Third repair this year")


def _give(actor, case, **fields) -> Goodwill:
    fields.setdefault("kind", Goodwill.Kind.DISCOUNT_CODE)
    fields.setdefault("reason", "Sorry for the wait")
    return goodwill_give(actor=actor, case=case, **fields)


# --- giving ---------------------------------------------------------------------------------------


def test_a_manager_gives_a_discount_code_at_once(manager, case):
    gesture = _give(manager, case, value="500000", cost="300000")

    gesture.refresh_from_db()
    assert gesture.status == Goodwill.Status.GIVEN
    assert re.fullmatch(r"GW-[A-Z0-9]{8}", gesture.code)
    assert (gesture.value, gesture.cost, gesture.currency) == (
        Decimal("500000.00"),
        Decimal("300000.00"),
        "IRR",
    )
    assert gesture.approved_by == manager
    assert gesture.decided_at is not None
    assert gesture.reference == f"GW-{gesture.number:06d}"
    entry = CostEntry.objects.get(case=case)
    assert (entry.kind, entry.amount, entry.currency, entry.source) == (
        CostEntry.Kind.GOODWILL,
        Decimal("300000.00"),
        "IRR",
        f"goodwill:{gesture.pk}",
    )
    assert _events(case) == [
        (
            EventKind.GOODWILL_GIVEN,
            {
                "record": {"type": "goodwill", "id": gesture.pk, "reference": gesture.reference},
                "goodwill_kind": "discount_code",
                "value": "500000.00",
                "cost": "300000.00",
                "currency": "IRR",
                "cover_end_after": None,
            },
        )
    ]
    audit = AuditLog.objects.get(action="goodwill.give", object_id=str(gesture.pk))
    assert (audit.actor, audit.after["status"], audit.after["code"]) == (manager, "given", gesture.code)
    assert AuditLog.objects.filter(action="cost.record", object_id=str(entry.pk)).count() == 1
    [notice] = _notices(case)
    assert gesture.code in notice


def test_a_code_typed_by_the_agent_is_kept(manager, case):
    gesture = _give(manager, case, code="  SORRY-2026 ")

    assert gesture.code == "SORRY-2026"


def test_an_agent_within_their_limit_gives_at_once(manager, agent, case):
    approval_limit_set(actor=manager, kind=ApprovalLimit.Kind.GOODWILL, amount="200000", user=agent)

    gesture = _give(
        agent, case, kind=Goodwill.Kind.GIFT, description="A phone case", value="200000", cost="200000"
    )

    assert gesture.status == Goodwill.Status.GIVEN
    assert gesture.approved_by == agent
    assert CostEntry.objects.filter(case=case, kind=CostEntry.Kind.GOODWILL).count() == 1
    [notice] = _notices(case)
    assert "A phone case" in notice


def test_a_gesture_that_costs_nothing_needs_no_approval(agent, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="50000", cost="0")

    assert gesture.status == Goodwill.Status.GIVEN
    assert CostEntry.objects.count() == 0  # a zero cost is not written to the ledger
    assert [kind for kind, _data in _events(case)] == [EventKind.GOODWILL_GIVEN]


def test_an_agent_over_their_limit_only_proposes(agent, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")

    gesture.refresh_from_db()
    assert gesture.status == Goodwill.Status.PENDING_APPROVAL
    assert gesture.approved_by is None
    assert gesture.decided_at is None
    assert CostEntry.objects.count() == 0
    assert _notices(case) == []
    assert _events(case) == [
        (
            EventKind.GOODWILL_PROPOSED,
            {
                "record": {"type": "goodwill", "id": gesture.pk, "reference": gesture.reference},
                "goodwill_kind": "store_credit",
                "cost": "100000.00",
                "currency": "IRR",
            },
        )
    ]
    assert AuditLog.objects.filter(action="goodwill.propose", object_id=str(gesture.pk)).count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "cash"}, "kind"),
        ({"reason": "  "}, "reason"),
        ({"cost": "-1"}, "cost"),
        ({"value": "lots"}, "value"),
        ({"currency": "XXQ"}, "currency"),
        ({"kind": Goodwill.Kind.GIFT}, "description"),
        ({"kind": Goodwill.Kind.STORE_CREDIT, "value": "0"}, "value"),
        ({"kind": Goodwill.Kind.WARRANTY_EXTENSION, "extension_months": 6}, "unit"),
        (
            {"kind": Goodwill.Kind.WARRANTY_EXTENSION, "unit": "own", "extension_months": 0},
            "extension_months",
        ),
        (
            {"kind": Goodwill.Kind.WARRANTY_EXTENSION, "unit": "own", "extension_months": 61},
            "extension_months",
        ),
        ({"kind": Goodwill.Kind.WARRANTY_EXTENSION, "unit": "own"}, "extension_months"),
        ({"kind": Goodwill.Kind.WARRANTY_EXTENSION, "unit": "other", "extension_months": 6}, "unit"),
    ],
)
def test_giving_refuses_bad_input_and_changes_nothing(
    manager, case, unit, other_customer, fields, error_field
):
    if fields.get("unit") == "own":
        fields["unit"] = unit
    elif fields.get("unit") == "other":
        fields["unit"] = UnitFactory(owner=other_customer)
    cover = _cover(unit)

    with pytest.raises(ValidationFailed) as refused:
        _give(manager, case, **fields)

    assert list(refused.value.fields) == [error_field]
    assert Goodwill.objects.count() == 0
    assert CostEntry.objects.count() == 0
    assert _events(case) == []
    assert _cover(unit) == cover


def test_an_agent_who_may_not_see_the_case_cannot_give(other_agent, team, customer):
    hidden = make_case(customer, team=team)

    with pytest.raises(NotFound):
        _give(other_agent, hidden)

    assert Goodwill.objects.count() == 0


# --- approval -------------------------------------------------------------------------------------


def test_a_manager_approves_a_proposal_and_it_is_given(agent, manager, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")

    approved = goodwill_approve(actor=manager, goodwill=gesture)

    approved.refresh_from_db()
    assert approved.status == Goodwill.Status.GIVEN
    assert approved.approved_by == manager
    assert approved.created_by == agent
    assert CostEntry.objects.get(case=case).source == f"goodwill:{gesture.pk}"
    assert [kind for kind, _data in _events(case)] == [EventKind.GOODWILL_PROPOSED, EventKind.GOODWILL_GIVEN]
    audit = AuditLog.objects.get(action="goodwill.approve", object_id=str(gesture.pk))
    assert (audit.before["status"], audit.after["status"]) == ("pending", "given")
    assert len(_notices(case)) == 1


def test_an_agent_cannot_approve_above_their_limit(agent, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")

    with pytest.raises(Forbidden) as refused:
        goodwill_approve(actor=agent, goodwill=gesture)

    assert refused.value.code == AftersalesError.OVER_LIMIT
    gesture.refresh_from_db()
    assert (gesture.status, gesture.approved_by) == (Goodwill.Status.PENDING_APPROVAL, None)
    assert CostEntry.objects.count() == 0
    assert [kind for kind, _data in _events(case)] == [EventKind.GOODWILL_PROPOSED]


def test_an_agent_whose_limit_covers_it_may_approve(agent, other_agent, manager, customer):
    case = make_case(customer)
    gesture = _give(other_agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")
    approval_limit_set(actor=manager, kind=ApprovalLimit.Kind.GOODWILL, amount="100000", user=agent)

    approved = goodwill_approve(actor=agent, goodwill=gesture)

    assert (approved.status, approved.approved_by) == (Goodwill.Status.GIVEN, agent)


def test_a_given_gesture_cannot_be_approved_or_rejected_again(manager, case):
    gesture = _give(manager, case)

    for attempt in (
        lambda: goodwill_approve(actor=manager, goodwill=gesture),
        lambda: goodwill_reject(actor=manager, goodwill=gesture, note="Changed my mind"),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == AftersalesError.WRONG_STATUS

    gesture.refresh_from_db()
    assert gesture.status == Goodwill.Status.GIVEN
    assert gesture.rejection_note == ""
    assert CostEntry.objects.count() == 0  # its cost was zero
    assert len(_events(case)) == 1


def test_a_manager_rejects_a_proposal_without_telling_the_customer(agent, manager, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")

    rejected = goodwill_reject(actor=manager, goodwill=gesture, note="Already compensated last month")

    rejected.refresh_from_db()
    assert rejected.status == Goodwill.Status.REJECTED
    assert rejected.rejection_note == "Already compensated last month"
    assert rejected.decided_at is not None
    assert rejected.approved_by is None
    assert _events(case)[-1] == (
        EventKind.GOODWILL_REJECTED,
        {
            "record": {"type": "goodwill", "id": gesture.pk, "reference": gesture.reference},
            "note": "Already compensated last month",
        },
    )
    assert AuditLog.objects.filter(action="goodwill.reject", object_id=str(gesture.pk)).count() == 1
    assert _notices(case) == []
    assert CostEntry.objects.count() == 0
    with pytest.raises(Conflict):
        goodwill_approve(actor=manager, goodwill=gesture)
    gesture.refresh_from_db()
    assert gesture.status == Goodwill.Status.REJECTED


def test_a_rejection_needs_a_note_and_the_authority_to_approve(agent, manager, case):
    gesture = _give(agent, case, kind=Goodwill.Kind.STORE_CREDIT, value="100000", cost="100000")

    with pytest.raises(ValidationFailed):
        goodwill_reject(actor=manager, goodwill=gesture, note=" ")
    with pytest.raises(Forbidden):
        goodwill_reject(actor=agent, goodwill=gesture, note="No")

    gesture.refresh_from_db()
    assert (gesture.status, gesture.rejection_note) == (Goodwill.Status.PENDING_APPROVAL, "")


# --- warranty extensions --------------------------------------------------------------------------


def test_an_extension_moves_the_warranty_cover_end(manager, case, unit):
    warranty_end = unit.warranty_end

    gesture = _give(manager, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=unit, extension_months=6)

    expected = add_months(warranty_end, 6)
    assert _cover(unit) == (unit.warranty_start, warranty_end, expected)
    gesture.refresh_from_db()
    assert (gesture.cover_end_before, gesture.cover_end_after) == (warranty_end, expected)
    audit = AuditLog.objects.get(action="unit.warranty_extend", object_id=str(unit.pk))
    assert audit.actor == manager
    assert audit.before == {"extended_warranty_end": None}
    assert audit.after == {
        "extended_warranty_end": expected.isoformat(),
        "goodwill": gesture.reference,
        "months": 6,
    }
    assert _events(case)[0][1]["cover_end_after"] == expected.isoformat()
    [notice] = _notices(case)
    assert unit.serial_number in notice


def test_an_extension_counts_from_an_existing_extension(manager, case, unit):
    already = add_months(unit.warranty_end, 12)
    Unit.objects.filter(pk=unit.pk).update(extended_warranty_end=already)

    gesture = _give(manager, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=unit, extension_months=3)

    assert _cover(unit)[2] == add_months(already, 3)
    assert (gesture.cover_end_before, gesture.cover_end_after) == (already, add_months(already, 3))


def test_an_expired_warranty_is_extended_from_today(manager, customer):
    old = owned_unit(customer, warranty_months=12, bought_days_ago=800)
    case = make_case(customer, unit=old)
    expired_on = old.warranty_end

    gesture = _give(manager, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=old, extension_months=12)

    today = timezone.localdate()
    assert expired_on < today
    assert _cover(old)[1:] == (expired_on, add_months(today, 12))
    assert (gesture.cover_end_before, gesture.cover_end_after) == (expired_on, add_months(today, 12))


def test_a_unit_without_a_warranty_gets_one_from_today(manager, customer):
    bare = owned_unit(customer, warranty_months=0)
    case = make_case(customer, unit=bare)

    gesture = _give(manager, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=bare, extension_months=6)

    today = timezone.localdate()
    assert _cover(bare) == (today, add_months(today, 6), None)
    assert (gesture.cover_end_before, gesture.cover_end_after) == (None, add_months(today, 6))


def test_an_extension_clamps_to_the_end_of_a_shorter_month(manager, customer):
    unit = owned_unit(customer)
    Unit.objects.filter(pk=unit.pk).update(warranty_end=dt.date(2099, 1, 31))
    case = make_case(customer, unit=unit)

    gesture = _give(manager, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=unit, extension_months=1)

    assert gesture.cover_end_after == dt.date(2099, 2, 28)
    assert _cover(unit)[2] == dt.date(2099, 2, 28)


def test_a_proposed_extension_moves_the_cover_only_when_approved(agent, manager, case, unit):
    cover = _cover(unit)
    gesture = _give(
        agent, case, kind=Goodwill.Kind.WARRANTY_EXTENSION, unit=unit, extension_months=6, cost="150000"
    )

    assert _cover(unit) == cover
    assert gesture.cover_end_after is None
    goodwill_approve(actor=manager, goodwill=gesture)
    gesture.refresh_from_db()
    assert gesture.cover_end_after == add_months(unit.warranty_end, 6)
    assert _cover(unit)[2] == add_months(unit.warranty_end, 6)
    entry = CostEntry.objects.get(case=case)
    assert (entry.amount, entry.product) == (Decimal("150000.00"), unit.product)
    assert AuditLog.objects.get(action="unit.warranty_extend").actor == manager
