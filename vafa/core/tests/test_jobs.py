"""Pending work (written with the change, run once, retried, swept) and the housekeeping jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from vafa.api.models import IdempotencyRecord
from vafa.core import housekeeping, jobs
from vafa.core.jobs import (
    BACKOFF_MAX_SECONDS,
    LOCK_SECONDS,
    periodic_jobs,
    work_execute,
    work_handler,
    work_publish,
    work_run,
    work_schedule,
    work_subscribe,
    work_sweep,
    work_sweep_once,
)
from vafa.core.models import PendingWork

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

CALLS: list[dict[str, Any]] = []


@work_handler("tests.core.record")
def record(payload: dict[str, Any]) -> None:
    CALLS.append(payload)


@work_handler("tests.core.fail")
def fail(payload: dict[str, Any]) -> None:
    CALLS.append(payload)
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def pending(**fields: Any) -> PendingWork:
    values: dict[str, Any] = {"kind": "tests.core.record", "payload": {}, "due_at": timezone.now()}
    values.update(fields)
    return PendingWork.objects.create(**values)


# --- scheduling in the caller's transaction -------------------------------------------------------


def test_work_is_written_with_the_change_and_runs_once_after_commit(
    db, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        work = work_schedule("tests.core.record", {"case_id": 7})
        assert PendingWork.objects.get(pk=work.pk).state == PendingWork.State.PENDING
        assert CALLS == []

    work.refresh_from_db()
    assert len(callbacks) == 1
    assert CALLS == [{"case_id": 7}]
    assert work.state == PendingWork.State.DONE
    assert work.attempts == 1
    assert work.done_at is not None
    assert work.locked_until is None
    assert work.last_error == ""


def test_work_runs_after_a_real_commit(transactional_db, immediate_tasks):
    with transaction.atomic():
        work = work_schedule("tests.core.record", {"case_id": 8})
        assert CALLS == []

    work.refresh_from_db()
    assert CALLS == [{"case_id": 8}]
    assert work.state == PendingWork.State.DONE


def test_rolled_back_transaction_leaves_no_work(db, immediate_tasks, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        work_schedule("tests.core.record", {"case_id": 9})
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert PendingWork.objects.count() == 0
    assert CALLS == []


def test_really_rolled_back_transaction_leaves_no_work(transactional_db, immediate_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        work_schedule("tests.core.record", {"case_id": 10})
        raise RuntimeError("the change failed")

    assert PendingWork.objects.count() == 0
    assert CALLS == []


def test_done_work_is_not_run_again(db):
    work = pending(payload={"n": 1})

    first = work_execute(work.pk)
    second = work_execute(work.pk)

    work.refresh_from_db()
    assert (first, second) == ("done", "skipped")
    assert CALLS == [{"n": 1}]
    assert work.attempts == 1


def test_work_run_task_executes_the_row(db, immediate_tasks):
    work = pending(payload={"n": 2})

    result = work_run.enqueue(work.pk)

    assert result.return_value == "done"
    assert CALLS == [{"n": 2}]


def test_unknown_kind_is_refused_and_nothing_is_written(db):
    with pytest.raises(LookupError):
        work_schedule("tests.core.no-such-kind", {})

    assert PendingWork.objects.count() == 0


def test_same_dedupe_key_schedules_the_work_once(db, dummy_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = work_schedule("tests.core.record", {"n": 1}, dedupe_key="survey:case:7")
        second = work_schedule("tests.core.record", {"n": 2}, dedupe_key="survey:case:7")

    assert second.pk == first.pk
    assert PendingWork.objects.count() == 1
    assert [result.args for result in dummy_tasks.results] == [[first.pk]]


def test_work_due_later_is_not_enqueued_now(db, dummy_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        work = work_schedule("tests.core.record", {}, due_at=timezone.now() + dt.timedelta(hours=1))

    assert callbacks == []
    assert dummy_tasks.results == []
    assert work_execute(work.pk) == "skipped"
    assert PendingWork.objects.get(pk=work.pk).attempts == 0


def test_enqueue_failure_leaves_the_work_pending_for_the_sweep(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    class BrokerDown:
        def enqueue(self, *args: Any) -> None:
            raise ConnectionError("broker down")

    monkeypatch.setattr(jobs, "work_run", BrokerDown())
    with django_capture_on_commit_callbacks(execute=True):
        work = work_schedule("tests.core.record", {})

    work.refresh_from_db()
    assert work.state == PendingWork.State.PENDING
    assert work.attempts == 0


# --- claiming, retries, failure -------------------------------------------------------------------


def test_work_claimed_by_another_worker_is_skipped(db, time_machine):
    time_machine.move_to(T0, tick=False)
    work = pending(locked_until=T0 + dt.timedelta(seconds=10), attempts=1)

    outcome = work_execute(work.pk)

    work.refresh_from_db()
    assert outcome == "skipped"
    assert CALLS == []
    assert work.attempts == 1
    assert work.locked_until == T0 + dt.timedelta(seconds=10)


def test_failing_handler_is_retried_with_backoff_then_fails(db, time_machine):
    time_machine.move_to(T0, tick=False)
    work = work_schedule("tests.core.fail", {"n": 1}, max_attempts=3)

    outcomes = [work_execute(work.pk)]
    work.refresh_from_db()
    assert (work.state, work.attempts, work.due_at) == ("pending", 1, T0 + dt.timedelta(seconds=30))
    assert work.locked_until is None
    assert "RuntimeError: boom" in work.last_error

    time_machine.move_to(T0 + dt.timedelta(seconds=29), tick=False)
    outcomes.append(work_execute(work.pk))  # not due yet
    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)
    outcomes.append(work_execute(work.pk))
    work.refresh_from_db()
    assert (work.attempts, work.due_at) == (2, T0 + dt.timedelta(seconds=30 + 60))

    time_machine.move_to(T0 + dt.timedelta(seconds=90), tick=False)
    outcomes.append(work_execute(work.pk))
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    outcomes.append(work_execute(work.pk))  # failed for good: never run again

    work.refresh_from_db()
    assert outcomes == ["retry", "skipped", "retry", "failed", "skipped"]
    assert work.state == PendingWork.State.FAILED
    assert work.attempts == 3
    assert work.locked_until is None
    assert "RuntimeError: boom" in work.last_error
    assert CALLS == [{"n": 1}, {"n": 1}, {"n": 1}]


def test_backoff_is_capped(db, time_machine):
    time_machine.move_to(T0, tick=False)
    work = pending(kind="tests.core.fail", attempts=20, max_attempts=50)

    outcome = work_execute(work.pk)

    work.refresh_from_db()
    assert outcome == "retry"
    assert work.due_at == T0 + dt.timedelta(seconds=BACKOFF_MAX_SECONDS)


def test_work_without_a_handler_fails_at_once(db):
    work = pending(kind="tests.core.unregistered")

    outcome = work_execute(work.pk)

    work.refresh_from_db()
    assert outcome == "failed"
    assert work.state == PendingWork.State.FAILED
    assert work.last_error == "no handler for tests.core.unregistered"


# --- the sweep ------------------------------------------------------------------------------------


def test_sweep_reenqueues_lost_work_and_skips_locked_rows(db, dummy_tasks, time_machine):
    time_machine.move_to(T0, tick=False)
    lost = pending(due_at=T0 - dt.timedelta(minutes=5))
    lock_expired = pending(
        due_at=T0 - dt.timedelta(minutes=4), locked_until=T0 - dt.timedelta(seconds=1), attempts=1
    )
    pending(due_at=T0 - dt.timedelta(minutes=3), locked_until=T0 + dt.timedelta(seconds=LOCK_SECONDS))
    pending(due_at=T0 + dt.timedelta(minutes=1))
    pending(due_at=T0 - dt.timedelta(minutes=2), state=PendingWork.State.DONE)
    pending(due_at=T0 - dt.timedelta(minutes=2), state=PendingWork.State.FAILED)

    count = work_sweep_once()

    assert count == 2
    assert [(r.task.name, r.args) for r in dummy_tasks.results] == [
        ("work_run", [lost.pk]),
        ("work_run", [lock_expired.pk]),
    ]


def test_swept_work_runs_and_locked_work_stays_with_its_worker(db, immediate_tasks, time_machine):
    time_machine.move_to(T0, tick=False)
    lost = pending(payload={"n": "lost"}, due_at=T0 - dt.timedelta(minutes=5))
    held = pending(
        payload={"n": "held"}, due_at=T0 - dt.timedelta(minutes=5), locked_until=T0 + dt.timedelta(minutes=1)
    )

    result = work_sweep.enqueue()  # type: ignore[attr-defined]  # periodic() hides the Task type

    lost.refresh_from_db()
    held.refresh_from_db()
    assert result.return_value == 1
    assert CALLS == [{"n": "lost"}]
    assert lost.state == PendingWork.State.DONE
    assert (held.state, held.attempts) == (PendingWork.State.PENDING, 0)


def test_sweep_takes_the_oldest_work_first_up_to_its_limit(db, dummy_tasks, time_machine):
    time_machine.move_to(T0, tick=False)
    newest = pending(due_at=T0 - dt.timedelta(minutes=1))
    oldest = pending(due_at=T0 - dt.timedelta(minutes=3))
    middle = pending(due_at=T0 - dt.timedelta(minutes=2))

    count = work_sweep_once(limit=2)

    assert count == 2
    assert [r.args for r in dummy_tasks.results] == [[oldest.pk], [middle.pk]]
    assert newest.pk not in {r.args[0] for r in dummy_tasks.results}


# --- housekeeping ---------------------------------------------------------------------------------


def test_housekeeping_jobs_are_declared_periodic():
    declared = periodic_jobs()

    assert declared["prune_task_results"].every == dt.timedelta(days=1)
    assert declared["prune_task_results"].func is housekeeping.prune_task_results
    assert declared["prune_idempotency_keys"].every == dt.timedelta(hours=1)
    assert declared["prune_idempotency_keys"].func is housekeeping.prune_idempotency_keys
    assert declared["work_sweep"].every == dt.timedelta(minutes=1)
    assert declared["refresh_database_statistics"].every == dt.timedelta(days=1)
    assert declared["refresh_database_statistics"].func is housekeeping.refresh_database_statistics


def test_statistics_refresh_runs_what_each_database_needs(db):
    from django.db import connection

    daily = housekeeping.database_statistics_refresh()
    after_load = housekeeping.database_statistics_refresh(full=True)

    if connection.vendor == "sqlite":
        assert (daily, after_load) == ("PRAGMA analysis_limit=1000; ANALYZE", "ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
    else:
        assert (daily, after_load) == ("", "ANALYZE")


def task_result(*, status: str, finished_at: dt.datetime | None) -> str:
    """A task result row as the database backend writes it, moved to the given state."""
    result = work_sweep.enqueue()  # type: ignore[attr-defined]  # periodic() hides the Task type
    DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished_at)
    return str(result.id)


def test_prune_task_results_deletes_only_finished_results_past_retention(db, database_tasks, settings):
    settings.VAFA_TASK_RESULT_RETENTION_DAYS = 14
    cutoff = T0 - dt.timedelta(days=14)
    old_success = task_result(status="SUCCESSFUL", finished_at=cutoff - dt.timedelta(seconds=1))
    old_failure = task_result(status="FAILED", finished_at=cutoff - dt.timedelta(days=30))
    recent = task_result(status="SUCCESSFUL", finished_at=cutoff + dt.timedelta(seconds=1))
    at_cutoff = task_result(status="FAILED", finished_at=cutoff)
    still_ready = task_result(status="READY", finished_at=None)
    still_running = task_result(status="RUNNING", finished_at=None)

    deleted = housekeeping.task_results_prune(now=T0)

    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert deleted == 2
    assert remaining == {recent, at_cutoff, still_ready, still_running}
    assert old_success not in remaining and old_failure not in remaining


def test_prune_task_results_job_uses_the_retention_setting(db, database_tasks, settings):
    settings.VAFA_TASK_RESULT_RETENTION_DAYS = 3
    now = timezone.now()
    old = task_result(status="SUCCESSFUL", finished_at=now - dt.timedelta(days=3, minutes=1))
    kept = task_result(status="SUCCESSFUL", finished_at=now - dt.timedelta(days=2, hours=23))

    deleted = housekeeping.prune_task_results.call()

    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert deleted == 1
    assert remaining == {kept}
    assert old not in remaining


def idempotency_record(user: Any, key: str, created_at: dt.datetime) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/api/v1/cases", request_hash="0" * 64
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=created_at)
    return record


def test_prune_idempotency_keys_deletes_only_records_past_their_ttl(db, settings):
    settings.VAFA_IDEMPOTENCY_TTL_HOURS = 48
    user = get_user_model().objects.create_user(email="integrator@example.test", password="x")
    cutoff = T0 - dt.timedelta(hours=48)
    idempotency_record(user, "old", cutoff - dt.timedelta(seconds=1))
    idempotency_record(user, "ancient", cutoff - dt.timedelta(days=90))
    idempotency_record(user, "at-cutoff", cutoff)
    idempotency_record(user, "fresh", T0 - dt.timedelta(minutes=1))

    deleted = housekeeping.idempotency_records_prune(now=T0)

    assert deleted == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["at-cutoff", "fresh"]


def test_prune_idempotency_keys_job_uses_the_ttl_setting(db, settings):
    settings.VAFA_IDEMPOTENCY_TTL_HOURS = 1
    user = get_user_model().objects.create_user(email="integrator@example.test", password="x")
    now = timezone.now()
    idempotency_record(user, "old", now - dt.timedelta(minutes=61))
    idempotency_record(user, "fresh", now - dt.timedelta(minutes=59))

    deleted = housekeeping.prune_idempotency_keys.call()

    assert deleted == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_pruning_deletes_in_batches_until_nothing_old_is_left(db, settings, monkeypatch):
    settings.VAFA_IDEMPOTENCY_TTL_HOURS = 1
    monkeypatch.setattr(housekeeping, "DELETE_BATCH_SIZE", 2)
    user = get_user_model().objects.create_user(email="integrator@example.test", password="x")
    for number in range(5):
        idempotency_record(user, f"old-{number}", T0 - dt.timedelta(hours=2))
    idempotency_record(user, "fresh", T0)

    deleted = housekeeping.idempotency_records_prune(now=T0)

    assert deleted == 5
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_subscriber_key_coalesces_the_events_of_one_change(db):
    calls: list[dict] = []
    work_handler("test.coalesce")(calls.append)
    work_subscribe(
        "test.coalesce.a", "test.coalesce", key=lambda event, payload: f"case:{payload['case_id']}"
    )
    work_subscribe(
        "test.coalesce.b", "test.coalesce", key=lambda event, payload: f"case:{payload['case_id']}"
    )

    first = work_publish("test.coalesce.a", {"case_id": 1}, key="event:1")
    second = work_publish("test.coalesce.b", {"case_id": 1}, key="event:2")
    other = work_publish("test.coalesce.a", {"case_id": 2}, key="event:3")

    assert first[0].pk == second[0].pk
    assert other[0].pk != first[0].pk
    assert PendingWork.objects.filter(kind="test.coalesce").count() == 2


def test_prune_done_work_keeps_pending_failed_and_recent_rows(db, settings):
    settings.VAFA_WORK_RETENTION_DAYS = 7
    old = T0 - dt.timedelta(days=8)
    recent = T0 - dt.timedelta(days=6)
    rows = {
        "old done": PendingWork.objects.create(
            kind="k", due_at=old, state=PendingWork.State.DONE, done_at=old
        ),
        "recent done": PendingWork.objects.create(
            kind="k", due_at=recent, state=PendingWork.State.DONE, done_at=recent
        ),
        "old failed": PendingWork.objects.create(kind="k", due_at=old, state=PendingWork.State.FAILED),
        "old pending": PendingWork.objects.create(kind="k", due_at=old),
    }

    deleted = housekeeping.pending_work_prune(now=T0)

    assert deleted == 1
    assert set(PendingWork.objects.values_list("pk", flat=True)) == {
        rows[name].pk for name in ("recent done", "old failed", "old pending")
    }
