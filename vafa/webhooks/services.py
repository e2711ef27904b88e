"""Writes of the webhooks app: subscriptions, the outbox of deliveries, and automation's ad-hoc posts.

A published event (`case.replied`, `customer.created`, …) becomes one WebhookDelivery per active
subscription that asks for it, in one transaction with a pending work row per delivery; the worker
then makes the HTTP attempts (vafa/webhooks/delivery.py) outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import Role, User
from vafa.accounts.services import notification_send
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.jobs import work_schedule
from vafa.webhooks.models import (
    PING_EVENT,
    WebhookDelivery,
    WebhookSubscription,
    validate_events,
    validate_webhook_url,
)
from vafa.webhooks.payloads import envelope, event_data
from vafa.webhooks.selectors import webhook_event_names, webhook_events_forget, webhook_subscriptions_for
from vafa.webhooks.transport import address_is_private

DELIVER_KIND = "webhooks.deliver"
FANOUT_KIND = "webhooks.fanout"
SUBSCRIPTION_FIELDS = ("name", "url", "events", "is_active", "owner")
DEFAULT_TIMEOUT_SECONDS = 10.0


def webhook_timeout() -> float:
    """Seconds one attempt waits for the receiver (VAFA_WEBHOOK_TIMEOUT_SECONDS)."""
    return float(getattr(settings, "VAFA_WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def webhook_allow_private() -> bool:
    """Whether receivers on loopback and private networks are allowed (VAFA_WEBHOOK_ALLOW_PRIVATE)."""
    return bool(getattr(settings, "VAFA_WEBHOOK_ALLOW_PRIVATE", False))


class WebhookErrorCode(StrEnum):
    ADMINS_ONLY = "webhook_admins_only"
    INVALID = "webhook_invalid"
    PAUSED = "webhook_paused"
    ALREADY_QUEUED = "webhook_already_queued"


def _require_admin(actor: User | None) -> None:
    if actor is not None and (not actor.is_active or actor.role != Role.ADMIN):
        raise Forbidden(_("Only administrators can manage webhooks."), code=WebhookErrorCode.ADMINS_ONLY)


def _validated(field: str, validator: Any, value: Any) -> None:
    try:
        validator(value)
    except ValidationError as error:
        raise ValidationFailed(
            error.messages[0], fields={field: error.messages}, code=WebhookErrorCode.INVALID
        ) from error


def _refuse_private_literal(url: str) -> None:
    """Refuse at once a receiver written as a private address; names are checked when sending."""
    host = (urlsplit(url).hostname or "").lower()
    if webhook_allow_private():
        return
    try:
        private = address_is_private(host)
    except ValueError:
        private = host == "localhost" or host.endswith(".localhost")
    if private:
        raise ValidationFailed(
            _("This address is on a private network; webhooks may only go to public addresses."),
            fields={"url": [_("Private address.")]},
            code=WebhookErrorCode.INVALID,
        )


def schedule_attempt(delivery: WebhookDelivery, at: dt.datetime) -> None:
    """Queue the next attempt of `delivery` at `at`.

    No dedupe key: each state change queues once, and a twin run finds the delivery's attempt count
    moved on (see delivery.webhook_deliver), so a stale queued attempt does nothing.
    """
    work_schedule(DELIVER_KIND, {"delivery_id": delivery.pk}, due_at=at, max_attempts=3)


# --- subscriptions --------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscription_create(
    *,
    actor: User | None,
    name: str,
    url: str,
    events: list[str],
    owner: User | None = None,
    is_active: bool = True,
) -> WebhookSubscription:
    """Subscribe a receiver URL to events; its signing secret is generated here."""
    _require_admin(actor)
    _validated("url", validate_webhook_url, url)
    _refuse_private_literal(url)
    _validated("events", validate_events, events)
    if not name.strip():
        raise ValidationFailed(_("Give the subscription a name."), fields={"name": [_("Required.")]})
    subscription = WebhookSubscription.objects.create(
        name=name.strip()[:100],
        url=url,
        events=sorted(set(events)),
        owner=owner if owner is not None else (actor if actor is not None and actor.pk else None),
        is_active=is_active,
    )
    audit_record(actor=actor, action="webhook_subscription.create", obj=subscription)
    transaction.on_commit(webhook_events_forget)
    webhook_events_forget()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, actor: User | None, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change a subscription's name, URL, events, owner or active switch."""
    _require_admin(actor)
    unknown = set(changes) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise TypeError(f"Not a changeable field: {sorted(unknown)}")
    if "url" in changes:
        _validated("url", validate_webhook_url, changes["url"])
        _refuse_private_literal(changes["url"])
    if "events" in changes:
        _validated("events", validate_events, changes["events"])
        changes["events"] = sorted(set(changes["events"]))
    before = {name: getattr(subscription, name) for name in changes if name != "owner"}
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="webhook_subscription.update",
        obj=subscription,
        before=before,
        after={name: getattr(subscription, name) for name in before},
    )
    transaction.on_commit(webhook_events_forget)
    webhook_events_forget()
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, actor: User | None, subscription: WebhookSubscription) -> None:
    """Delete a subscription and its delivery log."""
    _require_admin(actor)
    audit_record(actor=actor, action="webhook_subscription.delete", obj=subscription)
    subscription.delete()
    transaction.on_commit(webhook_events_forget)
    webhook_events_forget()


