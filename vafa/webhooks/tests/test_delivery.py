"""Attempts against a real HTTP server: retries with the exact backoff, timeouts, 410, pausing."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.utils import timezone, translation

from vafa.accounts.models import Notification, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.core.errors import ValidationFailed
from vafa.core.jobs import work_sweep_once
from vafa.core.models import PendingWork
from vafa.webhooks import transport
from vafa.webhooks.delivery import BACKOFF_SECONDS, MAX_ATTEMPTS, PAUSE_AFTER_FAILURES
from vafa.webhooks.models import WebhookDelivery, WebhookSubscription
from vafa.webhooks.services import (
    DELIVER_KIND,
    webhook_fanout,
    webhook_post,
    webhook_subscription_resume,
)
from vafa.webhooks.tests.receiver import Answer
from vafa.webhooks.transport import address_is_private

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def post(receiver, **kwargs) -> WebhookDelivery:
    values = {
        "url": receiver.url,
        "secret": "k",
        "event": "rule.fired",
        "payload": {"n": 1},
        "source": "rule:1",
    }
    values.update(kwargs)
    return webhook_post(**values)


def run_due(immediate) -> None:
    """What the periodic sweep does when it is due: run every queued attempt whose time has come."""
    with immediate():
        work_sweep_once()


def test_a_failing_receiver_is_retried_on_the_exact_backoff_then_given_up(
    db, receiver, immediate, time_machine
):
    time_machine.move_to(T0, tick=False)
    receiver.default = Answer(status=500, body=b"database is down")
    with immediate():
        delivery = post(receiver)

    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.PENDING
        due = delivery.next_attempt_at
        waits.append(int((due - timezone.now()).total_seconds()))
        time_machine.move_to(due - dt.timedelta(seconds=1), tick=False)
        sent = len(receiver.received)
        run_due(immediate)
        assert len(receiver.received) == sent  # not before its time
        time_machine.move_to(due, tick=False)
        run_due(immediate)
        assert len(receiver.received) == sent + 1

    delivery.refresh_from_db()
    assert waits == [60, 300, 1800, 7200, 21600, 43200, 86400] == list(BACKOFF_SECONDS)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert (delivery.last_status_code, delivery.last_response_excerpt) == (500, "database is down")
    assert [entry["status"] for entry in delivery.attempt_log] == [500] * 8
    assert [entry["attempt"] for entry in delivery.attempt_log] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert delivery.attempt_log[-1]["at"] == (T0 + dt.timedelta(seconds=sum(BACKOFF_SECONDS))).isoformat()
    # Every attempt was the same event, re-signed with its own time.
    assert {request.headers["Vafa-Delivery"] for request in receiver.received} == {str(delivery.event_id)}
    assert len({request.body for request in receiver.received}) == 1
    time_machine.move_to(T0 + dt.timedelta(days=30), tick=False)
    run_due(immediate)
    assert len(receiver.received) == 8
    assert set(PendingWork.objects.filter(kind=DELIVER_KIND).values_list("state", flat=True)) == {"done"}


def test_a_timeout_is_retried_and_the_next_attempt_delivers(db, receiver, immediate, time_machine, settings):
    settings.VAFA_WEBHOOK_TIMEOUT_SECONDS = 0.3
    time_machine.move_to(T0, tick=False)
    receiver.answers = [Answer(status=200, delay=1.5)]
    with immediate():
        delivery = post(receiver)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "timeout after 0.3 s"
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert 300 <= delivery.duration_ms < 1500

    time_machine.move_to(T0 + dt.timedelta(seconds=60), tick=False)
    run_due(immediate)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered",
        2,
        200,
        "",
    )
    assert delivery.delivered_at == T0 + dt.timedelta(seconds=60)
    assert [(entry["status"], entry["error"]) for entry in delivery.attempt_log] == [
        (None, "timeout after 0.3 s"),
        (200, ""),
    ]


def test_redirects_are_not_followed(db, receiver, immediate):
    receiver.answers = [Answer(status=302, headers={"Location": "http://127.0.0.1:1/elsewhere"})]
    with immediate():
        delivery = post(receiver)

    delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert (delivery.state, delivery.last_status_code, delivery.attempts) == ("pending", 302, 1)


def test_only_the_first_kilobyte_of_the_answer_is_kept(db, receiver, immediate):
    receiver.answers = [Answer(status=200, body="و".encode() * 3000)]
    with immediate():
        delivery = post(receiver)

    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert delivery.last_response_excerpt == "و" * 512


def test_a_connection_refused_is_recorded_and_retried(db, immediate, settings):
    settings.VAFA_WEBHOOK_ALLOW_PRIVATE = True
    with immediate():
        delivery = webhook_post(url="http://127.0.0.1:1/hooks", secret="k", event="e", payload={}, source="t")

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error.startswith("ConnectionRefusedError")


# --- private addresses ----------------------------------------------------------------------------


@pytest.fixture
def public_name(monkeypatch, receiver):
    """DNS that answers hooks.example.test with the receiver's address (127.0.0.1), as a rebinding attack would."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        return real("127.0.0.1" if host == "hooks.example.test" else host, port, *args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)
    return receiver.url.replace("127.0.0.1", "hooks.example.test")


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending(
    db, receiver, immediate, settings, public_name
):
    settings.VAFA_WEBHOOK_ALLOW_PRIVATE = False
    with immediate():
        refused = webhook_post(url=public_name, secret="k", event="e", payload={}, source="t")

    refused.refresh_from_db()
    assert receiver.received == []
    assert (refused.state, refused.attempts, refused.next_attempt_at) == ("failed", 1, None)
    assert refused.last_error == "refused: hooks.example.test resolves to the private address 127.0.0.1"

    settings.VAFA_WEBHOOK_ALLOW_PRIVATE = True
    with immediate():
        allowed = webhook_post(url=public_name, secret="k", event="e", payload={}, source="t")

    allowed.refresh_from_db()
    [request] = receiver.received
    assert allowed.state == "delivered"
    # Connected to the checked address, still asking for the name it was given:
    assert request.headers["Host"].startswith("hooks.example.test:")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hooks", "http://localhost/hooks", "http://[::1]/x", "http://169.254.169.254/"],
)
def test_a_private_address_is_refused_when_written_down(db, settings, url, subscribe):
    settings.VAFA_WEBHOOK_ALLOW_PRIVATE = False

    with pytest.raises(ValidationFailed) as by_post:
        webhook_post(url=url, secret="k", event="e", payload={}, source="t")
    with pytest.raises(ValidationFailed) as by_subscription:
        subscribe(url, ["case.opened"])

    assert by_post.value.fields == {"url": ["Private address."]}
    assert by_subscription.value.fields == {"url": ["Private address."]}
    assert WebhookDelivery.objects.count() == 0
    assert WebhookSubscription.objects.count() == 0
    assert PendingWork.objects.count() == 0


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.10", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),  # noqa: S104 - an address to judge, not to bind
        ("::1", True),
        ("fe80::1", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.1", True),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_which_addresses_count_as_private(address, private):
    assert address_is_private(address) is private


# --- pausing --------------------------------------------------------------------------------------


def customer_event(customer_id: int) -> dict:
    return {"customer_id": customer_id, "event": "customer.created"}


def test_410_gone_pauses_the_subscription_at_once_and_tells_its_owner(
    db, receiver, immediate, subscribe, customer, other_customer
):
    owner = UserFactory.create(role=Role.ADMIN, language="en", email="owner@staff.vafa.test")
    subscription = subscribe(receiver.url, ["customer.created"], owner=owner)
    receiver.answers = [Answer(status=410, body=b"gone")]
    with immediate():
        [gone] = webhook_fanout(event="customer.created", published=customer_event(customer.pk))
    # Queued before the pause, never sent after it:
    held = WebhookDelivery.objects.create(
        subscription=subscription, url=subscription.url, event="customer.created"
    )

    subscription.refresh_from_db()
    gone.refresh_from_db()
    held.refresh_from_db()
    assert (gone.state, gone.last_status_code) == ("failed", 410)
    assert subscription.pause_reason == WebhookSubscription.PauseReason.GONE
    assert subscription.paused_at is not None
    assert held.state == "pending"  # created after the pause by hand: the worker cancels it
    [note] = Notification.objects.filter(kind="webhook_paused")
    assert note.user == owner
    assert note.title == "Webhook ERP paused"
    assert note.body == (
        f"Vafa stopped sending events to {receiver.url}: The receiver answered 410 Gone. Fix the receiver, "
        "then resume the subscription to send what was held back."
    )
    assert note.url == f"/admin/webhooks/webhooksubscription/{subscription.pk}/change/"

    with immediate():
        later = webhook_fanout(event="customer.created", published=customer_event(other_customer.pk))
    assert later == []
    assert len(receiver.received) == 1


def test_ten_failures_in_a_row_pause_and_tell_the_owner_in_their_language(
    db, receiver, immediate, subscribe, time_machine
):
    from vafa.customers.tests.factories import CustomerFactory

    time_machine.move_to(T0, tick=False)
    owner = UserFactory.create(role=Role.MANAGER, language="fa", email="owner@staff.vafa.test")
    subscription = subscribe(receiver.url, ["customer.created"], owner=owner)
    receiver.default = Answer(status=503)
    customers = CustomerFactory.create_batch(PAUSE_AFTER_FAILURES + 1)

    for number, customer in enumerate(customers[:PAUSE_AFTER_FAILURES], start=1):
        with immediate():
            webhook_fanout(event="customer.created", published=customer_event(customer.pk))
        subscription.refresh_from_db()
        assert subscription.consecutive_failures == number
        assert subscription.is_paused is (number == PAUSE_AFTER_FAILURES)

    assert subscription.pause_reason == WebhookSubscription.PauseReason.FAILING
    assert subscription.failing_since == T0
    # The first nine deliveries were waiting for their retry; the pause cancelled them.
    assert sorted(WebhookDelivery.objects.values_list("state", flat=True)) == ["cancelled"] * 10
    [note] = Notification.objects.filter(kind="webhook_paused")
    assert note.user == owner
    with translation.override("fa"):
        from django.utils.translation import gettext

        assert note.title == gettext("Webhook %(name)s paused") % {"name": "ERP"}
    assert note.url == f"/admin/webhooks/webhooksubscription/{subscription.pk}/change/"

    # Nothing new is recorded while paused; resuming re-queues the held-back deliveries.
    with immediate():
        assert webhook_fanout(event="customer.created", published=customer_event(customers[-1].pk)) == []
    receiver.default = Answer(status=204, body=b"")
    sent_before = len(receiver.received)
    with immediate():
        requeued = webhook_subscription_resume(actor=None, subscription=subscription)

    subscription.refresh_from_db()
    assert requeued == 10
    assert len(receiver.received) == sent_before + 10
    assert sorted(WebhookDelivery.objects.values_list("state", flat=True)) == ["delivered"] * 10
    assert (subscription.paused_at, subscription.pause_reason, subscription.consecutive_failures) == (
        None,
        "",
        0,
    )
    assert subscription.failing_since is None
    assert subscription.last_success_at == T0


def test_a_day_of_failures_pauses_even_below_ten_and_admins_are_told_when_there_is_no_owner(
    db, receiver, immediate, subscribe, time_machine, admin_user, customer, other_customer
):
    second_admin = UserFactory.create(role=Role.ADMIN, email="admin2@staff.vafa.test")
    UserFactory.create(role=Role.ADMIN, email="gone@staff.vafa.test", is_active=False)
    time_machine.move_to(T0, tick=False)
    subscription = subscribe(receiver.url, ["customer.created"])
    assert subscription.owner is None
    receiver.default = Answer(status=500)
    with immediate():
        webhook_fanout(event="customer.created", published=customer_event(customer.pk))
    time_machine.move_to(T0 + dt.timedelta(hours=23, minutes=59), tick=False)
    run_due(immediate)  # the retry due at T0 + 1 min fails too
    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.is_paused) == (2, False)

    time_machine.move_to(T0 + dt.timedelta(hours=24), tick=False)
    with immediate():
        webhook_fanout(event="customer.created", published=customer_event(other_customer.pk))

    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 3
    assert subscription.pause_reason == WebhookSubscription.PauseReason.FAILING
    notified = sorted(
        Notification.objects.filter(kind="webhook_paused").values_list("user__email", flat=True)
    )
    assert notified == sorted([admin_user.email, second_admin.email])


