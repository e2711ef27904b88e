"""The attempts of a delivery: sign, POST (outside any transaction), record, retry or give up.

Backoff after the n-th failed attempt: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h — eight attempts
over about 45 hours. A receiver that answers 410 Gone is paused at once; one whose attempts keep
failing (10 in a row, or for 24 hours) is paused and its owner told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from vafa.webhooks import transport
from vafa.webhooks.models import PING_EVENT, WebhookDelivery, WebhookSubscription
from vafa.webhooks.payloads import body_bytes
from vafa.webhooks.services import (
    schedule_attempt,
    webhook_allow_private,
    webhook_subscription_pause,
    webhook_timeout,
)
from vafa.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    USER_AGENT,
    webhook_signature,
)

BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
PAUSE_AFTER_FAILURES = 10
PAUSE_AFTER_FAILING = dt.timedelta(hours=24)
ATTEMPT_LOG_SIZE = 20


def webhook_headers(*, secret: str, body: bytes, event: str, event_id: str, timestamp: int) -> dict[str, str]:
    """The headers of a webhook request."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        SIGNATURE_HEADER: webhook_signature(secret=secret, body=body, timestamp=timestamp),
    }


def webhook_deliver(*, delivery_id: int) -> str:
    """Make the next attempt of a pending delivery and record it; return what became of it."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return "skipped"
    now = timezone.now()
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return "skipped"  # an older queued attempt; the one for the new time is queued too
    subscription = delivery.subscription
    if subscription is not None and not subscription.is_listening and delivery.event != PING_EVENT:
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.State.PENDING).update(
            state=WebhookDelivery.State.CANCELLED, next_attempt_at=None
        )
        return "cancelled"
    # Claim this attempt: a twin run of the same queued work finds the count moved on and stops.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=WebhookDelivery.State.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return "skipped"
    attempt = delivery.attempts + 1
    url = subscription.url if subscription is not None else delivery.url
    secret = subscription.secret if subscription is not None else delivery.secret
    body = body_bytes(delivery.payload)
    headers = webhook_headers(
        secret=secret,
        body=body,
        event=delivery.event,
        event_id=str(delivery.event_id),
        timestamp=int(now.timestamp()),
    )
    result = transport.post(
        url=url, body=body, headers=headers, timeout=webhook_timeout(), allow_private=webhook_allow_private()
    )
    return _record(delivery, attempt=attempt, url=url, at=now, result=result)


@transaction.atomic
def _record(
    delivery: WebhookDelivery, *, attempt: int, url: str, at: dt.datetime, result: transport.PostResult
) -> str:
    entry: dict[str, Any] = {
        "attempt": attempt,
        "at": at.isoformat(),
        "status": result.status,
        "error": result.error,
        "duration_ms": result.duration_ms,
    }
    fields: dict[str, Any] = {
        "url": url,
        "last_status_code": result.status,
        "last_error": result.error,
        "last_response_excerpt": result.excerpt,
        "duration_ms": result.duration_ms,
        "attempt_log": [*delivery.attempt_log, entry][-ATTEMPT_LOG_SIZE:],
    }
    subscription = delivery.subscription
    counts = subscription is not None and delivery.event != PING_EVENT
    if result.ok:
        outcome = "delivered"
        fields.update(
            state=WebhookDelivery.State.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None
        )
    elif result.status == 410 or result.refused or attempt >= MAX_ATTEMPTS:
        outcome = "failed"
        fields.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
    else:
        outcome = "retry"
        fields["next_attempt_at"] = at + dt.timedelta(seconds=BACKOFF_SECONDS[attempt - 1])
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=WebhookDelivery.State.PENDING, attempts=attempt
    ).update(**fields)
    if not updated:
        return "skipped"  # paused, redelivered or taken by a twin meanwhile: their state wins
    if outcome == "retry":
        delivery.attempts = attempt
        schedule_attempt(delivery, fields["next_attempt_at"])
    if counts:
        assert subscription is not None
        _count(subscription, ok=result.ok, gone=result.status == 410, at=at)
    return outcome


def _count(subscription: WebhookSubscription, *, ok: bool, gone: bool, at: dt.datetime) -> None:
    """Keep the subscription's failure streak and pause it when the receiver is gone or keeps failing."""
    if ok:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=0, failing_since=None, last_success_at=at
        )
        return
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", at)
    )
    subscription.refresh_from_db(fields=["consecutive_failures", "failing_since", "paused_at"])
    if gone:
        reason = WebhookSubscription.PauseReason.GONE
    elif subscription.consecutive_failures >= PAUSE_AFTER_FAILURES or (
        subscription.failing_since is not None and at - subscription.failing_since >= PAUSE_AFTER_FAILING
    ):
        reason = WebhookSubscription.PauseReason.FAILING
    else:
        return
    webhook_subscription_pause(actor=None, subscription=subscription, reason=reason)
