"""`vafa mail-deliver` stores .eml files as inbound mail; `vafa mail-listen` keeps to loopback unless told."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vafa.channels.email.listener import listener_start, listener_stop
from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import PROCESS_KIND, inbound_raw
from vafa.core import jobs
from vafa.core.models import PendingWork

pytestmark = pytest.mark.django_db

FIRST = b"From: sara@example.test\r\nTo: support@shop.test\r\nSubject: one\r\n\r\nFirst.\r\n"
SECOND = "From: oleg@example.test\nTo: support@shop.test\nSubject: два\n\nВторое.\n".encode()


@pytest.fixture(autouse=True)
def _process_handler(monkeypatch):
    """Storing schedules processing; until the processing handler is registered, a no-op stands in."""
    if PROCESS_KIND not in jobs._HANDLERS:
        monkeypatch.setitem(jobs._HANDLERS, PROCESS_KIND, lambda payload: None)


@pytest.fixture
def mailbox(db):
    return Mailbox.objects.create(name="Support", address="support@shop.test")


def test_mail_deliver_stores_each_file_and_prints_its_id(tmp_path, mailbox):
    first, second = tmp_path / "one.eml", tmp_path / "two.eml"
    first.write_bytes(FIRST)
    second.write_bytes(SECOND)
    out = StringIO()

    call_command("mail-deliver", str(first), str(second), "--mailbox", "Support@Shop.Test", stdout=out)

    stored = list(InboundMail.objects.order_by("id"))
    assert out.getvalue() == f"{stored[0].pk}\t{first}\n{stored[1].pk}\t{second}\n"
    assert [inbound_raw(inbound) for inbound in stored] == [FIRST, SECOND]
    assert [(m.via, m.mailbox_id, m.envelope_to) for m in stored] == [
        ("file", mailbox.pk, ["support@shop.test"])
    ] * 2
    assert PendingWork.objects.filter(kind=PROCESS_KIND).count() == 2


def test_mail_deliver_without_a_mailbox_leaves_it_to_processing(tmp_path, mailbox):
    path = tmp_path / "one.eml"
    path.write_bytes(FIRST)

    call_command("mail-deliver", str(path), stdout=StringIO())

    inbound = InboundMail.objects.get()
    assert (inbound.mailbox_id, inbound.envelope_to, inbound.via) == (None, [], "file")


def test_mail_deliver_reads_standard_input_for_a_dash(monkeypatch, mailbox):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SECOND)))
    out = StringIO()

    call_command("mail-deliver", "-", stdout=out)

    inbound = InboundMail.objects.get()
    assert out.getvalue() == f"{inbound.pk}\t-\n"
    assert inbound_raw(inbound) == SECOND


def test_mail_deliver_refuses_an_unknown_mailbox_and_stores_nothing(tmp_path, mailbox):
    path = tmp_path / "one.eml"
    path.write_bytes(FIRST)

    with pytest.raises(CommandError, match="No mailbox has the address sales@shop.test."):
        call_command("mail-deliver", str(path), "--mailbox", "sales@shop.test", stdout=StringIO())

    assert InboundMail.objects.count() == 0


def test_mail_deliver_stores_nothing_when_one_file_is_missing_or_empty(tmp_path, mailbox):
    good, empty = tmp_path / "one.eml", tmp_path / "empty.eml"
    good.write_bytes(FIRST)
    empty.write_bytes(b"\r\n")

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("mail-deliver", str(good), str(tmp_path / "missing.eml"), stdout=StringIO())
    with pytest.raises(CommandError, match="is empty"):
        call_command("mail-deliver", str(good), str(empty), stdout=StringIO())

    assert InboundMail.objects.count() == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "mail.example.test"])  # noqa: S104 - refused, not bound
def test_mail_listen_refuses_a_public_address_without_allow_remote(host):
    with pytest.raises(CommandError, match="Refusing to listen on"):
        call_command("mail-listen", "--host", host, "--port", "2525", stdout=StringIO())


def test_mail_listen_refuses_a_port_out_of_range():
    with pytest.raises(CommandError, match="--port must be between 1 and 65535."):
        call_command("mail-listen", "--port", "70000", stdout=StringIO())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def listening(transactional_db, settings):
    """The listener on a free loopback port, which the settings (and so the demo's banner) name."""
    settings.VAFA_MAIL_LISTEN_HOST, settings.VAFA_MAIL_LISTEN_PORT = "127.0.0.1", free_port()
    controller = listener_start(
        host="127.0.0.1", port=settings.VAFA_MAIL_LISTEN_PORT, lmtp=False, data_size_limit=1024 * 1024
    )
    yield
    listener_stop(controller, grace=10)


def test_the_demo_runs_the_listener_and_its_banner_command_delivers_to_the_demo_mailbox(
    listening, monkeypatch, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    calls = []
    monkeypatch.setattr("vafa.core.stack.run_stack", lambda **kwargs: calls.append(kwargs) or 0)

    call_command("demo", "--customers", "20", "--cases", "5", stdout=StringIO())

    assert calls[0]["extra"] == [["mail-listen"]]
    mailbox = Mailbox.objects.get(address="support@demo.vafa.test")
    assert (mailbox.method, mailbox.team.name, mailbox.language, mailbox.is_default) == (
        "smtp",
        "Phones & laptops",
        "en",
        True,
    )
    command = next(line.strip() for line in calls[0]["banner"].splitlines() if "python3 -c" in line)
    # The banner's one-liner, run as a newcomer would run it in a shell.
    subprocess.run(command, shell=True, check=True, timeout=30)  # noqa: S602 - the banner's own text
    inbound = InboundMail.objects.get()
    assert (inbound.mailbox_id, inbound.envelope_from) == (mailbox.pk, "you@example.test")
    assert b"Subject: My kettle leaks" in inbound_raw(inbound)


def test_a_demo_loaded_before_the_mail_channel_gets_its_mailbox(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--no-serve", "--customers", "20", "--cases", "5", stdout=StringIO())
    Mailbox.objects.all().delete()

    call_command("demo", "--no-serve", "--customers", "20", "--cases", "5", stdout=StringIO())

    assert Mailbox.objects.get().address == "support@demo.vafa.test"
