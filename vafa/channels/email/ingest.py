"""Turn a stored e-mail into a message on a case, or keep it in quarantine with the reason.

`inbound_process` may run any number of times for the same row: a message already processed,
recognised as a duplicate, quarantined or dismissed is left alone, and the case's own work happens
in one transaction with the row's new state, so a crash half-way leaves the row "received" for the
next run. Nothing here deletes what arrived: the original stays on storage whatever happens.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from vafa.channels.email.decode import ADDRESS_PATTERN, subject_case_numbers
from vafa.channels.email.parse import MailParseError, ParsedMail, parse_mail
from vafa.channels.email.thread import thread_find, thread_ids_lookup
from vafa.channels.models import (
    BlockedSender,
    InboundMail,
    InboundState,
    Mailbox,
    OutboundMail,
    QuarantineReason,
)
from vafa.channels.services import inbound_raw, mailbox_for_recipients
from vafa.core.errors import VafaError
from vafa.core.jobs import work_is_last_attempt
from vafa.customers.models import ContactPoint, Customer
from vafa.customers.services import contact_email_failing, contact_email_working, customer_create
from vafa.service.models import Case, CaseStatus, Channel, Message
from vafa.service.services import (
    BLOCKED_EXTENSIONS,
    AttachmentInput,
    case_customer_reply,
    case_open,
    case_reopen,
    content_type_allowed,
)

logger = logging.getLogger(__name__)

RATE_WINDOW = dt.timedelta(hours=1)
MAX_LISTED_ADDRESSES = 50


class Quarantined(Exception):
    """Processing stops here: the message is kept in quarantine with this reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Outcome:
    case: Case | None
    message_id: int | None
    detail: str = ""
    skipped: list[dict[str, Any]] | None = None


def sender_address(inbound: InboundMail, parsed: ParsedMail) -> str:
    """Who wrote: the From address, else the envelope sender (a script's mail often has no From)."""
    if parsed.sender is not None and parsed.sender.address:
        return parsed.sender.address
    envelope = inbound.envelope_from.strip().strip("<>").strip().lower()
    return envelope if ADDRESS_PATTERN.match(envelope) else ""


def _listing(parsed: ParsedMail) -> dict[str, Any]:
    """The columns the quarantine and the mail log show, filled as soon as the mail is read."""
    return {
        "rfc_message_id": parsed.message_id[:255],
        "content_hash": parsed.content_hash,
        "subject": parsed.subject[:250],
        "from_address": (parsed.sender.address if parsed.sender else "")[:254],
        "from_name": (parsed.sender.name if parsed.sender else "")[:200],
        "to_addresses": [a.address for a in parsed.to if a.address][:MAX_LISTED_ADDRESSES],
        "cc_addresses": [a.address for a in parsed.cc if a.address][:MAX_LISTED_ADDRESSES],
        "auto_reply": parsed.auto_reply,
        "bounce": parsed.bounce,
    }


def _skipped(parsed: ParsedMail) -> list[dict[str, Any]]:
    return [
        {
            "filename": part.filename,
            "content_type": part.content_type,
            "size": part.size,
            "reason": part.reason,
        }
        for part in parsed.skipped
    ]


def _attachments(parsed: ParsedMail, skipped: list[dict[str, Any]]) -> list[AttachmentInput]:
    """The parts that may go on the case; those the case services would refuse are recorded instead."""
    kept: list[AttachmentInput] = []
    for part in parsed.attachments:
        content_type = (
            part.content_type if content_type_allowed(part.content_type) else "application/octet-stream"
        )
        if PurePath(part.filename).suffix.lower() in BLOCKED_EXTENSIONS:
            skipped.append(
                {
                    "filename": part.filename,
                    "content_type": part.content_type,
                    "size": len(part.content),
                    "reason": "blocked_type",
                }
            )
            continue
        kept.append(
            AttachmentInput(
                filename=part.filename,
                content_type=content_type,
                content=part.content,
                content_id=part.content_id,
            )
        )
    return kept


