"""`vafa serve`: the production web server (gunicorn, threaded workers, WhiteNoise for static files)."""

from __future__ import annotations

import os
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be 1 or more")
    return number


def default_workers() -> int:
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    return positive_int(value) if value else 2


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class VafaServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn run from Python, so that `vafa serve` needs no config file and no extra command."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__(prog="vafa serve")

    def load_config(self) -> None:
        assert self.cfg is not None
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # GUNICORN_CMD_ARGS still tunes anything not exposed as an option (keep-alive, limits…).
        env_args = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(env_args).items():
            if value is not None and key != "args":
                self.cfg.set(key.lower(), value)

    def load(self) -> WSGIHandler:
        from vafa.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Vafa over HTTP with gunicorn (threaded workers); static files through WhiteNoise."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (default: %(default)s)."
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="Port to listen on (default: %(default)s)."
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=None,
            help="Worker processes (default: $WEB_CONCURRENCY or 2).",
        )
        parser.add_argument(
            "--threads", type=positive_int, default=4, help="Threads per worker (default: %(default)s)."
        )
        parser.add_argument(
            "--timeout",
            type=positive_int,
            default=60,
            help="Seconds a request may take before its worker is restarted (default: %(default)s).",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=positive_int,
            default=30,
            help="Seconds running requests get to finish on shutdown (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.ensure_static_files()
        # Workers are forked from this process: none may inherit an open database connection.
        connections.close_all()
        workers = options["workers"] or default_workers()
        VafaServer(
            {
                "bind": [bind_address(options["host"], options["port"])],
                "workers": workers,
                "worker_class": "gthread",
                "threads": options["threads"],
                "timeout": options["timeout"],
                "graceful_timeout": options["graceful_timeout"],
                "accesslog": "-",
                "errorlog": "-",
                "proc_name": "vafa-web",
                # One fixed socket path per user would clash between several servers on one machine.
                "control_socket_disable": True,
                "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            }
        ).run()

    def ensure_static_files(self) -> None:
        """Collect static files when the manifest is missing, so that a bare `vafa serve` works."""
        if not isinstance(staticfiles_storage, ManifestFilesMixin):
            return  # DEBUG: WhiteNoise serves straight from the apps' static folders.
        if staticfiles_storage.manifest_storage.exists(staticfiles_storage.manifest_name):
            return
        self.stdout.write("No static files manifest: running collectstatic first.")
        call_command("collectstatic", interactive=False, verbosity=0)
