"""The portal's home, "Ask for help" and "My requests", through the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from vafa.accounts.services import customer_account_ensure
from vafa.catalog.tests.factories import ProductFactory
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.knowledge.models import ArticleTranslation, DeflectionEvent
from vafa.knowledge.tests.factories import published_article
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import Attachment, Case, CaseEvent, CaseRating, Message
from vafa.service.services import (
    AttachmentInput,
    case_close,
    case_merge,
    case_note,
    case_rate,
    case_reply,
    case_resolve,
)
from vafa.service.tests.factories import make_case

VISIT = "visit-key-0123456789"


@pytest.fixture
def portal(client, customer_user):
    # The shared customer reads Persian; these tests read English unless they say otherwise.
    customer_user.language = "en"
    customer_user.save(update_fields=["language"])
    client.force_login(customer_user)
    return client


def ask_data(**fields):
    data = {
        "about": "other",
        "kind": "problem",
        "subject": "The kettle does not heat",
        "description": "It switches on but the water stays cold.",
        "visit": VISIT,
        "website": "",
    }
    data.update(fields)
    return data


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:home", "portal:ask", "portal:requests"])
def test_pages_need_a_signed_in_customer(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_staff_are_sent_to_the_desk(client, agent):
    client.force_login(agent)

    response = client.get(reverse("portal:requests"))

    assert response.status_code == 302
    assert response["Location"] == reverse("desk:home")


# --- home -----------------------------------------------------------------------------------------


def test_home_greets_and_lists_open_requests_and_products(portal, customer, agent):
    customer_user = customer.account
    customer_user.full_name = "Sara Ahmadi"
    customer_user.save()
    product = ProductFactory(name="Kettle K2")
    UnitFactory(owner=customer, product=product, serial_number="K2-0001", warranty_end=dt.date(2099, 1, 1))
    make_case(customer, subject="Still waiting")
    case_resolve(actor=agent, case=make_case(customer, subject="Done and dusted"))

    response = portal.get(reverse("portal:home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Sara" in body
    assert "Still waiting" in body
    assert "Done and dusted" not in body
    assert "Kettle K2" in body and "K2-0001" in body
    assert 'In warranty until <time datetime="2099-01-01">' in body
    assert 'action="/help/en/search/"' in body
    assert reverse("portal:register") in body


# --- ask for help ---------------------------------------------------------------------------------


def test_ask_shows_the_customers_units_and_preselects_one(portal, customer, other_customer):
    mine = UnitFactory(owner=customer, serial_number="MINE-1")
    UnitFactory(owner=other_customer, serial_number="THEIRS-1")

    response = portal.get(reverse("portal:ask") + f"?unit={mine.pk}")

    body = response.content.decode()
    assert response.status_code == 200
    assert "MINE-1" in body
    assert "THEIRS-1" not in body
    assert f'value="unit-{mine.pk}" id="ask-about-unit-{mine.pk}" checked' in body
    assert 'hx-trigger="keyup changed delay:400ms"' in body


def test_ask_opens_a_portal_case_and_records_the_submission(portal, customer, customer_user):
    unit = UnitFactory(owner=customer)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG fake", content_type="image/png")

    response = portal.post(
        reverse("portal:ask"), ask_data(about=f"unit-{unit.pk}", kind="warranty_claim", attachments=[upload])
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ask_sent", args=[case.number])
    assert (case.customer, case.channel, case.kind, case.unit, case.product) == (
        customer,
        "portal",
        "warranty_claim",
        unit,
        unit.product,
    )
    assert case.language == customer_user.language
    message = case.messages.get()
    assert (message.author_user, message.body_text) == (
        customer_user,
        "It switches on but the water stays cold.",
    )
    assert list(Attachment.objects.values_list("filename", "content_type")) == [("photo.png", "image/png")]
    event = DeflectionEvent.objects.get()
    assert (event.kind, event.source, event.visit, event.case, event.customer) == (
        "submitted",
        "portal",
        VISIT,
        case,
        customer,
    )


def test_the_confirmation_shows_the_request_number(portal, customer):
    portal.post(reverse("portal:ask"), ask_data())
    case = Case.objects.get()

    response = portal.get(reverse("portal:ask_sent", args=[case.number]))

    assert response.status_code == 200
    assert f"VF-{case.number}" in response.content.decode()


def test_ask_for_a_product_needs_the_product(portal):
    response = portal.post(reverse("portal:ask"), ask_data(about="product"))

    assert response.status_code == 200
    assert "Choose the product." in response.content.decode()
    assert not Case.objects.exists()


def test_ask_about_a_product(portal):
    product = ProductFactory()

    portal.post(reverse("portal:ask"), ask_data(about="product", product=str(product.pk)))

    assert Case.objects.get().product == product


def test_ask_about_another_customers_unit_is_refused(portal, other_customer):
    theirs = UnitFactory(owner=other_customer)

    response = portal.post(reverse("portal:ask"), ask_data(about=f"unit-{theirs.pk}"))

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert not DeflectionEvent.objects.exists()


def test_ask_with_a_blocked_file_type_saves_nothing(portal):
    upload = SimpleUploadedFile("setup.exe", b"MZ...", content_type="application/octet-stream")

    response = portal.post(reverse("portal:ask"), ask_data(attachments=[upload]))

    assert response.status_code == 422
    assert "Files of this type cannot be attached: setup.exe" in response.content.decode()
    assert not Case.objects.exists()
    assert not Message.objects.exists()
    assert not DeflectionEvent.objects.exists()


def test_ask_with_a_too_large_file_saves_nothing(portal, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf")

    response = portal.post(reverse("portal:ask"), ask_data(attachments=[upload]))

    assert response.status_code == 422
    assert "big.pdf is larger than" in response.content.decode()
    assert not Case.objects.exists()


def test_ask_with_too_many_files_saves_nothing(portal, settings):
    settings.VAFA_ATTACHMENT_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"{n}.txt", b"hi", content_type="text/plain") for n in range(2)]

    response = portal.post(reverse("portal:ask"), ask_data(attachments=files))

    assert response.status_code == 422
    assert "At most 1 files can be attached." in response.content.decode()
    assert not Case.objects.exists()


def test_ask_honeypot_answers_as_success_and_does_nothing(portal):
    response = portal.post(reverse("portal:ask"), ask_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "your request was sent" in response.content.decode()
    assert not Case.objects.exists()
    assert not DeflectionEvent.objects.exists()


def test_ask_is_limited_per_customer(portal, settings):
    settings.VAFA_PORTAL_REQUEST_LIMIT = 2
    for _ in range(2):
        assert portal.post(reverse("portal:ask"), ask_data()).status_code == 302

    response = portal.post(reverse("portal:ask"), ask_data())

    assert response.status_code == 429
    assert "You have sent many requests in the last hour." in response.content.decode()
    assert Case.objects.count() == 2


def test_ask_in_persian_is_translated_and_right_to_left(portal, customer_user):
    customer_user.language = "fa"
    customer_user.save()

    response = portal.get(reverse("portal:ask"))

    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_a_follow_up_request_refers_to_the_closed_one(portal, customer, agent):
    old = case_close(actor=agent, case=case_resolve(actor=agent, case=make_case(customer, subject="Old")))

    form = portal.get(reverse("portal:ask") + f"?follow_up={old.number}")
    portal.post(reverse("portal:ask"), ask_data(follow_up=str(old.number)))

    assert f"This request continues VF-{old.number}." in form.content.decode()
    new = Case.objects.exclude(pk=old.pk).get()
    assert new.follow_up_of == old
    assert CaseEvent.objects.filter(case=old, kind="followed_up").count() == 1


def test_a_follow_up_of_someone_elses_case_is_ignored(portal, other_customer, agent):
    theirs = case_resolve(actor=agent, case=make_case(other_customer))

    portal.post(reverse("portal:ask"), ask_data(follow_up=str(theirs.number)))

    assert Case.objects.exclude(pk=theirs.pk).get().follow_up_of is None


# --- suggestions and deflection -------------------------------------------------------------------


@pytest.fixture
def articles(db):
    kettle = ProductFactory(name="Kettle")
    for_kettle = published_article(
        texts={"en": ("Kettle does not heat: check the base", "Clean the contacts of the kettle base.")},
        products=[kettle],
    )
    general = published_article(texts={"en": ("Why a kettle does not heat", "General advice on heating.")})
    return kettle, for_kettle, general


def test_suggestions_show_matching_articles_that_products_first(portal, customer, articles):
    kettle, for_kettle, general = articles
    unit = UnitFactory(owner=customer, product=kettle)

    response = portal.post(
        reverse("portal:ask_suggest"),
        {"subject": "kettle does not heat", "description": "", "about": f"unit-{unit.pk}", "visit": VISIT},
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Kettle does not heat: check the base") < body.index("Why a kettle does not heat")
    search = DeflectionEvent.objects.get()
    assert (search.kind, search.source, search.visit, search.result_count) == ("search", "portal", VISIT, 2)


def test_suggestions_record_one_search_per_visit(portal, articles):
    for text in ("kettle", "kettle does not", "kettle does not heat"):
        portal.post(reverse("portal:ask_suggest"), {"subject": text, "visit": VISIT})

    assert DeflectionEvent.objects.filter(kind="search").count() == 1


def test_suggestions_need_a_few_letters(portal, articles):
    response = portal.post(reverse("portal:ask_suggest"), {"subject": "ke", "visit": VISIT})

    assert "ask-hits" not in response.content.decode()
    assert not DeflectionEvent.objects.exists()


def test_reading_a_suggestion_records_a_view(portal, customer, articles):
    _kettle, for_kettle, _general = articles

    response = portal.get(
        reverse("portal:ask_article", args=[for_kettle.pk]) + f"?language=en&visit={VISIT}&q=kettle"
    )

    assert response.status_code == 200
    assert "Clean the contacts of the kettle base." in response.content.decode()
    view = DeflectionEvent.objects.get()
    assert (view.kind, view.source, view.visit, view.article, view.customer) == (
        "view",
        "portal",
        VISIT,
        for_kettle,
        customer,
    )
    assert ArticleTranslation.objects.get(article=for_kettle).view_count == 1


def test_an_unpublished_article_is_not_found(portal):
    draft = published_article(texts={"en": ("Draft", "Not yet")}, drafts=["en"])

    response = portal.get(reverse("portal:ask_article", args=[draft.pk]) + "?language=en")

    assert response.status_code == 404
    assert not DeflectionEvent.objects.exists()


def test_answered_ends_the_flow_without_a_case(portal, customer, articles):
    _kettle, for_kettle, _general = articles

    response = portal.post(
        reverse("portal:ask_answered"),
        {"article": str(for_kettle.pk), "language": "en", "visit": VISIT, "q": "kettle"},
    )

    assert response.status_code == 200
    assert "Glad that helped!" in response.content.decode()
    assert not Case.objects.exists()
    answered = DeflectionEvent.objects.get()
    assert (answered.kind, answered.source, answered.visit, answered.article, answered.customer) == (
        "answered",
        "portal",
        VISIT,
        for_kettle,
        customer,
    )


def test_submitting_after_reading_credits_the_article(portal, articles):
    _kettle, for_kettle, _general = articles
    portal.get(reverse("portal:ask_article", args=[for_kettle.pk]) + f"?language=en&visit={VISIT}")

    portal.post(reverse("portal:ask"), ask_data())

    submitted = DeflectionEvent.objects.get(kind="submitted")
    assert submitted.article == for_kettle


# --- my requests ----------------------------------------------------------------------------------


def test_list_shows_own_requests_with_status_in_words(portal, customer, other_customer):
    make_case(customer, subject="My kettle")
    make_case(other_customer, subject="Someone else's fridge")

    response = portal.get(reverse("portal:requests"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "My kettle" in body
    assert "Received" in body
    assert "Someone else" not in body
    assert "requests-scope" not in body


def test_list_pages_with_cursors(portal, customer):
    for n in range(25):
        make_case(customer, subject=f"Request number {n:02d}")

    first = portal.get(reverse("portal:requests"))
    older_link = first.context["page"].next
    second = portal.get(reverse("portal:requests") + f"?after={older_link}")

    assert "Request number 24" in first.content.decode()
    assert "Request number 04" not in first.content.decode()
    assert "Request number 04" in second.content.decode()
    assert "Request number 05" not in second.content.decode() or len(second.context["rows"]) == 5
    assert len(second.context["rows"]) == 5


def test_list_with_a_broken_cursor_starts_again(portal, customer):
    make_case(customer, subject="Only one")

    response = portal.get(reverse("portal:requests") + "?after=broken!")

    assert response.status_code == 200
    assert "Only one" in response.content.decode()


def test_list_query_count_is_fixed(portal, customer, django_assert_num_queries):
    for n in range(30):
        make_case(customer, subject=f"Case {n}", product=ProductFactory(), unit=UnitFactory(owner=customer))
    portal.get(reverse("portal:requests"))

    # The session, the user, their customer (organisation sharing), and one page of cases with
    # their products and units.
    with django_assert_num_queries(4):
        response = portal.get(reverse("portal:requests"))

    assert len(response.context["rows"]) == 20


def test_detail_query_count_is_fixed(portal, customer, agent, django_assert_num_queries):
    case = make_case(customer)
    for n in range(10):
        case_reply(
            actor=agent,
            case=case,
            body=f"Answer {n}",
            attachments=[AttachmentInput(filename=f"{n}.txt", content_type="text/plain", content=b"x")],
        )
    case_resolve(actor=agent, case=case)

    # The session, the user, their customer, the case, its messages, their files, the rating.
    with django_assert_num_queries(7):
        response = portal.get(reverse("portal:request", args=[case.number]))

    assert len(response.context["entries"]) == 11


def test_home_query_count_is_fixed(portal, customer, django_assert_num_queries):
    for n in range(8):
        make_case(customer, subject=f"Case {n}")
        UnitFactory(owner=customer)

    with django_assert_num_queries(5):
        response = portal.get(reverse("portal:home"))

    assert (len(response.context["open_cases"]), len(response.context["units"])) == (5, 5)


def test_organisation_toggle_when_the_organisation_shares(client, db):
    organisation = OrganisationFactory(share_with_members=True)
    me = CustomerFactory(organisation=organisation, email__value="me@org.example")
    colleague = CustomerFactory(
        organisation=organisation, name="Colleague Co", email__value="col@org.example"
    )
    client.force_login(customer_account_ensure(actor=None, customer=me))
    make_case(me, subject="Mine")
    make_case(colleague, subject="The colleague's")

    mine = client.get(reverse("portal:requests")).content.decode()
    shared = client.get(reverse("portal:requests") + "?scope=organisation").content.decode()

    assert "requests-scope-organisation" in mine
    assert "The colleague's" not in mine
    assert "The colleague&#x27;s" in shared and "Mine" in shared


def test_detail_shows_public_messages_never_internal_notes(portal, customer, agent):
    case = make_case(customer, subject="Kettle")
    case_reply(actor=agent, case=case, body="Please send a photo of the base.")
    case_note(actor=agent, case=case, body="SECRET: customer is a reseller")

    response = portal.get(reverse("portal:request", args=[case.number]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Please send a photo of the base." in body
    assert "SECRET" not in body
    assert "Arash" in body  # the agent by first name
    assert "Agent" not in body.split('id="request-conversation"')[1].split("</ol>")[0]


def test_detail_of_another_customers_case_is_404(portal, other_customer):
    theirs = make_case(other_customer)

    assert portal.get(reverse("portal:request", args=[theirs.number])).status_code == 404
    assert portal.get(reverse("portal:request", args=[999999])).status_code == 404
    assert portal.get("/portal/requests/99999999999999999999/").status_code == 404


def test_detail_in_persian_shows_a_jalali_date(portal, customer, customer_user):
    customer_user.language = "fa"
    customer_user.save()
    case = make_case(customer)
    Case.objects.filter(pk=case.pk).update(created_at=dt.datetime(2026, 3, 21, 12, tzinfo=dt.UTC))

    body = portal.get(reverse("portal:request", args=[case.number])).content.decode()

    assert 'dir="rtl"' in body
    assert "۱۴۰۵" in body or "1405" in body


def test_files_download_only_for_the_cases_customer(portal, client, customer, other_customer, agent):
    case = make_case(
        customer,
        attachments=[
            AttachmentInput(filename="receipt.pdf", content_type="application/pdf", content=b"%PDF")
        ],
    )
    note = case_note(
        actor=agent,
        case=case,
        body="internal",
        attachments=[AttachmentInput(filename="internal.txt", content_type="text/plain", content=b"secret")],
    )
    public = Attachment.objects.get(filename="receipt.pdf")
    hidden = note.attachments.get()

    ok = portal.get(reverse("portal:request_file", args=[case.number, public.pk]))
    internal = portal.get(reverse("portal:request_file", args=[case.number, hidden.pk]))
    client.force_login(customer_account_ensure(actor=None, customer=other_customer))
    other = client.get(reverse("portal:request_file", args=[case.number, public.pk]))

    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == b"%PDF"
    assert ok["Content-Disposition"].startswith("attachment")
    assert (internal.status_code, other.status_code) == (404, 404)


def test_file_of_another_case_is_404(portal, customer, other_customer):
    make_case(customer)
    theirs = make_case(
        other_customer,
        attachments=[AttachmentInput(filename="x.txt", content_type="text/plain", content=b"x")],
    )
    mine = make_case(customer)
    attachment = Attachment.objects.get(message__case=theirs)

    response = portal.get(reverse("portal:request_file", args=[mine.number, attachment.pk]))

    assert response.status_code == 404


def test_reply_with_a_file(portal, customer, customer_user, agent):
    case = make_case(customer)
    case_reply(actor=agent, case=case, body="Which model?", status="pending_customer")
    upload = SimpleUploadedFile("label.jpg", b"\xff\xd8 jpeg", content_type="image/jpeg")

    response = portal.post(
        reverse("portal:request_reply", args=[case.number]), {"body": "Model K2", "attachments": [upload]}
    )

    assert response.status_code == 302
    message = Message.objects.filter(case=case).latest("id")
    assert (message.author_kind, message.author_user, message.channel, message.body_text) == (
        "customer",
        customer_user,
        "portal",
        "Model K2",
    )
    assert list(message.attachments.values_list("filename", flat=True)) == ["label.jpg"]
    case.refresh_from_db()
    assert case.status == "open"


def test_reply_to_another_customers_case_is_404(portal, other_customer):
    theirs = make_case(other_customer)

    response = portal.post(reverse("portal:request_reply", args=[theirs.number]), {"body": "hi"})

    assert response.status_code == 404
    assert Message.objects.filter(case=theirs).count() == 1


def test_empty_reply_is_refused(portal, customer):
    case = make_case(customer)

    response = portal.post(reverse("portal:request_reply", args=[case.number]), {"body": "  "})

    assert response.status_code == 422
    assert Message.objects.filter(case=case).count() == 1


def test_reopen_within_the_window(portal, customer, agent):
    case = case_resolve(actor=agent, case=make_case(customer))

    page = portal.get(reverse("portal:request", args=[case.number])).content.decode()
    response = portal.post(reverse("portal:request_reopen", args=[case.number]))

    assert "request-reopen" in page
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("open", 1)


def test_after_the_window_the_page_offers_a_new_request(portal, customer, agent):
    case = case_resolve(actor=agent, case=make_case(customer))
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))

    page = portal.get(reverse("portal:request", args=[case.number])).content.decode()
    refused = portal.post(reverse("portal:request_reopen", args=[case.number]), follow=True)
    reply = portal.post(reverse("portal:request_reply", args=[case.number]), {"body": "Again"})

    assert "request-reopen" not in page
    assert "request-reply-form" not in page
    assert f"?follow_up={case.number}" in page
    assert "please open a new request" in refused.content.decode()
    assert reply.status_code == 409
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("resolved", 0)
    assert Message.objects.filter(case=case).count() == 1


def test_rate_a_resolved_request(portal, customer, agent):
    case = case_resolve(actor=agent, case=make_case(customer))

    page = portal.get(reverse("portal:request", args=[case.number])).content.decode()
    response = portal.post(
        reverse("portal:request_rate", args=[case.number]), {"score": "5", "comment": "Thanks!"}
    )

    assert 'name="score" value="5"' in page
    assert response.status_code == 302
    rating = CaseRating.objects.get()
    assert (rating.case, rating.score, rating.comment) == (case, 5, "Thanks!")


def test_rating_form_is_not_offered_while_open(portal, customer):
    case = make_case(customer)

    page = portal.get(reverse("portal:request", args=[case.number])).content.decode()
    response = portal.post(reverse("portal:request_rate", args=[case.number]), {"score": "5"})

    assert "request-rating-form" not in page
    assert response.status_code == 302
    assert not CaseRating.objects.exists()


def test_a_bad_score_is_refused(portal, customer, agent):
    case = case_resolve(actor=agent, case=make_case(customer))

    response = portal.post(reverse("portal:request_rate", args=[case.number]), {"score": "9"})

    assert response.status_code == 422
    assert not CaseRating.objects.exists()


def test_rating_another_customers_case_is_404(portal, other_customer, agent):
    theirs = case_resolve(actor=agent, case=make_case(other_customer))

    response = portal.post(reverse("portal:request_rate", args=[theirs.number]), {"score": "1"})

    assert response.status_code == 404
    assert not CaseRating.objects.exists()


def test_a_locked_rating_is_shown_without_a_form(portal, customer, customer_user, agent):
    case = case_resolve(actor=agent, case=make_case(customer))
    case_rate(actor=customer_user, case=case, score=4)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))

    page = portal.get(reverse("portal:request", args=[case.number])).content.decode()

    assert "You gave us 4 stars." in page
    assert "request-rating-form" not in page


def test_a_merged_request_points_to_the_one_it_joined(portal, customer, agent):
    source = make_case(customer, subject="Twin")
    target = make_case(customer, subject="Kept")
    case_merge(actor=agent, source=source, target=target)

    page = portal.get(reverse("portal:request", args=[source.number])).content.decode()

    assert f"VF-{target.number}" in page
    assert "request-reply-form" not in page
