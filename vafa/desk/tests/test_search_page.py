"""The desk's search page: what it finds, for whom, how it shows it and at what cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vafa.catalog.tests.factories import ProductFactory
from vafa.core.search import search_reindex
from vafa.customers.services import customer_create
from vafa.customers.tests.factories import CustomerFactory
from vafa.desk.search import case_reference, desk_search
from vafa.sales.services import unit_create
from vafa.service.services import case_assign, case_reply
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

URL = "/desk/search/"


def search_page(client, q: str, **params: str):
    return client.get(URL, {"q": q, **params})


def test_customers_cannot_reach_the_page(desk_as, customer_user):
    response = search_page(desk_as(customer_user), "battery")

    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = search_page(client, "battery")

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_an_empty_search_explains_what_can_be_found(desk_as, agent):
    response = desk_as(agent).get(URL)

    assert response.status_code == 200
    assert "Find anything with one box" in response.text
    assert 'name="q" value=""' in response.text


def test_no_results_says_so_helpfully(desk_as, agent):
    response = search_page(desk_as(agent), "zzyzx")

    assert response.status_code == 200
    assert "Nothing matches" in response.text
    assert "fewer words" in response.text


def test_cases_are_found_by_subject_and_message_with_a_marked_excerpt(desk_as, agent, customer):
    by_subject = make_case(customer, subject="Dishwasher will not drain", team=None)
    by_message = make_case(customer, subject="Kitchen appliance", body="The dishwasher leaves water behind")

    response = search_page(desk_as(agent), "dishwasher")

    assert response.status_code == 200
    page = response.text
    assert page.count("data-row-link") == 2
    assert f'href="/desk/cases/{by_subject.number}/"' in page
    assert f'href="/desk/cases/{by_message.number}/"' in page
    assert "<mark>Dishwasher</mark> will not drain" in page
    assert "The <mark>dishwasher</mark> leaves water behind" in page
    # The nav bar's box keeps what was searched.
    assert 'id="desk-q" name="q" value="dishwasher"' in page


def test_a_case_reference_opens_the_case(desk_as, agent, customer):
    case = make_case(customer)
    client = desk_as(agent)

    for typed in (
        f"VF-{case.number}",
        f"vf{case.number}",
        f"#{case.number}",
        f"VF-{case.number}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
    ):
        response = search_page(client, typed)
        assert response.status_code == 302, typed
        assert response["Location"] == f"/desk/cases/{case.number}/"


def test_a_bare_number_that_only_names_a_case_opens_it(desk_as, agent, customer):
    case = make_case(customer, subject="Oven", body="Heats unevenly")

    response = search_page(desk_as(agent), str(case.number))

    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{case.number}/"


def test_a_bare_number_that_also_matches_text_lists_the_case_first(desk_as, agent, customer):
    case = make_case(customer, subject="Oven", body="Heats unevenly")
    other = make_case(customer, subject="Refund", body=f"I paid {case.number} toman")

    response = search_page(desk_as(agent), str(case.number))

    assert response.status_code == 200
    page = response.text
    assert page.index(f"/desk/cases/{case.number}/") < page.index(f"/desk/cases/{other.number}/")
    assert "Case number" in page


def test_case_reference_reading():
    assert [case_reference(t) for t in ("VF-12", "vf 12", "#12", "۱۲", "12", "VF-", "12 13", "x12", "0")] == [
        12,
        12,
        12,
        12,
        12,
        None,
        None,
        None,
        None,
    ]


def test_an_agent_never_finds_a_case_outside_their_scope(desk_as, agent, other_agent, other_team, customer):
    hidden = make_case(customer, subject="Secret blender recall", body="Blender recall details")
    case_assign(actor=other_agent, case=hidden, team=other_team)
    client = desk_as(agent)

    by_word = search_page(client, "blender")
    by_number = search_page(client, f"VF-{hidden.number}")
    by_bare_number = search_page(client, str(hidden.number))

    for response in (by_word, by_number, by_bare_number):
        assert response.status_code == 200
        assert f"/desk/cases/{hidden.number}/" not in response.text
        assert "Secret" not in response.text
        assert "Nothing matches" in response.text
    assert search_page(desk_as(other_agent), "blender").text.count("data-row-link") == 1


def test_a_subject_with_markup_is_shown_as_text(desk_as, agent, customer):
    make_case(
        customer, subject="<script>alert('x')</script> toaster", body="<img src=x onerror=alert(1)> toaster"
    )

    response = search_page(desk_as(agent), "toaster")

    page = response.text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>toaster</mark>" in page
    assert "<img src=x" not in page


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        "battery*",
        "NEAR(battery",
        "battery OR",
        "-battery",
        "kind:customer",
        "text : x",
        "'",
        "\\",
        "%",
        "_",
        "((",
    ],
)
def test_search_syntax_never_breaks_the_page(desk_as, agent, customer, typed):
    make_case(customer, subject="battery near OR kind customer text")

    response = search_page(desk_as(agent), typed)

    assert response.status_code == 200


def test_persian_spellings_find_the_same_case(desk_as, agent, customer):
    case = make_case(customer, subject="گوشی شارژ نمی‌شود", body="کابل شارژ را عوض کردم ولی باز هم کار نمی‌کند")
    client = desk_as(agent)

    for typed in ("نمی‌شود", "نمیشود", "نمی شود", "كابل", "کابل", "شارژ نمي‌شود", "ڪابل"):
        response = search_page(client, typed)
        assert response.status_code == 200, typed
        assert f"/desk/cases/{case.number}/" in response.text, typed


def test_customers_are_found_by_email_and_phone(desk_as, agent):
    customer = customer_create(
        actor=agent, name="Maryam Hosseini", emails=["maryam@example.ir"], phones=["+989121112233"]
    )
    client = desk_as(agent)

    for typed in ("maryam@example.ir", "0912 111 2233", "Hosseini"):
        response = search_page(client, typed)
        assert f'href="/desk/customers/{customer.pk}/"' in response.text, typed
    assert "<mark>maryam@example.ir</mark>" in search_page(client, "maryam@example.ir").text


def test_units_are_found_by_serial_exact_match_first(desk_as, agent, manager, customer):
    product = ProductFactory.create(name="Air conditioner")
    exact = unit_create(actor=manager, product=product, serial_number="AC-900", owner=customer)
    longer = unit_create(actor=manager, product=product, serial_number="AC-9001", owner=customer)

    response = search_page(desk_as(agent), "AC-900")

    page = response.text
    assert page.index(f"/desk/units/{exact.pk}/") < page.index(f"/desk/units/{longer.pk}/")
    assert "Serial number" in page


def test_a_tab_shows_one_kind_with_pages(desk_as, agent, customer, settings):
    for n in range(30):
        make_case(customer, subject=f"Printer jam number {n}")

    first = search_page(desk_as(agent), "printer", kind="cases")
    second = search_page(desk_as(agent), "printer", kind="cases", page="2")

    assert first.text.count("data-row-link") == 25
    assert second.text.count("data-row-link") == 5
    assert "kind=cases&amp;page=2" in first.text or "page=2" in first.text
    assert 'aria-current="page" href="?q=printer&amp;kind=cases"' in first.text


def _count_queries(client, q: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = search_page(client, q)
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_results(
    desk_as, agent, manager, django_assert_num_queries
):
    client = desk_as(agent)

    def make(n: int, word: str) -> None:
        for i in range(n):
            owner = customer_create(actor=agent, name=f"{word} owner {i}", emails=[f"{word}{i}@example.test"])
            case = make_case(owner, subject=f"Case {i}", body=f"The {word} stopped")
            case_reply(actor=agent, case=case, body=f"Is the {word} plugged in?")
            unit_create(
                actor=manager, product=ProductFactory.create(), serial_number=f"{word}-{i}", owner=owner
            )

    make(3, "kettle")
    make(20, "toaster")

    few = _count_queries(client, "kettle")
    many = _count_queries(client, "toaster")

    assert few == many
    # Session and user; the agent's teams; cases: match, rows (with the exact number), excerpts;
    # customers: match, rows, contact points; units: match, rows (with the exact serial).
    with django_assert_num_queries(13):
        search_page(client, "toaster")


def test_desk_search_counts_and_reports_each_section(agent, customer):
    CustomerFactory(name="Printer Paper Co")
    make_case(customer, subject="Printer offline")
    search_reindex(["customer"])

    results = desk_search(viewer=agent, query="printer")

    assert (results.cases.total, results.customers.total, results.units.total) == (1, 1, 0)
    assert [item.case.subject for item in results.cases.items] == ["Printer offline"]
    assert [item.customer.name for item in results.customers.items] == ["Printer Paper Co"]
    assert results.go_to is None
