"""Field visits and maintenance schedules: booking, confirmation, moves, outcomes and the daily refresh."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from vafa.accounts.models import AuditLog, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import CostEntry, MaintenanceSchedule, Visit
from vafa.aftersales.services.visits import (
    maintenance_schedule_sync,
    maintenance_schedules_refresh,
    visit_book_maintenance,
    visit_by_token,
    visit_cancel,
    visit_complete,
    visit_confirm,
    visit_miss,
    visit_reschedule,
    visit_schedule,
)
from vafa.aftersales.tests.factories import owned_unit
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.errors import Conflict, NotFound, ValidationFailed
from vafa.core.jobs import periodic_jobs
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import AuthorKind, Case, CaseEvent, CaseKind, Channel, EventKind
from vafa.service.tests.factories import make_case

# 10:00 in Tehran on 1 Farvardin 1409; far enough ahead that every window is still to come.
START = dt.datetime(2030, 3, 21, 6, 30, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=2)
VISIT_EVENTS = [k for k in EventKind.values if k.startswith("visit_")]


def _token(visit: Visit) -> str:
    return visit.confirm_url.rstrip("/").rsplit("/", 1)[1]  # type: ignore[attr-defined]


def _events(case: Case, kind: str | None = None) -> list[CaseEvent]:
    rows = CaseEvent.objects.filter(case=case, kind__in=VISIT_EVENTS).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def _notices(case: Case) -> list[str]:
    return list(
        case.messages.filter(author_kind=AuthorKind.AGENT, author_user__isnull=True)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def _state(visit: Visit) -> tuple:
    visit.refresh_from_db()
    return (visit.status, visit.starts_at, visit.ends_at, visit.confirm_token_hash, visit.version)


@pytest.fixture
def technician(db):
    return UserFactory.create(email="tech@staff.vafa.test", role=Role.AGENT, full_name="Taha Technician")


@pytest.fixture
def unit(customer):
    product = ProductFactory(
        name="Boiler",
        maintenance_interval_days=180,
        warranty_policy=WarrantyPolicyFactory(months=120, covers_onsite=True),
    )
    # Ten years of cover: the visits of these tests, in 2030, are still in warranty.
    return owned_unit(customer, product=product, warranty_months=120)


@pytest.fixture
def case(customer, unit, customer_user):
    customer_user.time_zone = "Asia/Tehran"
    customer_user.save(update_fields=["time_zone"])
    return make_case(customer, unit=unit, subject="Yearly service")


def _book(agent, case, technician, **fields) -> Visit:
    fields.setdefault("starts_at", START)
    fields.setdefault("ends_at", END)
    fields.setdefault("address", "12 Vali-Asr St, Tehran")
    return visit_schedule(actor=agent, case=case, technician=technician, **fields)


# --- scheduling -----------------------------------------------------------------------------------


def test_scheduling_books_the_window_in_the_customers_time_zone_and_sends_the_link(
    agent, case, unit, technician, settings
):
    settings.VAFA_BASE_URL = "https://help.example.test/"

    visit = _book(agent, case, technician, checklist=["Check the pressure", "Clean the filter"])

    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    assert visit.reference == f"V-{visit.number:06d}"
    assert visit.customer_id == case.customer_id
    assert visit.unit == unit  # the case's unit by default
    assert visit.kind == Visit.Kind.MAINTENANCE
    assert visit.time_zone == "Asia/Tehran"
    assert visit.checklist == [
        {"item": "Check the pressure", "done": False},
        {"item": "Clean the filter", "done": False},
    ]
    assert visit.version == 1
    token = _token(visit)
    assert visit.confirm_url == f"https://help.example.test/portal/visits/confirm/{token}/"
    assert visit.confirm_token_hash == hashlib.sha256(token.encode()).hexdigest()
    [event] = _events(case)
    assert event.kind == EventKind.VISIT_SCHEDULED
    assert event.actor == agent
    assert event.data == {
        "record": {"type": "visit", "id": visit.pk, "reference": visit.reference},
        "visit_kind": "maintenance",
        "technician": technician.pk,
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
    }
    audit = AuditLog.objects.get(action="visit.schedule", object_id=str(visit.pk))
    assert audit.actor == agent
    assert audit.after["status"] == "scheduled"
    [notice] = _notices(case)
    # The customer reads Persian: the window is in the Jalali calendar, at Tehran's time.
    assert "1409/01/01 10:00" in notice
    assert "1409/01/01 12:00" in notice
    assert "Asia/Tehran" in notice
    assert "12 Vali-Asr St, Tehran" in notice
    assert "- Check the pressure" in notice
    assert "- Clean the filter" in notice
    assert visit.confirm_url in notice


def test_scheduling_defaults_to_the_customers_address_and_the_company_time_zone(agent, technician, settings):
    settings.TIME_ZONE = "Europe/London"
    client = CustomerFactory(address="5 Baker Street", city="London")
    case = make_case(client)

    visit = _book(agent, case, technician, address="  ", kind=Visit.Kind.INSTALLATION)

    assert visit.address == "5 Baker Street\nLondon"
    assert visit.time_zone == "Europe/London"
    assert visit.unit is None
    assert visit.kind == Visit.Kind.INSTALLATION
    assert visit.checklist == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": START.replace(tzinfo=None)}, "starts_at"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START - dt.timedelta(hours=1)}, "ends_at"),
        ({"ends_at": START + dt.timedelta(hours=12, minutes=1)}, "ends_at"),
        ({"kind": "party"}, "kind"),
        ({"checklist": ["Check", "  "]}, "checklist"),
        ({"checklist": "Check everything"}, "checklist"),
    ],
)
def test_scheduling_refuses_a_bad_window_kind_or_checklist(agent, case, technician, change, field):
    with pytest.raises(ValidationFailed) as refused:
        _book(agent, case, technician, **change)

    assert field in refused.value.fields
    assert Visit.objects.count() == 0
    assert _events(case) == []
    assert _notices(case) == []


def test_a_window_of_exactly_twelve_hours_is_allowed(agent, case, technician):
    visit = _book(agent, case, technician, ends_at=START + dt.timedelta(hours=12))

    assert visit.ends_at - visit.starts_at == dt.timedelta(hours=12)


@pytest.mark.parametrize("who", ["customer", "inactive", "not_a_user"])
def test_the_technician_must_be_active_staff(agent, case, technician, customer_user, who):
    if who == "customer":
        chosen = customer_user
    elif who == "inactive":
        technician.is_active = False
        technician.save(update_fields=["is_active"])
        chosen = technician
    else:
        chosen = None

    with pytest.raises(ValidationFailed) as refused:
        _book(agent, case, chosen)

    assert list(refused.value.fields) == ["technician"]
    assert Visit.objects.count() == 0


def test_scheduling_needs_an_address_when_the_customer_has_none(agent, technician):
    case = make_case(CustomerFactory(address=""))

    with pytest.raises(ValidationFailed) as refused:
        _book(agent, case, technician, address="")

    assert list(refused.value.fields) == ["address"]
    assert Visit.objects.count() == 0


def test_the_unit_must_be_the_case_customers(agent, case, technician, other_customer):
    stranger_unit = UnitFactory(owner=other_customer)

    with pytest.raises(ValidationFailed) as refused:
        _book(agent, case, technician, unit=stranger_unit)

    assert list(refused.value.fields) == ["unit"]
    assert Visit.objects.count() == 0


def test_an_agent_who_may_not_see_the_case_cannot_book_on_it(other_agent, team, customer, technician):
    hidden = make_case(customer, team=team)

    with pytest.raises(NotFound):
        _book(other_agent, hidden, technician)

    assert Visit.objects.count() == 0


def test_an_overlapping_window_for_the_same_technician_is_refused(agent, case, technician, other_customer):
    first = _book(agent, case, technician)
    other_case = make_case(other_customer)

    with pytest.raises(Conflict) as refused:
        _book(
            agent,
            other_case,
            technician,
            starts_at=END - dt.timedelta(minutes=30),
            ends_at=END + dt.timedelta(hours=1),
        )

    assert refused.value.code == AftersalesError.TECHNICIAN_BUSY
    assert first.reference in str(refused.value.message)
    assert Visit.objects.count() == 1
    assert _events(other_case) == []


def test_back_to_back_windows_and_cancelled_visits_do_not_block_the_technician(agent, case, technician):
    first = _book(agent, case, technician)
    visit_cancel(actor=agent, visit=first, note="Customer away")

    again = _book(agent, case, technician)
    after = _book(agent, case, technician, starts_at=END, ends_at=END + dt.timedelta(hours=1))

    assert (again.status, after.status) == (Visit.Status.SCHEDULED, Visit.Status.SCHEDULED)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_bookings_at_once_cannot_both_take_the_technicians_slot():
    agent = UserFactory.create(role=Role.MANAGER)
    technician = UserFactory.create(role=Role.AGENT)
    first_case = make_case(CustomerFactory(address="1 First St"))
    second_case = make_case(CustomerFactory(address="2 Second St"))
    results: dict[str, object] = {}

    def other_desk() -> None:
        try:
            results["second"] = _book(agent, second_case, technician, address="")
        except Conflict as exc:
            results["second"] = exc.code
        finally:
            connection.close()

    with transaction.atomic():
        results["first"] = _book(agent, first_case, technician, address="")
        desk = threading.Thread(target=other_desk)
        desk.start()
        desk.join(timeout=1.0)
        assert desk.is_alive(), "the second booking did not wait for the technician's lock"
    desk.join(timeout=10)

    assert isinstance(results["first"], Visit)
    assert results["second"] == AftersalesError.TECHNICIAN_BUSY
    assert Visit.objects.count() == 1


# --- confirmation ---------------------------------------------------------------------------------


def test_the_customer_confirms_through_the_link_once(agent, case, technician):
    visit = _book(agent, case, technician)

    confirmed = visit_confirm(visit=visit, token=_token(visit))
    again = visit_confirm(visit=visit, token=_token(visit))

    assert confirmed.status == Visit.Status.CONFIRMED
    assert confirmed.confirmed_at is not None
    assert confirmed.version == 2
    assert again.confirmed_at == confirmed.confirmed_at
    assert again.version == 2
    [event] = _events(case, EventKind.VISIT_CONFIRMED)
    assert event.actor_kind == AuthorKind.CUSTOMER
    assert event.actor is None
    assert event.data == {"record": {"type": "visit", "id": visit.pk, "reference": visit.reference}}
    audit = AuditLog.objects.get(action="visit.confirm", object_id=str(visit.pk))
    assert audit.after["status"] == "confirmed"
    assert audit.before["status"] == "scheduled"


def test_the_owner_confirms_in_the_portal(agent, case, technician, customer_user):
    visit = _book(agent, case, technician)

    confirmed = visit_confirm(visit=visit, actor=customer_user)

    assert confirmed.status == Visit.Status.CONFIRMED
    [event] = _events(case, EventKind.VISIT_CONFIRMED)
    assert (event.actor, event.actor_kind) == (customer_user, AuthorKind.CUSTOMER)


def test_another_customer_cannot_confirm(agent, case, technician, other_customer_user):
    visit = _book(agent, case, technician)
    before = _state(visit)

    with pytest.raises(NotFound):
        visit_confirm(visit=visit, actor=other_customer_user)

    assert _state(visit) == before
    assert _events(case, EventKind.VISIT_CONFIRMED) == []


def test_a_wrong_token_is_not_found(agent, case, technician):
    visit = _book(agent, case, technician)
    before = _state(visit)

    with pytest.raises(NotFound):
        visit_confirm(visit=visit, token="not-the-token")

    assert _state(visit) == before


def test_a_done_visit_cannot_be_confirmed(agent, case, technician):
    visit = _book(agent, case, technician)
    token = _token(visit)
    visit_complete(actor=agent, visit=visit, outcome="Serviced")
    before = _state(visit)

    with pytest.raises(Conflict) as refused:
        visit_confirm(visit=visit, token=token)

    assert refused.value.code == AftersalesError.LINK_INVALID
    assert _state(visit) == before
    assert _events(case, EventKind.VISIT_CONFIRMED) == []


def test_a_link_is_invalid_once_the_window_has_passed(agent, case, technician):
    visit = _book(agent, case, technician)
    before = _state(visit)

    with time_machine.travel(END + dt.timedelta(minutes=1), tick=False), pytest.raises(Conflict) as refused:
        visit_confirm(visit=visit, token=_token(visit))

    assert refused.value.code == AftersalesError.LINK_INVALID
    assert _state(visit) == before


def test_a_link_finds_its_visit(agent, case, technician):
    visit = _book(agent, case, technician)

    assert visit_by_token(_token(visit)) == visit
    with pytest.raises(NotFound):
        visit_by_token("unknown")
    with pytest.raises(NotFound):
        visit_by_token("")


# --- rescheduling ---------------------------------------------------------------------------------


def test_rescheduling_moves_the_window_and_replaces_the_link(agent, case, technician):
    visit = _book(agent, case, technician)
    old_token = _token(visit)
    visit_confirm(visit=visit, token=old_token)
    new_start = START + dt.timedelta(days=1)

    moved = visit_reschedule(
        actor=agent, visit=visit, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=3)
    )

    moved.refresh_from_db()
    assert moved.status == Visit.Status.SCHEDULED
    assert moved.confirmed_at is None
    assert (moved.starts_at, moved.ends_at) == (new_start, new_start + dt.timedelta(hours=3))
    assert moved.version == 3
    with pytest.raises(NotFound):
        visit_by_token(old_token)
    with pytest.raises(NotFound):
        visit_confirm(visit=moved, token=old_token)
    new_token = moved.confirm_url.rstrip("/").rsplit("/", 1)[1]
    assert visit_by_token(new_token) == moved
    [event] = _events(case, EventKind.VISIT_RESCHEDULED)
    assert event.data["from"] == {"starts_at": START.isoformat(), "ends_at": END.isoformat()}
    assert event.data["to"]["starts_at"] == new_start.isoformat()
    assert AuditLog.objects.filter(action="visit.reschedule", object_id=str(visit.pk)).count() == 1
    notices = _notices(case)
    assert len(notices) == 2
    assert "1409/01/02 10:00" in notices[1]
    assert moved.confirm_url in notices[1]
    assert visit_confirm(visit=moved, token=new_token).status == Visit.Status.CONFIRMED


def test_rescheduling_onto_another_visit_is_refused(agent, case, technician):
    visit = _book(agent, case, technician)
    later = START + dt.timedelta(hours=4)
    other = _book(agent, case, technician, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    before = _state(visit)

    with pytest.raises(Conflict) as refused:
        visit_reschedule(actor=agent, visit=visit, starts_at=later, ends_at=later + dt.timedelta(hours=2))

    assert refused.value.code == AftersalesError.TECHNICIAN_BUSY
    assert other.reference in str(refused.value.message)
    assert _state(visit) == before
    assert _events(case, EventKind.VISIT_RESCHEDULED) == []


def test_a_visit_keeps_its_own_slot_when_moved_within_it(agent, case, technician):
    visit = _book(agent, case, technician)

    moved = visit_reschedule(
        actor=agent, visit=visit, starts_at=START + dt.timedelta(minutes=30), ends_at=END
    )

    assert moved.starts_at == START + dt.timedelta(minutes=30)


def test_a_cancelled_visit_cannot_be_rescheduled(agent, case, technician):
    visit = _book(agent, case, technician)
    visit_cancel(actor=agent, visit=visit)
    before = _state(visit)

    with pytest.raises(Conflict) as refused:
        visit_reschedule(actor=agent, visit=visit, starts_at=START + dt.timedelta(days=1), ends_at=END)

    assert refused.value.code == AftersalesError.WRONG_STATUS
    assert _state(visit) == before


# --- outcomes -------------------------------------------------------------------------------------


def test_completing_a_maintenance_visit_restarts_the_schedule_and_records_the_cost(
    agent, case, unit, technician
):
    schedule = maintenance_schedule_sync(unit=unit)
    visit = _book(agent, case, technician, checklist=["Check the pressure", "Clean the filter"])

    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        done = visit_complete(
            actor=agent,
            visit=visit,
            outcome="Serviced, filter replaced",
            checklist=["Clean the filter", "Bleed the radiators"],
            labour_hours="1.5",
            cost="250",
        )

    done.refresh_from_db()
    assert done.status == Visit.Status.DONE
    assert done.outcome == "Serviced, filter replaced"
    assert done.done_at == START + dt.timedelta(hours=1)
    assert done.labour_hours == Decimal("1.50")
    assert done.checklist == [
        {"item": "Check the pressure", "done": False},
        {"item": "Clean the filter", "done": True},
        {"item": "Bleed the radiators", "done": True},
    ]
    assert done.version == 2
    schedule.refresh_from_db()
    # Done at 11:00 in Tehran on 21 March 2030: the next one is due 180 days later.
    assert schedule.last_done_on == dt.date(2030, 3, 21)
    assert schedule.next_due_on == dt.date(2030, 3, 21) + dt.timedelta(days=180)
    entry = CostEntry.objects.get(case=case)
    assert (entry.kind, entry.amount, entry.source) == (
        CostEntry.Kind.VISIT,
        Decimal("250.00"),
        f"visit:{visit.pk}",
    )
    assert entry.under_warranty is True  # the policy covers on-site service and the unit is in warranty
    assert entry.product == unit.product
    [event] = _events(case, EventKind.VISIT_DONE)
    assert event.data["labour_hours"] == "1.50"
    assert event.data["cost"] == "250.00"
    assert AuditLog.objects.filter(action="visit.complete", object_id=str(visit.pk)).count() == 1


def test_completing_with_checklist_items_replaces_them(agent, case, technician):
    visit = _book(agent, case, technician, checklist=["Check the pressure"], kind=Visit.Kind.REPAIR)

    done = visit_complete(
        actor=agent,
        visit=visit,
        outcome="Fixed",
        checklist=[
            {"item": "Check the pressure", "done": True},
            {"item": "Replace the valve", "done": False},
        ],
    )

    assert done.checklist == [
        {"item": "Check the pressure", "done": True},
        {"item": "Replace the valve", "done": False},
    ]
    assert done.labour_hours is None
    assert CostEntry.objects.count() == 0


def test_a_visit_the_warranty_does_not_cover_on_site_is_the_companys_cost(agent, customer, technician):
    workshop_only = owned_unit(customer)  # its policy covers parts and labour, not on-site service
    case = make_case(customer, unit=workshop_only)
    visit = _book(agent, case, technician, kind=Visit.Kind.REPAIR)

    visit_complete(actor=agent, visit=visit, outcome="Fixed", cost=Decimal("80"))

    entry = CostEntry.objects.get(case=case)
    assert (entry.kind, entry.amount, entry.under_warranty) == (CostEntry.Kind.VISIT, Decimal("80.00"), False)


def test_a_repair_visit_leaves_the_maintenance_schedule_alone(agent, case, unit, technician):
    schedule = maintenance_schedule_sync(unit=unit)
    due = schedule.next_due_on
    visit = _book(agent, case, technician, kind=Visit.Kind.REPAIR)

    visit_complete(actor=agent, visit=visit, outcome="Fixed")

    schedule.refresh_from_db()
    assert (schedule.last_done_on, schedule.next_due_on) == (None, due)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"outcome": "  "}, "outcome"),
        ({"outcome": "Done", "labour_hours": "-1"}, "labour_hours"),
        ({"outcome": "Done", "labour_hours": "many"}, "labour_hours"),
        ({"outcome": "Done", "cost": "-5"}, "cost"),
        ({"outcome": "Done", "checklist": [1, 2]}, "checklist"),
    ],
)
def test_completing_refuses_bad_input_and_changes_nothing(agent, case, technician, fields, error_field):
    visit = _book(agent, case, technician)
    before = _state(visit)

    with pytest.raises(ValidationFailed) as refused:
        visit_complete(actor=agent, visit=visit, **fields)

    assert list(refused.value.fields) == [error_field]
    assert _state(visit) == before
    assert _events(case, EventKind.VISIT_DONE) == []
    assert CostEntry.objects.count() == 0


def test_a_visit_is_missed_only_once_its_window_has_begun(agent, case, technician):
    visit = _book(agent, case, technician)
    before = _state(visit)

    with pytest.raises(Conflict) as refused:
        visit_miss(actor=agent, visit=visit, note="Nobody home")

    assert refused.value.code == AftersalesError.WRONG_STATUS
    assert _state(visit) == before
    with time_machine.travel(START + dt.timedelta(minutes=45), tick=False):
        missed = visit_miss(actor=agent, visit=visit, note="Nobody home")
    assert missed.status == Visit.Status.MISSED
    assert missed.outcome == "Nobody home"
    assert missed.version == 2
    [event] = _events(case, EventKind.VISIT_MISSED)
    assert event.data["note"] == "Nobody home"
    assert AuditLog.objects.filter(action="visit.miss", object_id=str(visit.pk)).count() == 1


def test_cancelling_tells_the_customer(agent, case, technician):
    visit = _book(agent, case, technician)

    cancelled = visit_cancel(actor=agent, visit=visit, note="Technician ill")

    assert cancelled.status == Visit.Status.CANCELLED
    assert cancelled.outcome == "Technician ill"
    assert cancelled.version == 2
    [event] = _events(case, EventKind.VISIT_CANCELLED)
    assert event.data["note"] == "Technician ill"
    assert AuditLog.objects.filter(action="visit.cancel", object_id=str(visit.pk)).count() == 1
    notices = _notices(case)
    assert len(notices) == 2
    assert visit.reference in notices[1]
    assert "1409/01/01 10:00" in notices[1]
    assert "Technician ill" not in notices[1]  # the note is the staff's


@pytest.mark.parametrize("first", ["complete", "cancel", "miss"])
def test_a_closed_out_visit_refuses_every_further_step(agent, case, technician, first):
    visit = _book(agent, case, technician)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        if first == "complete":
            visit_complete(actor=agent, visit=visit, outcome="Done")
        elif first == "cancel":
            visit_cancel(actor=agent, visit=visit)
        else:
            visit_miss(actor=agent, visit=visit)
    before = _state(visit)
    events = len(_events(case))

    for attempt in (
        lambda: visit_complete(actor=agent, visit=visit, outcome="Again"),
        lambda: visit_cancel(actor=agent, visit=visit),
        lambda: visit_miss(actor=agent, visit=visit),
        lambda: visit_reschedule(actor=agent, visit=visit, starts_at=START, ends_at=END),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == AftersalesError.WRONG_STATUS

    assert _state(visit) == before
    assert len(_events(case)) == events


# --- booking maintenance --------------------------------------------------------------------------


def test_booking_maintenance_opens_a_maintenance_case_for_the_owner(agent, customer, unit, technician):
    customer.address = "7 Azadi Sq"
    customer.save(update_fields=["address"])

    visit = visit_book_maintenance(
        actor=agent, unit=unit, technician=technician, starts_at=START, ends_at=END
    )

    case = visit.case
    assert case.customer == customer
    assert (case.kind, case.channel, case.unit, case.language) == (
        CaseKind.MAINTENANCE,
        Channel.PROACTIVE,
        unit,
        "fa",
    )
    assert case.subject == "Maintenance of Boiler"
    assert (visit.kind, visit.unit, visit.address) == (Visit.Kind.MAINTENANCE, unit, "7 Azadi Sq")
    assert [e.kind for e in _events(case)] == [EventKind.VISIT_SCHEDULED]


def test_booking_maintenance_needs_an_owner(agent, technician):
    orphan = UnitFactory(owner=None, product=ProductFactory(maintenance_interval_days=90))

    with pytest.raises(ValidationFailed) as refused:
        visit_book_maintenance(
            actor=agent, unit=orphan, technician=technician, starts_at=START, ends_at=END, address="Somewhere"
        )

    assert refused.value.code == AftersalesError.NO_UNIT
    assert Case.objects.count() == 0
    assert Visit.objects.count() == 0


def test_a_refused_booking_leaves_no_case_behind(agent, unit, technician):
    with pytest.raises(ValidationFailed):
        visit_book_maintenance(
            actor=agent, unit=unit, technician=technician, starts_at=END, ends_at=START, address="Here"
        )

    assert Case.objects.count() == 0


# --- schedules ------------------------------------------------------------------------------------


def _unit(interval: int | None, delivered_days_ago: int | None) -> object:
    delivered = (
        timezone.localdate() - dt.timedelta(days=delivered_days_ago)
        if delivered_days_ago is not None
        else None
    )
    return UnitFactory(
        product=ProductFactory(maintenance_interval_days=interval),
        purchased_on=delivered,
        delivered_on=delivered,
        warranty_start=delivered,
        warranty_end=delivered + dt.timedelta(days=365) if delivered else None,
    )


def test_a_schedule_counts_from_delivery_to_the_next_due_day(db):
    unit = _unit(90, delivered_days_ago=100)

    schedule = maintenance_schedule_sync(unit=unit)

    today = timezone.localdate()
    assert schedule.interval_days == 90
    assert schedule.last_done_on is None
    assert schedule.next_due_on == today - dt.timedelta(days=100) + dt.timedelta(days=180)
    assert schedule.is_active is True


def test_a_schedule_counts_from_the_last_visit_done(db):
    unit = _unit(90, delivered_days_ago=100)
    schedule = maintenance_schedule_sync(unit=unit)
    MaintenanceSchedule.objects.filter(pk=schedule.pk).update(last_done_on=dt.date(2026, 1, 10))

    again = maintenance_schedule_sync(unit=unit)

    assert again.pk == schedule.pk
    assert again.next_due_on == dt.date(2026, 1, 10) + dt.timedelta(days=90)


def test_no_schedule_without_an_interval_or_a_start_day(db):
    assert maintenance_schedule_sync(unit=_unit(None, delivered_days_ago=10)) is None
    assert maintenance_schedule_sync(unit=_unit(30, delivered_days_ago=None)) is None
    assert MaintenanceSchedule.objects.count() == 0


def test_a_product_that_stops_needing_maintenance_deactivates_the_schedule(db):
    unit = _unit(30, delivered_days_ago=10)
    schedule = maintenance_schedule_sync(unit=unit)
    unit.product.maintenance_interval_days = None
    unit.product.save(update_fields=["maintenance_interval_days"])

    assert maintenance_schedule_sync(unit=unit) is None

    schedule.refresh_from_db()
    assert schedule.is_active is False


def test_an_overdue_date_is_not_moved_on_by_a_later_sync(db):
    unit = _unit(30, delivered_days_ago=10)
    schedule = maintenance_schedule_sync(unit=unit)
    due = schedule.next_due_on

    with time_machine.travel(timezone.now() + dt.timedelta(days=45), tick=False):
        again = maintenance_schedule_sync(unit=unit)

    assert again.next_due_on == due


def test_the_refresh_creates_updates_and_is_idempotent(db):
    first = _unit(30, delivered_days_ago=10)
    second = _unit(60, delivered_days_ago=200)
    _unit(None, delivered_days_ago=10)
    _unit(30, delivered_days_ago=None)

    created = maintenance_schedules_refresh(batch_size=1)
    rerun = maintenance_schedules_refresh(batch_size=1)
    second.product.maintenance_interval_days = 45
    second.product.save(update_fields=["maintenance_interval_days"])
    first.product.maintenance_interval_days = None
    first.product.save(update_fields=["maintenance_interval_days"])
    changed = maintenance_schedules_refresh()

    assert created.as_dict() == {"created": 2, "updated": 0, "deactivated": 0}
    assert rerun.as_dict() == {"created": 0, "updated": 0, "deactivated": 0}
    assert changed.as_dict() == {"created": 0, "updated": 1, "deactivated": 1}
    assert MaintenanceSchedule.objects.get(unit=second).interval_days == 45
    assert MaintenanceSchedule.objects.get(unit=first).is_active is False
    assert maintenance_schedules_refresh().as_dict() == {"created": 0, "updated": 0, "deactivated": 0}


def test_the_refresh_runs_daily_and_from_the_command_line(db):
    _unit(30, delivered_days_ago=10)

    job = periodic_jobs()["aftersales_maintenance_schedules"]
    out = StringIO()
    call_command("maintenance_sync", stdout=out)
    call_command("maintenance_sync", stdout=out)

    assert job.every == dt.timedelta(days=1)
    assert job.func.call() == {"created": 0, "updated": 0, "deactivated": 0}
    assert out.getvalue().splitlines() == [
        "Maintenance schedules: 1 created, 0 updated, 0 deactivated.",
        "Maintenance schedules: 0 created, 0 updated, 0 deactivated.",
    ]
