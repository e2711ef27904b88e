"""Fixtures of the webhooks tests: a real receiver, and no cached "who listens" between tests."""

from __future__ import annotations

import pytest

from vafa.webhooks.selectors import webhook_events_forget
from vafa.webhooks.tests.receiver import receiver  # noqa: F401


@pytest.fixture(autouse=True)
def _forget_listeners():
    webhook_events_forget()
    yield
    webhook_events_forget()
