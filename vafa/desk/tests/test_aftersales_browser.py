"""An agent takes a warranty repair from the claim to the returned unit in a real browser: opens the
claim from the case's After-sales panel, approves it with a repair, opens the repair, diagnoses it,
adds a part (the stock available goes down) and labour, moves it to repairing, ready and returned —
and the claim shows fulfilled, with every step on the case's timeline. In English and in Persian
(right to left)."""

from __future__ import annotations

import re

import pytest

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.aftersales.models import RepairLine, RepairOrder, StockLevel, WarrantyClaim
from vafa.aftersales.tests.factories import PartFactory, ServiceLocationFactory, owned_unit, stocked
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "repair-the-kettle-2026"
TEXT = {
    "en": {
        "subject": "Kettle stopped heating",
        "fault": "No heat at all",
        "diagnosis": "Heating element burnt",
    },
    "fa": {"subject": "کتری گرم نمی‌شود", "fault": "اصلاً گرم نمی‌شود", "diagnosis": "المنت سوخته است"},
}


def _wait_for_panel(page) -> None:
    page.locator("#aftersales-entitlement").wait_for()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_agent_takes_a_warranty_repair_from_claim_to_return(page, live_server, settings, team, language):
    settings.VAFA_BASE_URL = live_server.url
    agent = UserFactory.create(
        email=f"repair-{language}@staff.vafa.test", role=Role.AGENT, full_name="Kian Agent", language=language
    )
    agent.set_password(PASSWORD)
    agent.save()
    team.members.add(agent)
    customer = CustomerFactory(name="Sara Ahmadi", language=language)
    unit = owned_unit(customer)
    case = make_case(customer, team=team, unit=unit, subject=TEXT[language]["subject"], language=language)
    location = ServiceLocationFactory(name="Central workshop")
    part = PartFactory(name="Heating element", unit_price="80.00", unit_cost="30.00")
    stocked(part, location, 3)

    page.goto("/desk/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/inbox/.*"))
    page.goto(f"/desk/cases/{case.number}/")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")
    _wait_for_panel(page)
    assert page.get_attribute("[data-entitlement]", "data-entitlement") == "in_warranty"

    # Open the claim from the panel.
    page.click('#aftersales-new [data-action="claim_open"] > summary')
    page.fill("#id_claim_open-case-fault", TEXT[language]["fault"])
    page.click('[data-submit="claim_open"]')
    page.locator("#aftersales-done").wait_for()
    claim = WarrantyClaim.objects.get(case=case)
    assert claim.fault == TEXT[language]["fault"]

    # Approve it: the remedy the entitlement suggests (repair) is chosen already.
    page.click(f'#claim-{claim.pk} [data-action="claim_approve"] > summary')
    assert page.input_value(f"#id_claim_approve-{claim.pk}-remedy") == "repair"
    page.click(f'#claim-{claim.pk} [data-submit="claim_approve"]')
    page.locator(f'#claim-{claim.pk}[data-status="approved"]').wait_for()

    # Open the repair at the workshop, for this claim.
    page.click('#aftersales-new [data-action="repair_open"] > summary')
    page.select_option("#id_repair_open-case-location", str(location.pk))
    page.select_option("#id_repair_open-case-claim", str(claim.pk))
    page.click('[data-submit="repair_open"]')
    link = page.locator("#aftersales-repairs a").first
    link.wait_for()
    repair = RepairOrder.objects.get(case=case)
    page.wait_for_load_state("networkidle")
    link.click()
    page.wait_for_url(re.compile(rf".*/desk/aftersales/repairs/{repair.pk}/$"))
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")

    def status_is(value: str) -> None:
        page.locator(f'#repair-status[data-status="{value}"]').wait_for()

    # Diagnose.
    page.fill("#id_diagnose-diagnosis", TEXT[language]["diagnosis"])
    page.click('[data-submit="diagnose"]')
    page.wait_for_url(re.compile(rf".*/desk/aftersales/repairs/{repair.pk}/$"))
    assert page.input_value("#id_diagnose-diagnosis") == TEXT[language]["diagnosis"]
    page.click('[data-status-to="diagnosing"]')
    status_is("diagnosing")

    # Add the part: it is reserved, so one fewer is available.
    option = page.locator(f'#id_part-part option[value="{part.pk}"]')
    assert f"{part.sku}" in option.inner_text()
    page.select_option("#id_part-part", str(part.pk))
    page.fill("#id_part-quantity", "1")
    page.click('[data-submit="part"]')
    page.locator('#repair-lines tr[data-kind="part"]').wait_for()
    level = StockLevel.objects.get(part=part, location=location)
    assert (level.on_hand, level.reserved, level.available) == (3, 1, 2)
    assert re.search(r"\b2\b|۲", page.locator(f'#id_part-part option[value="{part.pk}"]').inner_text())

    # Add labour.
    page.fill("#id_labour-hours", "1.5")
    page.click('[data-submit="labour"]')
    page.locator('#repair-lines tr[data-kind="labour"]').wait_for()
    assert sorted(RepairLine.objects.filter(repair=repair).values_list("kind", flat=True)) == [
        "labour",
        "part",
    ]

    # Repairing, ready, returned.
    for value in ("repairing", "ready", "returned"):
        page.click(f'[data-status-to="{value}"]')
        status_is(value)
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (2, 0)  # the part was used when the repair was ready

    # Back on the case: the claim is fulfilled, and the timeline tells every step.
    page.click("#repair-case")
    page.wait_for_url(re.compile(rf".*/desk/cases/{case.number}/$"))
    _wait_for_panel(page)
    page.locator(f'#claim-{claim.pk}[data-status="fulfilled"]').wait_for()
    stream = page.locator("#case-stream")
    for kind in ("claim_opened", "claim_approved", "repair_opened", "repair_status"):
        assert stream.locator(f".case-event-{kind}").count() >= 1, kind
    assert stream.locator(".case-event-repair_status").count() == 4
    assert claim.reference in stream.inner_text()
    assert stream.locator(f'a[href="/desk/aftersales/repairs/{repair.pk}/"]').count() >= 1
    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.FULFILLED
    assert page.console_errors == []
    # End on a page that polls nothing, so no request of the case page is in flight at teardown.
    page.goto("/desk/aftersales/repairs/")
    page.wait_for_load_state("networkidle")
