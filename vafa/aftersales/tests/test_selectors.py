"""After-sales reads: who sees which record, what a case and a customer see, calendars, due
maintenance, stock, approvals and costs. Records are made straight with the ORM."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from vafa.accounts.models import Role, User
from vafa.accounts.services import customer_account_ensure
from vafa.accounts.tests.factories import UserFactory
from vafa.aftersales.models import (
    CostEntry,
    Goodwill,
    MaintenanceSchedule,
    Part,
    Refund,
    RepairLine,
    RepairOrder,
    Replacement,
    ReturnReason,
    ReturnRequest,
    ServiceLocation,
    StockLevel,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.selectors import (
    case_aftersales,
    case_costs,
    claim_get,
    customer_aftersales,
    customer_costs,
    goodwill_get,
    maintenance_due,
    parts_for_unit,
    pending_approvals,
    refund_get,
    repair_get,
    repair_list,
    replacement_get,
    return_get,
    stock_list,
    technician_calendar,
    technicians,
    visit_get,
)
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.errors import NotFound
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
NOW = dt.datetime(2030, 3, 10, 9, 0, tzinfo=dt.UTC)


# --- records made with the ORM ----------------------------------------------------------------


def _unit(customer, product=None):
    product = product or ProductFactory(warranty_policy=WarrantyPolicyFactory(months=12))
    return UnitFactory(owner=customer, product=product)


def _line(customer, product, quantity=1, unit_price="1000.00"):
    order = OrderFactory(customer=customer, currency="IRR")
    return OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=unit_price)


def _location(name="Tehran workshop"):
    n = next(_numbers)
    return ServiceLocation.objects.create(code=f"loc-{n}", name=name, address=f"{n} Workshop Street")


def _claim(case, **fields):
    fields.setdefault("unit", case.unit)
    return WarrantyClaim.objects.create(number=next(_numbers), case=case, customer=case.customer, **fields)


def _return(case, order_line, **fields):
    fields.setdefault("reason", ReturnReason.DEFECTIVE)
    return ReturnRequest.objects.create(
        number=next(_numbers), case=case, customer=case.customer, order_line=order_line, **fields
    )


def _refund(case, order_line, amount="100.00", **fields):
    return Refund.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        order_line=order_line,
        amount=Decimal(amount),
        currency="IRR",
        **fields,
    )


def _replacement(case, original):
    new = UnitFactory(owner=case.customer, product=original.product)
    return Replacement.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        original_unit=original,
        new_unit=new,
        warranty_rule="restart",
    )


def _repair(case, location, **fields):
    fields.setdefault("unit", case.unit)
    fields.setdefault("received_at", timezone.now())
    return RepairOrder.objects.create(
        number=next(_numbers), case=case, customer=case.customer, location=location, currency="IRR", **fields
    )


def _repair_line(repair, *, quantity, unit_price, covered=False, part=None):
    return RepairLine.objects.create(
        repair=repair,
        kind=RepairLine.Kind.PART if part else RepairLine.Kind.LABOUR,
        part=part,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        covered=covered,
    )


def _part(*products, active=True):
    n = next(_numbers)
    part = Part.objects.create(sku=f"P-{n:04d}", name=f"Part {n}", is_active=active, currency="IRR")
    part.products.set(products)
    return part


def _visit(case, technician, starts_at, *, hours=2, unit=None, **fields):
    return Visit.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        technician=technician,
        unit=unit or case.unit,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        address="12 Vali-Asr Street",
        **fields,
    )


def _goodwill(case, **fields):
    fields.setdefault("kind", Goodwill.Kind.GIFT)
    fields.setdefault("cost", Decimal("20.00"))
    return Goodwill.objects.create(
        number=next(_numbers),
        case=case,
        customer=case.customer,
        currency="IRR",
        reason="Late delivery",
        **fields,
    )


def _cost(case, kind, amount, *, under_warranty=False, on=None):
    return CostEntry.objects.create(
        case=case,
        customer=case.customer,
        kind=kind,
        under_warranty=under_warranty,
        amount=Decimal(amount),
        currency="IRR",
        amount_company=Decimal(amount),
        source=f"test:{next(_numbers)}",
        incurred_on=on or timezone.localdate(),
    )


def _one_of_each(case, technician, location):
    """A claim, a return, a refund, a replacement, a repair with two lines, a visit, a gift, two costs."""
    line = _line(case.customer, case.unit.product)
    _claim(case)
    rma = _return(case, line)
    _refund(case, line, return_request=rma)
    _replacement(case, case.unit)
    repair = _repair(case, location, technician=technician)
    _repair_line(repair, quantity="1", unit_price="80.00", part=_part(case.unit.product))
    _repair_line(repair, quantity="1.5", unit_price="50.00")
    _visit(case, technician, timezone.now() + dt.timedelta(days=2))
    _goodwill(case)
    _cost(case, CostEntry.Kind.PARTS, "30.00", under_warranty=True)
    _cost(case, CostEntry.Kind.LABOUR, "40.00")


def _fresh(user: User) -> User:
    """The user as a new request loads it: nothing cached."""
    return User.objects.get(pk=user.pk)


# --- visibility -------------------------------------------------------------------------------


def test_record_getters_follow_the_case_visibility(
    agent, other_agent, team, customer_user, other_customer_user
):
    # Given a case of the Phones team with one record of each kind
    customer = customer_user.customer
    case = make_case(customer, team=team, unit=_unit(customer))
    location = _location()
    _one_of_each(case, agent, location)
    getters = [
        (claim_get, "claim_id", WarrantyClaim.objects.get().pk),
        (return_get, "rma_id", ReturnRequest.objects.get().pk),
        (refund_get, "refund_id", Refund.objects.get().pk),
        (replacement_get, "replacement_id", Replacement.objects.get().pk),
        (repair_get, "repair_id", RepairOrder.objects.get().pk),
        (visit_get, "visit_id", Visit.objects.get().pk),
        (goodwill_get, "goodwill_id", Goodwill.objects.get().pk),
    ]

    for getter, key, pk in getters:
        # Then the team's agent and the customer see each record
        assert getter(viewer=agent, **{key: pk}).pk == pk
        assert getter(viewer=customer_user, **{key: pk}).pk == pk
        # and an agent of another team, another customer, and a missing id get NotFound
        with pytest.raises(NotFound):
            getter(viewer=other_agent, **{key: pk})
        with pytest.raises(NotFound):
            getter(viewer=other_customer_user, **{key: pk})
        with pytest.raises(NotFound):
            getter(viewer=agent, **{key: pk + 1000})

    assert list(repair_list(viewer=other_agent)) == []
    assert list(repair_list(viewer=other_customer_user)) == []
    assert [r.pk for r in repair_list(viewer=agent)] == [RepairOrder.objects.get().pk]


def test_not_found_message_names_the_record(agent):
    with pytest.raises(NotFound) as error:
        repair_get(viewer=agent, repair_id=999)

    assert str(error.value.message) == "No such repair."


def test_an_inactive_agent_sees_nothing(agent, team, customer):
    case = make_case(customer, team=team, unit=_unit(customer))
    claim = _claim(case)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    with pytest.raises(NotFound):
        claim_get(viewer=agent, claim_id=claim.pk)


# --- one case ---------------------------------------------------------------------------------


def test_case_aftersales_lists_every_record_and_the_costs(agent, team, customer):
    # Given a case on a unit in warranty with one record of each kind and two costs
    case = make_case(customer, team=team, unit=_unit(customer))
    _one_of_each(case, agent, _location())

    # When the agent opens the case
    result = case_aftersales(case=case, viewer=agent)

    # Then every record is there, the repair with its lines, and the costs per kind
    assert result.entitlement is not None
    assert result.entitlement.kind == "in_warranty"
    assert result.entitlement.covers_parts is True
    assert [len(x) for x in (result.claims, result.returns, result.refunds, result.replacements)] == [
        1,
        1,
        1,
        1,
    ]
    assert [len(x) for x in (result.repairs, result.visits, result.goodwill)] == [1, 1, 1]
    assert [line.unit_price for line in result.repairs[0].lines.all()] == [Decimal("80.00"), Decimal("50.00")]
    assert result.costs_by_kind == {"parts": Decimal("30.00"), "labour": Decimal("40.00")}
    assert result.cost_total == Decimal("70.00")
    assert result.currency == "IRR"
    assert result.has_any is True


def test_case_aftersales_of_a_case_without_unit_or_records(agent, team, customer):
    case = make_case(customer, team=team)

    result = case_aftersales(case=case, viewer=agent)

    assert result.entitlement is None
    assert result.costs_by_kind == {}
    assert result.cost_total == Decimal("0")
    assert result.has_any is False


def test_case_aftersales_of_a_hidden_case_is_not_found(other_agent, other_customer_user, team, customer):
    case = make_case(customer, team=team, unit=_unit(customer))
    _claim(case)

    with pytest.raises(NotFound):
        case_aftersales(case=case, viewer=other_agent)
    with pytest.raises(NotFound):
        case_aftersales(case=case, viewer=other_customer_user)


def test_case_aftersales_takes_a_fixed_number_of_queries(agent, team, customer, django_assert_num_queries):
    # Given a case with one record of each kind
    case = make_case(customer, team=team, unit=_unit(customer))
    location = _location()
    _one_of_each(case, agent, location)
    viewer = _fresh(agent)

    # Then: the agent's teams, the visibility check, the unit, seven lists, the repairs' lines, costs
    with django_assert_num_queries(12):
        case_aftersales(case=case, viewer=viewer)

    # And with three of each the count is the same
    _one_of_each(case, agent, location)
    _one_of_each(case, agent, location)
    viewer = _fresh(agent)
    with django_assert_num_queries(12):
        result = case_aftersales(case=case, viewer=viewer)
        shown = [
            (repair.location.name, repair.technician.email, repair.unit.product.name, line.part)
            for repair in result.repairs
            for line in repair.lines.all()
        ]
        shown += [(v.technician.email,) for v in result.visits]
        shown += [(r.original_unit.serial_number, r.new_unit.product.name) for r in result.replacements]
    assert len(result.repairs) == 3
    assert len(shown) == 6 + 3 + 3
    assert result.cost_total == Decimal("210.00")


# --- the customer's portal --------------------------------------------------------------------


def test_customer_aftersales_lists_own_and_shared_organisation_records(agent, team):
    # Given an organisation that shares with its members, two of its customers and an outsider
    organisation = OrganisationFactory(share_with_members=True)
    me = CustomerFactory(organisation=organisation)
    colleague = CustomerFactory(organisation=organisation)
    outsider = CustomerFactory()
    viewer = customer_account_ensure(actor=None, customer=me)
    location = _location()
    mine = make_case(me, team=team, unit=_unit(me))
    theirs = make_case(colleague, team=team, unit=_unit(colleague))
    foreign = make_case(outsider, team=team, unit=_unit(outsider))
    my_repair = _repair(mine, location)
    _repair_line(my_repair, quantity="2", unit_price="80.00")
    _repair_line(my_repair, quantity="1.5", unit_price="50.00")
    _repair_line(my_repair, quantity="1", unit_price="999.00", covered=True)
    their_claim = _claim(theirs)
    my_claim = _claim(mine)
    _claim(foreign)
    _repair(foreign, location)
    _goodwill(mine, status=Goodwill.Status.PENDING_APPROVAL)
    given = _goodwill(mine, status=Goodwill.Status.GIVEN)
    confirmed = _visit(mine, agent, timezone.now() + dt.timedelta(days=3), confirmed_at=timezone.now())
    waiting = _visit(mine, agent, timezone.now() + dt.timedelta(days=4))

    # When the customer opens "My service"
    result = customer_aftersales(viewer=viewer)

    # Then they see their own and their colleague's records, newest first, never the outsider's
    assert [c.pk for c in result.claims] == [my_claim.pk, their_claim.pk]
    assert [r.pk for r in result.repairs] == [my_repair.pk]
    # and what they pay for the repair: 2 × 80 + 1.5 × 50, the covered line left out
    assert result.repairs[0].customer_total == Decimal("235.00")
    assert len(result.repairs[0].lines.all()) == 3
    # and which visits wait for their confirmation
    visits = {v.pk: (v.is_confirmed, v.awaiting_confirmation) for v in result.visits}
    assert visits == {confirmed.pk: (True, False), waiting.pk: (False, True)}
    # and only the goodwill actually given
    assert [g.pk for g in result.goodwill] == [given.pk]
    assert result.has_any is True


def test_customer_aftersales_without_organisation_sharing(team):
    organisation = OrganisationFactory(share_with_members=False)
    me = CustomerFactory(organisation=organisation)
    colleague = CustomerFactory(organisation=organisation)
    viewer = customer_account_ensure(actor=None, customer=me)
    _claim(make_case(colleague, team=team, unit=_unit(colleague)))

    assert customer_aftersales(viewer=viewer).claims == []


def test_customer_aftersales_is_empty_for_staff_and_anonymous(agent, manager, team, customer):
    from django.contrib.auth.models import AnonymousUser

    _claim(make_case(customer, team=team, unit=_unit(customer)))

    for viewer in (agent, manager, AnonymousUser(), None):
        assert customer_aftersales(viewer=viewer).has_any is False


def test_customer_aftersales_repair_total_is_zero_when_all_is_covered(customer_user, team):
    customer = customer_user.customer
    repair = _repair(make_case(customer, team=team, unit=_unit(customer)), _location())
    _repair_line(repair, quantity="1", unit_price="80.00", covered=True)
    empty = _repair(make_case(customer, team=team, unit=_unit(customer)), _location())

    totals = {r.pk: r.customer_total for r in customer_aftersales(viewer=customer_user).repairs}

    assert totals == {repair.pk: Decimal("0"), empty.pk: Decimal("0")}


def test_customer_aftersales_caps_each_list(customer_user, team, settings, monkeypatch):
    from vafa.aftersales import selectors

    monkeypatch.setattr(selectors, "CUSTOMER_LIST_SIZE", 2)
    customer = customer_user.customer
    case = make_case(customer, team=team, unit=_unit(customer))
    claims = [_claim(case) for _ in range(3)]

    result = customer_aftersales(viewer=customer_user)

    assert [c.pk for c in result.claims] == [claims[2].pk, claims[1].pk]


def test_customer_aftersales_takes_a_fixed_number_of_queries(
    agent, customer_user, team, django_assert_num_queries
):
    customer = customer_user.customer
    location = _location()
    case = make_case(customer, team=team, unit=_unit(customer))
    _one_of_each(case, agent, location)
    _goodwill(case, status=Goodwill.Status.GIVEN)

    # The viewer's customer, then seven lists and the repairs' lines
    viewer = _fresh(customer_user)
    with django_assert_num_queries(9):
        customer_aftersales(viewer=viewer)

    for _ in range(3):
        _one_of_each(make_case(customer, team=team, unit=_unit(customer)), agent, location)
    viewer = _fresh(customer_user)
    with django_assert_num_queries(9):
        result = customer_aftersales(viewer=viewer)
        shown = [
            (repair.location.name, repair.unit.product.name, repair.case.number, line.part)
            for repair in result.repairs
            for line in repair.lines.all()
        ]
        shown += [(v.technician.email, v.unit.product.name) for v in result.visits]
        shown += [(r.order_line.product.name,) for r in result.refunds]
    assert len(result.repairs) == 4
    assert len(shown) == 8 + 4 + 4


# --- repairs ----------------------------------------------------------------------------------


def test_repair_list_filters_and_orders_by_arrival(agent, manager, team, customer):
    # Given repairs at two locations, by two technicians, in two states
    north, south = _location("North"), _location("South")
    case = make_case(customer, team=team, unit=_unit(customer))
    day = dt.timedelta(days=1)
    old = _repair(case, north, technician=agent, received_at=NOW - 3 * day)
    new = _repair(case, north, technician=agent, received_at=NOW - day, status=RepairOrder.Status.REPAIRING)
    middle = _repair(case, south, technician=manager, received_at=NOW - 2 * day)

    def ids(**filters):
        return [r.pk for r in repair_list(viewer=manager, **filters)]

    assert ids() == [new.pk, middle.pk, old.pk]
    assert ids(status=RepairOrder.Status.RECEIVED) == [middle.pk, old.pk]
    assert ids(technician=agent) == [new.pk, old.pk]
    assert ids(technician=manager.pk, location=south) == [middle.pk]
    assert ids(location=north.pk, status=RepairOrder.Status.REPAIRING) == [new.pk]


def test_repair_list_takes_one_query_for_any_number(agent, team, customer, django_assert_num_queries):
    location = _location()
    for _ in range(4):
        case = make_case(customer, team=team, unit=_unit(customer))
        _repair(case, location, technician=agent)
    viewer = _fresh(agent)

    # The agent's teams, then the list with what it shows
    with django_assert_num_queries(2):
        rows = [
            (r.case.number, r.customer.name, r.unit.product.name, r.location.name, r.technician.email)
            for r in repair_list(viewer=viewer)
        ]
    assert len(rows) == 4


# --- the technicians' calendar ----------------------------------------------------------------


def test_technician_calendar_uses_the_technicians_days(agent, team, customer, django_assert_num_queries):
    # Given a technician in Tehran (UTC+03:30) and visits around their midnight
    agent.time_zone = "Asia/Tehran"
    agent.save(update_fields=["time_zone"])
    case = make_case(customer, team=team, unit=_unit(customer))
    utc = dt.UTC
    # 21:00 UTC on the 9th is 00:30 on the 10th in Tehran
    early = _visit(case, agent, dt.datetime(2030, 3, 9, 21, 0, tzinfo=utc), hours=1)
    # 19:30–21:30 UTC on the 10th is 23:00 on the 10th to 01:00 on the 11th in Tehran
    overnight = _visit(
        case, agent, dt.datetime(2030, 3, 10, 19, 30, tzinfo=utc), status=Visit.Status.CONFIRMED
    )
    done = _visit(case, agent, dt.datetime(2030, 3, 12, 6, 0, tzinfo=utc), status=Visit.Status.DONE)
    _visit(case, agent, dt.datetime(2030, 3, 11, 6, 0, tzinfo=utc), status=Visit.Status.CANCELLED)
    _visit(case, agent, dt.datetime(2030, 3, 11, 8, 0, tzinfo=utc), status=Visit.Status.MISSED)
    # 19:00–20:00 UTC on the 9th is 22:30–23:30 on the 9th in Tehran: before the calendar starts
    _visit(case, agent, dt.datetime(2030, 3, 9, 19, 0, tzinfo=utc), hours=1)
    _visit(case, UserFactory(role=Role.AGENT), dt.datetime(2030, 3, 10, 6, 0, tzinfo=utc))

    # When their calendar from the 10th for three days is read
    with django_assert_num_queries(1):
        days = technician_calendar(technician=agent, start=dt.date(2030, 3, 10), days=3)

    # Then each day has the visits that touch it in Tehran time
    assert [(d.day, [v.pk for v in d.visits]) for d in days] == [
        (dt.date(2030, 3, 10), [early.pk, overnight.pk]),
        (dt.date(2030, 3, 11), [overnight.pk]),
        (dt.date(2030, 3, 12), [done.pk]),
    ]


def test_technicians_are_active_agents_and_staff_with_work(agent, manager, admin_user, team, customer):
    # Given an agent with no work yet, a manager with a visit, an admin with none, an inactive agent
    UserFactory(role=Role.AGENT, is_active=False)
    customer_account_ensure(actor=None, customer=customer)
    case = make_case(customer, team=team, unit=_unit(customer))
    _visit(case, manager, NOW)

    names = set(technicians().values_list("email", flat=True))

    assert names == {agent.email, manager.email}


# --- maintenance ------------------------------------------------------------------------------


def _schedule(customer, next_due_on, **fields):
    return MaintenanceSchedule.objects.create(
        unit=_unit(customer), interval_days=180, next_due_on=next_due_on, **fields
    )


def test_maintenance_due_leaves_out_units_with_a_visit_booked(agent, team, customer, settings):
    settings.VAFA_MAINTENANCE_DUE_DAYS = 30
    today = dt.date(2030, 3, 10)
    at = dt.datetime(2030, 3, 10, 9, 0, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)
    # Given schedules due: overdue, soon, at the edge of the window, beyond it, inactive
    overdue = _schedule(customer, today - 10 * day)
    soon = _schedule(customer, today + 5 * day)
    edge = _schedule(customer, today + 30 * day)
    _schedule(customer, today + 31 * day)
    _schedule(customer, today, is_active=False)
    # and units due with visits: booked next week, booked since yesterday, cancelled, two days ago
    booked = _schedule(customer, today + 2 * day)
    since_yesterday = _schedule(customer, today)
    cancelled = _schedule(customer, today + 3 * day)
    stale = _schedule(customer, today - 2 * day)
    case = make_case(customer, team=team)
    _visit(case, agent, at + 7 * day, unit=booked.unit)
    _visit(case, agent, at - day, unit=since_yesterday.unit, status=Visit.Status.CONFIRMED)
    _visit(case, agent, at + day, unit=cancelled.unit, status=Visit.Status.CANCELLED)
    _visit(case, agent, at - 2 * day, unit=stale.unit)

    due = list(maintenance_due(on=today))

    # Then the due ones with no booking, most overdue first
    assert [s.pk for s in due] == [overdue.pk, stale.pk, cancelled.pk, soon.pk, edge.pk]
    assert [s.pk for s in maintenance_due(on=today, within_days=4)] == [
        overdue.pk,
        stale.pk,
        cancelled.pk,
    ]


def test_maintenance_due_loads_unit_product_and_owner(customer, django_assert_num_queries):
    for offset in range(3):
        _schedule(customer, timezone.localdate() + dt.timedelta(days=offset))

    with django_assert_num_queries(1):
        rows = [(s.unit.serial_number, s.unit.product.name, s.unit.owner.name) for s in maintenance_due()]
    assert len(rows) == 3


# --- parts ------------------------------------------------------------------------------------


def test_stock_list_low_only_and_by_location():
    north, south = _location("North"), _location("South")
    screen, battery, cable = _part(), _part(), _part()
    low = StockLevel.objects.create(part=screen, location=north, on_hand=5, reserved=3, reorder_level=2)
    StockLevel.objects.create(part=battery, location=north, on_hand=10, reserved=2, reorder_level=5)
    empty = StockLevel.objects.create(part=cable, location=south, on_hand=0, reserved=0, reorder_level=0)
    south_ok = StockLevel.objects.create(part=screen, location=south, on_hand=4, reserved=0, reorder_level=3)

    assert [s.pk for s in stock_list(low_only=True)] == [low.pk, empty.pk]
    assert [s.pk for s in stock_list(location=south)] == [south_ok.pk, empty.pk]
    assert [s.pk for s in stock_list(location=north.pk, low_only=True)] == [low.pk]
    assert [s.available_count for s in stock_list(location=north)] == [2, 8]


def test_parts_for_unit_fit_its_product_or_any(customer):
    phone, tablet = ProductFactory(), ProductFactory()
    unit = _unit(customer, phone)
    screen = _part(phone, tablet)
    universal = _part()
    _part(tablet)
    _part(phone, active=False)

    assert [p.pk for p in parts_for_unit(unit)] == [screen.pk, universal.pk]


# --- approvals and costs ----------------------------------------------------------------------


def test_pending_approvals_for_managers_only(agent, manager, admin_user, team, customer):
    unit = _unit(customer)
    case = make_case(customer, team=team, unit=unit)
    line = _line(customer, unit.product)
    first = _refund(case, line, "100.00")
    second = _refund(case, line, "50.00")
    _refund(case, line, "10.00", status=Refund.Status.ISSUED)
    gift = _goodwill(case)
    _goodwill(case, status=Goodwill.Status.GIVEN)

    for viewer in (manager, admin_user):
        waiting = pending_approvals(viewer=viewer)
        assert [r.pk for r in waiting["refunds"]] == [first.pk, second.pk]
        assert [g.pk for g in waiting["goodwill"]] == [gift.pk]
    assert pending_approvals(viewer=agent) == {"refunds": [], "goodwill": []}


def test_case_and_customer_costs(team, customer, other_customer):
    case = make_case(customer, team=team)
    other_case = make_case(customer, team=team)
    _cost(case, CostEntry.Kind.PARTS, "30.00", under_warranty=True)
    _cost(case, CostEntry.Kind.LABOUR, "40.00", under_warranty=True)
    _cost(case, CostEntry.Kind.SHIPPING, "12.50")
    _cost(other_case, CostEntry.Kind.PARTS, "100.00")
    _cost(make_case(other_customer, team=team), CostEntry.Kind.REFUND, "999.00")

    assert case_costs(case=case) == {
        "total": Decimal("82.50"),
        "by_kind": {"parts": Decimal("30.00"), "labour": Decimal("40.00"), "shipping": Decimal("12.50")},
        "under_warranty": Decimal("70.00"),
        "currency": "IRR",
    }
    assert customer_costs(customer=customer) == {
        "total": Decimal("182.50"),
        "by_kind": {"parts": Decimal("130.00"), "labour": Decimal("40.00"), "shipping": Decimal("12.50")},
        "under_warranty": Decimal("70.00"),
        "currency": "IRR",
    }
    assert case_costs(case=make_case(customer, team=team))["total"] == Decimal("0")
