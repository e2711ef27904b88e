"""The HTTP inbound endpoint: a mail provider posts raw MIME, signed with the mailbox's shared secret.

    POST /api/v1/mail/inbound/{mailbox_id}
    X-Vafa-Timestamp: <unix seconds>
    X-Vafa-Signature: sha256=<hex of HMAC-SHA256(inbound_secret, "<timestamp>." + body)>

The signature is the authentication: there is no user, so the operation takes no token. The body is
stored untouched (202) before anything reads it; processing follows in the worker.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from enum import StrEnum

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.responses import Status

from vafa.api.errors import ERRORS, ApiErrorCode, ErrorOut, error_body
from vafa.api.types import Id
from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import inbound_store
from vafa.core.errors import NotFound, VafaError

logger = logging.getLogger(__name__)

router = Router(tags=["mail"], auth=None)

TIMESTAMP_HEADER = "X-Vafa-Timestamp"
SIGNATURE_HEADER = "X-Vafa-Signature"
SIGNATURE_PREFIX = "sha256="
READ_CHUNK = 1024 * 1024
RETRY_AFTER_SECONDS = 60


class InboundError(StrEnum):
    """Stable codes of the inbound endpoint."""

    SIGNATURE_INVALID = "signature_invalid"
    EMPTY = "empty_message"
    UNAVAILABLE = "unavailable"


class InboundOut(Schema):
    id: int
    state: str


def inbound_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a sender puts after "sha256=" for this timestamp and body."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _refuse_signature() -> VafaError:
    # One answer for every signature problem: a caller learns nothing about which part was wrong.
    return VafaError(
        InboundError.SIGNATURE_INVALID,
        _("The request's signature is missing, wrong or too old."),
        status=401,
    )


def _fresh_timestamp(request: HttpRequest) -> str:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise _refuse_signature()
    if abs(time.time() - int(timestamp)) > settings.VAFA_MAIL_HTTP_MAX_AGE_SECONDS:
        raise _refuse_signature()
    return timestamp


def _too_large() -> VafaError:
    return VafaError(
        ApiErrorCode.TOO_LARGE,
        _("The message is larger than %(limit)s bytes.") % {"limit": settings.VAFA_MAIL_MAX_BYTES},
        status=413,
    )


def _read_body(request: HttpRequest, limit: int) -> bytes:
    # Read from the stream, not request.body: request.body refuses anything over
    # DATA_UPLOAD_MAX_MEMORY_SIZE (30 MB), a guard meant for forms and JSON, while a raw message with
    # attachments may rightly be larger. VAFA_MAIL_MAX_BYTES is the limit here, applied while reading
    # so that an oversized body is never held whole.
    declared = request.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(min(READ_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_large()
    return b"".join(chunks)


@router.post(
    "/mail/inbound/{mailbox_id}",
    response={202: InboundOut, **ERRORS, 503: ErrorOut},
    auth=None,
    # Outside the schema: it is called by mail providers with a signature, not by API clients with
    # a token; docs/api.md describes it.
    include_in_schema=False,
)
def mail_inbound(request: HttpRequest, mailbox_id: Id) -> Status[InboundOut] | JsonResponse:
    """Store a raw message a mail provider posts for an HTTP mailbox."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True, method=Mailbox.Method.HTTP).first()
    if mailbox is None:
        # Unknown, inactive and not-HTTP mailboxes answer alike, so ids cannot be probed.
        raise NotFound(_("Not found."))
    timestamp = _fresh_timestamp(request)
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not given.lower().startswith(SIGNATURE_PREFIX):
        raise _refuse_signature()
    body = _read_body(request, settings.VAFA_MAIL_MAX_BYTES)
    if not body.strip():
        raise VafaError(InboundError.EMPTY, _("The message is empty."), status=400)
    expected = inbound_signature(mailbox.inbound_secret, timestamp, body)
    if not hmac.compare_digest(
        expected.encode(), given[len(SIGNATURE_PREFIX) :].lower().encode("utf-8", errors="replace")
    ):
        raise _refuse_signature()
    try:
        inbound = inbound_store(
            raw=body, via=InboundMail.Via.HTTP, mailbox=mailbox, envelope_to=[mailbox.address]
        )
    except Exception:
        # Storage or the database refused: the provider keeps the message and retries it.
        logger.exception("Could not store a message of %s bytes posted for mailbox %s", len(body), mailbox.pk)
        response = JsonResponse(
            error_body(InboundError.UNAVAILABLE, _("The message could not be stored now; try again later.")),
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    logger.info("Stored inbound mail %s: %s bytes posted for mailbox %s", inbound.pk, len(body), mailbox.pk)
    return Status(202, InboundOut(id=inbound.pk, state=inbound.state))