def test_a_success_ends_the_failure_streak(db, receiver, immediate, subscribe, customer, other_customer):
    subscription = subscribe(receiver.url, ["customer.created"])
    receiver.answers = [Answer(status=500), Answer(status=200)]
    with immediate():
        webhook_fanout(event="customer.created", published=customer_event(customer.pk))
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1

    with immediate():
        webhook_fanout(event="customer.created", published=customer_event(other_customer.pk))

    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)
    assert subscription.last_success_at is not None


def test_ad_hoc_posts_never_pause_anything_and_a_ping_does_not_count(
    db, receiver, immediate, subscribe, admin_user
):
    from vafa.webhooks.services import webhook_ping, webhook_subscription_pause

    subscription = subscribe(receiver.url, ["customer.created"])
    webhook_subscription_pause(actor=admin_user, subscription=subscription)
    receiver.answers = [Answer(status=500)]
    with immediate():
        ping = webhook_ping(actor=admin_user, subscription=subscription)

    ping.refresh_from_db()
    subscription.refresh_from_db()
    [request] = receiver.received
    assert json.loads(request.body)["data"] == {"subscription": {"id": subscription.pk, "name": "ERP"}}
    assert request.headers["Vafa-Event"] == "ping"
    assert (ping.state, ping.last_status_code) == ("pending", 500)
    assert subscription.consecutive_failures == 0
    assert Notification.objects.count() == 0
