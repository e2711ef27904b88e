"""`webhook_post`: automation's ad-hoc, signed POSTs through the same outbox as subscriptions."""

from __future__ import annotations

import json

import pytest

from vafa.core.errors import ValidationFailed
from vafa.core.models import PendingWork
from vafa.webhooks.models import WebhookDelivery
from vafa.webhooks.services import DELIVER_KIND, webhook_post
from vafa.webhooks.signing import webhook_signature_verify


def test_webhook_post_delivers_a_signed_request_after_commit(db, receiver, immediate):
    with immediate():
        delivery = webhook_post(
            url=receiver.url,
            secret="s3cret",
            event="rule.fired",
            payload={"case_id": 7, "note": "سلام"},
            source="rule:12",
        )
        assert receiver.received == []  # nothing leaves before the commit

    delivery.refresh_from_db()
    [request] = receiver.received
    body = json.loads(request.body)
    assert body == {
        "id": str(delivery.event_id),
        "event": "rule.fired",
        "created_at": delivery.payload["created_at"],
        "data": {"case_id": 7, "note": "سلام"},
    }
    assert request.headers["Vafa-Event"] == "rule.fired"
    assert request.headers["Vafa-Delivery"] == str(delivery.event_id)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Vafa-Webhooks/1"
    assert webhook_signature_verify(
        secret="s3cret", body=request.body, header=request.headers["Vafa-Signature"]
    )
    assert not webhook_signature_verify(
        secret="other", body=request.body, header=request.headers["Vafa-Signature"]
    )
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert (delivery.subscription, delivery.source, delivery.last_response_excerpt) == (None, "rule:12", "ok")
    assert PendingWork.objects.get(kind=DELIVER_KIND).state == PendingWork.State.DONE


def test_webhook_post_with_the_same_dedupe_key_sends_once(db, receiver, immediate):
    with immediate():
        first = webhook_post(
            url=receiver.url, secret="k", event="e", payload={}, source="rule:1", dedupe_key="r1:c7"
        )
        second = webhook_post(
            url=receiver.url, secret="k", event="e", payload={}, source="rule:1", dedupe_key="r1:c7"
        )

    assert second.pk == first.pk
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "url", ["ftp://example.test/x", "file:///etc/passwd", "https://user:pw@example.test/", "nope"]
)
def test_webhook_post_refuses_other_schemes_and_writes_nothing(db, url):
    with pytest.raises(ValidationFailed) as refused:
        webhook_post(url=url, secret="k", event="e", payload={}, source="rule:1")

    assert refused.value.code == "webhook_invalid"
    assert WebhookDelivery.objects.count() == 0
    assert PendingWork.objects.count() == 0
