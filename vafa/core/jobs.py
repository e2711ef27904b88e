"""Background work that must not be lost, and periodic jobs declared in code.

- `work_schedule(kind, payload)` writes a PendingWork row in the caller's transaction and, once
  that commits, enqueues `work_run` for it. The row, not the queue, is the record of the duty.
- `@work_handler("kind")` registers the idempotent function that does the work.
- `@periodic(name, every=...)` declares a job for the scheduler; only the holder of the
  scheduler lease enqueues periodic jobs, so two schedulers never double-fire.
- `work_subscribe(event, kind)` / `work_publish(event, payload, key=...)`: a service announces that
  something happened (a case opened, an agent replied); each subscribed kind of work gets its own
  pending row, in the service's transaction. Not a signal: the rows are the durable record.
  `with work_origin(rule=…)`: what is published inside carries the origin chain in its payload
  (`payload["origin"]`), so an automation rule can tell its own changes from anyone else's.
- `work_sweep` (periodic) re-enqueues pending rows whose task was lost or whose lock expired.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from vafa.core.models import PendingWork, PeriodicRun, SchedulerLease

logger = logging.getLogger(__name__)

WorkHandler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, WorkHandler] = {}
_SUBSCRIBERS: dict[str, list[str]] = {}
# Asked at publish time: a subscriber with nothing to do (no rule, no webhook for this event) gets no row.
_WHEN: dict[tuple[str, str], Callable[[str, dict[str, Any]], bool]] = {}
_KEY: dict[tuple[str, str], Callable[[str, dict[str, Any]], str]] = {}
_ORIGIN: contextvars.ContextVar[tuple[dict[str, Any], ...]] = contextvars.ContextVar(
    "vafa_origin", default=()
)
_NON_ATOMIC: set[str] = set()
_CURRENT: contextvars.ContextVar[PendingWork | None] = contextvars.ContextVar(
    "vafa_current_work", default=None
)
LOCK_SECONDS = 300
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600


def work_handler(kind: str, *, atomic: bool = True) -> Callable[[WorkHandler], WorkHandler]:
    """Register the function that performs pending work of `kind` (must be safe to run twice).

    With `atomic` (the default) the handler runs in one transaction with the row's "done" mark, and
    an exception rolls both back. A handler that talks to the outside world (an SMTP server) passes
    `atomic=False`, commits its own steps, and must leave a state a retry can continue from: it
    should not hold a database transaction (on SQLite, the write lock) while it waits on the network.
    """

    def register(func: WorkHandler) -> WorkHandler:
        _HANDLERS[kind] = func
        if not atomic:
            _NON_ATOMIC.add(kind)
        return func

    return register


def work_schedule(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    due_at: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> PendingWork:
    """Record work to do and enqueue it after the surrounding transaction commits."""
    if kind not in _HANDLERS:
        raise LookupError(f"No work handler registered for {kind!r}")
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not break the caller's transaction
            work = PendingWork.objects.create(
                kind=kind,
                payload=payload or {},
                due_at=due_at or now,
                dedupe_key=dedupe_key,
                max_attempts=max_attempts,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return PendingWork.objects.get(dedupe_key=dedupe_key)
    if work.due_at <= now:
        transaction.on_commit(lambda: _enqueue(work.pk))
    return work


def work_subscribe(
    event: str,
    kind: str,
    *,
    when: Callable[[str, dict[str, Any]], bool] | None = None,
    key: Callable[[str, dict[str, Any]], str] | None = None,
) -> None:
    """Have every `work_publish(event, ...)` schedule work of `kind` (registered with `work_handler`).

    `when(event, payload)`, if given, is asked at publish time; False schedules nothing. It must be
    cheap (a cached lookup): it runs inside the publishing service's transaction.
    `key(event, payload)`, if given, replaces the publisher's dedupe key for this subscriber: work
    that recomputes a whole case can coalesce the several events one service call publishes.
    """
    kinds = _SUBSCRIBERS.setdefault(event, [])
    if kind not in kinds:
        kinds.append(kind)
    _WHEN.pop((event, kind), None)
    _KEY.pop((event, kind), None)
    if when is not None:
        _WHEN[(event, kind)] = when
    if key is not None:
        _KEY[(event, kind)] = key


def work_publish(event: str, payload: dict[str, Any], *, key: str) -> list[PendingWork]:
    """Schedule the work each subscriber of `event` does; `key` makes publishing twice harmless."""
    kinds = _SUBSCRIBERS.get(event, ())
    if not kinds:
        return []
    origin = _ORIGIN.get()
    if origin:
        payload = {**payload, "origin": list(origin)}
    scheduled = []
    for kind in kinds:
        when = _WHEN.get((event, kind))
        if when is not None and not when(event, payload):
            continue
        make_key = _KEY.get((event, kind))
        own_key = make_key(event, payload) if make_key is not None else key
        scheduled.append(
            work_schedule(kind, {**payload, "event": event}, dedupe_key=f"{kind}:{own_key}"[:200])
        )
    return scheduled


@contextlib.contextmanager
def work_origin(**origin: Any) -> Iterator[None]:
    """Mark everything published inside as caused by `origin` (e.g. `rule=12`), on top of any outer origin."""
    token = _ORIGIN.set((*_ORIGIN.get(), origin))
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def work_origin_current() -> tuple[dict[str, Any], ...]:
    """The origin chain that `work_publish` would stamp on a payload now."""
    return _ORIGIN.get()


def work_is_last_attempt() -> bool:
    """Inside a work handler: whether a failure now is final (no retry follows)."""
    work = _CURRENT.get()
    return work is None or work.attempts >= work.max_attempts


def work_claim_more(kind: str, *, limit: int) -> list[PendingWork]:
    """Inside a handler that works in batches: claim up to `limit` further due rows of `kind`.

    The claimed rows are this worker's until their lock expires; the handler must end each one with
    `work_finish` or `work_release`. Their own queued tasks later find them done and skip them.
    """
    now = timezone.now()
    current = _CURRENT.get()
    due = PendingWork.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        kind=kind,
        state=PendingWork.State.PENDING,
        due_at__lte=now,
    )
    if current is not None:
        due = due.exclude(pk=current.pk)
    ids = list(due.order_by("due_at", "id").values_list("pk", flat=True)[:limit])
    return [work for work in map(_claim, ids) if work is not None]


def work_finish(works: Sequence[PendingWork]) -> None:
    """Mark rows claimed with `work_claim_more` as done."""
    if works:
        PendingWork.objects.filter(pk__in=[work.pk for work in works]).update(
            state=PendingWork.State.DONE, done_at=timezone.now(), locked_until=None, last_error=""
        )


def work_release(work: PendingWork, *, error: str) -> None:
    """Give a row claimed with `work_claim_more` back for a later try (or fail it after its last)."""
    if work.attempts >= work.max_attempts:
        PendingWork.objects.filter(pk=work.pk).update(
            state=PendingWork.State.FAILED, last_error=error, locked_until=None
        )
        return
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (work.attempts - 1), BACKOFF_MAX_SECONDS)
    PendingWork.objects.filter(pk=work.pk).update(
        due_at=timezone.now() + dt.timedelta(seconds=delay), last_error=error, locked_until=None
    )


def _enqueue(work_id: int) -> None:
    try:
        work_run.enqueue(work_id)
    except Exception:
        # The row stays pending; the sweep will enqueue it again.
        logger.exception("Could not enqueue pending work %s; the sweep will retry it", work_id)


def _claim(work_id: int) -> PendingWork | None:
    """Lock a due, pending row for this worker and count the attempt, in one statement."""
    now = timezone.now()
    table = connection.ops.quote_name(PendingWork._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET locked_until = %s, attempts = attempts + 1 "  # noqa: S608 - our table name
            "WHERE id = %s AND state = %s AND due_at <= %s AND (locked_until IS NULL OR locked_until < %s) "
            "RETURNING kind, payload, attempts, max_attempts",
            [
                adapt(now + dt.timedelta(seconds=LOCK_SECONDS)),
                work_id,
                PendingWork.State.PENDING,
                adapt(now),
                adapt(now),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    kind, payload, attempts, max_attempts = row
    return PendingWork(
        pk=work_id,
        kind=kind,
        payload=json.loads(payload) if isinstance(payload, str | bytes) else payload,
        state=PendingWork.State.PENDING,
        attempts=attempts,
        max_attempts=max_attempts,
    )


def work_execute(work_id: int) -> str:
    """Run one pending work row if it is still due and not held by another worker."""
    work = _claim(work_id)
    if work is None:
        return "skipped"
    handler = _HANDLERS.get(work.kind)
    now = timezone.now()
    if handler is None:
        PendingWork.objects.filter(pk=work.pk).update(
            state=PendingWork.State.FAILED, last_error=f"no handler for {work.kind}", locked_until=None
        )
        return "failed"
    token = _CURRENT.set(work)
    try:
        with transaction.atomic() if work.kind not in _NON_ATOMIC else contextlib.nullcontext():
            handler(work.payload)
            PendingWork.objects.filter(pk=work.pk).update(
                state=PendingWork.State.DONE, done_at=timezone.now(), locked_until=None, last_error=""
            )
        return "done"
    except Exception:
        error = traceback.format_exc(limit=8)
        logger.exception("Pending work %s (%s) failed", work.pk, work.kind)
        if work.attempts >= work.max_attempts:
            PendingWork.objects.filter(pk=work.pk).update(
                state=PendingWork.State.FAILED, last_error=error, locked_until=None
            )
            return "failed"
        delay = min(BACKOFF_BASE_SECONDS * 2 ** (work.attempts - 1), BACKOFF_MAX_SECONDS)
        PendingWork.objects.filter(pk=work.pk).update(
            due_at=now + dt.timedelta(seconds=delay), last_error=error, locked_until=None
        )
        return "retry"
    finally:
        _CURRENT.reset(token)


@task()
def work_run(work_id: int) -> str:
    return work_execute(work_id)


# --- periodic jobs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Task[[], Any]


_PERIODIC: dict[str, Periodic] = {}
TaskT = TypeVar("TaskT", bound=Task[[], Any])


def periodic(name: str, *, every: dt.timedelta) -> Callable[[TaskT], TaskT]:
    """Declare a job the scheduler enqueues every `every`; the function must be a django task."""

    def register(func: TaskT) -> TaskT:
        _PERIODIC[name] = Periodic(name=name, every=every, func=func)
        return func

    return register


def periodic_jobs() -> dict[str, Periodic]:
    return dict(_PERIODIC)


def lease_acquire(*, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take or renew the named lease; True when `holder` holds it now."""
    now = timezone.now()
    SchedulerLease.objects.get_or_create(name=name)
    taken = SchedulerLease.objects.filter(
        Q(holder=holder) | Q(expires_at__isnull=True) | Q(expires_at__lt=now), name=name
    ).update(holder=holder, expires_at=now + ttl)
    return bool(taken)


