"""Reads of the webhooks app: which events anyone listens to (cached), deliveries for the log."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models import QuerySet

from vafa.webhooks.models import Event, WebhookDelivery, WebhookSubscription

# Published events that also make a `message.created` delivery.
MESSAGE_EVENTS = frozenset({Event.CASE_REPLIED.value, Event.CASE_CUSTOMER_REPLIED.value})
# The events other apps publish that a webhook may be made from (all but the derived message.created).
PUBLISHED_EVENTS = tuple(name for name in Event.values if name != Event.MESSAGE_CREATED)
LISTENED_CACHE_SECONDS = 5.0

_listened: tuple[float, frozenset[str]] | None = None
_lock = threading.Lock()


def webhook_event_names(event: str) -> list[str]:
    """The webhook events one published event makes: itself, plus message.created for a public reply."""
    names = [event] if event in Event.values else []
    if event in MESSAGE_EVENTS:
        names.append(Event.MESSAGE_CREATED.value)
    return names


def webhook_events_listened() -> frozenset[str]:
    """The events at least one active, unpaused subscription asks for; cached for a few seconds."""
    global _listened
    now = time.monotonic()
    cached = _listened
    if cached is not None and now - cached[0] < LISTENED_CACHE_SECONDS:
        return cached[1]
    events: set[str] = set()
    for names in WebhookSubscription.objects.filter(is_active=True, paused_at__isnull=True).values_list(
        "events", flat=True
    ):
        events.update(name for name in names or () if isinstance(name, str))
    with _lock:
        _listened = (now, frozenset(events))
    return frozenset(events)


def webhook_events_forget() -> None:
    """Drop the cached answer of `webhook_events_listened` (a subscription changed in this process)."""
    global _listened
    with _lock:
        _listened = None


def webhook_wanted(event: str, payload: dict[str, Any]) -> bool:
    """Whether publishing `event` should schedule any webhook work (the subscriber's `when`)."""
    return bool(set(webhook_event_names(event)) & webhook_events_listened())


def webhook_subscriptions_for(events: list[str]) -> list[WebhookSubscription]:
    """The active, unpaused subscriptions that ask for any of `events`."""
    wanted = set(events)
    return [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True, paused_at__isnull=True)
        if wanted & set(subscription.events or ())
    ]


def webhook_delivery_list(*, subscription: WebhookSubscription | None = None) -> QuerySet[WebhookDelivery]:
    """Deliveries, newest first (all, or one subscription's)."""
    deliveries = WebhookDelivery.objects.select_related("subscription").order_by("-created_at", "-id")
    if subscription is not None:
        deliveries = deliveries.filter(subscription=subscription)
    return deliveries
