"""`vafa token create|list|revoke`: API tokens for staff users and for customers' portal accounts.

`create` prints the token on its last line, so scripts can take it with `tail -n 1`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vafa.accounts.models import User
from vafa.accounts.selectors import token_by_prefix, token_list, user_by_email
from vafa.accounts.services import customer_account_ensure, token_create, token_revoke
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.customers.selectors import customer_find_by_email


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Create a token and print it (on the last line).")
        whom = create.add_mutually_exclusive_group(required=True)
        whom.add_argument("--user", metavar="EMAIL", help="A staff user's e-mail address.")
        whom.add_argument(
            "--customer",
            metavar="EMAIL",
            help="A customer's e-mail address; their portal account is created if needed.",
        )
        create.add_argument("--name", default="", help="What the token is for, e.g. the integration's name.")
        listing = actions.add_parser("list", help="List tokens.")
        listing.add_argument("--user", metavar="EMAIL", help="Only the tokens of this user.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The token's prefix, as `token list` shows it.")

    def handle(self, *args: Any, **options: Any) -> None:
        with via("cli"):
            getattr(self, f"handle_{options['action']}")(options)

    def handle_create(self, options: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                user = (
                    self._staff_user(options["user"])
                    if options["user"]
                    else self._customer_account(options["customer"])
                )
                issued = token_create(actor=None, user=user, name=options["name"])
        except VafaError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            _("Token %(prefix)s for %(user)s. It is shown only once; keep it secret:")
            % {"prefix": issued.token.prefix, "user": user.email}
        )
        self.stdout.write(issued.raw)

    def _staff_user(self, email: str) -> User:
        user = user_by_email(email)
        if user is None:
            raise CommandError(_("No user has the e-mail address %(email)s.") % {"email": email})
        if not user.is_company_staff:
            raise CommandError(
                _("%(email)s is not a staff user; use --customer for a customer's token.") % {"email": email}
            )
        if not user.is_active:
            raise CommandError(_("The user %(email)s is deactivated.") % {"email": email})
        return user

    def _customer_account(self, email: str) -> User:
        customer = customer_find_by_email(email)
        if customer is None:
            raise CommandError(_("No customer has the e-mail address %(email)s.") % {"email": email})
        user = customer_account_ensure(actor=None, customer=customer)
        if not user.is_active:
            raise CommandError(_("The portal account %(email)s is deactivated.") % {"email": user.email})
        return user

    def handle_list(self, options: dict[str, Any]) -> None:
        owner = None
        if options["user"]:
            owner = user_by_email(options["user"])
            if owner is None:
                raise CommandError(
                    _("No user has the e-mail address %(email)s.") % {"email": options["user"]}
                )
        tokens = token_list(user=owner)
        columns = (_("prefix"), _("name"), _("user"), _("created"), _("last used"), _("revoked"))
        rows = [
            (
                token.prefix,
                token.name,
                token.user.email,
                _when(token.created_at),
                _when(token.last_used_at),
                _when(token.revoked_at),
            )
            for token in tokens.iterator(chunk_size=500)
        ]
        widths = [max([len(str(column)), *(len(row[i]) for row in rows)]) for i, column in enumerate(columns)]
        self.stdout.write(
            "  ".join(
                str(column).ljust(width) for column, width in zip(columns, widths, strict=True)
            ).rstrip()
        )
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        if not rows:
            self.stdout.write(_("No tokens."))

    def handle_revoke(self, options: dict[str, Any]) -> None:
        token = token_by_prefix(options["prefix"])
        if token is None:
            raise CommandError(_("No token has the prefix %(prefix)s.") % {"prefix": options["prefix"]})
        if token.revoked_at is not None:
            self.stdout.write(_("Token %(prefix)s was already revoked.") % {"prefix": token.prefix})
            return
        token_revoke(actor=None, token=token)
        self.stdout.write(
            _("Token %(prefix)s of %(user)s is revoked.") % {"prefix": token.prefix, "user": token.user.email}
        )


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value is not None else "-"
