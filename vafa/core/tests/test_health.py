"""/healthz, in process and through a real `vafa serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

from vafa.core.stack import vafa_command

CSS = Path(__file__).resolve().parent.parent / "static" / "core" / "vafa.css"


def test_healthz_answers_200_json_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "up"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db):
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused")

    with mock.patch("vafa.core.views.connection", broken):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


def test_healthz_refuses_post(client, db):
    response = client.post("/healthz")

    assert response.status_code == 405


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server.
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.mark.slow
def test_vafa_serve_serves_healthz_and_static_files(subprocess_env, start_child, port, tmp_path):
    server = start_child([*vafa_command(), "serve", "--port", str(port), "--workers", "1"], subprocess_env)
    server.wait_for_line(lambda line: f"Listening at: http://127.0.0.1:{port}" in line)

    status, body, headers = get(f"http://127.0.0.1:{port}/healthz")
    static_status, static_body, _ = get(f"http://127.0.0.1:{port}/static/core/vafa.css")
    missing_status, _, _ = get(f"http://127.0.0.1:{port}/static/core/no-such-file.css")
    code = server.terminate()

    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "up"}
    assert headers["Server"] == "gunicorn"
    # The var dir was new: serve collected the static files itself, and WhiteNoise serves them.
    assert (tmp_path / "var" / "static" / "staticfiles.json").is_file()
    assert static_status == 200
    assert static_body == CSS.read_bytes()
    assert missing_status == 404
    assert '"GET /healthz HTTP/1.1" 200' in server.output
    assert code == 0
