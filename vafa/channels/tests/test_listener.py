"""The SMTP/LMTP listener, spoken to with smtplib over loopback: what it accepts, stores and refuses."""

from __future__ import annotations

import hashlib
import os
import select
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from vafa.channels.email.listener import is_loopback, listener_start, listener_stop
from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import PROCESS_KIND, inbound_raw
from vafa.core import jobs
from vafa.core.models import PendingWork
from vafa.service.models import Case

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _process_handler(monkeypatch):
    """Storing schedules processing; until the processing handler is registered, a no-op stands in."""
    if PROCESS_KIND not in jobs._HANDLERS:
        monkeypatch.setitem(jobs._HANDLERS, PROCESS_KIND, lambda payload: None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def listen(transactional_db, settings):
    """`listen(lmtp=False, limit=None)` starts the listener in this process and returns its port."""
    controllers = []

    def start(*, lmtp: bool = False, limit: int | None = None) -> int:
        port = free_port()
        controller = listener_start(
            host="127.0.0.1",
            port=port,
            lmtp=lmtp,
            data_size_limit=settings.VAFA_MAIL_MAX_BYTES if limit is None else limit,
        )
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        listener_stop(controller, grace=10)


@pytest.fixture
def mailbox(transactional_db):
    return Mailbox.objects.create(name="Support", address="support@shop.test", method=Mailbox.Method.SMTP)


def persian_mail(subject: str = "گوشی روشن نمی‌شود") -> bytes:
    message = EmailMessage()
    message["From"] = "Sara Ahmadi <sara@example.test>"
    message["To"] = "support@shop.test"
    message["Subject"] = subject
    message["Message-ID"] = "<sara-1@example.test>"
    message.set_content("سلام،\nگوشی‌ام از دیروز روشن نمی‌شود. لطفاً راهنمایی کنید.\n", charset="utf-8")
    return message.as_bytes(policy=SMTP_POLICY)


def test_a_persian_mail_is_stored_byte_for_byte_and_scheduled(listen, mailbox):
    port = listen()
    raw = persian_mail()

    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.mail("sara@example.test")
        client.rcpt("Support@Shop.Test")
        code, reply = client.data(raw)

    inbound = InboundMail.objects.get()
    assert (code, reply.decode()) == (250, f"2.0.0 Queued as {inbound.pk}")
    assert inbound_raw(inbound) == raw
    assert (inbound.sha256, inbound.size) == (hashlib.sha256(raw).hexdigest(), len(raw))
    assert (inbound.via, inbound.mailbox_id, inbound.state) == ("smtp", mailbox.pk, "received")
    assert (inbound.envelope_from, inbound.envelope_to) == ("sara@example.test", ["Support@Shop.Test"])
    work = PendingWork.objects.get(kind=PROCESS_KIND)
    assert (work.payload, work.dedupe_key) == ({"inbound_id": inbound.pk}, f"{PROCESS_KIND}:{inbound.pk}")


def test_a_mail_sent_over_smtp_becomes_a_case_for_its_sender(listen, mailbox):
    port = listen()

    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail("sara@example.test", ["support@shop.test"], persian_mail()) == {}
    work = PendingWork.objects.get(kind=PROCESS_KIND)
    jobs.work_execute(work.pk)

    inbound = InboundMail.objects.get()
    case = Case.objects.get()
    assert (inbound.state, inbound.case_id) == ("processed", case.pk)
    assert case.subject == "گوشی روشن نمی‌شود"
    assert list(case.customer.contact_points.values_list("kind", "value")) == [("email", "sara@example.test")]


def test_a_bounce_with_the_null_sender_is_stored_with_it(listen, mailbox):
    port = listen()

    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail("<>", ["support@shop.test"], persian_mail()) == {}

    assert InboundMail.objects.get().envelope_from == "<>"


def test_an_unknown_recipient_is_refused_and_nothing_is_stored(listen, mailbox):
    port = listen()

    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("sara@example.test", ["sales@shop.test"], persian_mail())

    assert refused.value.recipients == {
        "sales@shop.test": (550, b"5.1.1 <sales@shop.test>: no such mailbox here")
    }
    assert InboundMail.objects.count() == 0
    assert PendingWork.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"method": Mailbox.Method.IMAP}, {"method": Mailbox.Method.HTTP}],
    ids=["inactive", "imap", "http"],
)
def test_mailboxes_that_are_inactive_or_take_mail_otherwise_are_no_recipients(listen, mailbox, change):
    Mailbox.objects.filter(pk=mailbox.pk).update(**change)
    port = listen()

    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.mail("sara@example.test")
        code, reply = client.rcpt("support@shop.test")

    assert (code, reply) == (550, b"5.1.1 <support@shop.test>: no such mailbox here")
    assert InboundMail.objects.count() == 0