@transaction.atomic
def webhook_subscription_pause(
    *,
    actor: User | None,
    subscription: WebhookSubscription,
    reason: str = WebhookSubscription.PauseReason.MANUAL,
) -> bool:
    """Stop delivering to a subscription, cancel its queued deliveries and, if Vafa paused it, say so."""
    _require_admin(actor)
    now = timezone.now()
    paused = WebhookSubscription.objects.filter(pk=subscription.pk, paused_at__isnull=True).update(
        paused_at=now, pause_reason=reason, updated_at=now
    )
    subscription.refresh_from_db()
    if not paused:
        return False
    WebhookDelivery.objects.filter(subscription=subscription, state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.CANCELLED, next_attempt_at=None
    )
    audit_record(
        actor=actor, action="webhook_subscription.pause", obj=subscription, after={"pause_reason": reason}
    )
    if reason != WebhookSubscription.PauseReason.MANUAL:
        _tell_paused(subscription)
    transaction.on_commit(webhook_events_forget)
    webhook_events_forget()
    return True


def _tell_paused(subscription: WebhookSubscription) -> None:
    owner = subscription.owner
    if owner is not None and owner.is_active and owner.is_company_staff:
        recipients = [owner]
    else:
        recipients = list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id"))
    reason = WebhookSubscription.PauseReason(subscription.pause_reason).label
    paused_at = subscription.paused_at.isoformat() if subscription.paused_at else ""
    for user in recipients:
        notification_send(
            user=user,
            kind="webhook_paused",
            # notification_send renders lazy strings in the user's language.
            title=_("Webhook %(name)s paused"),
            body=_(
                "Vafa stopped sending events to %(url)s: %(reason)s. Fix the receiver, then resume "
                "the subscription to send what was held back."
            ),
            url=reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]),
            params={"name": subscription.name, "url": subscription.url, "reason": reason},
            dedupe_key=f"webhook_paused:{subscription.pk}:{paused_at}:{user.pk}",
        )


@transaction.atomic
def webhook_subscription_resume(*, actor: User | None, subscription: WebhookSubscription) -> int:
    """Deliver to a paused subscription again; re-queue what the pause held back and return how many."""
    _require_admin(actor)
    now = timezone.now()
    resumed = WebhookSubscription.objects.filter(pk=subscription.pk, paused_at__isnull=False).update(
        paused_at=None, pause_reason="", consecutive_failures=0, failing_since=None, updated_at=now
    )
    subscription.refresh_from_db()
    if not resumed:
        return 0
    held = list(
        WebhookDelivery.objects.filter(
            subscription=subscription,
            state__in=[WebhookDelivery.State.CANCELLED, WebhookDelivery.State.PENDING],
        ).order_by("created_at", "id")
    )
    for delivery in held:
        _requeue(delivery, now)
    audit_record(
        actor=actor, action="webhook_subscription.resume", obj=subscription, after={"requeued": len(held)}
    )
    transaction.on_commit(webhook_events_forget)
    webhook_events_forget()
    return len(held)


def _requeue(delivery: WebhookDelivery, now: dt.datetime) -> None:
    # A fresh round of attempts; the attempts log keeps the earlier ones.
    delivery.state = WebhookDelivery.State.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    delivery.save(update_fields=["state", "attempts", "next_attempt_at", "delivered_at"])
    schedule_attempt(delivery, now)