@dataclass
class Known:
    """What a batch of mail looks up once, kept current as each of its messages is processed.

    Asking for each message's twin, sender, block-list entry, recent mail and thread costs a query
    apiece; a batch asks once for all of them. A message later in the batch sees what an earlier
    one did: a twin, a new customer, a reply to it, one more mail towards the sender's hourly limit.
    """

    twins: dict[tuple[str, str], tuple[int, int | None, int | None]] = field(default_factory=dict)
    customers: dict[str, tuple[Customer, bool]] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    recent: dict[str, list[dt.datetime]] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)

    @classmethod
    def gather(cls, items: Sequence[tuple[InboundMail, ParsedMail]]) -> Known:
        known = cls()
        if not items:
            return known
        message_ids = list({parsed.message_id[:255] for _inbound, parsed in items if parsed.message_id})
        # Mail without a Message-ID is matched by its content alone.
        anonymous = list({parsed.content_hash for _inbound, parsed in items if not parsed.message_id})
        for message_id, content_hash, pk, case_id, message_id_fk in InboundMail.objects.filter(
            Q(rfc_message_id__in=message_ids) | Q(rfc_message_id="", content_hash__in=anonymous),
            state=InboundState.PROCESSED,
        ).values_list("rfc_message_id", "content_hash", "pk", "case_id", "message_id"):
            known.twins.setdefault((message_id, content_hash), (pk, case_id, message_id_fk))
        addresses = list(
            {address for inbound, parsed in items if (address := sender_address(inbound, parsed))}
        )
        if addresses:
            for customer in Customer.objects.filter(
                contact_points__kind=ContactPoint.Kind.EMAIL, contact_points__value__in=addresses
            ).annotate(
                matched_address=F("contact_points__value"),
                address_failing_since=F("contact_points__failing_since"),
            ):
                known.customers[customer.matched_address] = (  # type: ignore[attr-defined]
                    customer,
                    customer.address_failing_since is not None,  # type: ignore[attr-defined]
                )
            domains = {"@" + address.rpartition("@")[2] for address in addresses}
            known.blocked = set(
                BlockedSender.objects.filter(pattern__in=[*addresses, *domains]).values_list(
                    "pattern", flat=True
                )
            )
            received = [inbound.received_at for inbound, _parsed in items]
            for address, at in (
                InboundMail.objects.filter(
                    from_address__in=addresses,
                    received_at__gte=min(received) - RATE_WINDOW,
                    received_at__lt=max(received),
                )
                .exclude(pk__in=[inbound.pk for inbound, _parsed in items])
                .values_list("from_address", "received_at")
            ):
                known.recent.setdefault(address, []).append(at)
        known.threads = thread_ids_lookup(
            [mail_id for _inbound, parsed in items for mail_id in (*parsed.in_reply_to, *parsed.references)]
        )
        return known

    def twin(self, parsed: ParsedMail) -> tuple[int, int | None, int | None] | None:
        """An earlier delivery of the same message (same Message-ID, same content) that was processed."""
        return self.twins.get((parsed.message_id[:255], parsed.content_hash))

    def remember(self, inbound: InboundMail, parsed: ParsedMail) -> None:
        """Let the rest of the batch see what processing `inbound` did."""
        if inbound.state == InboundState.PROCESSED:
            self.twins.setdefault(
                (parsed.message_id[:255], parsed.content_hash),
                (inbound.pk, inbound.case_id, inbound.message_id),
            )
            if parsed.message_id and inbound.case_id is not None:
                self.threads.setdefault(parsed.message_id[:255], inbound.case_id)
        if address := sender_address(inbound, parsed):
            self.recent.setdefault(address, []).append(inbound.received_at)


def _mailbox(inbound: InboundMail, parsed: ParsedMail) -> Mailbox:
    if inbound.mailbox is not None and inbound.mailbox.is_active:
        return inbound.mailbox
    found = mailbox_for_recipients(
        [*inbound.envelope_to, *(a.address for a in parsed.to), *(a.address for a in parsed.cc)]
    )
    if found is None:
        raise Quarantined(QuarantineReason.NO_MAILBOX)
    return found


def _bounce(parsed: ParsedMail, now: dt.datetime) -> Outcome:
    """A delivery failure report: the address is marked failing and the sent mail marked bounced."""
    for address in parsed.bounced_addresses:
        contact_email_failing(address=address, at=now, reason="bounce")
    case = None
    if parsed.bounced_message_id:
        outbound = (
            OutboundMail.objects.select_related("case")
            .filter(rfc_message_id=parsed.bounced_message_id)
            .first()
        )
        if outbound is not None:
            OutboundMail.objects.filter(pk=outbound.pk).update(
                state=OutboundMail.State.BOUNCED, bounced_at=now
            )
            case = outbound.case
    return Outcome(case=case, message_id=None, detail="bounce: " + ", ".join(parsed.bounced_addresses))


OWN_ADDRESSES_TTL_SECONDS = 30.0
_own_addresses: tuple[float, frozenset[str]] = (0.0, frozenset())


def _is_own_address(address: str) -> bool:
    """Whether `address` is one of Vafa's mailboxes (a forwarding loop); read at most every 30 s."""
    global _own_addresses
    read_at, addresses = _own_addresses
    if time.monotonic() - read_at > OWN_ADDRESSES_TTL_SECONDS:
        addresses = frozenset(Mailbox.objects.values_list("address", flat=True))
        _own_addresses = (time.monotonic(), addresses)
    return address in addresses


