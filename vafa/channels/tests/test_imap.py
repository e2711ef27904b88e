"""IMAP polling against a real Dovecot on loopback: the cursor, restarts, failures, TLS and \\Seen."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from vafa.channels.email import imap as imap_module
from vafa.channels.email.imap import channels_imap_poll, imap_mailboxes_due, imap_poll
from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import PROCESS_KIND, inbound_raw, inbound_store
from vafa.channels.tests.imap_server import DovecotServer, dovecot, self_signed_certificate  # noqa: F401
from vafa.core import jobs
from vafa.core.jobs import lease_acquire
from vafa.core.models import PendingWork

pytestmark = pytest.mark.django_db


def mail(number: int) -> bytes:
    return (
        f"From: Sara <sara@example.test>\r\nTo: support@vafa.test\r\nSubject: Broken kettle {number}\r\n"
        f"Message-ID: <kettle-{number}@example.test>\r\nDate: Mon, 3 Mar 2025 10:0{number}:00 +0000\r\n"
        f"\r\nIt stopped working, message {number}.\r\n"
    ).encode()


@pytest.fixture
def server(dovecot, settings) -> DovecotServer:  # noqa: F811
    settings.VAFA_IMAP_CA_FILE = str(dovecot.cert)
    return dovecot


@pytest.fixture
def account(server) -> tuple[str, str]:
    """A fresh IMAP user (empty INBOX) for each test."""
    return server.add_user()


@pytest.fixture
def mailbox(server, account) -> Mailbox:
    user, password = account
    return Mailbox.objects.create(
        name="Support",
        address="support@vafa.test",
        method=Mailbox.Method.IMAP,
        imap_host="127.0.0.1",
        imap_port=server.imaps_port,
        imap_security=Mailbox.ImapSecurity.SSL,
        imap_username=user,
        imap_password=password,
        imap_folder="INBOX",
    )


def stored_uids(mailbox: Mailbox) -> list[int | None]:
    return list(
        InboundMail.objects.filter(mailbox=mailbox).order_by("imap_uid").values_list("imap_uid", flat=True)
    )


def test_a_poll_stores_every_new_message_and_moves_the_cursor(server, account, mailbox):
    # Given three messages in the INBOX
    for number in (1, 2, 3):
        server.append(*account, mail(number))
    validity = server.uidvalidity(*account)

    # When the mailbox is polled
    result = imap_poll(mailbox=mailbox)

    # Then the three are stored, by IMAP, with their UIDs, and the cursor is at the last one
    assert (result.fetched, result.stored, result.skipped, result.error) == (3, 3, 0, "")
    assert result.uidvalidity_reset is False
    rows = list(InboundMail.objects.filter(mailbox=mailbox).order_by("imap_uid"))
    assert [(row.via, row.imap_uid, row.imap_uidvalidity) for row in rows] == [
        ("imap", 1, validity),
        ("imap", 2, validity),
        ("imap", 3, validity),
    ]
    assert [inbound_raw(row) for row in rows] == [mail(1), mail(2), mail(3)]
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.imap_uidvalidity, fresh.imap_last_uid, fresh.poll_error) == (validity, 3, "")
    assert fresh.polled_at is not None
    # and processing is scheduled for each
    work = PendingWork.objects.filter(kind=PROCESS_KIND).order_by("pk")
    assert [w.payload for w in work] == [{"inbound_id": row.pk} for row in rows]

    # When it is polled again
    again = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then nothing more is stored
    assert (again.fetched, again.stored, again.skipped, again.error) == (0, 0, 0, "")
    assert InboundMail.objects.count() == 3
    assert PendingWork.objects.filter(kind=PROCESS_KIND).count() == 3


def test_a_restarted_poller_neither_skips_nor_repeats(server, account, mailbox):
    # Given three messages, of which a first poll takes two
    for number in (1, 2, 3):
        server.append(*account, mail(number))
    first = imap_poll(mailbox=mailbox, batch=2)
    assert (first.fetched, first.stored) == (2, 2)
    assert Mailbox.objects.get(pk=mailbox.pk).imap_last_uid == 2

    # When a new process (a fresh Mailbox from the database) polls
    second = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then it stores exactly the third
    assert (second.fetched, second.stored, second.skipped) == (1, 1, 0)
    assert stored_uids(mailbox) == [1, 2, 3]

    # When a fourth arrives and the poller runs again
    server.append(*account, mail(4))
    third = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then exactly the fourth is stored
    assert (third.fetched, third.stored, third.skipped) == (1, 1, 0)
    assert stored_uids(mailbox) == [1, 2, 3, 4]
    assert Mailbox.objects.get(pk=mailbox.pk).imap_last_uid == 4


def test_a_stale_mailbox_object_does_not_rewind_the_cursor(server, account, mailbox):
    # Given a poll already stored the INBOX's two messages, and an old copy of the mailbox row
    stale = Mailbox.objects.get(pk=mailbox.pk)
    server.append(*account, mail(1))
    server.append(*account, mail(2))
    imap_poll(mailbox=mailbox)

    # When the old copy is polled
    result = imap_poll(mailbox=stale)

    # Then the cursor in the database is what counts: nothing is stored twice
    assert (result.fetched, result.stored) == (0, 0)
    assert stored_uids(mailbox) == [1, 2]


def test_a_failure_while_storing_leaves_the_cursor_before_the_message(server, account, mailbox, monkeypatch):
    # Given three messages, and storage that fails after writing the second one's row
    for number in (1, 2, 3):
        server.append(*account, mail(number))
    calls = []

    def failing_once(**kwargs):
        inbound = inbound_store(**kwargs)
        calls.append(kwargs["imap_uid"])
        if len(calls) == 2:
            raise OSError("No space left on device")
        return inbound

    monkeypatch.setattr(imap_module, "inbound_store", failing_once)

    # When the mailbox is polled
    result = imap_poll(mailbox=mailbox)

    # Then the first is stored, the second's row was rolled back, and the cursor stays at 1
    assert (result.fetched, result.stored) == (2, 1)
    assert result.error == "OSError: No space left on device"
    assert stored_uids(mailbox) == [1]
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.imap_last_uid, fresh.poll_error) == (1, "OSError: No space left on device")
    assert PendingWork.objects.filter(kind=PROCESS_KIND).count() == 1

    # When the next poll runs (storage works again)
    retry = imap_poll(mailbox=fresh)

    # Then the second and third are stored once each and the error is cleared
    assert (retry.fetched, retry.stored, retry.error) == (2, 2, "")
    assert stored_uids(mailbox) == [1, 2, 3]
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.imap_last_uid, fresh.poll_error) == (3, "")
    assert PendingWork.objects.filter(kind=PROCESS_KIND).count() == 3


def test_a_recreated_folder_does_not_store_known_messages_again(server, account, mailbox):
    # Given two messages in a folder "Support", stored by a poll
    mailbox.imap_folder = "Support"
    mailbox.save(update_fields=["imap_folder"])
    server.append(*account, mail(1), folder="Support")
    server.append(*account, mail(2), folder="Support")
    assert imap_poll(mailbox=mailbox).stored == 2
    old_validity = server.uidvalidity(*account, "Support")

    # When the folder is deleted and made again with the same two messages and a new one
    server.folder_recreate(*account, "Support")
    for number in (1, 2, 3):
        server.append(*account, mail(number), folder="Support")
    new_validity = server.uidvalidity(*account, "Support")
    assert new_validity != old_validity
    result = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then the known two are skipped, the new one is stored, and the cursor follows the new folder
    assert (result.fetched, result.stored, result.skipped, result.uidvalidity_reset) == (3, 1, 2, True)
    rows = InboundMail.objects.filter(mailbox=mailbox).order_by("pk")
    assert [(row.imap_uidvalidity, row.imap_uid) for row in rows] == [
        (old_validity, 1),
        (old_validity, 2),
        (new_validity, 3),
    ]
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.imap_uidvalidity, fresh.imap_last_uid) == (new_validity, 3)

    # When it is polled again after the reset, with a restart in between
    server.append(*account, mail(4), folder="Support")
    after = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk), batch=1)

    # Then only the fourth is stored
    assert (after.fetched, after.stored, after.skipped, after.uidvalidity_reset) == (1, 1, 0, False)
    assert InboundMail.objects.filter(mailbox=mailbox).count() == 4


def test_a_wrong_password_is_recorded_and_nothing_is_stored(server, account, mailbox):
    # Given a message, and a mailbox with the wrong password
    server.append(*account, mail(1))
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="not-the-password")
    mailbox.refresh_from_db()

    # When it is polled
    result = imap_poll(mailbox=mailbox)

    # Then no exception, the server's answer is recorded (without the password), and nothing changed
    assert result.error == "LOGIN: [AUTHENTICATIONFAILED] Authentication failed."
    assert (result.fetched, result.stored) == (0, 0)
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert fresh.poll_error == "LOGIN: [AUTHENTICATIONFAILED] Authentication failed."
    assert "not-the-password" not in fresh.poll_error
    assert fresh.polled_at is not None
    assert (fresh.imap_uidvalidity, fresh.imap_last_uid) == (None, 0)
    assert InboundMail.objects.count() == 0


def test_a_server_certificate_from_an_unknown_authority_is_refused(
    server, account, mailbox, settings, tmp_path
):
    # Given a message, and a client that trusts another authority than the server's
    server.append(*account, mail(1))
    other_ca, _key = self_signed_certificate(tmp_path, name="other")
    settings.VAFA_IMAP_CA_FILE = str(other_ca)

    # When the mailbox is polled
    result = imap_poll(mailbox=mailbox)

    # Then the connection is refused before LOGIN and nothing is stored
    assert result.error.startswith("TLS: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert fresh.poll_error == result.error
    assert (fresh.imap_uidvalidity, fresh.imap_last_uid) == (None, 0)
    assert InboundMail.objects.count() == 0


def test_an_unreachable_server_is_recorded(server, mailbox):
    # Given a mailbox pointing at a port nothing listens on
    from vafa.channels.tests.imap_server import free_port

    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=free_port())
    mailbox.refresh_from_db()

    # When it is polled
    result = imap_poll(mailbox=mailbox)

    # Then the error is recorded and nothing is stored
    assert result.error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert Mailbox.objects.get(pk=mailbox.pk).poll_error == result.error
    assert InboundMail.objects.count() == 0


def test_starttls_on_the_plain_port(server, account, mailbox):
    # Given a message, and a mailbox that connects in plain text and upgrades with STARTTLS
    server.append(*account, mail(1))
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_port=server.imap_port, imap_security=Mailbox.ImapSecurity.STARTTLS
    )

    # When it is polled
    result = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then the message is stored
    assert (result.fetched, result.stored, result.error) == (1, 1, "")
    assert stored_uids(mailbox) == [1]


def test_starttls_with_an_unknown_authority_is_refused(server, account, mailbox, settings, tmp_path):
    # Given a STARTTLS mailbox whose client trusts another authority
    server.append(*account, mail(1))
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_port=server.imap_port, imap_security=Mailbox.ImapSecurity.STARTTLS
    )
    settings.VAFA_IMAP_CA_FILE = str(self_signed_certificate(tmp_path, name="other")[0])

    # When it is polled
    result = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then it does not go on in plain text: nothing is stored
    assert result.error.startswith("TLS: [SSL: CERTIFICATE_VERIFY_FAILED]")
    assert InboundMail.objects.count() == 0


def test_fetched_messages_are_marked_seen_when_the_mailbox_says_so(server, account, mailbox):
    # Given two messages
    server.append(*account, mail(1))
    server.append(*account, mail(2))

    # When a mailbox that marks mail as read polls
    imap_poll(mailbox=mailbox)

    # Then both are \Seen on the server
    assert "\\Seen" in server.flags(*account, 1).split()
    assert "\\Seen" in server.flags(*account, 2).split()


def test_fetched_messages_stay_unread_when_the_mailbox_says_so(server, account, mailbox):
    # Given a message, and a mailbox that leaves mail unread
    server.append(*account, mail(1))
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_mark_seen=False)

    # When it polls
    result = imap_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    # Then the message is stored but not \Seen (BODY.PEEK)
    assert result.stored == 1
    assert "\\Seen" not in server.flags(*account, 1).split()


def test_a_second_poller_on_the_same_mailbox_returns_at_once(server, account, mailbox):
    # Given another poller holds the mailbox's lease
    server.append(*account, mail(1))
    assert lease_acquire(name=f"imap:{mailbox.pk}", holder="other-host:1:x", ttl=dt.timedelta(minutes=10))

    # When this one polls
    result = imap_poll(mailbox=mailbox)

    # Then it does nothing
    assert (result.busy, result.fetched, result.stored, result.error) == (True, 0, 0, "")
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.polled_at, fresh.imap_last_uid) == (None, 0)
    assert InboundMail.objects.count() == 0


def test_the_periodic_job_polls_the_mailboxes_that_are_due(server, account, mailbox, settings):
    # Given a due IMAP mailbox with a message, one polled a minute ago, an inactive and an SMTP one
    settings.VAFA_MAIL_POLL_SECONDS = 300
    server.append(*account, mail(1))
    recent = Mailbox.objects.create(
        name="Recent",
        address="recent@vafa.test",
        method=Mailbox.Method.IMAP,
        polled_at=timezone.now() - dt.timedelta(minutes=1),
    )
    Mailbox.objects.create(name="Off", address="off@vafa.test", method=Mailbox.Method.IMAP, is_active=False)
    Mailbox.objects.create(name="Listener", address="listen@vafa.test", method=Mailbox.Method.SMTP)
    assert list(imap_mailboxes_due()) == [mailbox]

    # When the job runs
    stored = channels_imap_poll.call()

    # Then only the due mailbox was polled
    assert stored == 1
    assert stored_uids(mailbox) == [1]
    assert Mailbox.objects.get(pk=recent.pk).poll_error == ""
    assert "channels_imap_poll" in jobs.periodic_jobs()


def test_the_command_prints_one_line_per_mailbox(server, account, mailbox):
    # Given two messages
    server.append(*account, mail(1))
    server.append(*account, mail(2))
    out = StringIO()

    # When `vafa mail-poll` runs
    call_command("mail-poll", stdout=out)

    # Then it prints the summary
    assert out.getvalue() == f"support@vafa.test (#{mailbox.pk}): fetched 2, stored 2, skipped 0\n"
    assert stored_uids(mailbox) == [1, 2]


def test_the_command_fails_when_a_mailbox_fails(server, account, mailbox):
    # Given a mailbox with the wrong password
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="wrong")
    out = StringIO()

    # When `vafa mail-poll --mailbox ID` runs
    with pytest.raises(CommandError, match="1 mailbox could not be polled."):
        call_command("mail-poll", "--mailbox", str(mailbox.pk), stdout=out)

    # Then the line says why
    assert out.getvalue() == (
        f"support@vafa.test (#{mailbox.pk}): fetched 0, stored 0, skipped 0, "
        "error: LOGIN: [AUTHENTICATIONFAILED] Authentication failed.\n"
    )