@transaction.atomic
def webhook_ping(*, actor: User | None, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a test `ping` event to a subscription (also while it is paused, to check the receiver)."""
    _require_admin(actor)
    now = timezone.now()
    delivery = WebhookDelivery(
        subscription=subscription, url=subscription.url, event=PING_EVENT, source="ping"
    )
    delivery.payload = envelope(
        event_id=str(delivery.event_id),
        event=PING_EVENT,
        created_at=now,
        data={"subscription": {"id": subscription.pk, "name": subscription.name}},
    )
    delivery.next_attempt_at = now
    delivery.save()
    schedule_attempt(delivery, now)
    return delivery


@transaction.atomic
def webhook_redeliver(*, actor: User | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same event id, whatever became of it before."""
    _require_admin(actor)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state == WebhookDelivery.State.PENDING:
        raise Conflict(_("This delivery is already queued."), code=WebhookErrorCode.ALREADY_QUEUED)
    subscription = delivery.subscription
    if subscription is not None and not subscription.is_listening and delivery.event != PING_EVENT:
        raise Conflict(
            _("The subscription is paused or inactive; resume it first."), code=WebhookErrorCode.PAUSED
        )
    _requeue(delivery, timezone.now())
    audit_record(actor=actor, action="webhook_delivery.redeliver", obj=delivery)
    return delivery


# --- the outbox -----------------------------------------------------------------------------------


@transaction.atomic
def webhook_post(
    *, url: str, secret: str, event: str, payload: dict[str, Any], source: str, dedupe_key: str | None = None
) -> WebhookDelivery:
    """Schedule one signed POST of `payload` (as the body's `data`) to `url`, retried like any delivery.

    `dedupe_key`, if given, makes a second call with the same key return the first delivery.
    """
    _validated("url", validate_webhook_url, url)
    _refuse_private_literal(url)
    if not secret:
        raise ValidationFailed(_("A webhook needs a signing secret."), fields={"secret": [_("Required.")]})
    if not event or len(event) > 60:
        raise ValidationFailed(
            _("Name the event (at most 60 characters)."), fields={"event": [_("Required.")]}
        )
    now = timezone.now()
    delivery = WebhookDelivery(
        url=url, secret=secret, event=event, source=source[:100], dedupe_key=(dedupe_key or "")[:200]
    )
    delivery.payload = envelope(event_id=str(delivery.event_id), event=event, created_at=now, data=payload)
    delivery.next_attempt_at = now
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        if not dedupe_key:
            raise
        return WebhookDelivery.objects.get(subscription__isnull=True, dedupe_key=delivery.dedupe_key)
    schedule_attempt(delivery, now)
    return delivery


def _natural_key(event: str, published: dict[str, Any]) -> str:
    if published.get("event_id") is not None:
        return f"case-event:{published['event_id']}"
    if event == "customer.created":
        return f"customer:{published.get('customer_id')}:created"
    # customer.updated has no id of its own; the fan-out's atomic run makes it happen once anyway.
    return f"{event}:{uuid.uuid4().hex}"


def webhook_fanout(*, event: str, published: dict[str, Any]) -> list[WebhookDelivery]:
    """Write one delivery per active subscription that asks for what `event` stands for, and queue them."""
    names = webhook_event_names(event)
    subscriptions = webhook_subscriptions_for(names) if names else []
    if not subscriptions:
        return []
    key = _natural_key(event, published)
    at = dt.datetime.fromisoformat(published["at"]) if published.get("at") else timezone.now()
    data_by_event: dict[str, dict[str, Any] | None] = {}
    now = timezone.now()
    created = []
    for subscription in subscriptions:
        for name in names:
            if name not in subscription.events:
                continue
            if name not in data_by_event:
                data_by_event[name] = event_data(name, published)
            data = data_by_event[name]
            if data is None:
                continue
            delivery = WebhookDelivery(
                subscription=subscription,
                url=subscription.url,
                event=name,
                source="subscription",
                dedupe_key=f"{key}:{name}"[:200],
                next_attempt_at=now,
            )
            delivery.payload = envelope(event_id=str(delivery.event_id), event=name, created_at=at, data=data)
            try:
                with transaction.atomic():
                    delivery.save()
            except IntegrityError:
                continue  # delivered (or queued) for this subscription already
            schedule_attempt(delivery, now)
            created.append(delivery)
    return created
