"""A customer in a real browser, in English and in Persian (right to left): signs in, opens My service,
accepts a repair's quote (the repair then reads repairing) and confirms a scheduled visit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from vafa.accounts.services import customer_account_ensure
from vafa.aftersales.models import RepairOrder, Visit
from vafa.aftersales.services.repairs import (
    repair_add_labour,
    repair_add_part,
    repair_open,
    repair_quote_send,
    repair_set_status,
)
from vafa.aftersales.services.visits import visit_schedule
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.catalog.tests.factories import ProductFactory, WarrantyPolicyFactory
from vafa.core.dates import format_date
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "repair-and-return-2026"


def _customer(language: str):
    customer = CustomerFactory(
        name=f"Nima {language}", language=language, email__value=f"nima-{language}@example.test"
    )
    user = customer_account_ensure(actor=None, customer=customer)
    user.language = language
    user.time_zone = "Asia/Tehran"
    user.set_password(PASSWORD)
    user.save()
    return customer, user


def _quoted_repair(customer, agent, team) -> RepairOrder:
    location = ServiceLocationFactory(labour_rate="50.00")
    product = ProductFactory(
        name="Kettle K2",
        names={"fa": "کتری K2"},
        warranty_policy=WarrantyPolicyFactory(months=12, covers_parts=True, covers_labour=False),
    )
    case = make_case(customer, unit=owned_unit(customer, product=product), team=team)
    repair = repair_open(actor=agent, case=case, location=location)
    repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
    part = PartFactory(name="Heating element", names={"fa": "المنت"})
    stocked(part, location, 2)
    repair_add_part(actor=agent, repair=repair, part=part)
    repair_add_labour(actor=agent, repair=repair, hours="1.00")
    repair_quote_send(actor=agent, repair=repair)
    return RepairOrder.objects.get(pk=repair.pk)


def _visit(customer, agent, team) -> Visit:
    case = make_case(customer, unit=owned_unit(customer), team=team, subject="Yearly maintenance")
    starts = (timezone.now() + dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    visit = visit_schedule(
        actor=agent,
        case=case,
        technician=agent,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        address="7 Rose Alley, Tehran",
        checklist=["Clean the filter"],
    )
    return Visit.objects.get(pk=visit.pk)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_customer_accepts_a_quote_and_confirms_a_visit(page, agent, team, language):
    customer, user = _customer(language)
    repair = _quoted_repair(customer, agent, team)
    visit = _visit(customer, agent, team)
    expected_dir = "rtl" if language == "fa" else "ltr"

    # Sign in to the portal.
    page.goto("/portal/login/")
    page.fill("#id_email", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("#portal-login-submit")
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert page.get_attribute("html", "dir") == expected_dir

    # My service lists the repair waiting for approval and the visit to confirm.
    page.click("#portal-nav-service")
    page.wait_for_url(re.compile(r".*/portal/service/$"))
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == expected_dir
    assert page.get_attribute(f"#repair-{repair.number}", "data-status") == "awaiting_approval"
    window = page.inner_text(f"#visit-{visit.number}-window")
    assert window.startswith(format_date(visit.starts_at, language=language, tz=visit.time_zone))
    if language == "fa":
        assert window.startswith("14")  # the Jalali year

    # Open the repair, read the quote, accept it.
    page.click(f"#repair-{repair.number}-open")
    page.wait_for_selector("#repair-quote")
    assert page.get_attribute("#repair-status", "data-status") == "awaiting_approval"
    assert page.locator("#repair-lines tr[data-covered=true]").count() == 1
    page.click("#repair-accept")
    page.wait_for_selector("#repair-status[data-status=repairing]")
    assert page.locator("#repair-quote").count() == 0
    if language == "en":
        assert page.inner_text("#repair-status") == "Repairing"
    assert page.get_attribute("html", "dir") == expected_dir
    repair.refresh_from_db()
    assert (repair.status, repair.quote_status) == ("repairing", "accepted")

    # Back on My service, confirm the visit.
    page.click("#portal-nav-service")
    page.wait_for_selector(f"#visit-{visit.number}-confirm")
    page.click(f"#visit-{visit.number}-confirm")
    page.wait_for_selector(f"#visit-{visit.number}[data-status=confirmed]")
    assert page.locator(f"#visit-{visit.number}-confirm").count() == 0
    assert page.get_attribute(f"#repair-{repair.number}", "data-status") == "repairing"
    if language == "en":
        assert page.inner_text(f"#visit-{visit.number}-status") == "Confirmed"
    visit.refresh_from_db()
    assert visit.status == "confirmed"
    assert page.console_errors == []