def own_addresses_forget() -> None:
    """Read the mailboxes' addresses afresh on the next check (after a mailbox was added or changed)."""
    global _own_addresses
    _own_addresses = (0.0, frozenset())


def _check_sender(
    inbound: InboundMail, mailbox: Mailbox, address: str, known: Known, *, release: bool
) -> None:
    if release:
        return
    if _is_own_address(address):
        raise Quarantined(QuarantineReason.LOOP, address)
    if address in known.blocked or "@" + address.rpartition("@")[2] in known.blocked:
        raise Quarantined(QuarantineReason.BLOCKED, address)
    if mailbox.sender_rate_limit:
        # Every earlier delivery from the address counts, duplicates and held ones too: a storm
        # that keeps going stays held.
        since = inbound.received_at - RATE_WINDOW
        recent = sum(1 for at in known.recent.get(address, ()) if since <= at < inbound.received_at)
        if recent >= mailbox.sender_rate_limit:
            raise Quarantined(QuarantineReason.RATE_LIMITED, f"{recent + 1}/{mailbox.sender_rate_limit}")


def _customer(parsed: ParsedMail, mailbox: Mailbox, address: str, known: Known, *, release: bool) -> Customer:
    if address in known.customers:
        customer, failing = known.customers[address]
        if failing:
            contact_email_working(address=address)
            known.customers[address] = (customer, False)
        return customer
    if not (mailbox.create_customers or release):
        raise Quarantined(QuarantineReason.UNKNOWN_SENDER, address)
    name = (parsed.sender.name if parsed.sender else "").strip() or address.partition("@")[0]
    customer = customer_create(
        actor=None, name=name[:200], emails=[address], language=parsed.language or mailbox.language
    )
    known.customers[address] = (customer, False)
    return customer


def _body(parsed: ParsedMail, language: str) -> tuple[str, str | None]:
    """The text and HTML to record; a mail with no words (only files, or only headers) still says so."""
    if parsed.text.strip() or parsed.html.strip():
        return parsed.text, parsed.html or None
    with translation.override(language):
        return gettext("(The e-mail had no text.)"), None


def _deliver(
    inbound: InboundMail, parsed: ParsedMail, mailbox: Mailbox, known: Known, *, release: bool
) -> Outcome:
    address = sender_address(inbound, parsed)
    if not address:
        raise Quarantined(QuarantineReason.NO_SENDER)
    _check_sender(inbound, mailbox, address, known, release=release)
    customer = _customer(parsed, mailbox, address, known, release=release)
    match = thread_find(
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject_numbers=subject_case_numbers(parsed.subject, settings.VAFA_CASE_PREFIX),
        customer=customer,
        known=known.threads,
    )
    language = parsed.language or customer.language
    skipped = _skipped(parsed)
    attachments = _attachments(parsed, skipped)
    text, html = _body(parsed, language)
    follow_up_of: Case | None = None
    if match is not None:
        case = match.case
        if case.status == CaseStatus.CLOSED and mailbox.closed_case_policy == Mailbox.ClosedCasePolicy.REOPEN:
            case = case_reopen(actor=None, case=case, reason="customer wrote by e-mail")
        if case.status != CaseStatus.CLOSED:
            message = case_customer_reply(
                case=case,
                customer=customer,
                body=text,
                body_html=html,
                attachments=attachments,
                channel=Channel.EMAIL,
            )
            return Outcome(
                case=case, message_id=message.pk, detail=f"threaded by {match.by}", skipped=skipped
            )
        follow_up_of = case
    with translation.override(language):
        subject = parsed.subject.strip()[:250] or gettext("(no subject)")
    case = case_open(
        actor=None,
        customer=customer,
        subject=subject,
        body=text,
        body_html=html,
        channel=Channel.EMAIL,
        team=mailbox.team,
        language=language,
        attachments=attachments,
        follow_up_of=follow_up_of,
    )
    first_id = Message.objects.filter(case=case).order_by("id").values_list("pk", flat=True).first()
    return Outcome(
        case=case, message_id=first_id, detail="follow-up" if follow_up_of else "new case", skipped=skipped
    )


def _save(inbound: InboundMail, **fields: Any) -> None:
    """Write the row's new state and keep the object in step (the caller returns it)."""
    fields["attempts"] = inbound.attempts + 1
    InboundMail.objects.filter(pk=inbound.pk).update(**fields)
    for name, value in fields.items():
        setattr(inbound, name, value)


