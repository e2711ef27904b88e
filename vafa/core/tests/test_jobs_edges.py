"""Edges of the job system: a broken queue must not lose a periodic run; twin work rows collapse."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from vafa.core import jobs
from vafa.core.jobs import scheduler_tick, work_handler, work_schedule
from vafa.core.models import PendingWork, PeriodicRun


@work_handler("tests.edges.noop")
def _noop(payload):
    return None


class _UnreachableQueueTask:
    """Stands in for a task whose queue (Redis, say) is down."""

    def enqueue(self, *args, **kwargs):
        raise ConnectionError("queue is down")


@pytest.fixture
def broken_periodic():
    jobs._PERIODIC["tests.edges.broken"] = jobs.Periodic(
        "tests.edges.broken", dt.timedelta(minutes=5), _UnreachableQueueTask()
    )
    yield
    jobs._PERIODIC.pop("tests.edges.broken", None)


def test_a_periodic_job_that_cannot_be_enqueued_stays_due(db, broken_periodic):
    fired = scheduler_tick(holder="tester")

    assert "tests.edges.broken" not in fired
    run = PeriodicRun.objects.get(name="tests.edges.broken")
    assert (run.last_run_at, run.next_run_at) == (None, None)


def test_twin_work_with_the_same_dedupe_key_returns_the_first(db, monkeypatch):
    first = work_schedule(
        "tests.edges.noop",
        {"n": 1},
        dedupe_key="survey:case:7",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    # Another transaction created the row between our check and our insert:
    monkeypatch.setattr(PendingWork.objects, "filter", lambda **kw: PendingWork.objects.none())

    with transaction.atomic():
        second = work_schedule("tests.edges.noop", {"n": 2}, dedupe_key="survey:case:7")
        assert PendingWork.objects.count() == 1  # the caller's transaction is still usable

    assert second.pk == first.pk
    assert second.payload == {"n": 1}


def test_work_without_dedupe_key_still_raises_on_integrity_errors(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingWork.objects.create(kind="x", due_at=timezone.now(), dedupe_key="k")
        PendingWork.objects.create(kind="x", due_at=timezone.now(), dedupe_key="k")
