"""`vafa mail-deliver FILE…`: store .eml files as inbound mail, exactly as if they had arrived."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import inbound_store


class Command(BaseCommand):
    help = (
        "Store raw messages (.eml files, or - for standard input) as inbound mail and schedule their "
        "processing: for re-injecting mail saved elsewhere. Prints the id of each stored message."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="A raw RFC 5322 message; - reads stdin.")
        parser.add_argument(
            "--mailbox",
            default=None,
            metavar="ADDRESS",
            help="The mailbox the mail was sent to (default: told from the message's recipients when processed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox: Mailbox | None = None
        if options["mailbox"]:
            address = options["mailbox"].strip().lower()
            mailbox = Mailbox.objects.filter(address=address).first()
            if mailbox is None:
                raise CommandError(f"No mailbox has the address {address}.")
        contents: list[tuple[str, bytes]] = []
        # Everything is read before anything is stored, so a missing file stores nothing.
        for name in options["files"]:
            if name == "-":
                contents.append(("-", sys.stdin.buffer.read()))
                continue
            try:
                contents.append((name, Path(name).read_bytes()))
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from exc
        for name, raw in contents:
            if not raw.strip():
                raise CommandError(f"{name} is empty.")
        for name, raw in contents:
            stored = inbound_store(
                raw=raw,
                via=InboundMail.Via.FILE,
                mailbox=mailbox,
                envelope_to=[mailbox.address] if mailbox is not None else [],
            )
            self.stdout.write(f"{stored.pk}\t{name}")
