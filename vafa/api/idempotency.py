"""`Idempotency-Key` on POST: a retried request gets the first answer again and changes nothing.

The first request with a key claims it (user, key, method, path, SHA-256 of the body) in a row
committed before the work starts; its answer is stored when the work ends. A retry with the same
key and the same body replays that answer with `Idempotent-Replayed: true`; the same key with
another request answers 422 `idempotency_key_reused`; a retry while the first is still running
answers 409 `idempotency_in_progress`. Server errors are not stored, so the client may retry them.
Keys expire after VAFA_IDEMPOTENCY_TTL_HOURS.

Two wrappers do this, because the user is known only after authentication but the answer only
after ninja has rendered it: `claim_key` wraps each operation (after authentication and
validation) and `store_answer` wraps each operation's whole run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.api.errors import ApiErrorCode
from vafa.api.models import IdempotencyRecord
from vafa.core.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REQUEST_ATTR = "_vafa_idempotency_record"

# Documented on every POST operation of the OpenAPI schema.
OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique string (a UUID) of 1-255 printable ASCII characters; a retry with the same key "
    "and body replays the first answer instead of acting twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.status_code,
        content_type="application/json; charset=utf-8",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(request: HttpRequest, key: str) -> IdempotencyRecord | HttpResponse:
    user = request.auth  # type: ignore[attr-defined]
    method = request.method or "POST"
    path = request.path[:500]
    digest = hashlib.sha256(request.body).hexdigest()
    expired_before = timezone.now() - dt.timedelta(hours=settings.VAFA_IDEMPOTENCY_TTL_HOURS)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user, key=key, method=method, path=path, request_hash=digest
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # expired and pruned between the insert and the read
        if existing.created_at < expired_before:
            IdempotencyRecord.objects.filter(pk=existing.pk).delete()
            continue
        if (existing.method, existing.path, existing.request_hash) != (method, path, digest):
            raise ValidationFailed(
                _("This Idempotency-Key was already used for a different request."),
                fields={HEADER: [_("Use a new key for a new request.")]},
                code=ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
        if existing.status_code is None:
            raise Conflict(
                _("A request with this Idempotency-Key is still being processed; retry shortly."),
                code=ApiErrorCode.IDEMPOTENCY_IN_PROGRESS,
            )
        return _replay(existing)
    raise Conflict(
        _("A request with this Idempotency-Key is still being processed; retry shortly."),
        code=ApiErrorCode.IDEMPOTENCY_IN_PROGRESS,
    )


def claim_key(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Operation wrapper: replay, refuse, or claim the key before the operation runs."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or getattr(request, "auth", None) is None:
            return view_func(request, *args, **kwargs)
        if not _KEY.match(key):
            raise ValidationFailed(
                _("Some fields are not valid."),
                fields={HEADER: [_("Use 1 to 255 printable ASCII characters.")]},
            )
        claimed = _claim(request, key)
        if isinstance(claimed, HttpResponse):
            return claimed
        setattr(request, _REQUEST_ATTR, claimed)
        return view_func(request, *args, **kwargs)

    return wrapper


def store_answer(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Run wrapper: keep the rendered answer of a claimed key, or free the key after a server error."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            _release(request)
            raise
        record: IdempotencyRecord | None = getattr(request, _REQUEST_ATTR, None)
        if record is not None:
            if response.status_code >= 500 or not isinstance(response, HttpResponse):
                _release(request)
            else:
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    status_code=response.status_code, response_body=response.content
                )
        return response

    return wrapper


def _release(request: HttpRequest) -> None:
    record: IdempotencyRecord | None = getattr(request, _REQUEST_ATTR, None)
    if record is not None:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
