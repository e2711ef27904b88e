"""Processing stored e-mail into cases: threading, senders, duplicates, loops, bounces and quarantine."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.utils import timezone

from vafa.channels.email import ingest
from vafa.channels.email.ingest import inbound_process
from vafa.channels.models import InboundMail, InboundState, Mailbox, OutboundMail, QuarantineReason
from vafa.channels.services import (
    PROCESS_KIND,
    inbound_release,
    inbound_reprocess,
    inbound_store,
    sender_block,
)
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.models import ContactPoint, Customer
from vafa.customers.services import customer_create
from vafa.service.models import Case, CaseStatus, Channel, Message
from vafa.service.services import case_close, case_merge, case_open, case_reply, case_resolve

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def mailbox(db, team) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@shop.test", team=team, language="en")


def mail(
    *,
    sender: str = "Maryam Ahmadi <maryam@example.ir>",
    subject: str = "Battery does not charge",
    body: str = "My phone stopped charging yesterday.",
    message_id: str = "<m1@example.ir>",
    in_reply_to: str = "",
    to: str = "support@shop.test",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def deliver(raw: bytes, mailbox: Mailbox | None) -> InboundMail:
    inbound = inbound_store(raw=raw, via="file", mailbox=mailbox)
    return inbound_process(inbound_id=inbound.pk)


def test_a_new_mail_from_an_unknown_sender_opens_a_case_for_a_new_customer(mailbox, team):
    inbound = deliver(
        mail(
            sender="مریم احمدی <Maryam@Example.ir>",
            subject="گوشی شارژ نمی‌شود",
            body="سلام، گوشی من شارژ نمی‌شود.",
        ),
        mailbox,
    )

    assert inbound.state == InboundState.PROCESSED
    case = Case.objects.get()
    assert inbound.case == case
    assert inbound.message == Message.objects.get(case=case)
    assert case.subject == "گوشی شارژ نمی‌شود"
    assert case.channel == Channel.EMAIL
    assert case.team == team
    assert case.language == "fa"
    customer = case.customer
    assert customer.name == "مریم احمدی"
    assert customer.language == "fa"
    assert list(customer.contact_points.values_list("value", flat=True)) == ["maryam@example.ir"]
    assert "شارژ نمی‌شود" in inbound.message.body_text
    assert inbound.from_address == "maryam@example.ir"
    assert inbound.rfc_message_id == "m1@example.ir"


def test_a_reply_threads_by_in_reply_to_and_opens_a_pending_case_again(mailbox, agent):
    first = deliver(mail(), mailbox)
    case = first.case
    case_reply(actor=agent, case=case, body="Please send a photo.", status=CaseStatus.PENDING_CUSTOMER)

    reply = deliver(
        mail(
            subject="Re: something else",
            body="Here it is.",
            message_id="<m2@example.ir>",
            in_reply_to="<m1@example.ir>",
        ),
        mailbox,
    )

    assert reply.case == case
    assert reply.detail == "threaded by headers"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert Case.objects.count() == 1
    assert case.messages.count() == 3


def test_a_reply_to_vafas_own_mail_threads_by_its_message_id(mailbox, agent):
    case = deliver(mail(), mailbox).case
    OutboundMail.objects.create(
        case=case,
        kind=OutboundMail.Kind.ACKNOWLEDGEMENT,
        language="en",
        from_address="support@shop.test",
        to_addresses=["maryam@example.ir"],
        subject="x",
        rfc_message_id="ack-1@shop.test",
        created_at=timezone.now(),
    )

    reply = deliver(
        mail(message_id="<m2@example.ir>", in_reply_to="<ack-1@shop.test>", subject="Hi"), mailbox
    )

    assert reply.case == case


def test_the_subject_token_threads_only_for_the_cases_own_customer(mailbox, customer, other_customer):
    case = case_open(actor=None, customer=customer, subject="Screen", body="Broken", channel=Channel.PORTAL)
    own = customer.contact_points.filter(kind="email").first() or ContactPoint.objects.create(
        customer=customer, kind="email", value="owner@example.com", is_primary=True
    )

    by_owner = deliver(
        mail(sender=f"Owner <{own.value}>", subject=f"Re: [{case.reference}] Screen", message_id="<t1@x>"),
        mailbox,
    )
    by_stranger = deliver(
        mail(sender="Eve <eve@evil.test>", subject=f"Re: [{case.reference}] Screen", message_id="<t2@x>"),
        mailbox,
    )

    assert by_owner.case == case
    assert by_owner.detail == "threaded by subject"
    assert by_stranger.case != case
    assert by_stranger.detail == "new case"


def test_the_same_message_delivered_twice_becomes_one_message(mailbox):
    raw = mail()
    first = deliver(raw, mailbox)
    # The same mail again by another route: new transport headers, same content.
    second = deliver(
        b"Received: from relay2.example.ir by mx.shop.test; Mon, 1 Jan 2026 00:00:00 +0000\r\n" + raw, mailbox
    )

    assert second.state == InboundState.DUPLICATE
    assert second.duplicate_of == first
    assert second.case == first.case
    assert Message.objects.count() == 1


def test_processing_twice_changes_nothing(mailbox):
    inbound = deliver(mail(), mailbox)

    again = inbound_process(inbound_id=inbound.pk)

    assert again.state == InboundState.PROCESSED
    assert Case.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_reply_to_a_closed_case_opens_a_follow_up_linked_to_it(mailbox, agent):
    case = deliver(mail(), mailbox).case
    case_resolve(actor=agent, case=case)
    case_close(actor=agent, case=case)

    reply = deliver(
        mail(message_id="<m2@example.ir>", in_reply_to="<m1@example.ir>", subject="Re: Battery"), mailbox
    )

    assert reply.case != case
    assert reply.case.follow_up_of == case
    assert reply.detail == "follow-up"
    assert case.events.filter(kind="followed_up").count() == 1


def test_a_reply_to_a_closed_case_reopens_it_when_the_mailbox_says_so(mailbox, agent):
    mailbox.closed_case_policy = Mailbox.ClosedCasePolicy.REOPEN
    mailbox.save()
    case = deliver(mail(), mailbox).case
    case_resolve(actor=agent, case=case)
    case_close(actor=agent, case=case)

    reply = deliver(mail(message_id="<m2@example.ir>", in_reply_to="<m1@example.ir>"), mailbox)

    assert reply.case == case
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.reopen_count == 1


def test_a_reply_to_a_merged_case_lands_on_the_case_it_was_merged_into(mailbox, agent):
    source = deliver(mail(), mailbox).case
    target = case_open(
        actor=None, customer=source.customer, subject="Other", body="Other", channel=Channel.PORTAL
    )
    case_merge(actor=agent, source=source, target=target)

    reply = deliver(mail(message_id="<m2@example.ir>", in_reply_to="<m1@example.ir>"), mailbox)

    assert reply.case == target


def test_a_blocked_sender_is_quarantined_and_can_be_released(mailbox, manager):
    sender_block(actor=manager, pattern="@spam.test", reason="spam")

    held = deliver(mail(sender="x@spam.test"), mailbox)

    assert held.state == InboundState.QUARANTINED
    assert held.reason == QuarantineReason.BLOCKED
    assert held.from_address == "x@spam.test"
    assert Case.objects.count() == 0

    inbound_release(actor=manager, inbound=held)
    work = PendingWork.objects.filter(kind=PROCESS_KIND, payload__inbound_id=held.pk).latest("id")
    work_execute(work.pk)

    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert Case.objects.count() == 1


def test_a_mail_storm_from_one_sender_is_quarantined_past_the_hourly_limit(mailbox):
    mailbox.sender_rate_limit = 3
    mailbox.save()

    results = [deliver(mail(message_id=f"<s{i}@x>", body=f"Storm {i}"), mailbox) for i in range(5)]

    assert [r.state for r in results] == ["processed"] * 3 + ["quarantined"] * 2
    assert results[3].reason == QuarantineReason.RATE_LIMITED


def test_mail_from_a_vafa_mailbox_is_a_loop(mailbox):
    Mailbox.objects.create(name="Sales", address="sales@shop.test")

    held = deliver(mail(sender="sales@shop.test"), mailbox)

    assert held.reason == QuarantineReason.LOOP
    assert Case.objects.count() == 0


def test_an_unknown_sender_waits_when_the_mailbox_does_not_create_customers(mailbox, manager):
    mailbox.create_customers = False
    mailbox.save()

    held = deliver(mail(), mailbox)

    assert held.reason == QuarantineReason.UNKNOWN_SENDER
    assert Customer.objects.count() == 0

    customer_create(actor=None, name="Maryam", emails=["maryam@example.ir"])
    inbound_reprocess(actor=manager, inbound=held)
    work = PendingWork.objects.filter(kind=PROCESS_KIND, payload__inbound_id=held.pk).latest("id")
    work_execute(work.pk)
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert held.case.customer.name == "Maryam"


def test_unreadable_bytes_are_quarantined_not_lost(mailbox):
    held = deliver(b"", mailbox)

    assert held.state == InboundState.QUARANTINED
    assert held.reason == QuarantineReason.UNREADABLE
    assert held.raw.read() == b""


def test_a_failure_is_retried_and_quarantined_on_the_last_attempt(mailbox, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest, "case_open", broken)
    inbound = inbound_store(raw=mail(), via="file", mailbox=mailbox)
    work = PendingWork.objects.get(kind=PROCESS_KIND)

    assert work_execute(work.pk) == "retry"
    inbound.refresh_from_db()
    assert inbound.state == InboundState.RECEIVED
    assert Customer.objects.count() == 0  # the half-done work was rolled back

    PendingWork.objects.filter(pk=work.pk).update(due_at=timezone.now(), attempts=work.max_attempts - 1)
    assert work_execute(work.pk) == "done"
    inbound.refresh_from_db()
    assert inbound.state == InboundState.QUARANTINED
    assert inbound.reason == QuarantineReason.FAILED
    assert "database went away" in inbound.detail


def test_attachments_are_kept_and_oversize_or_dangerous_parts_recorded(mailbox, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 1000
    raw = mail(
        attachments=[
            ("photo.jpg", "image/jpeg", b"\xff\xd8" + b"1" * 100),
            ("huge.pdf", "application/pdf", b"%PDF" + b"2" * 5000),
            ("setup.exe", "application/octet-stream", b"MZ" + b"3" * 10),
        ]
    )

    inbound = deliver(raw, mailbox)

    assert inbound.state == InboundState.PROCESSED
    assert [a.filename for a in inbound.message.attachments.all()] == ["photo.jpg"]
    assert sorted((p["filename"], p["reason"]) for p in inbound.skipped_parts) == [
        ("huge.pdf", "too_large"),
        ("setup.exe", "blocked_type"),
    ]


def test_a_mail_with_headers_but_no_text_still_opens_a_case(mailbox):
    raw = b"From: a@example.com\r\nTo: support@shop.test\r\nSubject: Hello\r\nMessage-ID: <e@x>\r\n\r\n"

    inbound = deliver(raw, mailbox)

    assert inbound.state == InboundState.PROCESSED
    assert inbound.message.body_text == "(The e-mail had no text.)"


def test_a_bounce_marks_the_address_failing_and_the_sent_mail_bounced(mailbox):
    case = deliver(mail(), mailbox).case
    outbound = OutboundMail.objects.create(
        case=case,
        kind=OutboundMail.Kind.REPLY,
        language="en",
        from_address="support@shop.test",
        to_addresses=["maryam@example.ir"],
        subject="Re: Battery",
        rfc_message_id="reply-1@shop.test",
        created_at=timezone.now(),
    )
    dsn = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.ir>\r\n"
        b"To: support@shop.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.example.ir>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.ir\r\n\r\n"
        b"Final-Recipient: rfc822; maryam@example.ir\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <reply-1@shop.test>\r\nSubject: Re: Battery\r\n\r\n"
        b"--b--\r\n"
    )

    inbound = deliver(dsn, mailbox)

    assert inbound.state == InboundState.PROCESSED
    assert inbound.bounce is True
    assert inbound.case == case
    outbound.refresh_from_db()
    assert outbound.state == OutboundMail.State.BOUNCED
    assert ContactPoint.objects.get(value="maryam@example.ir").failing_since is not None
    assert case.messages.count() == 1  # a bounce is not a customer's message


def test_a_customer_writing_again_clears_the_failing_mark(mailbox):
    deliver(mail(), mailbox)
    ContactPoint.objects.filter(value="maryam@example.ir").update(failing_since=timezone.now())

    deliver(mail(message_id="<m9@example.ir>", body="New problem"), mailbox)

    assert ContactPoint.objects.get(value="maryam@example.ir").failing_since is None


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_every_corpus_message_ends_threaded_or_quarantined_with_a_reason(mailbox, path):
    inbound = deliver(path.read_bytes(), mailbox)

    assert inbound.state in (InboundState.PROCESSED, InboundState.QUARANTINED, InboundState.DUPLICATE)
    if inbound.state == InboundState.QUARANTINED:
        assert inbound.reason
    elif not inbound.bounce:
        assert inbound.message is not None
    assert inbound.raw.read() == path.read_bytes()


def test_a_fifty_megabyte_attachment_is_kept_out_of_the_case_but_recorded(mailbox):
    from vafa.channels.tests.corpus.build import huge_attachment_mail

    inbound = deliver(huge_attachment_mail(50 * 1024 * 1024), mailbox)

    assert inbound.state == InboundState.PROCESSED
    assert [p["reason"] for p in inbound.skipped_parts] == ["too_large"]
    assert inbound.skipped_parts[0]["size"] >= 50 * 1024 * 1024
    assert inbound.message.attachments.count() == 0


def test_a_stored_file_that_went_missing_is_quarantined_after_the_retries(mailbox):
    inbound = inbound_store(raw=mail(), via="file", mailbox=mailbox)
    InboundMail.objects.filter(pk=inbound.pk).update(raw="mail/missing.eml")
    work = PendingWork.objects.get(kind=PROCESS_KIND)
    PendingWork.objects.filter(pk=work.pk).update(attempts=work.max_attempts - 1)

    work_execute(work.pk)

    inbound.refresh_from_db()
    assert inbound.state == InboundState.QUARANTINED
    assert inbound.reason == QuarantineReason.FAILED


# --- a worker's batch -----------------------------------------------------------------------------


def run_all_pending() -> None:
    """Run the processing work as one worker would: the first run takes the others in its batch."""
    for work_id in PendingWork.objects.filter(kind=PROCESS_KIND).order_by("id").values_list("pk", flat=True):
        work_execute(work_id)


def test_a_batch_sees_what_its_earlier_messages_did(mailbox):
    # given, stored together: a request, the same request again, a reply to it, and a new sender twice
    raws = [
        mail(),
        b"Received: from relay2 by mx; Mon, 1 Jan 2026 00:00:00 +0000\r\n" + mail(),
        mail(
            subject="Re: Battery",
            body="Any news?",
            message_id="<m2@example.ir>",
            in_reply_to="<m1@example.ir>",
        ),
        mail(sender="Reza <reza@example.ir>", subject="Screen", body="Cracked", message_id="<r1@example.ir>"),
        mail(
            sender="Reza <reza@example.ir>",
            subject="Screen 2",
            body="Still cracked",
            message_id="<r2@example.ir>",
        ),
    ]
    stored = [inbound_store(raw=raw, via="smtp", mailbox=mailbox) for raw in raws]

    # when one worker runs
    run_all_pending()

    # then the twin is a duplicate, the reply is on the first case, and Reza is one customer
    rows = [InboundMail.objects.get(pk=inbound.pk) for inbound in stored]
    assert [row.state for row in rows] == ["processed", "duplicate", "processed", "processed", "processed"]
    assert rows[1].duplicate_of_id == rows[0].pk
    assert rows[2].case_id == rows[0].case_id
    assert Customer.objects.filter(contact_points__value="reza@example.ir").count() == 1
    assert Case.objects.count() == 3
    assert not PendingWork.objects.filter(kind=PROCESS_KIND, state="pending").exists()


def test_a_storm_inside_one_batch_is_held_past_the_limit(mailbox):
    mailbox.sender_rate_limit = 2
    mailbox.save()
    stored = [
        inbound_store(raw=mail(message_id=f"<s{i}@x>", body=f"Storm {i}"), via="smtp", mailbox=mailbox)
        for i in range(4)
    ]

    run_all_pending()

    states = [InboundMail.objects.get(pk=inbound.pk).state for inbound in stored]
    assert states == ["processed", "processed", "quarantined", "quarantined"]


def test_a_message_that_fails_in_a_batch_is_retried_alone_and_the_others_are_kept(mailbox, monkeypatch):
    stored = [
        inbound_store(
            raw=mail(sender=f"c{i}@example.com", message_id=f"<b{i}@x>"), via="smtp", mailbox=mailbox
        )
        for i in range(3)
    ]
    real_open = ingest.case_open

    def open_but_not_for_c1(**kwargs):
        if kwargs["customer"].name == "c1":
            raise RuntimeError("disk full")
        return real_open(**kwargs)

    monkeypatch.setattr(ingest, "case_open", open_but_not_for_c1)

    run_all_pending()

    rows = [InboundMail.objects.get(pk=inbound.pk) for inbound in stored]
    assert [row.state for row in rows] == ["processed", "received", "processed"]
    retry = PendingWork.objects.get(kind=PROCESS_KIND, payload__inbound_id=stored[1].pk)
    assert (retry.state, retry.locked_until) == ("pending", None)
    assert retry.due_at > timezone.now()
    assert Customer.objects.filter(name="c1").count() == 0  # its work was rolled back


def test_a_mail_without_from_is_the_envelope_senders(mailbox):
    raw = b"To: support@shop.test\r\nSubject: My kettle leaks\r\n\r\nIt leaks since Monday.\r\n"
    inbound = inbound_store(raw=raw, via="smtp", mailbox=mailbox, envelope_from="Script@Example.com")

    inbound = inbound_process(inbound_id=inbound.pk)

    assert inbound.state == InboundState.PROCESSED
    assert inbound.from_address == "script@example.com"
    assert inbound.case.customer.contact_points.get().value == "script@example.com"


def test_a_mail_without_from_or_envelope_sender_is_held(mailbox):
    raw = b"To: support@shop.test\r\nSubject: Hello\r\n\r\nHi\r\n"
    inbound = inbound_store(raw=raw, via="smtp", mailbox=mailbox, envelope_from="<>")

    inbound = inbound_process(inbound_id=inbound.pk)

    assert (inbound.state, inbound.reason) == (InboundState.QUARANTINED, QuarantineReason.NO_SENDER)
