"""The scheduler: the lease that lets one scheduler act, due times, and the `vafa scheduler` command."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django_tasks import task

from vafa.core import jobs
from vafa.core.jobs import lease_acquire, lease_release, periodic_jobs, scheduler_tick
from vafa.core.management.commands.scheduler import lease_ttl_for, scheduler_holder
from vafa.core.models import PeriodicRun, SchedulerLease
from vafa.core.stack import vafa_command

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@task()
def every_minute_job() -> str:
    return "minute"


@task()
def every_hour_job() -> str:
    return "hour"


@pytest.fixture
def test_jobs(monkeypatch):
    """Replace the declared periodic jobs with two of the test's own."""
    monkeypatch.setattr(jobs, "_PERIODIC", {})
    jobs.periodic("every_minute", every=dt.timedelta(minutes=1))(every_minute_job)  # type: ignore[arg-type]
    jobs.periodic("every_hour", every=dt.timedelta(hours=1))(every_hour_job)  # type: ignore[arg-type]


def at(time_machine, seconds: float) -> None:
    time_machine.move_to(T0 + dt.timedelta(seconds=seconds), tick=False)


def enqueued(backend) -> list[str]:
    return [result.task.name for result in backend.results]


def lease() -> tuple[str, dt.datetime | None]:
    row = SchedulerLease.objects.get(name="scheduler")
    return row.holder, row.expires_at


# --- scheduler_tick and the lease -----------------------------------------------------------------


def test_only_the_lease_holder_fires(db, dummy_tasks, test_jobs, time_machine):
    at(time_machine, 0)

    fired_a = scheduler_tick(holder="a")
    fired_b = scheduler_tick(holder="b")

    assert fired_a == ["every_minute", "every_hour"]
    assert fired_b == []
    assert enqueued(dummy_tasks) == ["every_minute_job", "every_hour_job"]
    assert lease() == ("a", T0 + dt.timedelta(seconds=30))


def test_a_standby_scheduler_takes_over_when_the_lease_expires(db, dummy_tasks, test_jobs, time_machine):
    at(time_machine, 0)
    scheduler_tick(holder="a")

    at(time_machine, 29)
    before_expiry = scheduler_tick(holder="b")
    at(time_machine, 31)
    after_expiry = scheduler_tick(holder="b")
    at(time_machine, 45)
    old_holder = scheduler_tick(holder="a")
    at(time_machine, 60)
    new_holder_when_due = scheduler_tick(holder="b")

    assert (before_expiry, after_expiry, old_holder) == ([], [], [])
    assert new_holder_when_due == ["every_minute"]
    assert lease() == ("b", T0 + dt.timedelta(seconds=90))
    assert enqueued(dummy_tasks) == ["every_minute_job", "every_hour_job", "every_minute_job"]


def test_a_released_lease_is_taken_at_once(db, dummy_tasks, test_jobs, time_machine):
    at(time_machine, 0)
    scheduler_tick(holder="a")
    lease_release(name="scheduler", holder="a")

    at(time_machine, 1)
    taken = lease_acquire(name="scheduler", holder="b", ttl=dt.timedelta(seconds=30))

    assert taken is True
    assert lease() == ("b", T0 + dt.timedelta(seconds=31))


def test_releasing_a_lease_held_by_another_changes_nothing(db, time_machine):
    at(time_machine, 0)
    lease_acquire(name="scheduler", holder="a", ttl=dt.timedelta(seconds=30))

    lease_release(name="scheduler", holder="b")

    assert lease() == ("a", T0 + dt.timedelta(seconds=30))


def test_tick_never_fires_a_job_twice_within_its_interval(db, dummy_tasks, test_jobs, time_machine):
    fired = {}
    for seconds in (0, 1, 30, 59, 60, 61, 119, 120, 3599, 3600):
        at(time_machine, seconds)
        fired[seconds] = scheduler_tick(holder="a")

    assert fired == {
        0: ["every_minute", "every_hour"],
        1: [],
        30: [],
        59: [],
        60: ["every_minute"],
        61: [],
        119: [],
        120: ["every_minute"],
        3599: ["every_minute"],
        3600: ["every_hour"],
    }
    assert PeriodicRun.objects.get(name="every_minute").next_run_at == T0 + dt.timedelta(seconds=3659)
    assert PeriodicRun.objects.get(name="every_hour").next_run_at == T0 + dt.timedelta(seconds=7200)
    assert len(dummy_tasks.results) == 6


def test_a_scheduler_that_slipped_past_the_lease_still_fires_nothing_twice(
    db, dummy_tasks, test_jobs, time_machine, monkeypatch
):
    at(time_machine, 0)
    scheduler_tick(holder="a")
    # b believes it holds the lease and read the due times before a's tick wrote them.
    monkeypatch.setattr(jobs, "lease_acquire", lambda **kwargs: True)
    monkeypatch.setattr(
        PeriodicRun.objects, "get_or_create", lambda name: (PeriodicRun(name=name, next_run_at=None), False)
    )

    fired_b = scheduler_tick(holder="b")

    assert fired_b == []
    assert enqueued(dummy_tasks) == ["every_minute_job", "every_hour_job"]


def test_lease_outlives_a_few_missed_ticks():
    assert lease_ttl_for(5) == dt.timedelta(seconds=30)
    assert lease_ttl_for(20) == dt.timedelta(seconds=60)


