"""Which door a write came through (web, api, admin, import, cli, system), for the audit log."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_via: contextvars.ContextVar[str] = contextvars.ContextVar("vafa_via", default="system")

VIA_CHOICES = ("web", "api", "admin", "import", "cli", "email", "system")


def current_via() -> str:
    return _via.get()


@contextmanager
def via(channel: str) -> Iterator[None]:
    """Mark every service call inside the block as coming through `channel`."""
    token = _via.set(channel)
    try:
        yield
    finally:
        _via.reset(token)
