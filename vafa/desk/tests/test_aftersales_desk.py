"""The desk's after-sales screens: the case panel and its steps, repairs, the calendar and visits,
maintenance, the packing note, and the managers' approvals, settings, stock and report.

Each step is posted as a browser would (plain form, or htmx) and must call its service and show the
result; a refused step shows the service's message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from vafa.accounts.models import AuditLog
from vafa.aftersales.models import (
    ApprovalLimit,
    CostEntry,
    ExchangeRate,
    Goodwill,
    MaintenanceSchedule,
    Refund,
    RepairLine,
    RepairOrder,
    Replacement,
    ReturnRequest,
    StockLevel,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.services.claims import claim_approve, claim_open
from vafa.aftersales.services.common import refuse_transition
from vafa.aftersales.services.goodwill import goodwill_give
from vafa.aftersales.services.refunds import refund_request
from vafa.aftersales.services.repairs import repair_add_part, repair_open
from vafa.aftersales.services.returns import return_approve, return_request
from vafa.aftersales.services.visits import visit_schedule
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.service.models import CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _case(customer, team, **unit_args):
    unit = owned_unit(customer, **unit_args)
    return make_case(customer, team=team, unit=unit, subject="Kettle stopped heating")


def _panel(case) -> str:
    return f"/desk/cases/{case.number}/aftersales/"


def _act(case, action: str, record=None) -> str:
    suffix = f"{record.pk}/" if record is not None else ""
    return f"/desk/cases/{case.number}/aftersales/{action}/{suffix}"


def _events(case, kind: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind))


# --- the panel ------------------------------------------------------------------------------------


def test_case_page_loads_the_panel_by_itself(desk_as, agent, team, customer):
    case = _case(customer, team)

    response = desk_as(agent).get(f"/desk/cases/{case.number}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'hx-get="/desk/cases/{case.number}/aftersales/"' in html
    assert 'id="desk-nav-aftersales"' in html


def test_panel_shows_the_entitlement_the_records_and_the_costs(desk_as, agent, team, customer):
    case = _case(customer, team)
    approved = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")
    claim = claim_open(actor=agent, case=case, fault="It does not heat")
    location = ServiceLocationFactory()
    repair = repair_open(actor=agent, case=case, location=location, claim=approved)

    response = desk_as(agent).get(_panel(case), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-entitlement="in_warranty"' in html
    assert "In warranty" in html
    warranty_end = case.unit.warranty_end.isoformat()
    assert f"In warranty until {warranty_end}; it covers parts, labour." in html
    assert f'id="claim-{claim.pk}" data-status="open"' in html
    assert claim.reference in html
    assert f'href="/desk/aftersales/repairs/{repair.pk}/"' in html
    assert 'id="aftersales-cost-total"' in html
    # The claim's default decision is chosen already: approve with a repair.
    assert f'name="claim_approve-{claim.pk}-remedy"' in html
    assert '<option value="repair" selected>' in html
    assert "<html" not in html


def test_panel_reads_in_persian_with_jalali_dates(desk_as, agent, team, customer):
    agent.language = "fa"
    agent.save(update_fields=["language"])
    case = _case(customer, team)

    response = desk_as(agent).get(_panel(case), **HTMX)

    html = response.content.decode()
    with translation.override("fa"):
        from vafa.core.dates import format_date

        jalali = format_date(case.unit.warranty_end, language="fa", with_time=False)
    assert jalali in html
    assert case.unit.warranty_end.isoformat() not in html


def test_panel_without_javascript_is_a_page_of_its_own(desk_as, agent, team, customer):
    case = _case(customer, team)

    response = desk_as(agent).get(_panel(case))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'id="case-aftersales"' in html


def test_an_agent_of_another_team_gets_the_missing_page(desk_as, other_agent, team, customer):
    case = _case(customer, team)
    claim = claim_open(actor=None, case=case)
    client = desk_as(other_agent)

    assert client.get(_panel(case), **HTMX).status_code == 404
    assert client.post(_act(case, "claim_open"), {}).status_code == 404
    response = client.post(_act(case, "claim_approve", claim), {f"claim_approve-{claim.pk}-remedy": "repair"})
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.OPEN


def test_customers_are_sent_away(client, desk_as, customer_user, team, customer):
    case = _case(customer, team)

    assert desk_as(customer_user).get(_panel(case)).status_code == 404
    assert client.get(_panel(case)).status_code == 302
    assert client.get("/desk/aftersales/repairs/").status_code == 302


def test_a_step_on_a_record_of_another_case_is_not_found(desk_as, agent, team, customer):
    case = _case(customer, team)
    other = _case(customer, team)
    claim = claim_open(actor=None, case=other)

    response = desk_as(agent).post(
        _act(case, "claim_reject", claim), {f"claim_reject-{claim.pk}-reason": "no_proof"}
    )

    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.OPEN


# --- claims ---------------------------------------------------------------------------------------


def test_open_a_claim_from_the_panel(desk_as, agent, team, customer):
    case = _case(customer, team)

    response = desk_as(agent).post(_act(case, "claim_open"), {"claim_open-case-fault": "No heat at all"})

    claim = WarrantyClaim.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{case.number}/#case-aftersales"
    assert claim.fault == "No heat at all"
    assert claim.unit_id == case.unit_id
    assert claim.created_by == agent
    assert len(_events(case, EventKind.CLAIM_OPENED)) == 1


def test_open_a_claim_with_htmx_answers_the_panel_and_refreshes_the_stream(desk_as, agent, team, customer):
    case = _case(customer, team)

    response = desk_as(agent).post(_act(case, "claim_open"), {"claim_open-case-fault": ""}, **HTMX)

    claim = WarrantyClaim.objects.get(case=case)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "case-changed"
    html = response.content.decode()
    assert f"Warranty claim {claim.reference} opened." in html
    assert f'id="claim-{claim.pk}"' in html


def test_approve_and_reject_claims(desk_as, agent, team, customer):
    case = _case(customer, team)
    first = claim_open(actor=None, case=case)
    second = claim_open(actor=None, case=case)
    client = desk_as(agent)

    approved = client.post(
        _act(case, "claim_approve", first),
        {f"claim_approve-{first.pk}-remedy": "replacement", f"claim_approve-{first.pk}-note": "Swap it"},
    )
    rejected = client.post(
        _act(case, "claim_reject", second),
        {f"claim_reject-{second.pk}-reason": "liquid_damage", f"claim_reject-{second.pk}-note": ""},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (approved.status_code, rejected.status_code) == (302, 302)
    assert (first.status, first.remedy, first.note, first.decided_by) == (
        "approved",
        "replacement",
        "Swap it",
        agent,
    )
    assert (second.status, second.reason) == ("rejected", "liquid_damage")


def test_a_refused_step_shows_the_translated_error_and_changes_nothing(desk_as, agent, team, customer):
    agent.language = "fa"
    agent.save(update_fields=["language"])
    case = _case(customer, team)
    claim = claim_open(actor=None, case=case)
    claim_approve(actor=None, claim=claim, remedy="repair")
    events = CaseEvent.objects.filter(case=case).count()
    audits = AuditLog.objects.count()

    response = desk_as(agent).post(
        _act(case, "claim_reject", claim),
        {f"claim_reject-{claim.pk}-reason": "no_proof", f"claim_reject-{claim.pk}-note": "kept note"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert 'dir="rtl"' in html
    claim.refresh_from_db()
    with translation.override("fa"):
        expected = str(refuse_transition(claim, gettext_lazy("rejected")).message)
    assert escape(expected) in html
    assert "kept note" in html  # what was typed is kept
    assert 'data-action="claim_reject" open' in html
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("approved", "")
    assert CaseEvent.objects.filter(case=case).count() == events
    assert AuditLog.objects.count() == audits


def test_open_a_claim_on_a_case_without_unit_is_refused(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(agent).post(_act(case, "claim_open"), {"claim_open-case-fault": "broken"}, **HTMX)

    assert response.status_code == 200  # htmx swaps only successful answers: the form shows the error
    html = response.content.decode()
    assert "invalid-feedback" in html or 'role="alert"' in html
    assert "broken" in html
    assert not WarrantyClaim.objects.filter(case=case).exists()


# --- returns, refunds, replacements ---------------------------------------------------------------


def test_a_return_from_request_to_close(desk_as, agent, team, customer):
    case = _case(customer, team)
    line = case.unit.order_line
    location = ServiceLocationFactory(name="North depot")
    client = desk_as(agent)

    client.post(
        _act(case, "return_request"),
        {
            "return_request-case-order_line": line.pk,
            "return_request-case-reason": "defective",
            "return_request-case-quantity": "1",
            "return_request-case-description": "Dead on arrival",
        },
    )
    rma = ReturnRequest.objects.get(case=case)
    steps = [
        ("return_approve", {f"return_approve-{rma.pk}-location": location.pk}, "approved"),
        ("return_instruct", {}, "instructed"),
        ("return_receive", {}, "received"),
        (
            "return_inspect",
            {f"return_inspect-{rma.pk}-condition": "used", f"return_inspect-{rma.pk}-note": "ok"},
            "inspected",
        ),
        ("return_close", {f"return_close-{rma.pk}-outcome": "repair"}, "closed"),
    ]
    statuses = []
    for action, data, _expected in steps:
        response = client.post(_act(case, action, rma), data)
        assert response.status_code == 302, (action, response.content.decode()[-3000:])
        rma.refresh_from_db()
        statuses.append(rma.status)

    assert (rma.reason, rma.description, rma.quantity) == ("defective", "Dead on arrival", 1)
    assert statuses == [expected for _a, _d, expected in steps]
    assert (rma.location, rma.condition, rma.outcome) == (location, "used", "repair")
    assert len(_events(case, EventKind.RETURN_RECEIVED)) == 1


def test_the_panel_offers_only_the_steps_of_the_return_s_status(desk_as, agent, team, customer):
    case = _case(customer, team)
    rma = return_request(actor=None, case=case, order_line=case.unit.order_line, reason="defective")
    return_approve(actor=None, rma=rma, location=ServiceLocationFactory())

    html = desk_as(agent).get(_panel(case), **HTMX).content.decode()

    assert f'id="form-return_instruct-{rma.pk}"' in html
    assert f'id="form-return_approve-{rma.pk}"' not in html
    assert f'id="form-return_close-{rma.pk}"' not in html
    assert f'href="/desk/aftersales/returns/{rma.pk}/packing-note/"' in html


def test_an_agent_s_refund_waits_for_a_manager_who_approves_it(desk_as, agent, manager, team, customer):
    case = _case(customer, team)
    line = case.unit.order_line
    agent_client = desk_as(agent)

    agent_client.post(
        _act(case, "refund_request"),
        {
            "refund_request-case-order_line": line.pk,
            "refund_request-case-amount": "250.00",
            "refund_request-case-method": "bank_transfer",
            "refund_request-case-reason": "Late delivery",
        },
    )
    refund = Refund.objects.get(case=case)
    agent_panel = agent_client.get(_panel(case), **HTMX).content.decode()
    manager_panel = desk_as(manager).get(_panel(case), **HTMX).content.decode()
    approved = desk_as(manager).post(
        _act(case, "refund_approve", refund), {f"refund_approve-{refund.pk}-reference": "TX-1"}
    )

    assert (refund.amount, refund.method, refund.status) == (Decimal("250.00"), "bank_transfer", "pending")
    assert f'id="form-refund_approve-{refund.pk}"' not in agent_panel
    assert f'id="form-refund_approve-{refund.pk}"' in manager_panel
    assert approved.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.payment_reference, refund.approved_by) == ("issued", "TX-1", manager)


def test_a_refund_above_what_was_paid_is_refused_and_nothing_is_held(desk_as, manager, team, customer):
    case = _case(customer, team)
    line = case.unit.order_line
    line.refresh_from_db()
    paid = line.unit_price * line.quantity

    response = desk_as(manager).post(
        _act(case, "refund_request"),
        {
            "refund_request-case-order_line": line.pk,
            "refund_request-case-amount": str(paid + 1),
            "refund_request-case-method": "original",
        },
    )

    assert response.status_code in (409, 422)
    assert str(paid + 1) in response.content.decode()
    line.refresh_from_db()
    assert line.refunded_amount == 0
    assert not Refund.objects.filter(case=case).exists()


def test_issue_a_replacement_then_ship_and_deliver_it(desk_as, agent, team, customer):
    case = _case(customer, team)
    claim = claim_approve(actor=None, claim=claim_open(actor=None, case=case), remedy="replacement")
    client = desk_as(agent)

    issued = client.post(
        _act(case, "replacement_issue"),
        {
            "replacement_issue-case-original_unit": case.unit_id,
            "replacement_issue-case-new_serial": "NEW-0001",
            "replacement_issue-case-claim": claim.pk,
        },
    )
    replacement = Replacement.objects.get(case=case)
    client.post(
        _act(case, "replacement_ship", replacement), {f"replacement_ship-{replacement.pk}-tracking": "TRK9"}
    )
    client.post(_act(case, "replacement_deliver", replacement), {})

    assert issued.status_code == 302
    replacement.refresh_from_db()
    assert replacement.new_unit.serial_number == "NEW-0001"
    assert (replacement.status, replacement.tracking) == ("delivered", "TRK9")


# --- repairs, goodwill, visits and costs from the panel -------------------------------------------


def test_open_a_repair_from_the_panel(desk_as, agent, team, customer):
    case = _case(customer, team)
    claim = claim_approve(actor=None, claim=claim_open(actor=None, case=case), remedy="repair")
    location = ServiceLocationFactory()

    response = desk_as(agent).post(
        _act(case, "repair_open"),
        {
            "repair_open-case-location": location.pk,
            "repair_open-case-technician": agent.pk,
            "repair_open-case-unit": case.unit_id,
            "repair_open-case-fault": "No heat",
            "repair_open-case-claim": claim.pk,
        },
    )

    repair = RepairOrder.objects.get(case=case)
    assert response.status_code == 302
    assert (repair.location, repair.technician, repair.claim, repair.fault) == (
        location,
        agent,
        claim,
        "No heat",
    )
    assert (repair.covers_parts, repair.covers_labour) == (True, True)


def test_give_goodwill_from_the_panel(desk_as, manager, team, customer):
    case = _case(customer, team)

    response = desk_as(manager).post(
        _act(case, "goodwill_give"),
        {
            "goodwill_give-case-kind": "warranty_extension",
            "goodwill_give-case-reason": "Second fault this year",
            "goodwill_give-case-unit": case.unit_id,
            "goodwill_give-case-extension_months": "6",
            "goodwill_give-case-cost": "10.00",
        },
    )

    gift = Goodwill.objects.get(case=case)
    assert response.status_code == 302
    assert (gift.kind, gift.status, gift.extension_months, gift.cost) == (
        "warranty_extension",
        "given",
        6,
        Decimal("10.00"),
    )


def test_schedule_a_visit_in_the_customer_s_time_zone(desk_as, agent, team, customer):
    customer.time_zone = "Asia/Tehran"
    customer.address = "12 Vali-Asr St"
    customer.save(update_fields=["time_zone", "address"])
    case = _case(customer, team)
    day = timezone.localdate() + dt.timedelta(days=3)

    response = desk_as(agent).post(
        _act(case, "visit_schedule"),
        {
            "visit_schedule-case-technician": agent.pk,
            "visit_schedule-case-kind": "maintenance",
            "visit_schedule-case-unit": case.unit_id,
            "visit_schedule-case-day": day.isoformat(),
            "visit_schedule-case-start": "10:00",
            "visit_schedule-case-end": "11:30",
            "visit_schedule-case-address": "12 Vali-Asr St",
            "visit_schedule-case-checklist": "Clean the filter\n\nCheck the seal\n",
        },
    )

    visit = Visit.objects.get(case=case)
    assert response.status_code == 302
    tehran = ZoneInfo("Asia/Tehran")
    assert visit.starts_at == dt.datetime.combine(day, dt.time(10, 0), tzinfo=tehran)
    assert visit.ends_at == dt.datetime.combine(day, dt.time(11, 30), tzinfo=tehran)
    assert [entry["item"] for entry in visit.checklist] == ["Clean the filter", "Check the seal"]


def test_record_a_shipping_cost(desk_as, agent, team, customer):
    case = _case(customer, team)

    desk_as(agent).post(
        _act(case, "shipping_cost"),
        {"shipping_cost-case-amount": "۱۲۰۰۰", "shipping_cost-case-description": "Courier"},
    )
    html = desk_as(agent).get(_panel(case), **HTMX).content.decode()

    entry = CostEntry.objects.get(case=case)
    assert (entry.kind, entry.amount, entry.description) == ("shipping", Decimal("12000.00"), "Courier")
    assert 'data-cost-kind="shipping"' in html


# --- the repairs list and the repair page ---------------------------------------------------------


def _repair(agent, team, customer, *, stock: int = 3, **unit_args):
    case = _case(customer, team, **unit_args)
    location = ServiceLocationFactory(name="Central workshop")
    part = PartFactory(name="Heating element", unit_price="80.00", unit_cost="30.00")
    level = stocked(part, location, stock)
    repair = repair_open(actor=agent, case=case, location=location)
    return repair, part, level


def test_repairs_list_filters_and_pages(desk_as, agent, team, customer):
    first, _part, _level = _repair(agent, team, customer)
    second = repair_open(actor=agent, case=first.case, location=first.location, technician=agent)
    client = desk_as(agent)

    everything = client.get("/desk/aftersales/repairs/").content.decode()
    mine = client.get(f"/desk/aftersales/repairs/?technician={agent.pk}").content.decode()
    diagnosing = client.get("/desk/aftersales/repairs/?status=diagnosing").content.decode()

    assert f'id="repair-{first.pk}"' in everything and f'id="repair-{second.pk}"' in everything
    assert f'id="repair-{second.pk}"' in mine and f'id="repair-{first.pk}"' not in mine
    assert 'id="repairs-empty"' in diagnosing


def test_repairs_list_hides_other_teams_repairs(desk_as, agent, other_agent, team, customer):
    repair, _part, _level = _repair(agent, team, customer)

    html = desk_as(other_agent).get("/desk/aftersales/repairs/").content.decode()

    assert f'id="repair-{repair.pk}"' not in html
    assert desk_as(other_agent).get(f"/desk/aftersales/repairs/{repair.pk}/").status_code == 404


def test_repairs_list_takes_the_same_queries_for_one_repair_or_many(
    desk_as, agent, team, customer, django_assert_num_queries
):
    repair, _part, _level = _repair(agent, team, customer)
    client = desk_as(agent)
    client.get("/desk/aftersales/repairs/")  # warm the session and the caches
    # Session, user, the agent's teams (case scope), the count and the page of repairs (with their
    # case, customer, unit, product, location and technician joined), the filter's technicians and
    # locations, and the bar's availability and unread notifications.
    with django_assert_num_queries(9) as one:
        client.get("/desk/aftersales/repairs/")
    for _ in range(6):
        repair_open(actor=agent, case=_case(customer, team), location=repair.location, technician=agent)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/desk/aftersales/repairs/")

    assert response.content.decode().count('<tr id="repair-') == 7


def test_repair_page_shows_parts_with_stock_and_the_totals(desk_as, agent, team, customer):
    repair, part, _level = _repair(agent, team, customer)

    html = desk_as(agent).get(f"/desk/aftersales/repairs/{repair.pk}/").content.decode()

    assert "Heating element" in html
    assert f"Heating element ({part.sku}), 3 available" in html
    assert 'data-status-to="diagnosing"' in html
    assert 'data-status-to="ready"' not in html
    assert f'name="diagnose-version" value="{repair.version}"' in html


def test_diagnose_add_part_and_labour_and_remove_a_line(desk_as, agent, team, customer):
    repair, part, level = _repair(agent, team, customer)
    client = desk_as(agent)
    url = f"/desk/aftersales/repairs/{repair.pk}/"

    def version() -> str:
        return str(RepairOrder.objects.get(pk=repair.pk).version)

    client.post(url + "diagnose/", {"diagnose-version": version(), "diagnose-diagnosis": "Element burnt"})
    client.post(url + "part/", {"part-version": version(), "part-part": part.pk, "part-quantity": "2"})
    client.post(
        url + "labour/", {"labour-version": version(), "labour-hours": "1.5", "labour-description": "Swap"}
    )
    level.refresh_from_db()
    reserved_after_adding = (level.on_hand, level.reserved)
    line = RepairLine.objects.get(repair=repair, kind="part")
    removed = client.post(url + "remove/", {"remove-version": version(), "remove-line": line.pk})

    repair.refresh_from_db()
    level.refresh_from_db()
    assert repair.diagnosis == "Element burnt"
    assert reserved_after_adding == (3, 2)
    assert removed.status_code == 302
    assert (level.on_hand, level.reserved) == (3, 0)
    assert list(RepairLine.objects.filter(repair=repair).values_list("kind", "quantity")) == [
        ("labour", Decimal("1.50"))
    ]


def test_a_stale_form_shows_the_stale_error_and_changes_nothing(desk_as, agent, team, customer):
    repair, part, level = _repair(agent, team, customer)
    seen = repair.version
    repair_add_part(actor=agent, repair=repair, part=part, quantity=1)  # someone else, meanwhile

    response = desk_as(agent).post(
        f"/desk/aftersales/repairs/{repair.pk}/diagnose/",
        {"diagnose-version": str(seen), "diagnose-diagnosis": "My view"},
    )

    repair.refresh_from_db()
    assert response.status_code == 409
    html = response.content.decode()
    assert escape(f"Someone else changed {repair.reference}; reload it and try again.") in html
    assert "My view" in html
    assert repair.diagnosis == ""
    # The form now carries the version shown, so sending it again is a decision made on fresh facts.
    assert f'name="diagnose-version" value="{repair.version}"' in html


def test_move_a_warranty_repair_to_returned_and_the_claim_is_fulfilled(desk_as, agent, team, customer):
    case = _case(customer, team)
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")
    repair = repair_open(actor=agent, case=case, location=ServiceLocationFactory(), claim=claim)
    client = desk_as(agent)

    for status in ("diagnosing", "repairing", "ready", "returned"):
        current = RepairOrder.objects.get(pk=repair.pk).version
        response = client.post(
            f"/desk/aftersales/repairs/{repair.pk}/status/",
            {"status-version": current, "status-status": status},
        )
        assert response.status_code == 302, response.content.decode()[-2000:]

    repair.refresh_from_db()
    claim.refresh_from_db()
    assert repair.status == "returned"
    assert claim.status == "fulfilled"
    assert len(_events(case, EventKind.REPAIR_STATUS)) == 4


def test_a_status_the_repair_cannot_take_is_refused(desk_as, agent, team, customer):
    repair, _part, _level = _repair(agent, team, customer)

    response = desk_as(agent).post(
        f"/desk/aftersales/repairs/{repair.pk}/status/",
        {"status-version": repair.version, "status-status": "returned"},
    )

    assert response.status_code == 409
    repair.refresh_from_db()
    assert repair.status == "received"


def test_assign_a_technician_and_send_a_quote(desk_as, agent, team, customer):
    repair, part, _level = _repair(agent, team, customer, warranty_months=0)
    client = desk_as(agent)
    url = f"/desk/aftersales/repairs/{repair.pk}/"

    client.post(url + "assign/", {"assign-version": repair.version, "assign-technician": agent.pk})
    client.post(url + "status/", {"status-version": repair.version + 1, "status-status": "diagnosing"})
    repair_add_part(actor=agent, repair=RepairOrder.objects.get(pk=repair.pk), part=part)
    quoted = client.post(url + "quote/", {})

    repair.refresh_from_db()
    assert quoted.status_code == 302
    assert (repair.technician, repair.status, repair.quote_status) == (agent, "awaiting_approval", "sent")
    assert repair.quote_total == Decimal("80.00")


# --- calendar, visits and maintenance -------------------------------------------------------------


def _visit(agent, team, customer, day: dt.date) -> Visit:
    agent.time_zone = "Asia/Tehran"
    agent.save(update_fields=["time_zone"])
    customer.time_zone = "Asia/Tehran"
    customer.save(update_fields=["time_zone"])
    case = _case(customer, team)
    tehran = ZoneInfo("Asia/Tehran")
    return visit_schedule(
        actor=agent,
        case=case,
        technician=agent,
        starts_at=dt.datetime.combine(day, dt.time(9, 0), tzinfo=tehran),
        ends_at=dt.datetime.combine(day, dt.time(10, 30), tzinfo=tehran),
        address="1 Main St",
        checklist=["Clean the filter", "Check the seal"],
    )


def test_calendar_shows_the_week_in_the_technician_s_time_zone(desk_as, agent, team, customer):
    day = timezone.localdate() + dt.timedelta(days=14)
    visit = _visit(agent, team, customer, day)
    client = desk_as(agent)

    html = client.get(
        f"/desk/aftersales/calendar/?technician={agent.pk}&week={day.isoformat()}"
    ).content.decode()
    following = client.get(
        f"/desk/aftersales/calendar/?technician={agent.pk}&week={(day + dt.timedelta(days=7)).isoformat()}"
    )

    assert f'data-visit="{visit.pk}"' in html
    assert "09:00–10:30" in html
    assert f'data-day="{day.isoformat()}"' in html
    assert f'data-visit="{visit.pk}"' not in following.content.decode()


def test_calendar_in_persian_starts_on_saturday_with_jalali_dates(desk_as, agent, team, customer):
    agent.language = "fa"
    agent.save(update_fields=["language"])
    day = dt.date(2026, 3, 25)  # a Wednesday

    html = (
        desk_as(agent)
        .get(f"/desk/aftersales/calendar/?technician={agent.pk}&week={day.isoformat()}")
        .content.decode()
    )

    assert 'data-day="2026-03-21"' in html  # the Saturday before
    assert "1405/01/01" in html  # Nowruz: 21 March 2026 is 1 Farvardin 1405
    assert 'dir="rtl"' in html


def test_complete_a_visit_with_its_checklist(desk_as, agent, team, customer):
    visit = _visit(agent, team, customer, timezone.localdate() + dt.timedelta(days=2))

    page = desk_as(agent).get(f"/desk/aftersales/visits/{visit.pk}/")
    response = desk_as(agent).post(
        f"/desk/aftersales/visits/{visit.pk}/complete/",
        {"complete-outcome": "Filter cleaned", "complete-ticked": ["0"], "complete-labour_hours": "1"},
    )

    visit.refresh_from_db()
    assert page.status_code == 200
    assert response.status_code == 302
    assert (visit.status, visit.outcome) == ("done", "Filter cleaned")
    assert visit.checklist == [
        {"item": "Clean the filter", "done": True},
        {"item": "Check the seal", "done": False},
    ]


def test_reschedule_miss_and_cancel_visits(desk_as, agent, team, customer, time_machine):
    day = timezone.localdate() + dt.timedelta(days=5)
    moved, missed, cancelled = (_visit(agent, team, customer, day + dt.timedelta(days=n)) for n in range(3))
    client = desk_as(agent)
    later = day + dt.timedelta(days=10)

    client.post(
        f"/desk/aftersales/visits/{moved.pk}/reschedule/",
        {"reschedule-day": later.isoformat(), "reschedule-start": "14:00", "reschedule-end": "15:00"},
    )
    too_early = client.post(f"/desk/aftersales/visits/{missed.pk}/miss/", {"miss-note": "Nobody home"})
    client.post(f"/desk/aftersales/visits/{cancelled.pk}/cancel/", {"cancel-note": "Fixed itself"})
    time_machine.move_to(missed.starts_at + dt.timedelta(hours=1))
    client.post(f"/desk/aftersales/visits/{missed.pk}/miss/", {"miss-note": "Nobody home"})

    for visit in (moved, missed, cancelled):
        visit.refresh_from_db()
    # A visit is moved in its own time zone (the one it was booked in and is shown in).
    assert moved.starts_at == dt.datetime.combine(later, dt.time(14, 0), tzinfo=ZoneInfo(moved.time_zone))
    assert too_early.status_code == 409
    assert (
        escape(f"{missed.reference} has not started yet: it cannot be marked as missed.")
        in too_early.content.decode()
    )
    assert (missed.status, missed.outcome, cancelled.status) == ("missed", "Nobody home", "cancelled")


def test_a_double_booking_is_refused_on_the_visit_page(desk_as, agent, team, customer):
    day = timezone.localdate() + dt.timedelta(days=5)
    first = _visit(agent, team, customer, day)
    second = _visit(agent, team, customer, day + dt.timedelta(days=1))
    starts = second.starts_at

    overlapping = (first.starts_at + dt.timedelta(minutes=30)).astimezone(ZoneInfo(second.time_zone))

    response = desk_as(agent).post(
        f"/desk/aftersales/visits/{second.pk}/reschedule/",
        {
            "reschedule-day": overlapping.date().isoformat(),
            "reschedule-start": overlapping.strftime("%H:%M"),
            "reschedule-end": (overlapping + dt.timedelta(minutes=30)).strftime("%H:%M"),
        },
    )

    second.refresh_from_db()
    assert response.status_code == 409
    assert second.starts_at == starts
    assert f"already has visit {first.reference} at that time." in response.content.decode()


def test_maintenance_due_lists_units_and_books_a_visit(desk_as, agent, team, customer):
    customer.time_zone = "Asia/Tehran"
    customer.save(update_fields=["time_zone"])
    unit = owned_unit(customer)
    schedule = MaintenanceSchedule.objects.create(
        unit=unit, interval_days=180, next_due_on=timezone.localdate() + dt.timedelta(days=5)
    )
    client = desk_as(agent)
    day = timezone.localdate() + dt.timedelta(days=4)

    listed = client.get("/desk/aftersales/maintenance/").content.decode()
    booked = client.post(
        f"/desk/aftersales/maintenance/{schedule.pk}/book/",
        {
            f"book-{schedule.pk}-technician": agent.pk,
            f"book-{schedule.pk}-day": day.isoformat(),
            f"book-{schedule.pk}-start": "08:00",
            f"book-{schedule.pk}-end": "09:00",
            f"book-{schedule.pk}-address": "5 Park Lane",
        },
    )

    visit = Visit.objects.get(unit=unit)
    assert f'id="schedule-{schedule.pk}"' in listed
    assert booked.status_code == 302
    assert booked["Location"] == f"/desk/aftersales/visits/{visit.pk}/"
    assert visit.starts_at == dt.datetime.combine(day, dt.time(8, 0), tzinfo=ZoneInfo("Asia/Tehran"))
    assert f'id="schedule-{schedule.pk}"' not in client.get("/desk/aftersales/maintenance/").content.decode()


# --- packing note ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fa"])
def test_packing_note_prints_the_rma_in_the_agent_s_language(desk_as, agent, team, customer, language):
    agent.language = language
    agent.save(update_fields=["language"])
    case = _case(customer, team)
    rma = return_request(
        actor=None, case=case, order_line=case.unit.order_line, reason="defective", unit=case.unit
    )
    return_approve(actor=None, rma=rma, location=ServiceLocationFactory(address="7 Depot Road\nTehran"))

    response = desk_as(agent).get(f"/desk/aftersales/returns/{rma.pk}/packing-note/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{"rtl" if language == "fa" else "ltr"}">' in html
    assert rma.reference in html
    assert customer.name in html
    assert case.unit.serial_number in html
    assert "7 Depot Road<br>Tehran" in html
    assert "@media print" not in html  # the print rules live in the stylesheet
    assert "desk/aftersales.css" in html


# --- managers' pages ------------------------------------------------------------------------------

MANAGER_PAGES = (
    "/desk/aftersales/approvals/",
    "/desk/aftersales/settings/",
    "/desk/aftersales/stock/",
    "/desk/aftersales/report/",
)


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_manager_pages_are_missing_for_agents(desk_as, agent, manager, url):
    assert desk_as(agent).get(url).status_code == 404
    assert desk_as(manager).get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/desk/aftersales/repairs/", "/desk/aftersales/calendar/", "/desk/aftersales/maintenance/"],
)
def test_agent_pages_render(desk_as, agent, url):
    assert desk_as(agent).get(url).status_code == 200


def test_approvals_list_waiting_refunds_and_goodwill_and_decide_them(desk_as, agent, manager, team, customer):
    case = _case(customer, team)
    refund = refund_request(actor=agent, case=case, order_line=case.unit.order_line, amount="100.00")
    gift = goodwill_give(actor=agent, case=case, kind="gift", reason="Sorry", cost="50.00", description="Mug")
    client = desk_as(manager)
    assert (refund.status, gift.status) == ("pending", "pending")

    html = client.get("/desk/aftersales/approvals/").content.decode()
    refused = client.post(
        f"/desk/aftersales/approvals/refund/{refund.pk}/reject/", {f"refund-{refund.pk}-reject-note": ""}
    )
    client.post(
        f"/desk/aftersales/approvals/refund/{refund.pk}/reject/",
        {f"refund-{refund.pk}-reject-note": "Too late"},
    )
    client.post(f"/desk/aftersales/approvals/goodwill/{gift.pk}/approve/", {})

    refund.refresh_from_db()
    gift.refresh_from_db()
    assert f'id="refund-{refund.pk}"' in html and f'id="goodwill-{gift.pk}"' in html
    assert refused.status_code == 422
    assert (refund.status, refund.rejection_note) == ("rejected", "Too late")
    assert (gift.status, gift.approved_by) == ("given", manager)


def test_settings_set_an_agent_limit_and_an_exchange_rate(desk_as, manager):
    client = desk_as(manager)

    limit = client.post(
        "/desk/aftersales/settings/", {"form": "limit", "limit-kind": "refund", "limit-amount": "500000"}
    )
    rate = client.post(
        "/desk/aftersales/settings/",
        {"form": "rate", "rate-currency": "usd", "rate-rate": "۴۲۰۰۰", "rate-valid_from": "1405/01/01"},
    )
    bad = client.post(
        "/desk/aftersales/settings/",
        {"form": "rate", "rate-currency": "IRR", "rate-rate": "1", "rate-valid_from": "2026-01-01"},
    )

    assert (limit.status_code, rate.status_code) == (302, 302)
    row = ApprovalLimit.objects.get()
    assert (row.kind, row.role, row.amount) == ("refund", "agent", Decimal("500000.00"))
    saved = ExchangeRate.objects.get()
    assert (saved.currency, saved.rate, saved.valid_from) == ("USD", Decimal("42000"), dt.date(2026, 3, 21))
    assert bad.status_code == 422
    assert "needs no rate" in bad.content.decode()
    assert ExchangeRate.objects.count() == 1


def test_stock_receive_adjust_and_low_filter(desk_as, manager):
    location = ServiceLocationFactory()
    part = PartFactory()
    other = PartFactory()
    stocked(other, location, 50)
    client = desk_as(manager)

    client.post(
        "/desk/aftersales/stock/",
        {
            "form": "receive",
            "receive-part": part.pk,
            "receive-location": location.pk,
            "receive-quantity": "5",
        },
    )
    refused = client.post(
        "/desk/aftersales/stock/",
        {
            "form": "adjust",
            "adjust-part": part.pk,
            "adjust-location": location.pk,
            "adjust-on_hand": "1",
            "adjust-note": "",
        },
    )
    client.post(
        "/desk/aftersales/stock/",
        {
            "form": "adjust",
            "adjust-part": part.pk,
            "adjust-location": location.pk,
            "adjust-on_hand": "1",
            "adjust-note": "Counted",
        },
    )
    StockLevel.objects.filter(part=part).update(reorder_level=2)
    low = client.get("/desk/aftersales/stock/?low=1").content.decode()

    level = StockLevel.objects.get(part=part, location=location)
    plenty = StockLevel.objects.get(part=other, location=location)
    assert refused.status_code == 422
    assert level.on_hand == 1
    assert f'id="stock-{level.pk}"' in low
    assert f'id="stock-{plenty.pk}"' not in low


def test_report_shows_its_tables_for_a_range(desk_as, manager, agent, team, customer):
    case = _case(customer, team)
    claim_open(actor=None, case=case)
    today = timezone.localdate()

    response = desk_as(manager).get(
        f"/desk/aftersales/report/?start={(today - dt.timedelta(days=60)).isoformat()}&end={today.isoformat()}"
    )
    wrong = desk_as(manager).get(f"/desk/aftersales/report/?start={today.isoformat()}&end=2000-01-01")

    html = response.content.decode()
    assert response.status_code == 200
    for table in ("report-products", "report-return-reasons", "report-turnaround", "report-goodwill"):
        assert f'id="{table}"' in html
    assert case.unit.product.name in html
    assert wrong.status_code == 422


# --- the timeline ---------------------------------------------------------------------------------


def test_the_case_timeline_tells_the_after_sales_steps(desk_as, agent, team, customer):
    case = _case(customer, team)
    claim = claim_approve(actor=agent, claim=claim_open(actor=agent, case=case), remedy="repair")
    repair = repair_open(actor=agent, case=case, location=ServiceLocationFactory(), claim=claim)

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    assert f"{agent} opened warranty claim {claim.reference}" in html
    assert f"{agent} approved warranty claim {claim.reference} (Repair)" in html
    assert f"{agent} opened repair {repair.reference}" in html
    assert f'<a href="/desk/aftersales/repairs/{repair.pk}/">{repair.reference}</a>' in html
