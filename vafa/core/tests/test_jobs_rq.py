"""The job system on RQ: the same outcomes as on the database queue, against the real Redis.

Tasks go to a real Redis (REDIS_URL, by default 127.0.0.1:6379; one database per test process,
emptied around each test)
through django-tasks-rq, and an RQ worker runs them: in this process (a SimpleWorker, which shares
the test's database connection), or `vafa worker --batch` in another process with TASK_BACKEND=rq.
When Redis does not answer, these tests fail; they never skip.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django_rq
import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django_tasks import task_backends
from django_tasks_rq import Job
from rq import Queue, SimpleWorker

from vafa.core.jobs import (
    periodic_jobs,
    scheduler_tick,
    work_handler,
    work_publish,
    work_schedule,
    work_subscribe,
    work_sweep,
    work_sweep_once,
)
from vafa.core.models import PendingWork, PeriodicRun
from vafa.core.stack import vafa_command

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

CALLS: list[dict[str, Any]] = []


@work_handler("tests.rq.record")
def record(payload: dict[str, Any]) -> None:
    CALLS.append(payload)


@work_handler("tests.rq.fail")
def fail(payload: dict[str, Any]) -> None:
    CALLS.append(payload)
    raise RuntimeError("boom")


work_subscribe("tests.rq.happened", "tests.rq.record")
work_subscribe("tests.rq.happened", "tests.rq.fail")


@pytest.fixture(autouse=True)
def _no_calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


def redis_url(worker_id: str) -> str:
    """A database on the configured Redis (REDIS_URL) of this test process's own: 14, 13, … per xdist worker."""
    index = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{14 - index % 10}"))


@pytest.fixture
def rq_queue(worker_id: str) -> Iterator[Queue]:
    """The RQ queue `default` on an empty Redis database; tasks enqueued in the test go there."""
    url = redis_url(worker_id)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} does not answer ({error}): the RQ job tests need it running.")
    client.flushdb()
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES={"default": {"URL": url}}):
        yield django_rq.get_queue("default", job_class=Job)
    client.flushdb()
    client.close()


def run_worker(queue: Queue) -> list[tuple[str, Any]]:
    """Run an RQ worker until the queue is empty; return (status, return value) of each job it ran."""
    queued = list(queue.job_ids)
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(
        burst=True, logging_level="WARNING"
    )
    backend = task_backends["default"]
    outcomes: list[tuple[str, Any]] = []
    for job_id in queued:
        result = backend.get_result(job_id)
        outcomes.append((result.status, result.return_value if result.status == "SUCCESSFUL" else None))
    return outcomes


def queued_calls(queue: Queue) -> list[tuple[str, list[Any]]]:
    return [(job.func_name or "", list(job.args)) for job in queue.get_jobs()]


# --- the same outcomes as the database queue -------------------------------------------------------


