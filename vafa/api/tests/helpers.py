"""Small helpers for API tests: JSON requests and the error shape."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def post(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    return client.post(path, {} if data is None else data, content_type="application/json", **extra)


def patch(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    return client.patch(path, {} if data is None else data, content_type="application/json", **extra)


def error(response: Any) -> dict[str, Any]:
    """The `error` object of an error answer, after checking the answer has exactly the error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def queries_for(client: Client, path: str) -> int:
    """How many queries a GET runs (after one warm-up call, so the token's last-used write is not counted)."""
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def english(client: Client) -> Client:
    """The same client asking for English answers (the fixtures' customer Sara reads Persian)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
