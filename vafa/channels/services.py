"""Writes of the channels: storing mail as it arrives, the quarantine's actions and the block list.

Processing an e-mail into a case lives in `vafa.channels.email.ingest`; this module is what the
listener, the IMAP poller, the HTTP endpoint and the desk call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager
from vafa.channels.models import BlockedSender, InboundMail, InboundState, Mailbox
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.jobs import work_schedule
from vafa.customers.contacts import normalize_email

PROCESS_KIND = "channels.inbound_process"


class ChannelError(StrEnum):
    """Stable codes of the channel rules, used by the API and the desk."""

    NOT_QUARANTINED = "not_quarantined"
    BLOCK_PATTERN = "block_pattern_invalid"
    ALREADY_BLOCKED = "already_blocked"


def raw_path(sha256: str, at: dt.datetime) -> str:
    """Where the original bytes of a message live on storage: by day received, then by content hash."""
    return f"mail/inbound/{at:%Y/%m/%d}/{sha256}.eml"


def mailbox_for_recipients(recipients: Sequence[str]) -> Mailbox | None:
    """The active mailbox the first of `recipients` that is a support address belongs to."""
    addresses = [address.strip().lower() for address in recipients if address]
    if not addresses:
        return None
    found = {m.address: m for m in Mailbox.objects.filter(address__in=addresses, is_active=True)}
    return next((found[a] for a in addresses if a in found), None)


def inbound_schedule(inbound: InboundMail, *, again: bool = False) -> None:
    """Have the worker process a stored message once the surrounding transaction commits."""
    work_schedule(
        PROCESS_KIND,
        {"inbound_id": inbound.pk},
        # The first run is keyed by the message; a run asked for again from the quarantine is new work.
        dedupe_key=None if again else f"{PROCESS_KIND}:{inbound.pk}",
        max_attempts=5,
    )


def inbound_store(
    *,
    raw: bytes,
    via: str,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    imap_uid: int | None = None,
    imap_uidvalidity: int | None = None,
) -> InboundMail:
    """Write a message's raw bytes to storage and record its delivery; processing follows the commit.

    Nothing is parsed here, so nothing a sender wrote can make storing fail. When storage or the
    database refuses, the exception reaches the caller, which must then refuse the delivery (SMTP 451,
    HTTP 503, IMAP leaves the cursor where it was) so that the sender's side keeps the message.
    """
    now = timezone.now()
    digest = hashlib.sha256(raw).hexdigest()
    path = raw_path(digest, now)
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(raw))
    with transaction.atomic():
        inbound = InboundMail.objects.create(
            mailbox=mailbox if mailbox is not None else mailbox_for_recipients(envelope_to),
            via=via,
            raw=path,
            size=len(raw),
            sha256=digest,
            envelope_from=envelope_from[:254],
            envelope_to=[address[:254] for address in envelope_to][:50],
            received_at=now,
            imap_uid=imap_uid,
            imap_uidvalidity=imap_uidvalidity,
        )
        inbound_schedule(inbound)
    return inbound


def inbound_raw(inbound: InboundMail) -> bytes:
    """The original bytes of a stored message."""
    with default_storage.open(str(inbound.raw.name), "rb") as handle:
        return bytes(handle.read())


def _require_quarantined(inbound: InboundMail) -> None:
    if inbound.state != InboundState.QUARANTINED:
        raise Conflict(_("Only quarantined messages can be handled here."), code=ChannelError.NOT_QUARANTINED)


@transaction.atomic
def inbound_reprocess(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """Run a quarantined message through processing again, with every check (after a fix)."""
    require_manager(actor)
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    _require_quarantined(inbound)
    return _requeue(actor, inbound, action="mail.reprocess", release=False)


@transaction.atomic
def inbound_release(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """Let a quarantined message through: the block list, rate and loop checks are skipped for it."""
    require_manager(actor)
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    _require_quarantined(inbound)
    return _requeue(actor, inbound, action="mail.release", release=True)


def _requeue(actor: User | None, inbound: InboundMail, *, action: str, release: bool) -> InboundMail:
    before = {"state": inbound.state, "reason": inbound.reason}
    inbound.state = InboundState.RECEIVED
    inbound.detail = "release" if release else ""
    inbound.reason = ""
    inbound.save(update_fields=["state", "detail", "reason"])
    audit_record(actor=actor, action=action, obj=inbound, before=before, after={"state": inbound.state})
    inbound_schedule(inbound, again=True)
    return inbound


@transaction.atomic
def inbound_dismiss(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """Mark a quarantined message as reviewed and not wanted; its original stays stored."""
    require_manager(actor)
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    _require_quarantined(inbound)
    before = {"state": inbound.state, "reason": inbound.reason}
    inbound.state = InboundState.DISMISSED
    inbound.save(update_fields=["state"])
    audit_record(
        actor=actor, action="mail.dismiss", obj=inbound, before=before, after={"state": inbound.state}
    )
    return inbound


def block_pattern_clean(raw: str) -> str:
    """An address or "@domain" in the form the block list stores; raise ValidationFailed otherwise."""
    value = (raw or "").strip().lower()
    if value.startswith("@"):
        domain = value[1:]
        if domain and "." in domain and "@" not in domain and " " not in domain:
            return value
    else:
        try:
            return normalize_email(value)
        except ValidationError:
            pass
    raise ValidationFailed(
        _("Enter an e-mail address or a domain written as @example.com."),
        fields={"pattern": [_("Not an address or @domain.")]},
        code=ChannelError.BLOCK_PATTERN,
    )


@transaction.atomic
def sender_block(*, actor: User | None, pattern: str, reason: str = "") -> BlockedSender:
    """Put an address or a domain on the block list: its mail is kept in quarantine, not processed."""
    require_manager(actor)
    value = block_pattern_clean(pattern)
    if BlockedSender.objects.filter(pattern=value).exists():
        raise Conflict(
            _("%(pattern)s is already blocked.") % {"pattern": value}, code=ChannelError.ALREADY_BLOCKED
        )
    blocked = BlockedSender.objects.create(
        pattern=value, reason=(reason or "").strip()[:200], created_by=actor if actor and actor.pk else None
    )
    audit_record(
        actor=actor, action="mail.block", obj=blocked, after={"pattern": value, "reason": blocked.reason}
    )
    return blocked


@transaction.atomic
def sender_unblock(*, actor: User | None, blocked: BlockedSender) -> None:
    """Take an address or domain off the block list."""
    require_manager(actor)
    audit_record(actor=actor, action="mail.unblock", obj=blocked, before={"pattern": blocked.pattern})
    blocked.delete()
