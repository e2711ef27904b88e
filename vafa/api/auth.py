"""Who is calling: a bearer token (integrations) or the web UI's session (with CSRF on unsafe methods)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager, require_staff  # noqa: F401 - re-exported for the routers
from vafa.accounts.services import token_authenticate
from vafa.api.errors import ApiErrorCode
from vafa.core.errors import Forbidden
from vafa.core.i18n import language_codes

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _speak_users_language(request: HttpRequest, user: User) -> None:
    """Answer in the user's language and time zone, unless the request names a language.

    Session users get this from UserLanguageMiddleware; a token's user is known only here. The
    middleware deactivates the time zone when the answer leaves.
    """
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        timezone.deactivate()
    if request.headers.get("Accept-Language") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return
    if user.language in language_codes():
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class BearerAuth(HttpBearer):
    """`Authorization: Bearer vafa_…` — a token issued with `vafa token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        _speak_users_language(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in user of the web UI; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        unsafe = request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False)
        if unsafe and check_csrf(request) is not None:
            raise Forbidden(_("The CSRF token is missing or wrong."), code=ApiErrorCode.CSRF_FAILED)
        return user


bearer_auth = BearerAuth()
session_auth = SessionAuth()
AUTH = [bearer_auth, session_auth]


def viewer(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined, no-any-return]