def _quarantine(inbound: InboundMail, reason: str, detail: str, listing: dict[str, Any]) -> None:
    _save(
        inbound,
        **listing,
        state=InboundState.QUARANTINED,
        reason=reason,
        detail=detail[:4000],
        processed_at=timezone.now(),
    )


def _read(inbound: InboundMail) -> ParsedMail | None:
    """Parse a stored message; an unreadable one goes to the quarantine at once (None)."""
    try:
        return parse_mail(
            inbound_raw(inbound),
            max_part_bytes=settings.VAFA_ATTACHMENT_MAX_BYTES,
            max_parts=settings.VAFA_ATTACHMENT_MAX_COUNT,
        )
    except MailParseError as exc:
        _quarantine(inbound, QuarantineReason.UNREADABLE, f"{exc.code}: {exc.detail}", {})
        return None


def _run(inbound: InboundMail, parsed: ParsedMail, known: Known) -> None:
    """Process one parsed message; a fault of the mail or of its sender ends in the quarantine, while
    anything unexpected (a database error) is raised with the message's own work rolled back."""
    listing = _listing(parsed)
    listing["from_address"] = listing["from_address"] or sender_address(inbound, parsed)[:254]
    try:
        with transaction.atomic():
            _process(inbound, parsed, listing, known, release=inbound.detail == "release")
    except Quarantined as exc:
        _quarantine(inbound, exc.reason, exc.detail, listing)
    except VafaError as exc:
        _quarantine(inbound, QuarantineReason.REJECTED, str(exc.message), listing)
    known.remember(inbound, parsed)


def inbound_process(*, inbound_id: int) -> InboundMail:
    """Process a stored e-mail into a case (safe to run again), or quarantine it with the reason."""
    inbound = InboundMail.objects.select_related("mailbox").get(pk=inbound_id)
    if inbound.state != InboundState.RECEIVED:
        return inbound
    parsed: ParsedMail | None = None
    try:
        parsed = _read(inbound)
        if parsed is not None:
            _run(inbound, parsed, Known.gather([(inbound, parsed)]))
    except Exception:
        if not work_is_last_attempt():
            raise
        logger.exception("E-mail %s could not be processed; it is quarantined", inbound.pk)
        listing = _listing(parsed) if parsed is not None else {}
        _quarantine(inbound, QuarantineReason.FAILED, traceback.format_exc(limit=6), listing)
    return inbound


def inbound_process_batch(*, inbound_ids: Sequence[int]) -> list[int]:
    """Process several stored e-mails in the caller's transaction, each in its own savepoint.

    One commit and one round of look-ups for many messages is what a batch saves: every message
    touches the same pages of the same indexes. Returns the ids whose processing failed
    unexpectedly; their work is rolled back and they stay "received" for a retry on their own.
    """
    failed: list[int] = []
    items: list[tuple[InboundMail, ParsedMail]] = []
    for inbound in InboundMail.objects.select_related("mailbox").filter(pk__in=inbound_ids).order_by("id"):
        if inbound.state != InboundState.RECEIVED:
            continue
        try:
            parsed = _read(inbound)
        except Exception:
            logger.exception("E-mail %s could not be read in a batch; it will be retried", inbound.pk)
            failed.append(inbound.pk)
            continue
        if parsed is not None:
            items.append((inbound, parsed))
    known = Known.gather(items)
    for inbound, parsed in items:
        try:
            with transaction.atomic():
                _run(inbound, parsed, known)
        except Exception:
            logger.exception("E-mail %s could not be processed in a batch; it will be retried", inbound.pk)
            failed.append(inbound.pk)
    return failed


def _process(
    inbound: InboundMail, parsed: ParsedMail, listing: dict[str, Any], known: Known, *, release: bool
) -> None:
    now = timezone.now()
    twin = known.twin(parsed)
    if twin is not None:
        _save(
            inbound,
            **listing,
            state=InboundState.DUPLICATE,
            duplicate_of_id=twin[0],
            case_id=twin[1],
            message_id=twin[2],
            processed_at=now,
        )
        return
    mailbox = _mailbox(inbound, parsed)
    outcome = (
        _bounce(parsed, now) if parsed.bounce else _deliver(inbound, parsed, mailbox, known, release=release)
    )
    _save(
        inbound,
        **listing,
        mailbox=mailbox,
        state=InboundState.PROCESSED,
        reason="",
        detail=outcome.detail[:4000],
        skipped_parts=outcome.skipped if outcome.skipped is not None else _skipped(parsed),
        case=outcome.case,
        message_id=outcome.message_id,
        processed_at=now,
        dedupe_key=f"{parsed.message_id[:120]}:{parsed.content_hash}",
    )
