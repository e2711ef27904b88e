"""Outbound e-mail over real SMTP: who gets what, threading headers, templates, retries, delivery state."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from vafa.channels.email.outbound import (
    ACKNOWLEDGE_KIND,
    REPLY_KIND,
    RESOLVED_KIND,
    SEND_KIND,
    outbound_reply_work,
    outbound_resolved_work,
    outbound_send,
)
from vafa.channels.models import InboundMail, InboundState, Mailbox, OutboundMail
from vafa.channels.selectors import message_deliveries
from vafa.channels.tests.smtp_server import RecordingSmtpServer
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.models import ContactPoint
from vafa.service.models import Case, Channel
from vafa.service.services import AttachmentInput, case_open, case_reply, case_resolve

OUR_KINDS = (SEND_KIND, ACKNOWLEDGE_KIND, REPLY_KIND, RESOLVED_KIND)


@pytest.fixture
def smtp(settings) -> Iterator[RecordingSmtpServer]:
    with RecordingSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.VAFA_MAIL_DOMAIN = "mail.vafa.test"
        yield server


@pytest.fixture
def mailbox(db) -> Mailbox:
    return Mailbox.objects.create(
        name="Support",
        from_name="پشتیبانی وفا",
        address="support@vafa.test",
        signature="Vafa Support\n021-5555-0100",
        is_default=True,
    )


def run_work() -> list[str]:
    """Run the e-mail work that is due, including the work it schedules, as a worker would."""
    results: list[str] = []
    for _round in range(10):
        due = list(
            PendingWork.objects.filter(
                kind__in=OUR_KINDS, state=PendingWork.State.PENDING, due_at__lte=timezone.now()
            )
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not due:
            break
        results += [work_execute(pk) for pk in due]
    return results


def make_due(work: PendingWork) -> None:
    PendingWork.objects.filter(pk=work.pk).update(due_at=timezone.now())


def inbound_mail(
    case: Case,
    mailbox: Mailbox,
    *,
    message_id: str,
    at: dt.datetime,
    sender: str = "sara@example.test",
    to: Sequence[str] = ("support@vafa.test",),
    cc: Sequence[str] = (),
    auto_reply: bool = False,
) -> InboundMail:
    raw = f"From: {sender}\r\nMessage-ID: <{message_id}>\r\nSubject: {case.subject}\r\n\r\nHello\r\n".encode()
    return InboundMail.objects.create(
        mailbox=mailbox,
        via=InboundMail.Via.SMTP,
        raw=ContentFile(raw, name="mail.eml"),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        received_at=at,
        state=InboundState.PROCESSED,
        case=case,
        rfc_message_id=message_id,
        from_address=sender,
        to_addresses=list(to),
        cc_addresses=list(cc),
        auto_reply=auto_reply,
    )


def email_case(customer, mailbox: Mailbox, *, subject: str, auto_reply: bool = False) -> Case:
    case = case_open(actor=None, customer=customer, subject=subject, body="…", channel=Channel.EMAIL)
    inbound_mail(
        case,
        mailbox,
        message_id="first@mail.example.test",
        at=timezone.now(),
        sender=customer.contact_points.get().value,
        auto_reply=auto_reply,
    )
    return case


def html_of(message) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# --- agent replies --------------------------------------------------------------------------------


def test_reply_to_an_email_customer_threads_in_persian_with_the_attachment(smtp, mailbox, customer, agent):
    # given a Persian customer who wrote twice by e-mail, copying a colleague and the support address
    mailbox.send_acknowledgement = False
    mailbox.save(update_fields=["send_acknowledgement"])
    case = case_open(
        actor=None, customer=customer, subject="Re: گوشی روشن نمی‌شود", body="…", channel=Channel.EMAIL
    )
    now = timezone.now()
    inbound_mail(
        case,
        mailbox,
        message_id="first@mail.example.test",
        at=now - dt.timedelta(minutes=10),
        cc=["old-colleague@example.test"],
    )
    inbound_mail(
        case,
        mailbox,
        message_id="second@mail.example.test",
        at=now - dt.timedelta(minutes=5),
        to=["Support@vafa.test", "reza@example.test"],
        cc=["ali@example.test", "support@vafa.test", "sara@example.test"],
    )
    assert run_work() == ["done"]  # case.opened: no acknowledgement from this mailbox

    # when an agent replies with a file
    message = case_reply(
        actor=agent,
        case=case,
        body="سلام سارا،\n\nلطفاً باتری را عوض کنید.",
        attachments=[AttachmentInput("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice")],
    )
    run_work()

    # then one mail goes to the customer's address, threaded under their latest mail
    outbound = OutboundMail.objects.get()
    assert (outbound.kind, outbound.message_id, outbound.state, outbound.attempts) == (
        OutboundMail.Kind.REPLY,
        message.pk,
        OutboundMail.State.SENT,
        1,
    )
    assert outbound.sent_at is not None
    [sent] = smtp.messages
    assert sent["To"] == "sara@example.test"
    assert sent["Cc"] == "ali@example.test, reza@example.test"
    assert sent["Subject"] == f"Re: [{case.reference}] گوشی روشن نمی‌شود"
    assert b"\r\nSubject: =?utf-8?b?" in smtp.raw_messages[0]  # the Persian subject travels encoded
    assert sent["From"] == "پشتیبانی وفا <support@vafa.test>"
    assert sent["Reply-To"] == "support@vafa.test"
    assert sent["Message-ID"] == f"<{outbound.rfc_message_id}>"
    assert outbound.rfc_message_id.endswith("@mail.vafa.test")
    assert sent["In-Reply-To"] == "<second@mail.example.test>"
    assert sent["References"] == "<first@mail.example.test> <second@mail.example.test>"
    assert sent["Content-Language"] == "fa"
    assert sent["X-Vafa-Case"] == case.reference
    assert sent["Auto-Submitted"] is None
    assert sent["X-Auto-Response-Suppress"] is None
    # and it speaks right to left, in both parts, with the agent's words, name and the signature
    html = html_of(sent)
    assert '<html lang="fa" dir="rtl">' in html
    assert "لطفاً باتری را عوض کنید." in html
    assert "Arash" in html
    assert "021-5555-0100" in html
    text = text_of(sent)
    assert text.startswith("سلام سارا،\n\nلطفاً باتری را عوض کنید.\n")
    assert "Arash" in text
    assert [
        (part.get_filename(), part.get_content_type(), part.get_content()) for part in sent.iter_attachments()
    ] == [("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice")]


def test_reply_in_english_is_left_to_right_and_queued_once(smtp, mailbox, other_customer, agent):
    # given an English customer's portal case (acknowledged on opening)
    case = case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )
    run_work()
    acknowledgement = OutboundMail.objects.get()

    # when an agent replies, and the reply's event is handled a second time
    message = case_reply(actor=agent, case=case, body="Please level the feet.")
    run_work()
    outbound_reply_work({"case_id": case.pk, "data": {"message": message.pk}})

    # then one reply went out, to the primary address, threaded under the acknowledgement
    reply = OutboundMail.objects.get(kind=OutboundMail.Kind.REPLY)
    assert OutboundMail.objects.count() == 2
    assert len(smtp.messages) == 2
    sent = smtp.messages[1]
    assert sent["To"] == "john@example.test"
    assert sent["Cc"] is None
    assert sent["Subject"] == f"Re: [{case.reference}] Fridge is noisy"
    assert sent["In-Reply-To"] == f"<{acknowledgement.rfc_message_id}>"
    assert sent["References"] == f"<{acknowledgement.rfc_message_id}>"
    assert sent["Message-ID"] == f"<{reply.rfc_message_id}>"
    assert '<html lang="en" dir="ltr">' in html_of(sent)
    assert "Please level the feet." in text_of(sent)


# --- retries --------------------------------------------------------------------------------------


def test_a_refused_send_is_retried_and_never_sent_twice(smtp, mailbox, other_customer):
    # given a server that answers 451 once
    smtp.fail_next(1)
    case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )

    # when the acknowledgement is sent the first time
    run_work()

    # then nothing arrived; the row waits for its next try with the server's answer recorded
    outbound = OutboundMail.objects.get()
    assert (outbound.state, outbound.attempts, outbound.sent_at) == (OutboundMail.State.QUEUED, 1, None)
    assert "451" in outbound.last_error
    assert smtp.messages == []
    retry = PendingWork.objects.get(kind=SEND_KIND, state=PendingWork.State.PENDING)
    assert retry.attempts == 1
    assert retry.due_at > timezone.now() + dt.timedelta(seconds=20)

    # when the retry is due and runs
    make_due(retry)
    assert run_work() == ["done"]

    # then the message arrived once, with the Message-ID fixed when it was queued
    outbound.refresh_from_db()
    assert (outbound.state, outbound.attempts, outbound.last_error) == (OutboundMail.State.SENT, 2, "")
    assert [message["Message-ID"] for message in smtp.messages] == [f"<{outbound.rfc_message_id}>"]

    # when everything runs again
    PendingWork.objects.filter(kind=SEND_KIND).update(state=PendingWork.State.PENDING, due_at=timezone.now())
    run_work()
    assert outbound_send(outbound_id=outbound.pk) == "sent"

    # then nothing more was sent
    assert len(smtp.messages) == 1
    outbound.refresh_from_db()
    assert (outbound.state, outbound.attempts) == (OutboundMail.State.SENT, 2)


def test_a_row_left_sending_by_a_dead_worker_is_sent_with_the_same_message_id(smtp, mailbox, other_customer):
    # given a mail whose worker died after claiming it
    case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )
    smtp.fail_next(1)
    run_work()
    outbound = OutboundMail.objects.get()
    OutboundMail.objects.filter(pk=outbound.pk).update(state=OutboundMail.State.SENDING)

    # when it is tried again
    result = outbound_send(outbound_id=outbound.pk)

    # then it goes out under the Message-ID it was given when queued
    assert result == "sent"
    assert [message["Message-ID"] for message in smtp.messages] == [f"<{outbound.rfc_message_id}>"]


def test_a_mail_that_keeps_failing_ends_as_failed(smtp, mailbox, other_customer):
    # given a server that refuses every try
    smtp.fail_next(PendingWork._meta.get_field("max_attempts").default + 5)
    case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )

    # when every try runs as soon as it is due
    run_work()
    for _try in range(PendingWork._meta.get_field("max_attempts").default + 2):
        for work in PendingWork.objects.filter(kind=SEND_KIND, state=PendingWork.State.PENDING):
            make_due(work)
        run_work()

    # then the row gave up after the last try and no more work is pending
    outbound = OutboundMail.objects.get()
    tries = PendingWork._meta.get_field("max_attempts").default
    assert (outbound.state, outbound.attempts) == (OutboundMail.State.FAILED, tries)
    assert "451" in outbound.last_error
    assert not PendingWork.objects.filter(kind=SEND_KIND, state=PendingWork.State.PENDING).exists()
    assert PendingWork.objects.get(kind=SEND_KIND).attempts == tries
    assert smtp.messages == []


# --- notifications --------------------------------------------------------------------------------


def test_acknowledgement_of_an_email_request_is_an_auto_reply_with_the_case_number(
    smtp, mailbox, other_customer
):
    # given a new request by e-mail
    case = email_case(other_customer, mailbox, subject="Fridge is noisy")

    # when the case.opened work runs
    run_work()

    # then the customer is told the case number, threaded under their mail, marked as automatic
    outbound = OutboundMail.objects.get()
    assert (outbound.kind, outbound.message_id) == (OutboundMail.Kind.ACKNOWLEDGEMENT, None)
    [sent] = smtp.messages
    assert sent["To"] == "john@example.test"
    assert sent["Subject"] == f"[{case.reference}] Fridge is noisy"
    assert sent["In-Reply-To"] == "<first@mail.example.test>"
    assert sent["References"] == "<first@mail.example.test>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    text = text_of(sent)
    assert f"We have received your request and opened case {case.reference} for it." in text
    assert "Subject: Fridge is noisy" in text
    assert '<html lang="en" dir="ltr">' in html_of(sent)


def test_no_acknowledgement_for_an_automatic_reply(smtp, mailbox, other_customer):
    email_case(other_customer, mailbox, subject="Out of office", auto_reply=True)

    run_work()

    assert OutboundMail.objects.count() == 0
    assert smtp.messages == []


def test_no_acknowledgement_when_the_mailbox_has_it_off(smtp, mailbox, other_customer):
    mailbox.send_acknowledgement = False
    mailbox.save(update_fields=["send_acknowledgement"])
    email_case(other_customer, mailbox, subject="Fridge is noisy")

    run_work()

    assert OutboundMail.objects.count() == 0
    assert smtp.messages == []


def test_no_acknowledgement_for_a_case_opened_through_the_api(smtp, mailbox, other_customer):
    case_open(actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.API)

    run_work()

    assert OutboundMail.objects.count() == 0
    assert smtp.messages == []


def test_resolved_notice_carries_the_summary_once_per_resolution(smtp, mailbox, customer, agent):
    # given a Persian customer's portal case, acknowledged
    case = case_open(
        actor=None, customer=customer, subject="گوشی روشن نمی‌شود", body="…", channel=Channel.PORTAL
    )
    run_work()

    # when an agent resolves it, and the event is handled twice
    case_resolve(actor=agent, case=case, summary="باتری تعویض شد.")
    run_work()
    outbound_resolved_work({"case_id": case.pk})

    # then one notice went out, automatic, right to left, with the summary and the case token
    notice = OutboundMail.objects.get(kind=OutboundMail.Kind.RESOLVED)
    assert notice.state == OutboundMail.State.SENT
    assert len(smtp.messages) == 2
    sent = smtp.messages[1]
    assert f"[{case.reference}]" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["Content-Language"] == "fa"
    assert "باتری تعویض شد." in text_of(sent)
    assert "باتری تعویض شد." in html_of(sent)
    assert '<html lang="fa" dir="rtl">' in html_of(sent)


def test_failing_address_gets_no_notification_but_gets_the_reply(smtp, mailbox, other_customer, agent):
    # given a customer whose address bounced
    ContactPoint.objects.filter(customer=other_customer).update(failing_since=timezone.now())
    case = case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )

    # when the case is opened, answered and resolved
    case_reply(actor=agent, case=case, body="Please level the feet.")
    case_resolve(actor=agent, case=case, summary="Feet levelled.")
    run_work()

    # then only the agent's reply was sent
    assert list(OutboundMail.objects.values_list("kind", "state")) == [
        (OutboundMail.Kind.REPLY, OutboundMail.State.SENT)
    ]
    [sent] = smtp.messages
    assert "Please level the feet." in text_of(sent)


def test_no_mail_for_a_customer_without_an_address(smtp, mailbox, other_customer, agent):
    ContactPoint.objects.filter(customer=other_customer).delete()
    case = case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.PORTAL
    )
    case_reply(actor=agent, case=case, body="Please level the feet.")

    run_work()

    assert OutboundMail.objects.count() == 0
    assert smtp.messages == []


# --- delivery state -------------------------------------------------------------------------------


def test_message_deliveries_gives_the_latest_mail_of_each_message_in_one_query(
    mailbox, other_customer, agent, django_assert_num_queries
):
    # given three replies: one mailed twice, one mailed once, one not mailed
    case = case_open(
        actor=None, customer=other_customer, subject="Fridge is noisy", body="…", channel=Channel.API
    )
    replies = [case_reply(actor=agent, case=case, body=f"Reply {number}") for number in range(3)]
    now = timezone.now()

    def mail(message, state: str, minutes: int) -> OutboundMail:
        return OutboundMail.objects.create(
            case=case,
            message=message,
            kind=OutboundMail.Kind.REPLY,
            language="en",
            from_address="support@vafa.test",
            to_addresses=["john@example.test"],
            subject="Re: Fridge is noisy",
            rfc_message_id=f"{message.pk}.{minutes}@mail.vafa.test",
            state=state,
            created_at=now + dt.timedelta(minutes=minutes),
        )

    mail(replies[0], OutboundMail.State.FAILED, 0)
    latest = mail(replies[0], OutboundMail.State.SENT, 1)
    queued = mail(replies[1], OutboundMail.State.QUEUED, 0)

    # when the desk asks for their delivery state
    with django_assert_num_queries(1):
        deliveries = message_deliveries([message.pk for message in replies])

    # then each mailed message has its latest mail
    assert {message_id: (mail.pk, mail.state) for message_id, mail in deliveries.items()} == {
        replies[0].pk: (latest.pk, OutboundMail.State.SENT),
        replies[1].pk: (queued.pk, OutboundMail.State.QUEUED),
    }


def test_a_per_language_template_is_used_before_the_generic_one(smtp, mailbox, customer, settings, tmp_path):
    # given a business's own Persian wording of the acknowledgement's text part
    folder = tmp_path / "templates" / "channels" / "email" / "fa"
    folder.mkdir(parents=True)
    (folder / "acknowledgement.txt").write_text("درخواست {{ reference }} رسید.\n", encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]

    # when a Persian request is acknowledged
    case = email_case(customer, mailbox, subject="گوشی روشن نمی‌شود")
    run_work()

    # then the text part is the business's, and the HTML part is still the generic one
    [sent] = smtp.messages
    assert text_of(sent) == f"درخواست {case.reference} رسید.\n"
    assert '<html lang="fa" dir="rtl">' in html_of(sent)