def test_a_storage_failure_answers_451_and_the_retry_stores_the_message_once(listen, mailbox, monkeypatch):
    original_save = FileSystemStorage.save
    failures = []

    def save_failing_once(self, name, content, max_length=None):
        if not failures:
            failures.append(name)
            raise OSError("disk full")
        return original_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", save_failing_once)
    port = listen()
    raw = persian_mail()

    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail("sara@example.test", ["support@shop.test"], raw)

    assert (refused.value.smtp_code, refused.value.smtp_error) == (451, b"4.3.0 Temporary failure, try again")
    assert InboundMail.objects.count() == 0
    assert PendingWork.objects.count() == 0

    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail("sara@example.test", ["support@shop.test"], raw) == {}

    inbound = InboundMail.objects.get()
    assert inbound_raw(inbound) == raw
    assert PendingWork.objects.filter(kind=PROCESS_KIND).count() == 1


def test_lmtp_answers_once_per_accepted_recipient_for_one_stored_row(listen, mailbox):
    sales = Mailbox.objects.create(name="Sales", address="sales@shop.test", method=Mailbox.Method.SMTP)
    port = listen(lmtp=True)
    raw = persian_mail()

    with smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo()  # smtplib's LMTP sends LHLO
        client.mail("sara@example.test")
        assert client.rcpt("support@shop.test")[0] == 250
        assert client.rcpt("nobody@shop.test") == (550, b"5.1.1 <nobody@shop.test>: no such mailbox here")
        assert client.rcpt("sales@shop.test")[0] == 250
        first = client.data(raw)
        second = client.getreply()

    inbound = InboundMail.objects.get()
    assert first == second == (250, f"2.0.0 Queued as {inbound.pk}".encode())
    assert (inbound.via, inbound.mailbox_id) == ("lmtp", mailbox.pk)
    assert inbound.envelope_to == ["support@shop.test", "sales@shop.test"]
    assert sales.inbound.count() == 0
    assert inbound_raw(inbound) == raw


def test_lmtp_refuses_ehlo(listen, mailbox):
    port = listen(lmtp=True)

    with smtplib.SMTP("127.0.0.1", port) as client:
        code, _ = client.ehlo()

    assert code == 500


def big_mail(size: int) -> bytes:
    header = (
        b"From: sara@example.test\r\nTo: support@shop.test\r\nSubject: photos\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    line = b"QUJD" * 19 + b"\r\n"  # 78 bytes, as base64 lines are
    return header + line * ((size - len(header)) // len(line) + 1)


def test_a_30_mb_message_goes_through(listen, mailbox):
    port = listen()
    raw = big_mail(30 * MB)

    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail("sara@example.test", ["support@shop.test"], raw) == {}

    inbound = InboundMail.objects.get()
    assert inbound.size == len(raw) > 30 * MB
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest()
    assert hashlib.sha256(inbound_raw(inbound)).hexdigest() == inbound.sha256


def test_a_message_over_the_limit_is_refused_with_552(listen, mailbox):
    port = listen(limit=1 * MB)
    raw = big_mail(2 * MB)

    # A client that declares the size is refused at MAIL FROM.
    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPSenderRefused) as declared:
        client.sendmail("sara@example.test", ["support@shop.test"], raw)
    # One that does not is refused after the data.
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.mail("sara@example.test")
        client.rcpt("support@shop.test")
        code, _ = client.data(raw)

    assert declared.value.smtp_code == 552
    assert code == 552
    assert InboundMail.objects.count() == 0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 - a value checked, not bound
        ("", False),
        ("192.168.1.5", False),
        ("mail.example.test", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_command_starts_answers_ehlo_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "VAFA_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    vafa = Path(sys.executable).with_name("vafa")
    process = subprocess.Popen(  # noqa: S603 - the project's own command
        [str(vafa), "mail-listen", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        assert process.stdout is not None
        output = b""
        deadline = time.monotonic() + 60
        while b"Listening for mail" not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                line = process.stdout.readline()
                if not line:
                    break
                output += line
        assert b"Listening for mail (SMTP) on 127.0.0.1:" + str(port).encode() in output, output

        with smtplib.SMTP("127.0.0.1", port) as client:
            code, features = client.ehlo()

        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert code == 250
    assert b"SIZE" in features
    assert b"AUTH" not in features
    assert process.returncode == 0
    assert b"Mail listener stopped." in rest


def test_the_demo_banners_test_mail_becomes_a_case(listen, settings):
    # given the demo's mailbox and the command its banner prints, pointed at this listener
    from vafa.demo import builder
    from vafa.demo.management.commands.demo import banner_text

    Mailbox.objects.create(name="Demo", address=builder.DEMO_MAILBOX, method=Mailbox.Method.SMTP)
    port = listen()
    settings.VAFA_MAIL_LISTEN_PORT = port
    command = next(line.strip() for line in banner_text("127.0.0.1", 8000).splitlines() if "smtplib" in line)

    # when a newcomer runs it in a shell
    subprocess.run(command, shell=True, check=True, timeout=30)  # noqa: S602 - the banner's own command
    jobs.work_execute(PendingWork.objects.get(kind=PROCESS_KIND).pk)

    # then the mail is a case for its sender
    case = Case.objects.get()
    assert case.subject == "My kettle leaks"
    assert case.customer.contact_points.get().value == "you@example.test"
