"""Periodic housekeeping: keep the tables that grow by themselves from growing without end.

Each job is a django task declared with `@periodic`, so the scheduler enqueues it and any worker
runs it. The pruning functions delete in small batches: a long DELETE would hold locks that the
web processes and workers need (and on SQLite, the one write lock).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from vafa.core.jobs import periodic
from vafa.core.models import PendingWork, ThrottleBucket

logger = logging.getLogger(__name__)

DELETE_BATCH_SIZE = 1000


def _delete_in_batches(queryset: QuerySet[Model]) -> int:
    """Delete the rows of `queryset` DELETE_BATCH_SIZE at a time; return how many were deleted."""
    model = queryset.model
    batch_size = DELETE_BATCH_SIZE
    total = 0
    while True:
        pks = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        _count, per_model = model._default_manager.filter(pk__in=pks).delete()
        total += per_model.get(model._meta.label, 0)
        if len(pks) < batch_size:
            return total


def task_results_prune(*, now: dt.datetime | None = None) -> int:
    """Delete finished task results older than VAFA_TASK_RESULT_RETENTION_DAYS; return the count."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.VAFA_TASK_RESULT_RETENTION_DAYS)
    # Ready and running results are never pruned, however old: they are work still to do.
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    deleted = _delete_in_batches(old)
    logger.info("Pruned %d task results finished before %s", deleted, cutoff.isoformat())
    return deleted


def pending_work_prune(*, now: dt.datetime | None = None) -> int:
    """Delete work done more than VAFA_WORK_RETENTION_DAYS ago; return the count.

    Every case event leaves a few done rows (its SLA refresh, rules, webhooks). Failed rows stay
    until someone looks at them; pending ones are work still to do. A done row's dedupe key only
    guards against the same event being published twice, which happens in its own transaction.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.VAFA_WORK_RETENTION_DAYS)
    old = PendingWork.objects.filter(state=PendingWork.State.DONE, done_at__lt=cutoff)
    deleted = _delete_in_batches(old)
    logger.info("Pruned %d pending-work rows done before %s", deleted, cutoff.isoformat())
    return deleted


def throttle_buckets_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the throttle buckets whose window has ended; return the count."""
    cutoff = now or timezone.now()
    deleted = _delete_in_batches(ThrottleBucket.objects.filter(expires_at__lte=cutoff))
    logger.info("Pruned %d throttle buckets expired before %s", deleted, cutoff.isoformat())
    return deleted


def idempotency_records_prune(*, now: dt.datetime | None = None) -> int:
    """Delete API idempotency records older than VAFA_IDEMPOTENCY_TTL_HOURS; return the count."""
    # Looked up by label: the shared kernel must not import the API app that sits above it.
    if not apps.is_installed("vafa.api"):
        return 0
    record_model = apps.get_model("api", "IdempotencyRecord")
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.VAFA_IDEMPOTENCY_TTL_HOURS)
    deleted = _delete_in_batches(record_model._default_manager.filter(created_at__lt=cutoff))
    logger.info("Pruned %d idempotency records created before %s", deleted, cutoff.isoformat())
    return deleted


def database_statistics_refresh(*, full: bool = False) -> str:
    """Refresh the query planner's statistics; return what ran.

    PostgreSQL's autovacuum keeps its statistics; SQLite has none until asked, and without them it
    plans the desk's scoped lists badly (an agent's "All open" took 92 ms instead of 40). `full`
    runs a whole ANALYZE, for after a bulk load; the daily job samples (analysis_limit), which
    takes well under a second at a million rows. (`PRAGMA optimize` would be lighter still, but
    before SQLite 3.46 it looks only at tables the same connection has queried, and the job runs
    on a fresh one.)
    """
    if connection.vendor == "sqlite":
        statement = "ANALYZE" if full else "PRAGMA analysis_limit=1000; ANALYZE"
    elif connection.vendor == "postgresql" and full:
        statement = "ANALYZE"
    else:
        return ""
    with connection.cursor() as cursor:
        for part in statement.split("; "):
            cursor.execute(part)
    logger.info("Refreshed the planner statistics (%s)", statement)
    return statement


# periodic() is typed for plain callables, not django Task objects: hence the ignores.
@periodic("prune_task_results", every=dt.timedelta(days=1))  # type: ignore[arg-type]
@task()
def prune_task_results() -> int:
    return task_results_prune()


@periodic("prune_done_work", every=dt.timedelta(hours=1))  # type: ignore[arg-type]
@task()
def prune_done_work() -> int:
    return pending_work_prune()


@periodic("prune_throttle_buckets", every=dt.timedelta(hours=1))  # type: ignore[arg-type]
@task()
def prune_throttle_buckets() -> int:
    return throttle_buckets_prune()


@periodic("prune_idempotency_keys", every=dt.timedelta(hours=1))  # type: ignore[arg-type]
@task()
def prune_idempotency_keys() -> int:
    return idempotency_records_prune()


@periodic("refresh_database_statistics", every=dt.timedelta(days=1))  # type: ignore[arg-type]
@task()
def refresh_database_statistics() -> str:
    return database_statistics_refresh()
