"""Webhook subscriptions and their deliveries (the webhook outbox)."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Event(models.TextChoices):
    """The events a subscription can ask for: the stable public catalogue (docs/webhooks.md)."""

    CASE_OPENED = "case.opened", _("Case opened")
    CASE_REPLIED = "case.replied", _("Agent replied")
    CASE_CUSTOMER_REPLIED = "case.customer_replied", _("Customer replied")
    CASE_NOTED = "case.noted", _("Internal note added (includes the note's text)")
    CASE_STATUS_CHANGED = "case.status_changed", _("Case status changed")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_PRIORITY_CHANGED = "case.priority_changed", _("Case priority changed")
    CASE_RESOLVED = "case.resolved", _("Case resolved")
    CASE_CLOSED = "case.closed", _("Case closed")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    CASE_SLA_AT_RISK = "case.sla_at_risk", _("SLA at risk")
    CASE_SLA_BREACHED = "case.sla_breached", _("SLA breached")
    MESSAGE_CREATED = "message.created", _("Public message added (by an agent or the customer)")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")


# Sent by the admin's "send a test ping" action; not subscribable, delivered even while paused.
PING_EVENT = "ping"


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def validate_webhook_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."), code="webhook_url_scheme")
    if parts.username or parts.password:
        raise ValidationError(
            _("Put no user name or password in the address; the signature authenticates Vafa."),
            code="webhook_url_credentials",
        )


def validate_events(value: object) -> None:
    known = set(Event.values)
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value):
        raise ValidationError(_("Choose at least one event."), code="webhook_events_empty")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            _("Unknown events: %(names)s."),
            code="webhook_events_unknown",
            params={"names": ", ".join(unknown)},
        )


class WebhookSubscription(models.Model):
    """An integrator's receiver: Vafa POSTs the chosen events to its URL, signed with its secret."""

    class PauseReason(models.TextChoices):
        MANUAL = "manual", _("Paused by an administrator")
        GONE = "gone", _("The receiver answered 410 Gone")
        FAILING = "failing", _("Deliveries kept failing")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[validate_webhook_url],
        help_text=_("Where Vafa POSTs the events (http or https)."),
    )
    # Kept readable, not hashed: every delivery is signed with it.
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret, editable=False)
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Told when the subscription is paused; every administrator is told when empty."),
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(
        _("pause reason"), max_length=10, choices=PauseReason.choices, blank=True, default=""
    )
    consecutive_failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True) | ~Q(pause_reason=""), name="webhooks_paused_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_listening(self) -> bool:
        return self.is_active and self.paused_at is None


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one receiver: the outbox row and its delivery log."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    # Null for automation's ad-hoc posts ("call a webhook" action), which carry their own URL and secret.
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    url = models.CharField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, blank=True, default="", editable=False)
    event = models.CharField(_("event"), max_length=60)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    # What caused it: "subscription", "rule:12", "ping", … — shown in the log.
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, blank=True, default="")
    payload = models.JSONField(pgettext_lazy("webhook", "payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    last_response_excerpt = models.TextField(_("response (first 1 KiB)"), blank=True, default="")
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    # The latest attempts, newest last: {"at", "status", "error", "duration_ms"} (bounded).
    attempt_log = models.JSONField(_("attempts log"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One event is delivered once per subscription, however often it is announced.
            models.UniqueConstraint(
                fields=["subscription", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="webhooks_delivery_once_per_subscription",
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(subscription__isnull=True) & ~Q(dedupe_key=""),
                name="webhooks_adhoc_delivery_once",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_at__isnull=False),
                name="webhooks_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="webhooks_delivery_created"),
            models.Index(fields=["subscription", "created_at"], name="webhooks_delivery_sub"),
            models.Index(fields=["state", "created_at"], name="webhooks_delivery_state"),
            models.Index(fields=["event", "created_at"], name="webhooks_delivery_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.url} ({self.state})"
