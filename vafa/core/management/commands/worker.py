"""`vafa worker`: run background tasks with the worker of the configured task backend."""

from __future__ import annotations

import os
import secrets
import socket
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.backend import DatabaseBackend


def worker_id() -> str:
    """Name this worker in task results: host and pid to find it, a random part to keep it unique."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class Command(BaseCommand):
    help = (
        "Run background tasks: the database worker (TASK_BACKEND=database) or an RQ worker "
        "(TASK_BACKEND=rq). Start as many as the load needs, on any machine."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            default="default",
            help="Queues to take tasks from, separated by commas (default: %(default)s).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks that are queued now, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Database backend: seconds to wait before looking again when the queue is empty "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--max-tasks",
            type=int,
            default=None,
            help="Exit after running this many tasks (a supervisor starts a fresh worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends["default"]
        queues = [name.strip() for name in options["queue"].split(",") if name.strip()]
        if not queues:
            raise CommandError("--queue needs at least one queue name.")
        if isinstance(backend, DatabaseBackend):
            self.run_database_worker(queues, options)
        elif type(backend).__module__.startswith("django_tasks_rq"):
            self.run_rq_worker(queues, options)
        elif isinstance(backend, ImmediateBackend):
            raise CommandError(
                "TASK_BACKEND=immediate runs each task when it is enqueued: no worker is needed."
            )
        else:
            raise CommandError(f"No worker for the task backend {type(backend).__name__}.")

    def run_database_worker(self, queues: list[str], options: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {
            "queue_name": ",".join(queues),
            "interval": options["interval"],
            "batch": options["batch"],
            # Reloading could stop a task half-way; restart the worker after a deploy instead.
            "reload": False,
            # The random start-up delay spreads many workers starting at once; a batch run wants none.
            "startup_delay": not options["batch"],
            "worker_id": worker_id(),
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"] is not None:
            kwargs["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **kwargs)

    def run_rq_worker(self, queues: list[str], options: dict[str, Any]) -> None:
        # django_rq's command is called by class, so that it works whether or not django_rq is
        # in INSTALLED_APPS; the Job class is django_tasks_rq's, which knows how to run a django task.
        from django_rq.management.commands.rqworker import Command as RQWorkerCommand

        kwargs: dict[str, Any] = {
            "job_class": "django_tasks_rq.Job",
            "burst": options["batch"],
            # RQ's scheduler moves tasks enqueued with run_after to their queue when they are due.
            "with_scheduler": True,
            "name": worker_id(),
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"] is not None:
            kwargs["max_jobs"] = options["max_tasks"]
        call_command(RQWorkerCommand(), *queues, **kwargs)
