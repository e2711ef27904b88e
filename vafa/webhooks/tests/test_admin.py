"""The webhooks admin: administrators manage subscriptions and read the log; nobody else gets in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vafa.accounts.models import AuditLog, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.core.models import PendingWork
from vafa.webhooks.models import WebhookDelivery, WebhookSubscription
from vafa.webhooks.services import webhook_post
from vafa.webhooks.tests.receiver import Answer

SUBSCRIPTIONS = reverse("admin:webhooks_webhooksubscription_changelist")
DELIVERIES = reverse("admin:webhooks_webhookdelivery_changelist")


def test_an_admin_creates_a_subscription_and_sees_its_secret(db, client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "name": "Shop",
            "url": "https://shop.example.test/vafa",
            "events": ["case.opened", "message.created"],
            "owner": admin_user.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert (subscription.name, subscription.url, subscription.events) == (
        "Shop",
        "https://shop.example.test/vafa",
        ["case.opened", "message.created"],
    )
    assert subscription.owner == admin_user
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    page = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200
    assert f"<code>{subscription.secret}</code>" in page.content.decode()
    assert AuditLog.objects.get(action="webhook_subscription.create").via == "admin"


def test_the_add_form_refuses_other_schemes_and_unknown_events(db, client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"name": "Bad", "url": "ftp://shop.example.test/", "events": ["case.tagged"], "is_active": "on"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"url", "events"}
    assert WebhookSubscription.objects.count() == 0


def test_pause_resume_and_ping_actions(db, client, admin_user, receiver, subscribe, immediate):
    subscription = subscribe(receiver.url, ["case.opened"])
    client.force_login(admin_user)

    client.post(SUBSCRIPTIONS, {"action": "pause", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.pause_reason == WebhookSubscription.PauseReason.MANUAL

    listed = client.get(SUBSCRIPTIONS).content.decode()
    assert "Paused by an administrator" in listed

    with immediate():
        client.post(SUBSCRIPTIONS, {"action": "ping", "_selected_action": [subscription.pk]})
    [request] = receiver.received
    assert request.headers["Vafa-Event"] == "ping"

    client.post(SUBSCRIPTIONS, {"action": "resume", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.paused_at is None
    assert AuditLog.objects.filter(action__startswith="webhook_subscription.", via="admin").count() == 2


def test_the_delivery_log_lists_filters_and_shows_attempts(db, client, admin_user, receiver, immediate):
    receiver.answers = [Answer(status=503, body=b"try later")]
    with immediate():
        failing = webhook_post(
            url=receiver.url, secret="k", event="rule.fired", payload={"n": 1}, source="rule:4"
        )
        ok = webhook_post(url=receiver.url, secret="k", event="rule.other", payload={"n": 2}, source="rule:5")
    client.force_login(admin_user)

    everything = client.get(DELIVERIES)
    pending_only = client.get(DELIVERIES, {"state": "pending"})
    detail = client.get(reverse("admin:webhooks_webhookdelivery_change", args=[failing.pk]))

    assert everything.status_code == 200
    assert [d.pk for d in everything.context["cl"].result_list] == [ok.pk, failing.pk]
    assert [d.pk for d in pending_only.context["cl"].result_list] == [failing.pk]
    page = detail.content.decode()
    assert "try later" in page
    assert "<td>503</td>" in page
    assert "rule:4" in page
    assert "not-for-eyes" not in page


def test_redeliver_sends_a_delivered_event_again_with_the_same_id(
    db, client, admin_user, receiver, immediate
):
    with immediate():
        delivery = webhook_post(url=receiver.url, secret="k", event="e", payload={}, source="t")
    client.force_login(admin_user)

    with immediate():
        client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert [r.headers["Vafa-Delivery"] for r in receiver.received] == [str(delivery.event_id)] * 2
    assert (delivery.state, delivery.attempts, len(delivery.attempt_log)) == ("delivered", 1, 2)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_staff_who_are_not_admins_cannot_see_or_act(db, client, role, subscribe, receiver):
    subscription = subscribe(receiver.url, ["case.opened"])
    client.force_login(UserFactory.create(role=role))

    listed = client.get(SUBSCRIPTIONS)
    change = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))
    acted = client.post(SUBSCRIPTIONS, {"action": "pause", "_selected_action": [subscription.pk]})
    log = client.get(DELIVERIES)
    index = client.get(reverse("admin:index"))

    assert listed.status_code in (302, 403)
    assert change.status_code in (302, 403)
    assert acted.status_code in (302, 403)
    assert log.status_code in (302, 403)
    assert subscription.secret not in change.content.decode()
    assert "Webhook subscriptions" not in index.content.decode()
    subscription.refresh_from_db()
    assert subscription.paused_at is None
    assert not PendingWork.objects.filter(kind="webhooks.deliver").exists()


def test_a_customer_cannot_see_the_admin(db, client, customer_user, subscribe, receiver):
    subscription = subscribe(receiver.url, ["case.opened"])
    client.force_login(customer_user)

    response = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert WebhookDelivery.objects.count() == 0
