"""`vafa scheduler`: enqueue the periodic jobs declared with `@periodic` when they are due.

One scheduler is needed; more are safe. Each tick takes or renews the scheduler lease, and only the
holder enqueues anything, so a second scheduler stands by and takes over when the first one stops.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import time
import uuid
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from vafa.core.jobs import lease_release, scheduler_tick
from vafa.core.models import SchedulerLease

logger = logging.getLogger("vafa.scheduler")

LEASE_NAME = "scheduler"
MIN_LEASE_TTL = dt.timedelta(seconds=30)


def scheduler_holder() -> str:
    """Name this scheduler in the lease: host and pid to find it, a uuid so no two ever match."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex}"


def lease_ttl_for(interval: float) -> dt.timedelta:
    # Renewed every tick; a few missed ticks (a slow database) must not hand the lease over.
    return max(MIN_LEASE_TTL, dt.timedelta(seconds=3 * interval))


class Command(BaseCommand):
    help = "Enqueue due periodic jobs, every few seconds. One is needed; a second one only stands by."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Tick once, release the lease and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between ticks (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if interval <= 0:
            raise CommandError("--interval must be more than 0.")
        holder = scheduler_holder()
        ttl = lease_ttl_for(interval)
        if options["once"]:
            try:
                fired = scheduler_tick(holder=holder, lease_ttl=ttl)
            finally:
                lease_release(name=LEASE_NAME, holder=holder)
            self.stdout.write("fired: " + (", ".join(fired) if fired else "nothing"))
            return
        self.run_forever(holder=holder, interval=interval, ttl=ttl)

    def run_forever(self, *, holder: str, interval: float, ttl: dt.timedelta) -> None:
        self.stopping = False
        self.last_holder: str | None = None

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Only a flag: the handler may run in the middle of a tick, which must finish.
            self.stopping = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        logger.info("Scheduler %s started, ticking every %ss", holder, interval)
        try:
            while not self.stopping:
                self.tick(holder=holder, ttl=ttl)
                deadline = time.monotonic() + interval
                while not self.stopping and (remaining := deadline - time.monotonic()) > 0:
                    time.sleep(min(remaining, 0.2))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            try:
                close_old_connections()
                lease_release(name=LEASE_NAME, holder=holder)
                logger.info("Scheduler %s stopped", holder)
            except DatabaseError:
                logger.exception("Could not release the scheduler lease; it expires in %s", ttl)

    def tick(self, *, holder: str, ttl: dt.timedelta) -> None:
        # A long-running process must not keep a connection the database has dropped.
        close_old_connections()
        try:
            fired = scheduler_tick(holder=holder, lease_ttl=ttl)
            current_holder = (
                SchedulerLease.objects.filter(name=LEASE_NAME).values_list("holder", flat=True).first()
            )
        except Exception:
            # The database or the broker may be restarting: keep ticking, the lease and the due
            # times live in the database.
            logger.exception("Scheduler tick failed; trying again next tick")
            return
        if current_holder != self.last_holder:
            if current_holder == holder:
                logger.info("Scheduler %s holds the lease and runs the periodic jobs", holder)
            else:
                logger.info("Scheduler %s stands by: %s holds the lease", holder, current_holder or "nobody")
            self.last_holder = current_holder
        for name in fired:
            logger.info("Enqueued periodic job %s", name)
