"""Channels: the support mailboxes, every e-mail that came in or went out, and the block list."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.core.models import TimeStampedModel


def new_inbound_secret() -> str:
    return secrets.token_urlsafe(32)


class Mailbox(TimeStampedModel):
    """A support address customers write to: which team gets its mail, in which language, and how it arrives."""

    class Method(models.TextChoices):
        SMTP = "smtp", _("Built-in SMTP/LMTP listener")
        IMAP = "imap", _("IMAP account (polled)")
        HTTP = "http", _("HTTP inbound endpoint (raw MIME)")

    class ImapSecurity(models.TextChoices):
        SSL = "ssl", _("IMAPS (TLS from the start)")
        STARTTLS = "starttls", _("STARTTLS")

    class ClosedCasePolicy(models.TextChoices):
        REOPEN = "reopen", _("Reopen the closed case")
        FOLLOW_UP = "follow_up", _("Open a follow-up case linked to it")

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True, help_text=_("Lower-case support address."))
    from_name = models.CharField(_("sender name"), max_length=100, blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
    )
    language = models.CharField(
        _("default language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Used for new customers whose language cannot be told from their mail."),
    )
    signature = models.TextField(_("signature"), blank=True, default="")
    method = models.CharField(
        _("how mail arrives"), max_length=5, choices=Method.choices, default=Method.SMTP
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Replies on cases that did not come by e-mail go out from here."),
    )
    create_customers = models.BooleanField(
        _("create customers for unknown senders"),
        default=True,
        help_text=_("When off, mail from unknown addresses is quarantined for review."),
    )
    send_acknowledgement = models.BooleanField(_("acknowledge new requests"), default=True)
    closed_case_policy = models.CharField(
        _("reply to a closed case"),
        max_length=10,
        choices=ClosedCasePolicy.choices,
        default=ClosedCasePolicy.FOLLOW_UP,
    )
    sender_rate_limit = models.PositiveIntegerField(
        _("messages per sender per hour"),
        default=30,
        help_text=_("More than this from one address in an hour is quarantined (0: no limit)."),
    )
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True, default="")
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=200, blank=True, default="")
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True, default="")
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, blank=True, default="INBOX")
    imap_mark_seen = models.BooleanField(_("mark fetched mail as read"), default=True)
    # The cursor: the folder's UIDVALIDITY and the highest UID already stored. Moved in the same
    # transaction as the stored message, so a restart neither re-imports nor skips.
    imap_uidvalidity = models.BigIntegerField(_("IMAP UIDVALIDITY"), null=True, blank=True)
    imap_last_uid = models.BigIntegerField(_("last IMAP UID stored"), default=0)
    polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    poll_error = models.TextField(_("last polling error"), blank=True, default="")
    inbound_secret = models.CharField(
        _("inbound secret"),
        max_length=100,
        default=new_inbound_secret,
        help_text=_("Shared secret a mail provider signs raw messages with (HMAC-SHA256)."),
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="channels_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate")
    QUARANTINED = "quarantined", _("Quarantined")
    DISMISSED = "dismissed", _("Dismissed")


class QuarantineReason(models.TextChoices):
    UNREADABLE = "unreadable", _("The message could not be read")
    NO_SENDER = "no_sender", _("The message has no usable sender address")
    UNKNOWN_SENDER = (
        "unknown_sender",
        _("The sender is not a customer, and this mailbox does not create customers"),
    )
    NO_MAILBOX = "no_mailbox", _("No active mailbox takes mail for this address")
    BLOCKED = "blocked", _("The sender is on the block list")
    RATE_LIMITED = "rate_limited", _("The sender sent more messages than the mailbox's hourly limit")
    LOOP = "loop", _("The message came from one of Vafa's own addresses")
    REJECTED = "rejected", _("The case refused the message")
    FAILED = "failed", _("Processing failed")


class InboundMail(models.Model):
    """One e-mail as it arrived: the raw bytes on storage, its delivery, and what became of it.

    The row and the stored file are written before any parsing, so nothing a customer sent can be lost;
    processing reads them back and may be re-run safely.
    """

    class Via(models.TextChoices):
        SMTP = "smtp", _("SMTP")
        LMTP = "lmtp", _("LMTP")
        IMAP = "imap", _("IMAP")
        HTTP = "http", _("HTTP")
        FILE = "file", _("File")

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound",
    )
    via = models.CharField(_("received by"), max_length=5, choices=Via.choices)
    raw = models.FileField(_("original message"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    envelope_from = models.CharField(_("envelope sender"), max_length=254, blank=True, default="")
    envelope_to = models.JSONField(_("envelope recipients"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=QuarantineReason.choices, blank=True, default=""
    )
    detail = models.TextField(_("detail"), blank=True, default="")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # Filled by processing, for listing and threading.
    rfc_message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=250, blank=True, default="")
    from_address = models.CharField(_("from"), max_length=254, blank=True, default="")
    from_name = models.CharField(_("sender name"), max_length=200, blank=True, default="")
    to_addresses = models.JSONField(_("to"), default=list, blank=True)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    auto_reply = models.BooleanField(_("automatic reply"), default=False)
    bounce = models.BooleanField(_("bounce"), default=False)
    skipped_parts = models.JSONField(_("parts kept out of the case"), default=list, blank=True)
    case = models.ForeignKey(
        "service.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.ForeignKey(
        "service.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when a mail becomes a message: a twin delivered at the same moment fails on it instead of
    # becoming a second message.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "imap_uidvalidity", "imap_uid"],
                condition=Q(imap_uid__isnull=False),
                name="channels_inbound_imap_uid",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "received_at", "id"], name="channels_inbound_state"),
            models.Index(fields=["received_at", "id"], name="channels_inbound_received"),
            # Duplicates are found by Message-ID and content (by content alone when there is no id).
            models.Index(fields=["rfc_message_id", "content_hash"], name="channels_inbound_msgid"),
            models.Index(fields=["from_address", "received_at"], name="channels_inbound_from"),
            models.Index(fields=["case", "received_at"], name="channels_inbound_case"),
            # IMAP after a UIDVALIDITY change: is this exact message already stored for the mailbox?
            models.Index(fields=["mailbox", "sha256"], name="channels_inbound_mailbox_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject or self.sha256[:12]}"


class OutboundMail(models.Model):
    """An e-mail Vafa sends about a case (an agent's reply or a notification), with its delivery state.

    Its Message-ID is fixed when it is queued, so a retry sends the same message and the customer's
    reply threads back to the case.
    """

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Request received")
        REPLY = "reply", _("Agent reply")
        RESOLVED = "resolved", _("Case resolved")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")

    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "service.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_mail",
    )
    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("mailbox"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    from_address = models.CharField(_("from"), max_length=254)
    to_addresses = models.JSONField(_("to"), default=list)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    rfc_message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True, default="")
    references = models.TextField(_("References"), blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="channels_outbound_case"),
            models.Index(fields=["state", "created_at"], name="channels_outbound_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.rfc_message_id}"


class BlockedSender(models.Model):
    """An address (or a whole domain, written "@example.com") whose mail is held in quarantine."""

    pattern = models.CharField(_("address or @domain"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")
        ordering = ["pattern"]

    def __str__(self) -> str:
        return self.pattern
