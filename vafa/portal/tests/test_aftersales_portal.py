"""My service in the portal: the customer's after-sales records, a repair's quote, the signed links
from the quote and visit e-mails, and the packing note — never another customer's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.aftersales.models import RepairOrder, ReturnReason, Visit
from vafa.aftersales.services.repairs import (
    repair_add_labour,
    repair_add_part,
    repair_open,
    repair_quote_send,
    repair_set_status,
)
from vafa.aftersales.services.returns import return_approve, return_request
from vafa.aftersales.services.visits import visit_schedule
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.dates import format_date
from vafa.core.models import ThrottleBucket
from vafa.core.money import format_money
from vafa.portal.views.aftersales import LINK_IP_LIMIT
from vafa.service.models import CaseEvent, EventKind
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


def _client(user, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def location(db):
    return ServiceLocationFactory(
        name="Tehran service centre",
        names={"fa": "مرکز خدمات تهران"},
        address="12 Workshop Street\nTehran",
        labour_rate="50.00",
    )


def _quoted_repair(customer, agent, team, location) -> tuple[RepairOrder, str]:
    """A repair whose part the warranty covers and whose labour it does not: the quote waits."""
    product = ProductFactory(
        name="Kettle K2",
        names={"fa": "کتری K2"},
        warranty_policy=WarrantyPolicyFactory(months=12, covers_parts=True, covers_labour=False),
    )
    unit = owned_unit(customer, product=product)
    case = make_case(customer, unit=unit, team=team, subject="Kettle does not heat")
    repair = repair_open(actor=agent, case=case, location=location, fault="Does not heat")
    repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
    part = PartFactory(name="Heating element", names={"fa": "المنت"}, unit_price="80.00")
    stocked(part, location, 5)
    repair_add_part(actor=agent, repair=repair, part=part, quantity=1)
    repair_add_labour(actor=agent, repair=repair, hours="1.50", description="Bench work")
    url = repair_quote_send(actor=agent, repair=repair)
    return RepairOrder.objects.get(pk=repair.pk), _token(url)


def _visit(customer, agent, team, **fields) -> tuple[Visit, str]:
    unit = owned_unit(customer)
    case = make_case(customer, unit=unit, team=team, subject="Yearly maintenance")
    starts = fields.pop(
        "starts_at", timezone.now().astimezone(TEHRAN).replace(microsecond=0) + dt.timedelta(days=3)
    )
    visit = visit_schedule(
        actor=agent,
        case=case,
        technician=agent,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        address="7 Rose Alley, Tehran",
        checklist=["Clean the filter", "Check the pressure"],
        **fields,
    )
    return Visit.objects.get(pk=visit.pk), _token(visit.confirm_url)


def _approved_return(customer, agent, team, location):
    unit = owned_unit(customer, product=ProductFactory(name="Blender B1"))
    case = make_case(customer, unit=unit, team=team, subject="Blender broken")
    rma = return_request(
        actor=agent, case=case, order_line=unit.order_line, reason=ReturnReason.DEFECTIVE, unit=unit
    )
    return return_approve(actor=agent, rma=rma, location=location), unit


# --- My service --------------------------------------------------------------------------------------


def test_my_service_lists_the_customers_records_newest_first_with_customer_words(
    customer, customer_user, other_customer, agent, team, location
):
    # given a repair waiting for approval, then a visit; and another customer's repair
    repair, _token_ = _quoted_repair(customer, agent, team, location)
    visit, _ = _visit(customer, agent, team)
    foreign, _ = _quoted_repair(other_customer, agent, team, location)

    # when
    response = _client(customer_user).get("/portal/service/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'id="visit-{visit.number}"') < html.index(f'id="repair-{repair.number}"')
    assert f'id="repair-{repair.number}-status">Waiting for your approval<' in html
    assert f'id="visit-{visit.number}-status">Please confirm<' in html
    assert f'href="/portal/service/repairs/{repair.number}/"' in html
    assert f'href="/portal/requests/{repair.case.number}/"' in html
    assert f'href="/portal/requests/{visit.case.number}/"' in html
    assert "Kettle K2" in html
    assert format_money(Decimal("75.00"), repair.currency, "en") in html
    assert f'id="repair-{foreign.number}"' not in html
    assert 'id="portal-nav-service"' in html


def test_my_service_in_persian_is_right_to_left_with_the_visit_window_in_jalali(
    customer, customer_user, agent, team
):
    visit, _ = _visit(customer, agent, team)

    response = _client(customer_user, "fa").get(reverse("portal:service"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    jalali = format_date(visit.starts_at, language="fa", tz=visit.time_zone)
    assert jalali in html
    assert jalali.startswith("14")


def test_my_service_is_empty_for_a_customer_without_records(customer_user):
    response = _client(customer_user).get(reverse("portal:service"))

    assert response.status_code == 200
    assert 'id="service-empty"' in response.content.decode()


def test_my_service_asks_to_sign_in(client):
    response = client.get(reverse("portal:service"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


# --- a repair ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_repair_page_shows_steps_covered_lines_and_the_total(
    customer, customer_user, agent, team, location, language
):
    repair, _ = _quoted_repair(customer, agent, team, location)

    response = _client(customer_user, language).get(f"/portal/service/repairs/{repair.number}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert ('dir="rtl"' in html) is (language == "fa")
    assert 'id="repair-status" data-status="awaiting_approval"' in html
    assert 'data-step="received" data-state="done"' in html
    assert 'data-step="diagnosing" data-state="current"' in html
    assert 'data-step="repairing" data-state="todo"' in html
    assert 'data-kind="part" data-covered="true"' in html
    assert 'data-kind="labour" data-covered="false"' in html
    assert ("المنت" if language == "fa" else "Heating element") in html
    assert f'id="repair-total">{format_money(Decimal("75.00"), repair.currency, language)}<' in html
    assert 'id="repair-accept"' in html
    assert 'id="repair-decline"' in html


def test_accepting_the_quote_in_the_portal_starts_the_repair(customer, customer_user, agent, team, location):
    repair, _ = _quoted_repair(customer, agent, team, location)
    client = _client(customer_user)

    response = client.post(f"/portal/service/repairs/{repair.number}/accept/")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/service/repairs/{repair.number}/"
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("repairing", "accepted")
    assert CaseEvent.objects.filter(case=repair.case, kind=EventKind.QUOTE_ACCEPTED).count() == 1
    assert AuditLog.objects.filter(action="repair.quote_accept", actor=customer_user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert 'id="repair-status" data-status="repairing">Repairing<' in page
    assert 'id="repair-accept"' not in page


def test_declining_the_quote_in_the_portal(customer, customer_user, agent, team, location):
    repair, _ = _quoted_repair(customer, agent, team, location)

    response = _client(customer_user).post(f"/portal/service/repairs/{repair.number}/decline/")

    assert response.status_code == 302
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("ready", "declined")


def test_a_second_answer_in_the_portal_is_refused_and_changes_nothing(
    customer, customer_user, agent, team, location
):
    repair, _ = _quoted_repair(customer, agent, team, location)
    client = _client(customer_user)
    client.post(f"/portal/service/repairs/{repair.number}/accept/")
    events = CaseEvent.objects.count()

    response = client.post(f"/portal/service/repairs/{repair.number}/decline/", follow=True)

    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("repairing", "accepted")
    assert CaseEvent.objects.count() == events
    assert "already been answered" in response.content.decode()


def test_another_customers_records_are_not_found(
    customer, other_customer, other_customer_user, agent, team, location
):
    repair, token = _quoted_repair(customer, agent, team, location)
    visit, _ = _visit(customer, agent, team)
    rma, _unit = _approved_return(customer, agent, team, location)
    client = _client(other_customer_user)

    answers = [
        client.get(f"/portal/service/repairs/{repair.number}/").status_code,
        client.post(f"/portal/service/repairs/{repair.number}/accept/").status_code,
        client.post(f"/portal/service/repairs/{repair.number}/decline/").status_code,
        client.post(f"/portal/service/visits/{visit.number}/confirm/").status_code,
        client.get(f"/portal/returns/{rma.number}/packing-note/").status_code,
        client.get("/portal/service/repairs/999999/").status_code,
        client.get(f"/portal/service/repairs/{2**63}/").status_code,
    ]

    assert answers == [404] * 7
    repair.refresh_from_db()
    visit.refresh_from_db()
    assert (repair.status, visit.status) == ("awaiting_approval", "scheduled")


# --- the quote link ------------------------------------------------------------------------------------


def test_the_quote_link_shows_the_quote_without_signing_in(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)

    response = client.get(f"/portal/quotes/{token}/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert f'id="quote-reference">{repair.reference}<' in html
    assert f'id="quote-serial">{repair.unit.serial_number}<' in html
    assert 'id="quote-accept"' in html
    assert 'id="quote-decline"' in html


def test_the_quote_link_speaks_the_language_of_the_case(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)
    assert repair.case.language == "fa"

    html = client.get(f"/portal/quotes/{token}/").content.decode()

    assert 'dir="rtl"' in html
    assert "کتری K2" in html


def test_accepting_through_the_quote_link(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)
    client.get(f"/portal/quotes/{token}/")  # the CSRF cookie, as a browser gets it

    response = client.post(f"/portal/quotes/{token}/", {"decision": "accept"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert 'id="quote-accepted"' in response.content.decode()
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("repairing", "accepted")
    assert AuditLog.objects.filter(action="repair.quote_accept").count() == 1


def test_declining_through_the_quote_link(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)

    response = client.post(f"/portal/quotes/{token}/", {"decision": "decline"})

    assert response.status_code == 200
    assert 'id="quote-declined"' in response.content.decode()
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("ready", "declined")


def test_the_quote_link_needs_the_csrf_token(customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)

    response = Client(enforce_csrf_checks=True).post(f"/portal/quotes/{token}/", {"decision": "accept"})

    assert response.status_code == 403
    repair.refresh_from_db()
    assert repair.status == "awaiting_approval"


def test_an_unknown_quote_link_is_not_found(client):
    response = client.get("/portal/quotes/not-a-real-token/")

    assert response.status_code == 404
    assert 'data-reason="unknown"' in response.content.decode()


def test_an_over_long_quote_link_is_not_found(client):
    assert client.get("/portal/quotes/" + "x" * 500 + "/").status_code == 404


def test_an_expired_quote_link_says_so(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)
    RepairOrder.objects.filter(pk=repair.pk).update(quote_sent_at=timezone.now() - dt.timedelta(days=60))

    response = client.post(f"/portal/quotes/{token}/", {"decision": "accept"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 410
    html = response.content.decode()
    assert 'data-reason="expired"' in html
    assert "This link can no longer be used" in html
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("awaiting_approval", "sent")


def test_a_used_quote_link_says_so_and_changes_nothing(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)
    client.post(f"/portal/quotes/{token}/", {"decision": "accept"})
    events = CaseEvent.objects.count()

    response = client.post(f"/portal/quotes/{token}/", {"decision": "decline"})

    assert response.status_code == 410
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("repairing", "accepted")
    assert CaseEvent.objects.count() == events


def test_a_quote_link_with_no_decision_changes_nothing(client, customer, agent, team, location):
    repair, token = _quoted_repair(customer, agent, team, location)

    response = client.post(f"/portal/quotes/{token}/", {"decision": "maybe"})

    assert response.status_code == 400
    repair.refresh_from_db()
    assert repair.status == "awaiting_approval"


def test_the_links_are_limited_per_ip(client, settings):
    for _attempt in range(LINK_IP_LIMIT):
        client.get("/portal/quotes/unknown/")

    response = client.get("/portal/visits/confirm/unknown/")

    assert response.status_code == 429
    assert 'data-reason="throttled"' in response.content.decode()
    assert ThrottleBucket.objects.count() == 1


# --- the visit link and confirming in the portal ---------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_visit_link_shows_the_window_in_the_visits_time_zone(client, customer, agent, team, language):
    visit, token = _visit(customer, agent, team)

    response = client.get(f"/portal/visits/confirm/{token}/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 200
    starts = format_date(visit.starts_at, language="fa", tz=visit.time_zone)
    assert ('dir="rtl"' in html) is True  # the case is in Persian and the reader chose nothing
    assert starts in html
    assert "7 Rose Alley, Tehran" in html
    assert "<li>Clean the filter</li>" in html
    assert 'id="visit-confirm"' in html


def test_the_readers_chosen_language_wins_on_a_link(client, customer, agent, team, settings):
    visit, token = _visit(customer, agent, team)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(f"/portal/visits/confirm/{token}/").content.decode()

    assert 'dir="ltr"' in html
    assert format_date(visit.starts_at, language="en", tz=visit.time_zone) in html


def test_confirming_through_the_visit_link(client, customer, agent, team):
    visit, token = _visit(customer, agent, team)

    response = client.post(f"/portal/visits/confirm/{token}/")

    assert response.status_code == 200
    assert 'id="visit-confirmed"' in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "confirmed"
    assert visit.confirmed_at is not None
    assert CaseEvent.objects.filter(case=visit.case, kind=EventKind.VISIT_CONFIRMED).count() == 1
    again = client.get(f"/portal/visits/confirm/{token}/").content.decode()
    assert 'id="visit-confirm"' not in again
    assert 'data-status="confirmed"' in again


def test_an_unknown_visit_link_is_not_found(client):
    assert client.get("/portal/visits/confirm/nope/").status_code == 404


def test_a_visit_link_after_the_visit_was_cancelled_says_so(client, customer, agent, team):
    visit, token = _visit(customer, agent, team)
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)

    response = client.post(f"/portal/visits/confirm/{token}/")

    assert response.status_code == 410
    visit.refresh_from_db()
    assert (visit.status, visit.confirmed_at) == ("cancelled", None)


def test_confirming_a_visit_in_the_portal(customer, customer_user, agent, team):
    visit, _ = _visit(customer, agent, team)
    client = _client(customer_user)

    response = client.post(f"/portal/service/visits/{visit.number}/confirm/")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/service/#visit-{visit.number}"
    visit.refresh_from_db()
    assert visit.status == "confirmed"
    page = client.get("/portal/service/").content.decode()
    assert f'id="visit-{visit.number}-status">Confirmed<' in page
    assert f'id="visit-{visit.number}-confirm"' not in page


# --- the packing note ------------------------------------------------------------------------------------


def test_the_packing_note_for_the_owner(customer, customer_user, agent, team, location):
    rma, unit = _approved_return(customer, agent, team, location)

    response = _client(customer_user).get(f"/portal/returns/{rma.number}/packing-note/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="packing-reference">{rma.reference}<' in html
    assert f'id="packing-serial">{unit.serial_number}<' in html
    assert 'id="packing-reason">Defective<' in html
    assert "12 Workshop Street<br>Tehran" in html
    assert "portal/aftersales.css" in html


def test_no_packing_note_before_the_return_is_approved(customer, customer_user, agent, team):
    unit = owned_unit(customer)
    case = make_case(customer, unit=unit, team=team)
    rma = return_request(
        actor=agent, case=case, order_line=unit.order_line, reason=ReturnReason.DEFECTIVE, unit=unit
    )

    response = _client(customer_user).get(f"/portal/returns/{rma.number}/packing-note/")

    assert response.status_code == 404
