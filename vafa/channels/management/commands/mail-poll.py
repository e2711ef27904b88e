"""`vafa mail-poll [--mailbox ID]`: poll the IMAP mailboxes now, without waiting for the periodic job."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vafa.channels.email.imap import imap_poll
from vafa.channels.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the active IMAP mailboxes now (or from one), one line per mailbox."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--mailbox", type=int, default=None, help="Poll only the mailbox with this id.")
        parser.add_argument(
            "--batch",
            type=int,
            default=200,
            help="At most this many messages per mailbox (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mailboxes = Mailbox.objects.filter(method=Mailbox.Method.IMAP).order_by("pk")
        if options["mailbox"] is not None:
            mailboxes = mailboxes.filter(pk=options["mailbox"])
            if not mailboxes.exists():
                raise CommandError(_("No IMAP mailbox has the id %(id)s.") % {"id": options["mailbox"]})
        else:
            mailboxes = mailboxes.filter(is_active=True)
        failed = 0
        for mailbox in mailboxes:
            result = imap_poll(mailbox=mailbox, batch=options["batch"])
            values = {
                "mailbox": mailbox.address,
                "id": mailbox.pk,
                "fetched": result.fetched,
                "stored": result.stored,
                "skipped": result.skipped,
                "error": result.error,
            }
            if result.busy:
                line = _("%(mailbox)s (#%(id)s): another poller is at work, skipped") % values
            elif result.error:
                failed += 1
                line = (
                    _(
                        "%(mailbox)s (#%(id)s): fetched %(fetched)s, stored %(stored)s, skipped %(skipped)s, error: %(error)s"
                    )
                    % values
                )
            else:
                line = (
                    _("%(mailbox)s (#%(id)s): fetched %(fetched)s, stored %(stored)s, skipped %(skipped)s")
                    % values
                )
            if result.uidvalidity_reset:
                line += " " + _("(the folder's UIDVALIDITY changed: read from the start)")
            self.stdout.write(line)
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)s mailbox could not be polled.",
                    "%(count)s mailboxes could not be polled.",
                    failed,
                )
                % {"count": failed}
            )
