"""`vafa demo`: load a realistic, deterministic demo company and start the stack."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import Resolver404, resolve

from vafa.accounts.models import Team
from vafa.demo import builder


def _exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def banner_text(host: str, port: int) -> str:
    base = f"http://{host}:{port}"
    pages = [
        ("Home", "/"),
        ("Admin", "/admin/"),
        ("API docs", "/api/docs"),
        ("Health", "/healthz"),
        ("Agent desk", "/desk/"),
        ("Customer portal", "/portal/"),
    ]
    lines = ["", "Vafa demo company", "=================", ""]
    lines += [f"  {label:<16} {base}{path}" for label, path in pages if _exists(path)]
    lines += ["", "  Logins (e-mail / password)"]
    lines += [f"    {role:<19} {email:<28} {password}" for role, email, password in builder.LOGINS]
    lines += ["", "  API token:  vafa token create --user manager@demo.vafa.test", ""]
    mail_host, mail_port = settings.VAFA_MAIL_LISTEN_HOST, settings.VAFA_MAIL_LISTEN_PORT
    lines += [
        f"  Send a mail to {builder.DEMO_MAILBOX} (the listener on {mail_host}:{mail_port}); a case appears:",
        f"    python3 -c \"import smtplib; smtplib.SMTP('{mail_host}', {mail_port}).sendmail('you@example.test', "
        f"'{builder.DEMO_MAILBOX}', 'From: You <you@example.test>\\nTo: {builder.DEMO_MAILBOX}\\n"
        f"Subject: My kettle leaks\\n\\nIt leaks since Monday.')\"",
        "",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo company (customers, orders, units, cases in four languages) and start Vafa."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the data, print the logins and stop."
        )
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same company (default 42).")
        parser.add_argument("--customers", type=int, default=2000, help="How many customers (default 2000).")
        parser.add_argument("--cases", type=int, default=3000, help="How many cases (default 3000).")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty every Vafa table first, then load the demo again. Deletes all data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def log(line: str) -> None:
            self.stdout.write(f"  {line}")

        if options["customers"] < 10 or options["cases"] < 0:
            raise CommandError("--customers must be at least 10 and --cases at least 0.")
        if options["reset"]:
            with transaction.atomic():
                self.stdout.write("Emptying the Vafa tables…")
                builder.reset_vafa_tables()
                self._load(options, log)
        elif builder.demo_loaded():
            self.stdout.write(
                self.style.WARNING(
                    "The demo company is already loaded; nothing to do (use --reset to rebuild it)."
                )
            )
            # A demo loaded before the e-mail channel existed has no support address yet.
            builder.demo_mailbox_ensure(team=Team.objects.order_by("id").first())
        elif builder.business_data_exists():
            raise CommandError(
                "This database already holds users or customers that are not the demo's. "
                "Use an empty database, or --reset to delete everything and load the demo."
            )
        else:
            self._load(options, log)

        banner = banner_text(options["host"], options["port"])
        if options["no_serve"]:
            self.stdout.write(banner)
            return
        # The stack prints the banner itself once the web server answers.
        try:
            from vafa.core.stack import run_stack
        except ImportError as exc:
            raise CommandError(
                "The server stack (vafa.core.stack) is not available; run with --no-serve."
            ) from exc
        code = run_stack(host=options["host"], port=options["port"], banner=banner, extra=[["mail-listen"]])
        if code:
            raise SystemExit(code)

    def _load(self, options: dict[str, Any], log: Any) -> None:
        self.stdout.write(f"Loading the demo company (seed {options['seed']})…")
        counts = builder.build_demo(
            seed=options["seed"], customers=options["customers"], cases=options["cases"], log=log
        )
        self.stdout.write(
            self.style.SUCCESS("Demo data: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
        )