def test_work_is_enqueued_in_redis_on_commit_and_the_worker_runs_it(
    db, rq_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        work = work_schedule("tests.rq.record", {"case_id": 7})
        assert queued_calls(rq_queue) == []  # nothing reaches Redis before the commit

    assert queued_calls(rq_queue) == [("vafa.core.jobs.work_run", [work.pk])]
    assert CALLS == []

    outcomes = run_worker(rq_queue)

    work.refresh_from_db()
    assert outcomes == [("SUCCESSFUL", "done")]
    assert CALLS == [{"case_id": 7}]
    assert (work.state, work.attempts, work.locked_until, work.last_error) == ("done", 1, None, "")
    assert rq_queue.count == 0


def test_a_rolled_back_change_enqueues_nothing(db, rq_queue, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        work_schedule("tests.rq.record", {"case_id": 9})
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert rq_queue.count == 0
    assert PendingWork.objects.count() == 0


def test_failing_work_is_retried_with_backoff_then_fails(
    db, rq_queue, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        work = work_schedule("tests.rq.fail", {"n": 1}, max_attempts=3)

    outcomes = run_worker(rq_queue)
    work.refresh_from_db()
    assert (work.state, work.attempts, work.due_at) == ("pending", 1, T0 + dt.timedelta(seconds=30))
    assert "RuntimeError: boom" in work.last_error

    time_machine.move_to(T0 + dt.timedelta(seconds=29), tick=False)
    assert work_sweep_once() == 0  # not due yet: nothing goes to Redis
    assert rq_queue.count == 0
    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)
    assert work_sweep_once() == 1
    outcomes += run_worker(rq_queue)
    work.refresh_from_db()
    assert (work.attempts, work.due_at) == (2, T0 + dt.timedelta(seconds=90))

    time_machine.move_to(T0 + dt.timedelta(seconds=90), tick=False)
    work_sweep_once()
    outcomes += run_worker(rq_queue)
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    assert work_sweep_once() == 0  # failed for good: never enqueued again

    work.refresh_from_db()
    assert outcomes == [("SUCCESSFUL", "retry"), ("SUCCESSFUL", "retry"), ("SUCCESSFUL", "failed")]
    assert (work.state, work.attempts, work.locked_until) == ("failed", 3, None)
    assert CALLS == [{"n": 1}] * 3


def test_the_same_dedupe_key_reaches_redis_once(db, rq_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = work_schedule("tests.rq.record", {"n": 1}, dedupe_key="survey:case:7")
        second = work_schedule("tests.rq.record", {"n": 2}, dedupe_key="survey:case:7")

    assert second.pk == first.pk
    assert queued_calls(rq_queue) == [("vafa.core.jobs.work_run", [first.pk])]
    assert run_worker(rq_queue) == [("SUCCESSFUL", "done")]
    assert CALLS == [{"n": 1}]


def test_a_task_twice_in_the_queue_runs_the_work_once(db, rq_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        work = work_schedule("tests.rq.record", {"n": 3})
    work_sweep_once()  # the sweep finds it pending too and enqueues it again

    outcomes = run_worker(rq_queue)

    assert outcomes == [("SUCCESSFUL", "done"), ("SUCCESSFUL", "skipped")]
    assert CALLS == [{"n": 3}]
    assert PendingWork.objects.get(pk=work.pk).attempts == 1


def test_the_sweep_reenqueues_a_task_redis_lost(
    db, rq_queue, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        lost = work_schedule("tests.rq.record", {"n": "lost"})
        held = work_schedule("tests.rq.record", {"n": "held"})
    rq_queue.empty()  # Redis restarted without its data
    PendingWork.objects.filter(pk=held.pk).update(locked_until=T0 + dt.timedelta(minutes=1), attempts=1)

    # The periodic sweep itself runs as an RQ task and enqueues work_run tasks the same worker takes.
    sweep = work_sweep.enqueue()  # type: ignore[attr-defined]  # periodic() hides the Task type
    run_worker(rq_queue)
    run_worker(rq_queue)

    lost.refresh_from_db()
    held.refresh_from_db()
    assert task_backends["default"].get_result(sweep.id).return_value == 1
    assert CALLS == [{"n": "lost"}]
    assert lost.state == "done"
    assert (held.state, held.attempts) == ("pending", 1)


def test_redis_down_leaves_the_work_pending_for_the_sweep(db, django_capture_on_commit_callbacks):
    unreachable = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 1}}
    with (
        override_settings(TASKS=RQ_TASKS, RQ_QUEUES=unreachable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        work = work_schedule("tests.rq.record", {})

    work.refresh_from_db()
    assert (work.state, work.attempts) == ("pending", 0)
    assert CALLS == []


def test_each_subscriber_of_a_published_event_gets_its_own_task(
    db, rq_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rows = work_publish("tests.rq.happened", {"case_id": 4}, key="event:1")
        again = work_publish("tests.rq.happened", {"case_id": 4}, key="event:1")

    assert [row.pk for row in again] == [row.pk for row in rows]
    assert sorted(args[0] for _name, args in queued_calls(rq_queue)) == sorted(row.pk for row in rows)

    outcomes = run_worker(rq_queue)

    states = dict(PendingWork.objects.filter(pk__in=[r.pk for r in rows]).values_list("kind", "state"))
    assert sorted(outcomes) == [("SUCCESSFUL", "done"), ("SUCCESSFUL", "retry")]
    assert states == {"tests.rq.record": "done", "tests.rq.fail": "pending"}
    assert CALLS == [{"case_id": 4, "event": "tests.rq.happened"}] * 2


def test_periodic_jobs_reach_redis_once_however_many_schedulers_run(db, rq_queue, time_machine):
    time_machine.move_to(T0, tick=False)

    first = scheduler_tick(holder="scheduler-a")
    second = scheduler_tick(holder="scheduler-b")

    declared = periodic_jobs()
    assert sorted(first) == sorted(declared)
    assert second == []
    assert sorted(name for name, _args in queued_calls(rq_queue)) == sorted(
        job.func.module_path for job in declared.values()
    )
    assert PeriodicRun.objects.get(name="work_sweep").next_run_at == T0 + dt.timedelta(minutes=1)

    # a stopped; once its lease has expired, b takes over and fires what is due, once.
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    taken_over = scheduler_tick(holder="scheduler-b")
    again = scheduler_tick(holder="scheduler-a")
    assert sorted(taken_over) == sorted(
        name for name, job in declared.items() if job.every <= dt.timedelta(minutes=1)
    )
    assert "work_sweep" in taken_over
    assert again == []
    outcomes = dict(
        zip(
            [job.func_name for job in rq_queue.get_jobs()],
            run_worker(rq_queue),
            strict=True,
        )
    )
    assert outcomes["vafa.core.jobs.work_sweep"][0] == "SUCCESSFUL"
    assert outcomes["vafa.core.housekeeping.prune_idempotency_keys"] == ("SUCCESSFUL", 0)


# --- `vafa worker` with TASK_BACKEND=rq, in another process ---------------------------------------

SCHEDULE = """
import django
django.setup()
from django.conf import settings
from django.db import transaction
from vafa.accounts.models import Role, User
from vafa.accounts.services import notification_send
with transaction.atomic():
    user = User.objects.create_user(email="ops@staff.vafa.test", password="x", role=Role.ADMIN)
    notification_send(user=user, kind="test", title="Disk almost full")
print("scheduled")
"""

CHECK = """
import django
django.setup()
from vafa.accounts.models import Notification
from vafa.core.models import PendingWork
note = Notification.objects.get()
print(note.emailed_at is not None, list(PendingWork.objects.values_list("kind", "state", "attempts")))
"""


@pytest.mark.slow
def test_vafa_worker_on_rq_in_another_process_runs_committed_work(subprocess_env, worker_id, tmp_path):
    url = redis_url(worker_id)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} does not answer ({error}): the RQ job tests need it running.")
    client.flushdb()
    env = {**subprocess_env, "TASK_BACKEND": "rq", "REDIS_URL": url}
    run: dict[str, Any] = {"env": env, "capture_output": True, "text": True, "timeout": 120, "check": False}

    scheduled = subprocess.run([sys.executable, "-c", SCHEDULE], **run)  # noqa: S603 - our own script
    queued = client.llen("rq:queue:default")
    worked = subprocess.run([*vafa_command(), "worker", "--batch"], **run)  # noqa: S603 - our command
    checked = subprocess.run([sys.executable, "-c", CHECK], **run)  # noqa: S603 - our own script
    client.flushdb()

    assert scheduled.returncode == 0, scheduled.stderr
    assert queued == 1
    assert worked.returncode == 0, worked.stderr
    assert "state=SUCCESSFUL" in worked.stdout + worked.stderr
    assert checked.stdout.strip().splitlines()[-1] == "True [('accounts.notification_email', 'done', 1)]"
    mails = list((tmp_path / "var" / "mail").iterdir())
    assert len(mails) == 1
    assert "Disk almost full" in mails[0].read_text()
