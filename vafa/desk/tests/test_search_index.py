"""The apps keep the search index up to date from their services, in the same transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from vafa.catalog.tests.factories import ProductFactory
from vafa.core.models import SearchDocument
from vafa.core.search import parse_query, search_backend, search_reindex
from vafa.customers.services import (
    customer_create,
    customer_remove_contact,
    customer_update,
    organisation_create,
    organisation_update,
)
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.services import unit_create, unit_update
from vafa.service.services import case_customer_reply, case_merge, case_note, case_reply, case_update
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def found(query: str, *kinds: str) -> list[tuple[str, int, int | None]]:
    page = search_backend().search(parse_query(query), kinds=list(kinds) or ["case", "message"], limit=50)
    return sorted((hit.kind, hit.object_id, hit.case_id) for hit in page.hits)


def test_an_opened_case_is_found_by_reference_subject_and_first_message(customer):
    case = make_case(customer, subject="Washing machine leaks", body="Water under the machine every wash")
    first = case.messages.get()

    assert found(f"VF-{case.number}", "case") == [("case", case.pk, case.pk)]
    assert found("washing leaks") == [("case", case.pk, case.pk)]
    assert found("water under") == [("message", first.pk, case.pk)]


def test_replies_notes_and_customer_replies_are_found_in_their_case(customer, agent):
    case = make_case(customer)

    reply = case_reply(actor=agent, case=case, body="Please send the serial number from the sticker")
    note = case_note(actor=agent, case=case, body="Escalated to the warehouse")
    answer = case_customer_reply(case=case, customer=customer, body="Here it is: QX-7781")

    assert found("sticker") == [("message", reply.pk, case.pk)]
    assert found("warehouse") == [("message", note.pk, case.pk)]
    assert found("QX-7781") == [("message", answer.pk, case.pk)]


def test_attachment_names_are_found_with_their_message(customer, agent):
    from vafa.service.services import AttachmentInput

    case = make_case(customer)
    reply = case_reply(
        actor=agent,
        case=case,
        body="Your invoice is attached",
        attachments=[AttachmentInput("factor-1403.pdf", "application/pdf", b"%PDF-1.4")],
    )

    assert found("factor-1403") == [("message", reply.pk, case.pk)]


def test_a_new_subject_replaces_the_old_one(customer, agent):
    case = make_case(customer, subject="Fridge is noisy")

    case_update(actor=agent, case=case, subject="Fridge compressor fails")

    assert found("noisy", "case") == []
    assert found("compressor", "case") == [("case", case.pk, case.pk)]


def test_merged_messages_are_found_under_the_target_case(customer, agent):
    source = make_case(customer, subject="Screen flickers", body="The screen flickers at night")
    target = make_case(customer, subject="Television problem", body="Picture problems")
    moved = source.messages.get()

    case_merge(actor=agent, source=source, target=target)

    assert found("flickers", "message") == [("message", moved.pk, target.pk)]


def test_a_rolled_back_change_leaves_nothing_to_find(customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case(customer, subject="Vacuum cleaner smells burnt")
        raise RuntimeError

    assert found("vacuum") == []
    assert not SearchDocument.objects.exists()


def test_a_customer_is_found_by_name_email_phone_and_shop_number(agent):
    customer = customer_create(
        actor=agent,
        name="Reza Karimi",
        emails=["Reza@Example.TEST"],
        phones=["0912 345 6789"],
        external_source="shop",
        external_id="C-5521",
        country="IR",
    )

    for typed in ("reza karimi", "reza@example.test", "+98 912 345 6789", "09123456789", "C-5521"):
        assert found(typed, "customer") == [("customer", customer.pk, None)], typed


def test_a_changed_email_finds_the_customer_and_the_old_one_no_longer_does(agent):
    customer = customer_create(actor=agent, name="Nima Rad", emails=["nima@old.example"])

    customer_update(actor=agent, customer=customer, emails=["nima@new.example"], name="Nima Rad-Zadeh")
    customer_remove_contact(actor=agent, customer=customer, value="nima@old.example")

    assert found("nima@old.example", "customer") == []
    assert found("old", "customer") == []
    assert found("nima@new.example", "customer") == [("customer", customer.pk, None)]
    assert found("rad-zadeh", "customer") == [("customer", customer.pk, None)]
    assert list(customer.contact_points.values_list("value", "is_primary")) == [("nima@new.example", True)]


def test_members_are_found_by_their_organisations_new_name(manager):
    organisation = organisation_create(actor=manager, name="Pars Trading")
    member = customer_create(actor=manager, name="Leila Azimi", organisation=organisation)

    organisation_update(actor=manager, organisation=organisation, name="Pars Holding")

    assert found("holding", "customer") == [("customer", member.pk, None)]
    assert found("trading", "customer") == []


def test_a_unit_is_found_by_serial_and_product_and_follows_its_owner(manager):
    product = ProductFactory.create(sku="WM-800", name="Washing machine 8 kg", names={"fa": "ماشین لباسشویی"})
    first, second = CustomerFactory(), CustomerFactory()

    unit = unit_create(actor=manager, product=product, serial_number="WM8-0042-AB", owner=first)
    unit_update(actor=manager, unit=unit, owner=second)

    for typed in ("WM8-0042-AB", "wm80042ab", "0042", "لباسشویی", "washing machine", "WM-800"):
        assert found(typed, "unit") == [("unit", unit.pk, None)], typed
    assert SearchDocument.objects.get(kind="unit", object_id=unit.pk).customer_id == second.pk


def test_a_rebuild_writes_what_the_services_wrote(agent, manager, customer):
    make_case(customer, subject="Kettle switch broken", body="It does not switch off")
    case = make_case(customer, subject="Router drops Wi-Fi")
    case_reply(actor=agent, case=case, body="Please update the firmware")
    customer_create(actor=agent, name="Olga Petrova", emails=["olga@example.ru"], phones=["+7 912 345-67-89"])
    unit_create(actor=manager, product=ProductFactory.create(), serial_number="RT-1", owner=customer)
    columns = ("kind", "object_id", "case_id", "customer_id", "text")
    by_services = set(
        SearchDocument.objects.exclude(kind="customer", object_id=customer.pk).values_list(*columns)
    )

    results = search_reindex()

    rebuilt = set(
        SearchDocument.objects.exclude(kind="customer", object_id=customer.pk).values_list(*columns)
    )
    assert rebuilt == by_services
    # The knowledge base registers its own rebuild too (no articles here).
    assert {r.kind: r.documents for r in results} == {
        "case": 2,
        "message": 3,
        "customer": 2,
        "unit": 1,
        "article": 0,
    }
