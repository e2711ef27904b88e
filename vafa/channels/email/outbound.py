"""Outbound e-mail: who a case's mail goes to, the outbox row, and the work that sends it.

Case events (`case.opened`, `case.replied`, `case.resolved`) schedule work here; each handler decides
whether a mail is due and queues one OutboundMail row, and `channels.email_send` sends it.

Sending runs outside a database transaction (`work_handler(..., atomic=False)`): the claim, the
outcome and a failure's attempt count and error are each committed on their own, so no transaction
(on SQLite, the write lock) is held while an SMTP server is talked to. A failure is recorded on the
row and raised, and core.jobs retries with back-off; on the last attempt the row ends as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vafa.channels.email.compose import outbound_message_build, outbound_subject, sender_address
from vafa.channels.models import InboundMail, InboundState, Mailbox, OutboundMail
from vafa.core.jobs import work_handler, work_is_last_attempt, work_schedule, work_subscribe
from vafa.customers.models import ContactPoint
from vafa.service.models import Case, CaseStatus, Channel, Message

logger = logging.getLogger(__name__)

SEND_KIND = "channels.email_send"
ACKNOWLEDGE_KIND = "channels.email_acknowledge"
REPLY_KIND = "channels.email_reply"
RESOLVED_KIND = "channels.email_resolved"
# References keeps the thread's root and its most recent messages (RFC 5322 §3.6.4 lets it be cut).
MAX_REFERENCES = 20
NOTIFY_CHANNELS = (Channel.EMAIL, Channel.PORTAL)
Kind = OutboundMail.Kind


# --- deciding and queueing ------------------------------------------------------------------------


def _customer_addresses(case: Case) -> list[ContactPoint]:
    return list(ContactPoint.objects.filter(customer_id=case.customer_id, kind=ContactPoint.Kind.EMAIL))


def _latest_customer_mail(case: Case, addresses: list[str]) -> InboundMail | None:
    """The customer's most recent mail on the case: what a reply answers, and where it goes."""
    return (
        InboundMail.objects.select_related("mailbox")
        .filter(case=case, state=InboundState.PROCESSED, bounce=False)
        .filter(Q(message__author_customer_id=case.customer_id) | Q(from_address__in=addresses))
        .exclude(from_address="")
        .order_by("-received_at", "-id")
        .first()
    )


def _mailbox(inbound: InboundMail | None) -> Mailbox | None:
    if inbound is not None and inbound.mailbox is not None and inbound.mailbox.is_active:
        return inbound.mailbox
    return Mailbox.objects.filter(is_default=True, is_active=True).first()


def _unique(addresses: list[str], exclude: set[str]) -> list[str]:
    seen: list[str] = []
    for raw in addresses:
        address = raw.strip().lower()
        if address and "@" in address and address not in exclude and address not in seen:
            seen.append(address)
    return seen


def _threading(case: Case, inbound: InboundMail | None) -> tuple[str, str]:
    """In-Reply-To and References for a new mail on the case (ids without angle brackets)."""
    mails: list[tuple[dt.datetime, int, str]] = [
        (received_at, 0, message_id)
        for received_at, message_id in InboundMail.objects.filter(
            case=case, state=InboundState.PROCESSED, bounce=False
        )
        .exclude(rfc_message_id="")
        .values_list("received_at", "rfc_message_id")
    ]
    mails += [
        (created_at, 1, message_id)
        for created_at, message_id in OutboundMail.objects.filter(case=case).values_list(
            "created_at", "rfc_message_id"
        )
    ]
    chain = list(dict.fromkeys(message_id for _at, _order, message_id in sorted(mails)))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    if inbound is not None and inbound.rfc_message_id:
        in_reply_to = inbound.rfc_message_id
    else:
        latest = OutboundMail.objects.filter(case=case).order_by("-created_at", "-id").first()
        in_reply_to = latest.rfc_message_id if latest is not None else ""
    return in_reply_to, " ".join(f"<{message_id}>" for message_id in chain)


def _already_queued(case: Case, kind: str, message: Message | None) -> OutboundMail | None:
    existing = OutboundMail.objects.filter(case=case, kind=kind)
    if kind == Kind.REPLY:
        existing = existing.filter(message=message)
    elif kind == Kind.RESOLVED:
        # One notice per resolution: a case resolved again after a reopening is told again.
        existing = existing.filter(created_at__gte=case.resolved_at) if case.resolved_at else existing.none()
    return existing.order_by("-created_at", "-id").first()


