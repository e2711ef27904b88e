"""The settings module, imported in a fresh interpreter with a given environment each time."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = """
import json
from vafa import settings as s
print(json.dumps({
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "DATABASE_ENGINE": s.DATABASES["default"]["ENGINE"],
    "DATABASE_NAME": str(s.DATABASES["default"]["NAME"]),
    "TASKS_BACKEND": s.TASKS["default"]["BACKEND"],
    "RQ_QUEUES": getattr(s, "RQ_QUEUES", None),
    "VAR_DIR": str(s.VAR_DIR),
}))
"""


@pytest.fixture
def import_settings(make_env, tmp_path: Path):
    """`import_settings(NAME=value, …)` imports vafa.settings in a new interpreter with that environment."""

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        environment = make_env(VAFA_VAR_DIR=str(tmp_path / "var"), **env)
        return subprocess.run(  # noqa: S603 - the test's own interpreter.
            [sys.executable, "-c", REPORT],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture
def report(import_settings):
    """`report(NAME=value, …)` returns the settings that matter here, as imported with that environment."""

    def run(**env: str) -> dict[str, object]:
        result = import_settings(**env)
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    return run


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_production_without_secret_key_refuses_to_start(tmp_path, import_settings):
    result = import_settings(VAFA_MODE="production", ALLOWED_HOSTS="vafa.example.com")

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set when VAFA_MODE=production."
    )
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_without_allowed_hosts_refuses_to_start(import_settings):
    result = import_settings(VAFA_MODE="production", SECRET_KEY="k" * 50)

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: ALLOWED_HOSTS must be set when VAFA_MODE=production."
    )


def test_production_uses_the_given_secret_and_secure_cookies(tmp_path, report):
    values = report(
        VAFA_MODE="production",
        SECRET_KEY="given-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="vafa.example.com, api.vafa.example.com",
    )

    assert values["SECRET_KEY"] == "given-secret-key-" + "x" * 40
    assert values["ALLOWED_HOSTS"] == ["vafa.example.com", "api.vafa.example.com"]
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert not (tmp_path / "var" / "secret_key").exists()


def test_embedded_mode_writes_a_private_secret_key_once(tmp_path, report):
    first = report()
    second = report()

    key_file = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert len(str(first["SECRET_KEY"])) >= 50
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert first["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert first["SESSION_COOKIE_SECURE"] is False


def test_embedded_mode_prefers_a_given_secret_key(tmp_path, report):
    values = report(SECRET_KEY="from-the-environment")

    assert values["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "var" / "secret_key").exists()


def test_unknown_mode_is_refused(import_settings):
    result = import_settings(VAFA_MODE="staging")

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: VAFA_MODE must be 'embedded' or 'production'."
    )


def test_default_database_is_sqlite_under_the_var_dir(tmp_path, report):
    values = report()

    assert values["VAR_DIR"] == str((tmp_path / "var").resolve())
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE_NAME"] == str((tmp_path / "var").resolve() / "vafa.sqlite3")


def test_database_url_selects_postgresql(report):
    values = report(DATABASE_URL="postgres://vafa:pw@db.internal:5433/vafa")

    assert values["DATABASE_ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE_NAME"] == "vafa"


@pytest.mark.parametrize(
    ("task_backend", "expected"),
    [
        ("database", "django_tasks_db.DatabaseBackend"),
        ("immediate", "django_tasks.backends.immediate.ImmediateBackend"),
        ("rq", "django_tasks_rq.RQBackend"),
    ],
)
def test_task_backend_selects_the_tasks_backend(report, task_backend, expected):
    values = report(TASK_BACKEND=task_backend, REDIS_URL="redis://cache.internal:6380/2")

    assert values["TASKS_BACKEND"] == expected
    if task_backend == "rq":
        assert values["RQ_QUEUES"] == {"default": {"URL": "redis://cache.internal:6380/2"}}
    else:
        assert values["RQ_QUEUES"] is None


def test_unknown_task_backend_is_refused(import_settings):
    result = import_settings(TASK_BACKEND="celery")

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: TASK_BACKEND must be 'database', 'rq' or 'immediate'."
    )
