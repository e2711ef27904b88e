"""The unit, product and organisation pages: exact figures, the viewer's scope, fixed query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest

from vafa.catalog.tests.factories import CategoryFactory, ProductFactory, WarrantyPolicyFactory
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.desk.records import organisation_record, product_record, unit_record
from vafa.sales.models import Order
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service.services import case_resolve
from vafa.service.tests.factories import make_case

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(time_machine, moment: dt.datetime) -> None:
    time_machine.move_to(moment, tick=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def listed_cases(response) -> list[int]:
    return [int(n) for n in re.findall(r'data-case="(\d+)"', response.text)]


@pytest.fixture
def shop(db, time_machine, customer, other_customer, team, other_team, agent):
    """A product sold on two orders, three units, and cases in the agent's team, another team and none."""
    at(time_machine, dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    policy = WarrantyPolicyFactory(name="Standard 12", months=12, covers_onsite=False)
    category = CategoryFactory(code="phones", name="Phones", names={"fa": "تلفن‌ها"})
    product = ProductFactory(
        sku="PH-1", name="Phone One", names={"fa": "تلفن یک"}, category=category, warranty_policy=policy
    )
    order = OrderFactory(
        number="ORD-1", customer=customer, placed_at=dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    )
    line = OrderLineFactory(order=order, product=product, quantity=3)
    cancelled = OrderFactory(number="ORD-X", customer=customer, status=Order.Status.CANCELLED)
    OrderLineFactory(order=cancelled, product=product, quantity=5)
    unit = UnitFactory(
        product=product,
        serial_number="SN-A1",
        owner=customer,
        order_line=line,
        purchased_on=dt.date(2025, 6, 1),
        delivered_on=dt.date(2025, 6, 3),
        warranty_start=dt.date(2025, 6, 3),
        warranty_end=dt.date(2026, 6, 3),
    )
    UnitFactory(product=product, serial_number="SN-A2", owner=customer, order_line=line)
    loose = UnitFactory(product=product, serial_number="SN-B1", owner=other_customer, order_line=None)
    at(time_machine, dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    mine = make_case(customer, unit=unit, team=team, kind="problem", subject="Does not charge")
    at(time_machine, dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC))
    hidden = make_case(customer, unit=unit, team=other_team, kind="repair", subject="Screen cracked")
    at(time_machine, dt.datetime(2025, 9, 1, 8, 0, tzinfo=UTC))
    general = make_case(customer, unit=unit, kind="problem", subject="Slow")
    at(time_machine, dt.datetime(2025, 9, 2, 10, 0, tzinfo=UTC))
    case_resolve(actor=agent, case=general)
    at(time_machine, NOW)
    return {
        "product": product,
        "unit": unit,
        "loose": loose,
        "mine": mine,
        "hidden": hidden,
        "general": general,
        "order": order,
    }


# --- who may see them -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["units", "products", "organisations", "customers"])
def test_unknown_ids_are_404(desk_as, manager, page):
    client = desk_as(manager)

    assert client.get(f"/desk/{page}/999999/").status_code == 404
    assert client.get(f"/desk/{page}/99999999999999999999999/").status_code == 404


def test_customers_get_404_on_every_record_page(desk_as, customer_user, shop):
    organisation = OrganisationFactory()
    client = desk_as(customer_user)

    for url in (
        f"/desk/units/{shop['unit'].pk}/",
        f"/desk/products/{shop['product'].pk}/",
        f"/desk/customers/{customer_user.customer_id}/",
        f"/desk/organisations/{organisation.pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_visitors_are_sent_to_sign_in(client, shop):
    response = client.get(f"/desk/units/{shop['unit'].pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


# --- unit -------------------------------------------------------------------------------------------


def test_the_unit_page_shows_the_unit_its_warranty_and_every_case(desk_as, manager, shop):
    unit = shop["unit"]

    response = desk_as(manager).get(f"/desk/units/{unit.pk}/")

    assert response.status_code == 200
    page = response.text
    assert '<dd class="desk-wrap" data-field="serial">SN-A1</dd>' in page
    assert f'<a href="/desk/products/{shop["product"].pk}/"><bdi>Phone One</bdi></a>' in page
    assert f'<a href="/desk/customers/{unit.owner_id}/"><bdi>Sara Ahmadi</bdi></a>' in page
    assert text_of(re.search(r'data-field="order">(.*?)</dd>', page).group(1)) == "ORD-1 · 2025-06-01 09:00"
    assert '<time datetime="2025-06-01">2025-06-01</time>' in page
    status = text_of(re.search(r'data-field="warranty-status">(.*?)</dd>', page, re.S).group(1))
    assert status == "In warranty 85 days left"
    assert text_of(re.search(r'data-field="policy">(.*?)</dd>', page, re.S).group(1)).startswith(
        "Standard 12 · 12 months"
    )
    assert '<dd data-field="warranty-end"><time datetime="2026-06-03">2026-06-03</time></dd>' in page
    numbers = [shop["hidden"].number, shop["mine"].number, shop["general"].number]
    assert listed_cases(response) == numbers


def test_the_unit_timeline_merges_purchase_warranty_and_cases_in_order(manager, shop):
    record = unit_record(viewer=manager, unit_id=shop["unit"].pk)

    assert [
        (entry.kind, entry.label, entry.case.number if entry.case else None) for entry in record.timeline
    ] == [
        ("purchased", "Bought", None),
        ("delivered", "Delivered", None),
        ("warranty_start", "Warranty started", None),
        ("case_opened", "Case opened", shop["general"].number),
        ("case_resolved", "Case resolved", shop["general"].number),
        ("case_opened", "Case opened", shop["mine"].number),
        ("case_opened", "Case opened", shop["hidden"].number),
        ("warranty_end", "Warranty ends", None),
    ]
    assert [entry.upcoming for entry in record.timeline] == [False] * 7 + [True]


def test_an_agent_sees_only_the_cases_in_scope_on_a_unit(desk_as, agent, shop):
    response = desk_as(agent).get(f"/desk/units/{shop['unit'].pk}/")

    assert response.status_code == 200
    assert listed_cases(response) == [shop["mine"].number, shop["general"].number]
    assert "Screen cracked" not in response.text
    record = unit_record(viewer=agent, unit_id=shop["unit"].pk)
    assert shop["hidden"].number not in {e.case.number for e in record.timeline if e.case}
    assert record.partial_view is True


def test_an_expired_warranty_says_when_it_ended(desk_as, manager, time_machine):
    unit = UnitFactory(
        serial_number="OLD-1",
        purchased_on=dt.date(2023, 1, 1),
        delivered_on=dt.date(2023, 1, 1),
        warranty_start=dt.date(2023, 1, 1),
        warranty_end=dt.date(2024, 1, 1),
    )
    at(time_machine, NOW)

    response = desk_as(manager).get(f"/desk/units/{unit.pk}/")

    status = text_of(re.search(r'data-field="warranty-status">(.*?)</dd>', response.text, re.S).group(1))
    assert status == "Warranty expired ended 2024-01-01"
    assert listed_cases(response) == []


def test_a_persian_viewer_reads_the_unit_in_jalali(desk_as, manager, shop):
    manager.language = "fa"
    manager.save(update_fields=["language"])

    response = desk_as(manager).get(f"/desk/units/{shop['unit'].pk}/")

    # 3 June 2026 is 13 Khordad 1405; the product is named in Persian.
    assert '<dd data-field="warranty-end"><time datetime="2026-06-03">1405/03/13</time></dd>' in response.text
    assert "تلفن یک" in response.text


def test_the_unit_page_makes_the_same_number_of_queries_with_few_and_many_cases(
    desk_as, manager, shop, django_assert_num_queries
):
    client = desk_as(manager)
    url = f"/desk/units/{shop['unit'].pk}/"
    client.get(url)

    # Among them the bar's quarantine badge (managers and admins).
    with django_assert_num_queries(7) as few:
        client.get(url)

    for i in range(10):
        case = make_case(shop["unit"].owner, unit=shop["unit"], subject=f"More {i}")
        if i % 2:
            case_resolve(actor=manager, case=case)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(listed_cases(response)) == 13


# --- product ----------------------------------------------------------------------------------------


def test_the_product_page_figures_for_a_manager(desk_as, manager, shop):
    response = desk_as(manager).get(f"/desk/products/{shop['product'].pk}/")

    assert response.status_code == 200
    page = response.text
    assert '<dd data-figure="units-sold">4</dd>' in page
    assert '<dd data-figure="open-cases">2</dd>' in page
    assert '<dd data-figure="cases-total">3</dd>' in page
    assert '<dd data-figure="cases-per-100">75.0</dd>' in page
    assert '<dd data-field="sku">PH-1</dd>' in page
    assert '<dd data-field="category">Phones</dd>' in page
    assert listed_cases(response) == [shop["hidden"].number, shop["mine"].number]
    record = product_record(viewer=manager, product_id=shop["product"].pk)
    assert [(k.kind, k.label, k.count, k.percent) for k in record.kinds] == [
        ("problem", "Problem", 2, Decimal("66.7")),
        ("repair", "Repair", 1, Decimal("33.3")),
    ]
    assert (record.units_sold, record.units_registered) == (4, 3)
    assert record.partial_view is False


def test_an_agent_sees_and_counts_only_the_product_cases_in_scope(desk_as, agent, shop):
    response = desk_as(agent).get(f"/desk/products/{shop['product'].pk}/")

    assert response.status_code == 200
    assert listed_cases(response) == [shop["mine"].number]
    assert "Screen cracked" not in response.text
    assert '<dd data-figure="open-cases">1</dd>' in response.text
    assert '<dd data-figure="cases-total">2</dd>' in response.text
    assert '<dd data-figure="cases-per-100">50.0</dd>' in response.text
    record = product_record(viewer=agent, product_id=shop["product"].pk)
    assert [(k.kind, k.count, k.percent) for k in record.kinds] == [("problem", 2, Decimal("100.0"))]


def test_the_product_name_is_in_the_viewers_language(desk_as, manager, shop):
    manager.language = "fa"
    manager.save(update_fields=["language"])

    response = desk_as(manager).get(f"/desk/products/{shop['product'].pk}/")

    assert '<h1 class="h3 mb-0 desk-wrap" dir="auto">تلفن یک</h1>' in response.text
    assert '<dd data-field="category">تلفن‌ها</dd>' in response.text


def test_a_product_never_sold_has_no_reliability_figure(desk_as, manager):
    product = ProductFactory(sku="NEW-1", name="New thing")

    response = desk_as(manager).get(f"/desk/products/{product.pk}/")

    assert '<dd data-figure="units-sold">0</dd>' in response.text
    assert '<dd data-figure="cases-per-100">—</dd>' in response.text
    assert "No cases on this product yet." in response.text


def test_open_cases_on_a_product_come_25_a_page(desk_as, manager, shop, time_machine):
    # Given 30 more open cases on the product, one a minute
    numbers = []
    for i in range(30):
        at(time_machine, NOW + dt.timedelta(minutes=i))
        numbers.append(make_case(shop["unit"].owner, unit=shop["unit"], subject=f"Case {i}").number)
    client = desk_as(manager)
    url = f"/desk/products/{shop['product'].pk}/"
    newest_first = list(reversed(numbers)) + [shop["hidden"].number, shop["mine"].number]

    # When the manager walks the pages
    first = client.get(url)
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first.text).group(1)
    second = client.get(f"{url}?after={after}")
    before = re.search(r'rel="prev" href="\?before=([^"]+)"', second.text).group(1)
    back = client.get(f"{url}?before={before}")

    # Then each case is on exactly one page, newest first
    assert listed_cases(first) == newest_first[:25]
    assert listed_cases(second) == newest_first[25:]
    assert 'rel="next"' not in second.text
    assert listed_cases(back) == newest_first[:25]
    assert '<dd data-figure="open-cases">32</dd>' in first.text


def test_a_forged_cursor_starts_at_the_first_page(desk_as, manager, shop):
    response = desk_as(manager).get(f"/desk/products/{shop['product'].pk}/?after=not-a-cursor")

    assert response.status_code == 200
    assert listed_cases(response) == [shop["hidden"].number, shop["mine"].number]


def test_the_product_page_makes_the_same_number_of_queries_with_few_and_many_cases(
    desk_as, manager, shop, django_assert_num_queries
):
    client = desk_as(manager)
    url = f"/desk/products/{shop['product'].pk}/"
    client.get(url)

    # Among them the bar's quarantine badge (managers and admins).
    with django_assert_num_queries(11) as few:
        client.get(url)

    for i in range(30):
        make_case(
            shop["unit"].owner, unit=shop["unit"], subject=f"More {i}", kind="repair" if i % 2 else "return"
        )

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(listed_cases(response)) == 25


# --- organisation -----------------------------------------------------------------------------------


@pytest.fixture
def company(db, time_machine, team, other_team, admin_user):
    at(time_machine, dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    organisation = OrganisationFactory(name="Acme Trading", domain="acme.test", share_with_members=True)
    anna = CustomerFactory(name="Anna Acme", organisation=organisation, email__value="anna@acme.test")
    bob = CustomerFactory(name="Bob Acme", organisation=organisation, email__value="bob@acme.test")
    CustomerFactory(name="Someone Else")
    unit = UnitFactory(owner=anna, serial_number="ACME-1")
    UnitFactory(owner=bob, serial_number="ACME-2")
    at(time_machine, dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    a1 = make_case(anna, team=team, subject="Anna one", unit=unit)
    at(time_machine, dt.datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    a2 = make_case(anna, team=other_team, subject="Anna hidden")
    at(time_machine, dt.datetime(2026, 2, 3, 9, 0, tzinfo=UTC))
    b1 = make_case(bob, subject="Bob general")
    at(time_machine, dt.datetime(2026, 2, 4, 9, 0, tzinfo=UTC))
    b2 = make_case(bob, team=team, subject="Bob done")
    case_resolve(actor=admin_user, case=b2)
    at(time_machine, NOW)
    return {"organisation": organisation, "anna": anna, "bob": bob, "a1": a1, "a2": a2, "b1": b1, "b2": b2}


def member_rows(response) -> list[tuple[str, ...]]:
    match = re.search(r'<table[^>]*id="table-members"[^>]*>(.*?)</table>', response.text, re.S)
    assert match is not None
    table = match.group(1)
    rows = []
    for row in re.findall(r"<tr data-row-link[^>]*>(.*?)</tr>", table, re.S):
        cells = [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows.append(tuple(cells))
    return rows


def test_the_organisation_page_for_a_manager(desk_as, manager, company):
    response = desk_as(manager).get(f"/desk/organisations/{company['organisation'].pk}/")

    assert response.status_code == 200
    page = response.text
    assert '<h1 class="h3 mb-0 desk-wrap" dir="auto">Acme Trading</h1>' in page
    assert '<dd data-figure="members">2</dd>' in page
    assert '<dd data-figure="open-cases">3</dd>' in page
    assert '<dd data-figure="cases-total">4</dd>' in page
    assert '<dd data-figure="units">2</dd>' in page
    assert '<dd data-field="shares">Yes</dd>' in page
    assert member_rows(response) == [
        ("Anna Acme", "anna@acme.test", "2", "1"),
        ("Bob Acme", "bob@acme.test", "1", "1"),
    ]
    assert f'href="/desk/customers/{company["anna"].pk}/"' in page
    assert listed_cases(response) == [
        company["b2"].number,
        company["b1"].number,
        company["a2"].number,
        company["a1"].number,
    ]
    assert 'href="/desk/units/' in page and "ACME-1" in page and "ACME-2" in page


def test_an_agent_sees_and_counts_only_the_organisation_cases_in_scope(desk_as, agent, company):
    response = desk_as(agent).get(f"/desk/organisations/{company['organisation'].pk}/")

    assert response.status_code == 200
    assert member_rows(response) == [
        ("Anna Acme", "anna@acme.test", "1", "1"),
        ("Bob Acme", "bob@acme.test", "1", "1"),
    ]
    assert '<dd data-figure="open-cases">2</dd>' in response.text
    assert '<dd data-figure="cases-total">3</dd>' in response.text
    assert listed_cases(response) == [company["b2"].number, company["b1"].number, company["a1"].number]
    assert "Anna hidden" not in response.text


def test_members_come_50_a_page_by_name(desk_as, manager, company):
    for i in range(55):
        CustomerFactory(name=f"Member {i:02d}", organisation=company["organisation"])
    client = desk_as(manager)
    url = f"/desk/organisations/{company['organisation'].pk}/"

    first = client.get(url)
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first.text).group(1)
    second = client.get(f"{url}?after={after}")

    names = [row[0] for row in member_rows(first)] + [row[0] for row in member_rows(second)]
    assert len(member_rows(first)) == 50
    assert names == ["Anna Acme", "Bob Acme"] + [f"Member {i:02d}" for i in range(55)]
    assert '<dd data-figure="members">57</dd>' in first.text


def test_the_organisation_page_makes_the_same_number_of_queries_with_few_and_many_rows(
    desk_as, manager, company, team, django_assert_num_queries
):
    client = desk_as(manager)
    url = f"/desk/organisations/{company['organisation'].pk}/"
    client.get(url)

    # Among them the bar's quarantine badge (managers and admins).
    with django_assert_num_queries(11) as few:
        client.get(url)

    for i in range(12):
        member = CustomerFactory(name=f"Extra {i}", organisation=company["organisation"])
        UnitFactory(owner=member)
        make_case(member, team=team)
        make_case(member)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(member_rows(response)) == 14


def test_organisation_record_counts_units_of_members(manager, company):
    record = organisation_record(viewer=manager, organisation_id=company["organisation"].pk)

    assert (record.member_count, record.unit_count) == (2, 2)
    assert [u.serial_number for u in record.latest_units] == ["ACME-2", "ACME-1"]
