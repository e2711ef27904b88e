"""Signing of webhook requests, and the receiver's check of it (the recipe in docs/webhooks.md).

`Vafa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`. The timestamp
is signed with the body, so a captured request cannot be replayed after the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Vafa-Signature"
EVENT_HEADER = "Vafa-Event"
DELIVERY_HEADER = "Vafa-Delivery"
USER_AGENT = "Vafa-Webhooks/1"
DEFAULT_TOLERANCE_SECONDS = 300


def webhook_signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The value of the Vafa-Signature header for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` is a valid signature of `body` made less than `tolerance` seconds ago."""
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    # Several v1 values may be sent while a secret is being rotated; any may match.
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", []))