def test_each_scheduler_names_itself_uniquely():
    first, second = scheduler_holder(), scheduler_holder()

    assert first != second
    assert re.fullmatch(r"[^:]+:\d+:[0-9a-f]{32}", first)


# --- the command ----------------------------------------------------------------------------------


def run_scheduler_once() -> str:
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    return out.getvalue()


def test_scheduler_once_fires_due_jobs_and_releases_its_lease(db, dummy_tasks, test_jobs):
    first = run_scheduler_once()
    second = run_scheduler_once()

    assert first == "fired: every_minute, every_hour\n"
    assert second == "fired: nothing\n"
    assert lease() == ("", None)
    assert enqueued(dummy_tasks) == ["every_minute_job", "every_hour_job"]


def test_scheduler_once_stands_by_while_another_holds_the_lease(db, dummy_tasks, test_jobs, time_machine):
    at(time_machine, 0)
    lease_acquire(name="scheduler", holder="other", ttl=dt.timedelta(minutes=1))

    output = run_scheduler_once()

    assert output == "fired: nothing\n"
    assert lease() == ("other", T0 + dt.timedelta(minutes=1))
    assert dummy_tasks.results == []


def test_scheduler_refuses_a_non_positive_interval(db):
    with pytest.raises(Exception, match="--interval must be more than 0"):
        call_command("scheduler", "--interval", "0")


# --- two real scheduler processes -----------------------------------------------------------------


def fired_names(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("fired: "))
    names = line.removeprefix("fired: ")
    return [] if names == "nothing" else names.split(", ")


@pytest.mark.slow
def test_two_schedulers_started_at_once_fire_each_job_once(subprocess_env):
    command = [*vafa_command(), "scheduler", "--once"]

    processes = [
        subprocess.Popen(  # noqa: S603 - the project's own command.
            command, env=subprocess_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    fired = sorted([fired_names(stdout) for stdout, _ in outputs], key=len)
    assert fired[0] == []
    assert sorted(fired[1]) == sorted(periodic_jobs())


HOLDS = "holds the lease and runs the periodic jobs"
STANDS_BY = " stands by: "


@pytest.mark.slow
def test_running_schedulers_hand_over_the_lease_and_fire_each_job_once(subprocess_env, start_child):
    command = [*vafa_command(), "scheduler", "--interval", "0.2"]
    children = [start_child(command, subprocess_env), start_child(command, subprocess_env)]
    statuses = [child.wait_for_line(lambda line: HOLDS in line or STANDS_BY in line) for child in children]
    holder, standby = children if HOLDS in statuses[0] else reversed(children)

    holder_code = holder.terminate()
    standby.wait_for_line(lambda line: HOLDS in line)  # took over once the lease was released
    standby_code = standby.terminate()
    lease_after = subprocess.run(  # noqa: S603 - the project's own command.
        [
            *vafa_command(),
            "shell",
            "-c",
            "from vafa.core.models import SchedulerLease as L; "
            "print(repr(list(L.objects.values_list('holder', 'expires_at'))))",
        ],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()

    assert sorted(HOLDS in status for status in statuses) == [False, True]
    assert (holder_code, standby_code) == (0, 0)
    # Everything was due at the first tick; the new holder found nothing due again.
    assert sorted(re.findall(r"Enqueued periodic job (\S+)", holder.output)) == sorted(periodic_jobs())
    assert re.findall(r"Enqueued periodic job (\S+)", standby.output) == []
    assert lease_after.splitlines()[-1] == "[('', None)]"


# --- the worker -----------------------------------------------------------------------------------


def test_worker_refuses_the_immediate_backend(immediate_tasks):
    with pytest.raises(Exception, match="no worker is needed"):
        call_command("worker", "--batch")


@pytest.mark.slow
def test_database_worker_runs_what_the_scheduler_enqueued(subprocess_env):
    vafa = vafa_command()
    run = {"env": subprocess_env, "capture_output": True, "text": True, "timeout": 120, "check": False}

    scheduled = subprocess.run([*vafa, "scheduler", "--once"], **run)  # noqa: S603 - our command.
    worked = subprocess.run([*vafa, "worker", "--batch"], **run)  # noqa: S603
    again = subprocess.run([*vafa, "worker", "--batch"], **run)  # noqa: S603

    assert (scheduled.returncode, worked.returncode, again.returncode) == (0, 0, 0), worked.stderr
    succeeded = re.findall(r"path=(\S+) state=SUCCESSFUL", worked.stdout + worked.stderr)
    assert sorted(path.rsplit(".", 1)[1] for path in succeeded) == sorted(periodic_jobs())
    assert "state=" not in again.stdout + again.stderr


RQ_ROUND_TRIP = """
import django, sys
django.setup()
from django.core.management import call_command
from django_tasks import task_backends
from vafa.core.jobs import work_sweep
result = work_sweep.enqueue()
call_command("worker", "--batch")
done = task_backends["default"].get_result(result.id)
print(type(task_backends["default"]).__name__, done.status, done.return_value)
"""


@pytest.mark.slow
def test_rq_worker_runs_an_enqueued_task(subprocess_env):
    env = {**subprocess_env, "TASK_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/15"}

    # Through call_command rather than the `vafa` script, which would also run the system checks:
    # this test is about the worker, not about the app list of the rq settings.
    result = subprocess.run(  # noqa: S603 - the test's own interpreter.
        [sys.executable, "-c", RQ_ROUND_TRIP],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "RQBackend SUCCESSFUL 0"
