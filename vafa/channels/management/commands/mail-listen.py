"""`vafa mail-listen`: the built-in SMTP (or LMTP) listener that stores mail for the SMTP mailboxes."""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vafa.channels.email.listener import is_loopback, listener_start, listener_stop


class Command(BaseCommand):
    help = (
        "Take mail over SMTP (or LMTP with --lmtp) for the active mailboxes whose method is SMTP, "
        "and store it for processing. No AUTH, no TLS: keep it on loopback or behind a local MTA."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=None, help="Address to bind (default VAFA_MAIL_LISTEN_HOST).")
        parser.add_argument("--port", type=int, default=None, help="Port (default VAFA_MAIL_LISTEN_PORT).")
        parser.add_argument(
            "--lmtp", action="store_true", help="Speak LMTP (for a local MTA such as Postfix)."
        )
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="Bind an address other than loopback. Only behind a firewall that lets in your own MTA alone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"] if options["host"] is not None else settings.VAFA_MAIL_LISTEN_HOST
        port: int = options["port"] if options["port"] is not None else settings.VAFA_MAIL_LISTEN_PORT
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if not is_loopback(host) and not options["allow_remote"]:
            raise CommandError(
                f"Refusing to listen on {host!r}: the listener asks senders for no password, so on a "
                "public address anyone could put mail into Vafa. Listen on 127.0.0.1 behind your MTA "
                "(Postfix relays over LMTP), or pass --allow-remote if a firewall admits only that MTA."
            )
        if options["verbosity"] < 2:
            # aiosmtpd logs every command of every session at INFO; one line per stored message is ours.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        stopping = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            try:
                controller = listener_start(
                    host=host, port=port, lmtp=options["lmtp"], data_size_limit=settings.VAFA_MAIL_MAX_BYTES
                )
            except OSError as exc:
                raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
            protocol = "LMTP" if options["lmtp"] else "SMTP"
            self.stdout.write(
                f"Listening for mail ({protocol}) on {host}:{port}; "
                f"largest message {settings.VAFA_MAIL_MAX_BYTES} bytes. Ctrl-C stops."
            )
            self.stdout.flush()
            try:
                # A timeout keeps the main thread waking up, so the signal handler runs promptly.
                while not stopping.wait(0.5):
                    pass
            finally:
                self.stdout.write("Stopping the mail listener…")
                listener_stop(controller)
                self.stdout.write("Mail listener stopped.")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
