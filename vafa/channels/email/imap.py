"""Polling IMAP mailboxes: fetch new mail by UID and store it, moving the cursor with each message.

The cursor is the folder's UIDVALIDITY and the highest UID stored (`Mailbox.imap_uidvalidity`,
`imap_last_uid`). Each message is stored and the cursor moved in one transaction, so a poll cut
short anywhere (a crash, a refused write, a dropped connection) neither skips a message nor stores
one twice: the next poll starts after the last UID that was committed.

Only TLS connections are made (IMAPS, or STARTTLS before LOGIN), with the server's certificate and
host name verified; there is no fallback to plain text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import imaplib
import logging
import os
import re
import socket
import ssl
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task

from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import inbound_store
from vafa.core.jobs import lease_acquire, lease_release, periodic

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
LEASE_TTL = dt.timedelta(minutes=10)
ERROR_MAX_CHARS = 500
_UID_IN_FETCH = re.compile(rb"\bUID (\d+)")


@dataclass
class ImapPollResult:
    """What one poll of a mailbox did."""

    fetched: int = 0
    stored: int = 0
    # Already stored under an earlier UIDVALIDITY (same bytes, same mailbox): not stored again.
    skipped: int = 0
    uidvalidity_reset: bool = False
    # Another poller held the mailbox's lease; this one did nothing.
    busy: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class ImapPollError(Exception):
    """A poll stopped: the server refused, or answered in a way the poller cannot use."""


def imap_holder() -> str:
    """Name this poller in the lease: host and pid to find it, a uuid so no two ever match."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex}"


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(part) for part in data if part is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return str(data)


def _check(typ: str, data: object, *, what: str) -> None:
    if typ != "OK":
        raise ImapPollError(f"{what}: {typ} {_text(data)}".strip())


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=settings.VAFA_IMAP_CA_FILE or None)
    if mailbox.imap_security == Mailbox.ImapSecurity.STARTTLS:
        client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
        try:
            # Raises when the server offers no STARTTLS or the handshake fails: never LOGIN in clear.
            typ, data = client.starttls(ssl_context=context)
            _check(typ, data, what="STARTTLS")
        except BaseException:
            with contextlib.suppress(OSError):
                client.shutdown()
            raise
        return client
    return imaplib.IMAP4_SSL(
        mailbox.imap_host, mailbox.imap_port, ssl_context=context, timeout=TIMEOUT_SECONDS
    )


def _fetch(client: imaplib.IMAP4, uid: int) -> bytes | None:
    """The raw bytes of one message, without setting \\Seen; None when it is gone from the folder."""
    typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    _check(typ, data, what=f"UID FETCH {uid}")
    for part in data:
        # A literal comes as (b'<seq> (UID <uid> BODY[] {<size>}', b'<bytes>'); unsolicited FETCH
        # responses (flag changes) may come alongside.
        if isinstance(part, tuple) and len(part) == 2:
            match = _UID_IN_FETCH.search(part[0])
            if match is None or int(match.group(1)) == uid:
                return bytes(part[1])
    return None


def _new_uids(client: imaplib.IMAP4, last_uid: int) -> list[int]:
    typ, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
    _check(typ, data, what="UID SEARCH")
    # "n:*" always matches the last message, even when its UID is below n.
    return sorted(
        uid for uid in (int(token) for token in _text(data).split() if token.isdigit()) if uid > last_uid
    )


def _uidvalidity(client: imaplib.IMAP4) -> int:
    _typ, data = client.response("UIDVALIDITY")
    values = [token for token in _text(data).split() if token.isdigit()]
    if not values:
        raise ImapPollError("SELECT: the server sent no UIDVALIDITY")
    return int(values[-1])