def outbound_queue(*, case: Case, kind: Kind, message: Message | None = None) -> OutboundMail | None:
    """Queue the mail of `kind` about the case for sending; None when there is nobody to send it to."""
    existing = _already_queued(case, kind, message)
    if existing is not None:
        return existing
    points = _customer_addresses(case)
    inbound = _latest_customer_mail(case, [point.value for point in points])
    if inbound is not None:
        to_address = inbound.from_address.strip().lower()
    else:
        primary = sorted(points, key=lambda point: (not point.is_primary, point.pk))
        to_address = primary[0].value.strip().lower() if primary else ""
    if not to_address:
        return None
    own = {
        address.lower()
        for address in Mailbox.objects.filter(is_active=True).values_list("address", flat=True)
    }
    if to_address in own:
        return None  # never write to one of Vafa's own addresses: a loop
    if kind != Kind.REPLY:
        failing = ContactPoint.objects.filter(
            kind=ContactPoint.Kind.EMAIL, value=to_address, failing_since__isnull=False
        ).exists()
        if failing:
            return None  # a notification is not worth another bounce; an agent's reply still goes
    cc: list[str] = []
    if kind == Kind.REPLY and inbound is not None:
        cc = _unique([*inbound.cc_addresses, *inbound.to_addresses], own | {to_address})
    mailbox = _mailbox(inbound)
    from_address = sender_address(mailbox)
    domain = settings.VAFA_MAIL_DOMAIN or from_address.rpartition("@")[2] or "vafa.localhost"
    in_reply_to, references = _threading(case, inbound)
    outbound = OutboundMail.objects.create(
        case=case,
        message=message,
        mailbox=mailbox,
        kind=kind,
        language=case.language,
        from_address=from_address,
        to_addresses=[to_address],
        cc_addresses=cc,
        subject=outbound_subject(case=case, kind=kind),
        rfc_message_id=make_msgid(domain=domain).strip("<>"),
        in_reply_to=in_reply_to,
        references=references,
        state=OutboundMail.State.QUEUED,
        created_at=timezone.now(),
    )
    work_schedule(SEND_KIND, {"outbound_id": outbound.pk}, dedupe_key=f"email_send:{outbound.pk}")
    return outbound


# --- sending --------------------------------------------------------------------------------------


def outbound_send(*, outbound_id: int) -> str:
    """Send a queued e-mail once; on failure record why and raise, so that the work is retried."""
    outbound = (
        OutboundMail.objects.select_related("case__customer", "mailbox", "message__author_user")
        .filter(pk=outbound_id)
        .first()
    )
    if outbound is None:
        return "missing"
    if outbound.state not in (OutboundMail.State.QUEUED, OutboundMail.State.SENDING):
        return str(outbound.state)  # sent, failed or bounced: never sent twice
    try:
        email = outbound_message_build(outbound)
    except Exception as exc:
        return _failed(outbound, exc)
    # The claim, committed. A row found "sending" was claimed by a worker that died before it could
    # record the outcome (the pending work's lock expired): the server may or may not have taken it,
    # and sending it again is the only way not to lose it. It goes with the SAME Message-ID, so the
    # customer's client (and Vafa's own inbound de-duplication) treats a second copy as the same
    # message, and a reply to either copy threads to this case.
    claimed = OutboundMail.objects.filter(
        pk=outbound.pk, state__in=[OutboundMail.State.QUEUED, OutboundMail.State.SENDING]
    ).update(state=OutboundMail.State.SENDING)
    if not claimed:
        return str(OutboundMail.objects.values_list("state", flat=True).get(pk=outbound.pk))
    try:
        with get_connection() as connection:
            connection.send_messages([email])
    except Exception as exc:
        return _failed(outbound, exc)
    OutboundMail.objects.filter(pk=outbound.pk).update(
        state=OutboundMail.State.SENT, sent_at=timezone.now(), attempts=outbound.attempts + 1, last_error=""
    )
    return "sent"


class SendFailed(Exception):
    """A send failed and will be tried again (raised so that the pending work backs off)."""


def _failed(outbound: OutboundMail, exc: Exception) -> str:
    attempts = outbound.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    final = work_is_last_attempt()
    logger.warning("Sending e-mail %s failed (attempt %s): %s", outbound.pk, attempts, error)
    OutboundMail.objects.filter(pk=outbound.pk).update(
        state=OutboundMail.State.FAILED if final else OutboundMail.State.QUEUED,
        attempts=attempts,
        last_error=error,
    )
    if final:
        return "failed"
    raise SendFailed(error) from exc


# --- work -----------------------------------------------------------------------------------------


def _case(payload: dict[str, Any]) -> Case | None:
    # The row lock makes two runs of the same event (a lock that expired mid-run) queue one mail.
    return Case.objects.select_for_update().filter(pk=int(payload["case_id"])).first()


@work_handler(SEND_KIND, atomic=False)
def outbound_send_work(payload: dict[str, Any]) -> None:
    outbound_send(outbound_id=int(payload["outbound_id"]))


@work_handler(ACKNOWLEDGE_KIND)
@transaction.atomic
def outbound_acknowledge_work(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None or case.channel not in NOTIFY_CHANNELS:
        return
    if case.channel == Channel.EMAIL:
        first = (
            InboundMail.objects.select_related("mailbox")
            .filter(case=case)
            .order_by("received_at", "id")
            .first()
        )
        if first is None or first.mailbox is None or not first.mailbox.send_acknowledgement:
            return
        if first.auto_reply or first.bounce:
            return  # never answer a machine: that is how mail loops start
    outbound_queue(case=case, kind=Kind.ACKNOWLEDGEMENT)


@work_handler(REPLY_KIND)
@transaction.atomic
def outbound_reply_work(payload: dict[str, Any]) -> None:
    message = Message.objects.filter(pk=int(payload["data"]["message"])).first()
    if message is None or message.is_internal:
        return
    # The message's own case: a merge may have moved it since the event.
    case = _case({"case_id": message.case_id})
    if case is None:
        return
    outbound_queue(case=case, kind=Kind.REPLY, message=message)


@work_handler(RESOLVED_KIND)
@transaction.atomic
def outbound_resolved_work(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None or case.channel not in NOTIFY_CHANNELS:
        return
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED) or case.resolved_at is None:
        return  # reopened before the notice went out: it would be news that is no longer true
    outbound_queue(case=case, kind=Kind.RESOLVED)


work_subscribe("case.opened", ACKNOWLEDGE_KIND)
work_subscribe("case.replied", REPLY_KIND)
work_subscribe("case.resolved", RESOLVED_KIND)
