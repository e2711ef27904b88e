"""Slowing down form spam: a honeypot field that people never see and naive bots fill in; the client's IP.

Forms that anyone may post (sign-up, sign-in links, the widget, "ask for help") include
`{% include "portal/account/_honeypot.html" %}`; the view checks `honeypot_tripped(request.POST)`
and, when it is, answers exactly as on success while doing nothing, so the bot learns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

HONEYPOT_FIELD = "website"


def honeypot_tripped(data: Mapping[str, Any]) -> bool:
    """Whether the hidden honeypot field came back filled in (a person leaves it empty)."""
    value = data.get(HONEYPOT_FIELD)
    if value is None:
        return False
    return bool(str(value).strip())


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for per-IP limits.

    Behind the TLS proxy (BEHIND_TLS_PROXY) it is the last address of X-Forwarded-For, the one the
    proxy itself appended; earlier entries are whatever the client chose to send.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]