def _error_text(mailbox: Mailbox, exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        text = f"TLS: {exc}"
    elif isinstance(exc, imaplib.IMAP4.abort):
        text = f"connection lost: {_text(exc.args[0] if exc.args else exc)}"
    elif isinstance(exc, imaplib.IMAP4.error | ImapPollError):
        text = _text(exc.args[0] if exc.args else exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    if mailbox.imap_password:
        # A server may echo what it was sent; the password never goes into the error.
        text = text.replace(mailbox.imap_password, "***")
    return text[:ERROR_MAX_CHARS]


def imap_poll(*, mailbox: Mailbox, batch: int = 200) -> ImapPollResult:
    """Fetch up to `batch` new messages of an IMAP mailbox, storing each and moving the cursor with it."""
    holder = imap_holder()
    lease = f"imap:{mailbox.pk}"
    if not lease_acquire(name=lease, holder=holder, ttl=LEASE_TTL):
        return ImapPollResult(busy=True)
    result = ImapPollResult()
    try:
        try:
            _poll(mailbox=mailbox, batch=batch, result=result, lease=lease, holder=holder)
        except Exception as exc:
            result.error = _error_text(mailbox, exc)
            logger.warning(
                "IMAP poll of mailbox %s (%s) stopped: %s",
                mailbox.pk,
                mailbox.address,
                result.error,
                exc_info=True,
            )
        now = timezone.now()
        Mailbox.objects.filter(pk=mailbox.pk).update(polled_at=now, poll_error=result.error)
        mailbox.polled_at, mailbox.poll_error = now, result.error
    finally:
        lease_release(name=lease, holder=holder)
    return result


def _poll(*, mailbox: Mailbox, batch: int, result: ImapPollResult, lease: str, holder: str) -> None:
    # The cursor as committed, not as this (possibly old) object remembers it.
    known_validity, last_uid = Mailbox.objects.filter(pk=mailbox.pk).values_list(
        "imap_uidvalidity", "imap_last_uid"
    )[0]
    client = _connect(mailbox)
    try:
        try:
            client.login(mailbox.imap_username, mailbox.imap_password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            # imaplib raises on NO/BAD; the server's answer (never the password) is the message.
            raise ImapPollError(f"LOGIN: {_text(exc.args[0] if exc.args else '')}") from exc
        # Read-write, so that \Seen can be set.
        _check(*client.select(_quote(mailbox.imap_folder or "INBOX"), readonly=False), what="SELECT")
        validity = _uidvalidity(client)
        if validity != known_validity:
            # The folder was recreated (or first polled): its UIDs start over and say nothing about
            # what was stored before.
            result.uidvalidity_reset = known_validity is not None
            last_uid = 0
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=validity, imap_last_uid=0)
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = validity, last_uid
        # Messages stored under an earlier UIDVALIDITY may come again under new UIDs; only then is
        # each fetched message compared with what is stored.
        earlier = InboundMail.objects.filter(mailbox=mailbox, imap_uid__isnull=False).exclude(
            imap_uidvalidity=validity
        )
        check_earlier = earlier.exists()
        for uid in _new_uids(client, last_uid)[: max(batch, 0)]:
            if not lease_acquire(name=lease, holder=holder, ttl=LEASE_TTL):
                raise ImapPollError("another poller took over the mailbox")
            raw = _fetch(client, uid)
            if raw is None:
                # Expunged since the search: nothing to store, and a UID is never given again.
                Mailbox.objects.filter(pk=mailbox.pk).update(imap_last_uid=uid)
            else:
                result.fetched += 1
                stored = _store(
                    mailbox=mailbox,
                    raw=raw,
                    uid=uid,
                    validity=validity,
                    earlier=earlier if check_earlier else None,
                )
                if stored:
                    result.stored += 1
                else:
                    result.skipped += 1
            mailbox.imap_last_uid = uid
            if raw is not None and mailbox.imap_mark_seen:
                status, answer = client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
                if status != "OK":
                    # The message is stored; an unread flag left on the server loses nothing.
                    logger.warning(
                        "Could not mark UID %s of mailbox %s as read: %s", uid, mailbox.pk, _text(answer)
                    )
        client.close()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            with contextlib.suppress(OSError):
                client.shutdown()


def _store(
    *, mailbox: Mailbox, raw: bytes, uid: int, validity: int, earlier: QuerySet[InboundMail] | None
) -> bool:
    """Store one message and move the cursor past it, together; False when it was stored before."""
    duplicate = earlier is not None and earlier.filter(sha256=hashlib.sha256(raw).hexdigest()).exists()
    try:
        with transaction.atomic():
            if not duplicate:
                inbound_store(
                    raw=raw,
                    via=InboundMail.Via.IMAP,
                    mailbox=mailbox,
                    imap_uid=uid,
                    imap_uidvalidity=validity,
                )
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=validity, imap_last_uid=uid)
    except IntegrityError as exc:
        # The UID is stored already: another poller got here despite the lease.
        raise ImapPollError(f"UID {uid} is stored already; another poller is at work") from exc
    return not duplicate


# --- the periodic job -----------------------------------------------------------------------------


def imap_mailboxes_due(*, now: dt.datetime | None = None) -> QuerySet[Mailbox]:
    """Active IMAP mailboxes not polled within VAFA_MAIL_POLL_SECONDS."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.VAFA_MAIL_POLL_SECONDS)
    return Mailbox.objects.filter(
        Q(polled_at__isnull=True) | Q(polled_at__lte=cutoff), is_active=True, method=Mailbox.Method.IMAP
    ).order_by("polled_at", "pk")


def imap_poll_due() -> dict[int, ImapPollResult]:
    """Poll every IMAP mailbox that is due; one failing mailbox does not stop the others."""
    results: dict[int, ImapPollResult] = {}
    for mailbox in imap_mailboxes_due():
        try:
            results[mailbox.pk] = imap_poll(mailbox=mailbox)
        except Exception:
            # imap_poll records its own errors; this is the database failing under it.
            logger.exception("IMAP poll of mailbox %s failed", mailbox.pk)
    return results


# Every minute; each mailbox is polled when its VAFA_MAIL_POLL_SECONDS have passed (settings are
# read when the job runs, never at import).
@periodic("channels_imap_poll", every=dt.timedelta(minutes=1))  # type: ignore[arg-type]
@task()
def channels_imap_poll() -> int:
    return sum(result.stored for result in imap_poll_due().values())