def lease_release(*, name: str, holder: str) -> None:
    SchedulerLease.objects.filter(name=name, holder=holder).update(expires_at=None, holder="")


def scheduler_tick(*, holder: str, lease_ttl: dt.timedelta = dt.timedelta(seconds=30)) -> list[str]:
    """Enqueue the periodic jobs that are due, if this scheduler holds the lease; return their names."""
    if not lease_acquire(name="scheduler", holder=holder, ttl=lease_ttl):
        return []
    now = timezone.now()
    fired: list[str] = []
    for job in _PERIODIC.values():
        run, _created = PeriodicRun.objects.get_or_create(name=job.name)
        if run.next_run_at is not None and run.next_run_at > now:
            continue
        # Conditional update: a second scheduler that slipped past the lease still fires once.
        updated = PeriodicRun.objects.filter(pk=job.name, next_run_at=run.next_run_at).update(
            last_run_at=now, next_run_at=now + job.every
        )
        if not updated:
            continue
        try:
            job.func.enqueue()
        except Exception:
            # The queue is down: put the due time back so the next tick tries again.
            logger.exception("Could not enqueue periodic job %s; retrying next tick", job.name)
            PeriodicRun.objects.filter(pk=job.name).update(
                last_run_at=run.last_run_at, next_run_at=run.next_run_at
            )
            continue
        fired.append(job.name)
    return fired


def work_sweep_once(*, limit: int = 500) -> int:
    """Enqueue pending work that is due and unlocked; return how many rows were enqueued."""
    now = timezone.now()
    ids = list(
        PendingWork.objects.filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now),
            state=PendingWork.State.PENDING,
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for work_id in ids:
        _enqueue(work_id)
    return len(ids)


@periodic("work_sweep", every=dt.timedelta(minutes=1))
@task()
def work_sweep() -> int:
    return work_sweep_once()
