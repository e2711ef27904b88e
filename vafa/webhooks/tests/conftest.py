"""Fixtures of the webhooks tests: a real receiver on 127.0.0.1, tasks run at once, subscriptions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import override_settings

from vafa.webhooks.models import WebhookSubscription
from vafa.webhooks.services import webhook_subscription_create
from vafa.webhooks.tests.receiver import receiver  # noqa: F401

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate(django_capture_on_commit_callbacks) -> Iterator[Callable[[], Any]]:
    """`with immediate():` runs what is queued inside, at the end of the block, in this thread."""
    with override_settings(TASKS=IMMEDIATE):
        yield lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def subscribe(db) -> Callable[..., WebhookSubscription]:
    """`subscribe(url, events, owner=None)`: an active subscription made by the service."""

    def make(url: str, events: list[str], *, owner: Any = None, name: str = "ERP") -> WebhookSubscription:
        return webhook_subscription_create(actor=None, name=name, url=url, events=events, owner=owner)

    return make
