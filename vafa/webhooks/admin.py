"""Admin of webhooks: subscriptions (with pause, resume and a test ping) and the delivery log.

Only administrators see these pages: a subscription's secret and every delivered payload are here.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from vafa.accounts.models import Role, User
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.webhooks.models import Event, WebhookDelivery, WebhookSubscription
from vafa.webhooks.services import (
    webhook_ping,
    webhook_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_pause,
    webhook_subscription_resume,
    webhook_subscription_update,
)


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and getattr(user, "role", None) == Role.ADMIN)


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


class AdminsOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where Vafa POSTs the events (http or https)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("case.noted sends internal notes' text: choose it only for a trusted receiver."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "events", "owner", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ModelChoiceField)
            owner.queryset = User.objects.filter(role__in=[Role.ADMIN, Role.MANAGER], is_active=True)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AdminsOnly):
    """A receiver of events; saved, paused and resumed through the webhook services."""

    form = SubscriptionForm
    list_display = (
        "name",
        "url",
        "event_list",
        "is_active",
        "paused",
        "consecutive_failures",
        "last_success_at",
    )
    list_filter = ("is_active", "pause_reason")
    search_fields = ("name", "url")
    readonly_fields = (
        "signing_secret",
        "paused_at",
        "pause_reason",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "created_at",
    )
    actions = ("pause", "resume", "ping")

    @admin.display(description=_("events"))
    def event_list(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.events or [])

    @admin.display(description=_("paused"))
    def paused(self, obj: WebhookSubscription) -> str:
        return str(obj.get_pause_reason_display()) if obj.paused_at else "—"

    @admin.display(description=_("signing secret"))
    def signing_secret(self, obj: WebhookSubscription) -> str:
        if obj.pk is None:
            return str(_("Generated when the subscription is saved."))
        return format_html("<code>{}</code>", obj.secret)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in ("name", "url", "events", "owner", "is_active")}
        actor = _actor(request)
        with via("admin"):
            if change:
                current = WebhookSubscription.objects.get(pk=obj.pk)
                changed = {name: value for name, value in data.items() if name in form.changed_data}
                saved = webhook_subscription_update(actor=actor, subscription=current, **changed)
            else:
                saved = webhook_subscription_create(actor=actor, **data)
        obj.pk = saved.pk
        obj.secret = saved.secret

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with via("admin"):
            webhook_subscription_delete(actor=_actor(request), subscription=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        with via("admin"):
            for subscription in queryset:
                webhook_subscription_delete(actor=_actor(request), subscription=subscription)

    @admin.action(description=_("Pause the selected subscriptions"))
    def pause(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        with via("admin"):
            count = sum(
                int(webhook_subscription_pause(actor=_actor(request), subscription=subscription))
                for subscription in queryset
            )
        self.message_user(
            request,
            ngettext("%(count)d subscription paused.", "%(count)d subscriptions paused.", count)
            % {"count": count},
        )

    @admin.action(description=_("Resume the selected subscriptions"))
    def resume(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        with via("admin"):
            requeued = sum(
                webhook_subscription_resume(actor=_actor(request), subscription=subscription)
                for subscription in queryset
            )
        self.message_user(
            request,
            ngettext(
                "Resumed; %(count)d held-back delivery queued again.",
                "Resumed; %(count)d held-back deliveries queued again.",
                requeued,
            )
            % {"count": requeued},
        )

    @admin.action(description=_("Send a test ping"))
    def ping(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        with via("admin"):
            for subscription in queryset:
                webhook_ping(actor=_actor(request), subscription=subscription)
        self.message_user(request, _("A ping is on its way; its delivery is in the log."))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdminsOnly):
    """The delivery log: what was sent where, the receiver's answer, and each attempt."""

    list_display = (
        "created_at",
        "event",
        "subscription",
        "url",
        "state",
        "attempts",
        "last_status_code",
        "duration_ms",
        "next_attempt_at",
    )
    list_filter = ("state", "event", "subscription")
    search_fields = ("=event_id", "url")
    list_select_related = ("subscription",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "subscription",
        "source",
        "url",
        "event",
        "event_id",
        "state",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "duration_ms",
        "last_error",
        "last_response_excerpt",
        "attempts_table",
        "payload_json",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=pgettext_lazy("webhook", "payload"))
    def payload_json(self, obj: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    @admin.display(description=_("attempts log"))
    def attempts_table(self, obj: WebhookDelivery) -> str:
        if not obj.attempt_log:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    entry.get("attempt"),
                    entry.get("at"),
                    entry.get("status") or "—",
                    entry.get("duration_ms"),
                    entry.get("error") or "",
                )
                for entry in obj.attempt_log
            ),
        )
        return format_html(
            "<table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("at"),
            _("response code"),
            _("ms"),
            _("error"),
            rows,
        )

    @admin.action(description=_("Deliver again"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = 0
        for delivery in queryset:
            try:
                with via("admin"):
                    webhook_redeliver(actor=_actor(request), delivery=delivery)
            except VafaError as error:
                self.message_user(request, f"{delivery.event_id}: {error.message}", messages.WARNING)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", queued)
                % {"count": queued},
            )
