"""Fixtures for the tests of the job system, the scheduler and the processes that run them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from vafa.core.stack import vafa_command

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

# Settings a developer's or CI's shell may hold that must not leak into a child `vafa` process.
ENV_TO_DROP = (
    "DATABASE_URL",
    "TASK_BACKEND",
    "VAFA_MODE",
    "VAFA_VAR_DIR",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "WEB_CONCURRENCY",
    "GUNICORN_CMD_ARGS",
)


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    """Tasks run as soon as they are enqueued, in the test's thread."""
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def dummy_tasks() -> Iterator[DummyBackend]:
    """Tasks are only recorded: `backend.results` lists what was enqueued."""
    with override_settings(TASKS=DUMMY):
        backend = task_backends["default"]
        assert isinstance(backend, DummyBackend)
        yield backend


@pytest.fixture
def database_tasks() -> Iterator[None]:
    """Tasks are written to the database queue (django_tasks_db), whatever TASK_BACKEND says."""
    with override_settings(TASKS=DATABASE):
        yield


# --- child processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ENV_TO_DROP}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


@pytest.fixture
def make_env() -> Callable[..., dict[str, str]]:
    """`make_env(NAME=value, …)`: this process's environment without Vafa's settings, plus these."""
    return base_env


@pytest.fixture
def port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return free_port()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once per test process and copied by each test."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "vafa.sqlite3"
    env = base_env(DATABASE_URL=f"sqlite:///{path}", VAFA_VAR_DIR=str(directory / "var"))
    result = subprocess.run(  # noqa: S603 - the project's own command.
        [*vafa_command(), "migrate", "--no-input", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"vafa migrate failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return path


def postgres_url(settings_dict: dict[str, object]) -> str:
    user = quote(str(settings_dict.get("USER") or ""))
    password = quote(str(settings_dict.get("PASSWORD") or ""))
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def subprocess_env(transactional_db: None, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment for a `vafa` child process, with a migrated database of its own.

    On PostgreSQL the child uses this test's database: `transactional_db` commits, so the child
    sees the tables and the test sees what the child wrote. (It is a parameter, not looked up on
    demand, because pytest-django creates the test databases only for the tests that name a
    database fixture; otherwise the child would reach the real database.) On SQLite, whose test
    database lives in memory, the child gets a fresh copy of a migrated file.
    """
    var_dir = tmp_path / "var"
    if connection.vendor == "postgresql":
        url = postgres_url(connection.settings_dict)
    else:
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        database = tmp_path / "vafa.sqlite3"
        shutil.copyfile(template, database)
        url = f"sqlite:///{database}"
    return base_env(DATABASE_URL=url, VAFA_VAR_DIR=str(var_dir), TASK_BACKEND="database")


class Child:
    """A child process whose merged stdout and stderr are collected, line by line, by a thread."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.process = subprocess.Popen(  # noqa: S603 - the test's own command line.
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    @property
    def output(self) -> str:
        with self.changed:
            return "\n".join(self.lines)

    def wait_for_line(self, predicate: Callable[[str], bool], *, timeout: float = 90.0) -> str:
        """Return the first output line matching `predicate`; fail if the process ends first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.changed:
            while True:
                for line in self.lines[seen:]:
                    if predicate(line):
                        return line
                seen = len(self.lines)
                if not self.reader.is_alive():
                    pytest.fail(f"{self.argv} ended ({self.process.poll()}) first:\n{self.output_unlocked()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"{self.argv}: no such line in {timeout}s:\n{self.output_unlocked()}")
                self.changed.wait(min(remaining, 0.5))

    def output_unlocked(self) -> str:
        return "\n".join(self.lines)

    def terminate(self, *, timeout: float = 60.0) -> int:
        """SIGTERM, then wait; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout=timeout)

    def wait(self, *, timeout: float = 60.0) -> int:
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def stop(self) -> None:
        """Ask politely (a stack must stop its own children), then kill the process group."""
        if self.process.poll() is not None:
            return
        try:
            self.terminate(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def start_child() -> Iterator[Callable[..., Child]]:
    """`start_child(argv, env)` starts a process that is stopped after the test, whatever happened."""
    children: list[Child] = []

    def start(argv: list[str], env: dict[str, str]) -> Child:
        child = Child(argv, env)
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()
