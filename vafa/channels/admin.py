"""Admin of the channels: mailboxes are configured here; the mail that came and went is only shown.

Quarantined mail is handled in the desk (/desk/mail/), through the channel services, not here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from vafa.channels.models import BlockedSender, InboundMail, Mailbox, OutboundMail
from vafa.channels.services import block_pattern_clean
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.core.errors import VafaError


def inbound_endpoint_path(mailbox: Mailbox) -> str:
    """The address a mail provider posts this mailbox's raw messages to."""
    try:
        root = reverse("api-v1:api-root")
    except NoReverseMatch:
        root = "/api/v1/"
    return f"{root}mail/inbound/{mailbox.pk}"


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    """A support address: where its mail goes, how it arrives, and the credentials of that route."""

    list_display = ("name", "address", "method", "team", "language", "is_active", "is_default", "polled_at")
    list_filter = ("method", "is_active", "team", "language")
    search_fields = ("name", "address")
    readonly_fields = ("inbound_endpoint", "inbound_secret", "polled_at", "poll_error", "imap_cursor")
    fieldsets = (
        (
            _("Address and routing"),
            {
                "fields": (
                    "name",
                    "address",
                    "from_name",
                    "team",
                    "language",
                    "signature",
                    "is_active",
                    "is_default",
                    "create_customers",
                    "send_acknowledgement",
                    "closed_case_policy",
                    "sender_rate_limit",
                )
            },
        ),
        (_("How mail arrives"), {"fields": ("method",)}),
        (
            _("IMAP"),
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_username",
                    "imap_password",
                    "imap_folder",
                    "imap_mark_seen",
                    "imap_cursor",
                    "polled_at",
                    "poll_error",
                ),
                "description": _("Only for mailboxes whose mail arrives by IMAP."),
            },
        ),
        (
            _("HTTP inbound"),
            {
                "fields": ("inbound_endpoint", "inbound_secret"),
                "description": _(
                    "Only for mailboxes whose mail a provider posts as raw MIME. Each request carries "
                    "X-Vafa-Timestamp and X-Vafa-Signature: sha256=HMAC-SHA256(secret, timestamp + '.' + body)."
                ),
            },
        ),
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "imap_password" in form.base_fields:
            # The stored password is never sent back to the browser; an empty field keeps it.
            form.base_fields["imap_password"].widget = forms.PasswordInput(render_value=False)
            form.base_fields["imap_password"].required = False
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(obj, Mailbox)
        if change and not form.cleaned_data.get("imap_password"):
            obj.imap_password = Mailbox.objects.values_list("imap_password", flat=True).get(pk=obj.pk)
            if "imap_password" in form.changed_data:
                form.changed_data.remove("imap_password")
        obj.address = obj.address.strip().lower()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Endpoint"))
    def inbound_endpoint(self, obj: Mailbox) -> str:
        if obj.pk is None:
            return str(_("Shown once the mailbox is saved."))
        return format_html("<code>POST {}</code>", inbound_endpoint_path(obj))

    @admin.display(description=_("IMAP cursor"))
    def imap_cursor(self, obj: Mailbox) -> str:
        if obj.imap_uidvalidity is None:
            return "—"
        return f"UIDVALIDITY {obj.imap_uidvalidity}, UID {obj.imap_last_uid}"


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdmin):
    """Every e-mail that arrived, as recorded; the quarantine's actions live in the desk."""

    list_display = ("received_at", "from_address", "subject", "mailbox", "via", "state", "reason", "size")
    list_filter = ("state", "reason", "via", "mailbox", "auto_reply", "bounce")
    search_fields = ("=from_address", "=rfc_message_id", "=envelope_from")
    list_select_related = ("mailbox",)
    date_hierarchy = "received_at"
    show_full_result_count = False
    raw_id_fields = ("case", "message", "duplicate_of")


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    """Every e-mail Vafa queued, with its delivery state."""

    list_display = ("created_at", "kind", "to_display", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "kind", "language", "mailbox")
    search_fields = ("=rfc_message_id", "=from_address")
    list_select_related = ("mailbox",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ("case", "message")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[OutboundMail], search_term: str
    ) -> tuple[QuerySet[OutboundMail], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        if "@" in term and " " not in term:
            # A recipient: the JSON list holds it quoted, so the quotes make the match exact.
            found = found | queryset.filter(Q(to_addresses__icontains=f'"{term}"'))
        return found, duplicates

    @admin.display(description=_("to"))
    def to_display(self, obj: OutboundMail) -> str:
        return ", ".join(str(address) for address in obj.to_addresses or [])


class BlockedSenderForm(forms.ModelForm):
    class Meta:
        model = BlockedSender
        fields = ("pattern", "reason")

    def clean_pattern(self) -> str:
        try:
            return block_pattern_clean(self.cleaned_data.get("pattern", ""))
        except VafaError as exc:
            raise forms.ValidationError(str(exc.message)) from exc


@admin.register(BlockedSender)
class BlockedSenderAdmin(AuditedAdmin):
    """The block list (the desk's /desk/mail/blocked/ does the same through the channel services)."""

    form = BlockedSenderForm
    list_display = ("pattern", "reason", "created_by", "created_at")
    search_fields = ("pattern", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(obj, BlockedSender)
        if not change and request.user.is_authenticated:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
