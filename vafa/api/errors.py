"""One error shape for every API answer that is not a success, with stable codes and translated messages.

    {"error": {"code": "not_found", "message": "No such case.", "fields": {"subject": ["…"]}}}

The handlers registered here turn every exception a client can cause into that shape, so that a
client mistake never becomes a 5xx or an HTML page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from vafa.core.errors import ErrorCode, VafaError
from vafa.core.keyset import BAD_CURSOR

logger = logging.getLogger(__name__)


class ApiErrorCode:
    """Codes the API adds to the shared ones in vafa.core.errors.ErrorCode."""

    MALFORMED_JSON = "malformed_json"
    NOT_AUTHENTICATED = "not_authenticated"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TOO_LARGE = ErrorCode.TOO_LARGE.value
    BAD_REQUEST = "bad_request"
    CSRF_FAILED = "csrf_failed"
    BAD_CURSOR = BAD_CURSOR
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    THROTTLED = "throttled"


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    """The body of every error answer."""

    error: ErrorBody


# Declared on every operation, so that each status the handlers below can answer is in the schema.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


def error_body(code: str, message: Any, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    clean: dict[str, list[str]] = {}
    for name, messages in (fields or {}).items():
        if isinstance(messages, str | bytes) or not isinstance(messages, Iterable):
            clean[str(name)] = [str(messages)]
        else:
            clean[str(name)] = [str(m) for m in messages]
    return {"error": {"code": str(code), "message": str(message), "fields": clean}}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    fields: Mapping[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, fields), status=status)


# --- validation messages --------------------------------------------------------------------------

# Most of these strings are Django's own, so they arrive already translated in every language.
_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "int_parsing_size": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "datetime_parsing": _("Enter a valid date/time."),
    "datetime_type": _("Enter a valid date/time."),
    "datetime_from_date_parsing": _("Enter a valid date/time."),
    "date_parsing": _("Enter a valid date."),
    "date_type": _("Enter a valid date."),
    "date_from_datetime_parsing": _("Enter a valid date."),
    "date_from_datetime_inexact": _("Enter a valid date."),
    "list_type": _("Enter a list of values."),
    "string_type": _("Enter a valid value."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "dict_type": _("Send a JSON object."),
    "model_type": _("Send a JSON object."),
    "model_attributes_type": _("Send a JSON object."),
    "nul_character": _("Text cannot contain NUL characters."),
    "invalid_unicode": _("Text must be valid Unicode."),
    "string_unicode": _("Text must be valid Unicode."),
    "string_pattern_mismatch": _("Enter a valid value."),
}


def _field_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _MESSAGES:
        return str(_MESSAGES[kind])
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return gettext("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": limit
        }
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return gettext("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind == "string_too_long":
        return gettext("Ensure this value has at most %(limit)s characters.") % {
            "limit": ctx.get("max_length")
        }
    if kind == "string_too_short":
        return gettext("Ensure this value has at least %(limit)s characters.") % {
            "limit": ctx.get("min_length")
        }
    if kind == "too_long":
        return gettext("Give at most %(limit)s items.") % {"limit": ctx.get("max_length")}
    if kind in ("enum", "literal_error"):
        return gettext("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "year_out_of_range":
        return gettext("Give a year between %(min)s and %(max)s.") % {
            "min": ctx.get("min_year"),
            "max": ctx.get("max_year"),
        }
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return gettext(
            "Enter an amount with at most %(places)s decimal places and 14 digits before them."
        ) % {"places": 2}
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return str(error.get("msg", gettext("Enter a valid value.")))


_SOURCES = frozenset({"body", "query", "path", "header", "form", "file", "cookie"})
# The names the operations give their schema arguments: implementation details, not field names.
_SCHEMA_ARGS = frozenset({"payload", "filters", "params"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _field_path(loc: Iterable[Any]) -> str:
    """`lines.0.quantity` from pydantic's location, without the source, argument name or union tags."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts.pop(0)
    if parts and parts[0] in _SCHEMA_ARGS:
        parts.pop(0)
    path: list[str] = []
    for part in parts:
        if isinstance(part, int):
            path.append(str(part))
        elif isinstance(part, str) and _NAME.match(part):
            path.append(part)
        else:
            break  # a union member's tag, such as "constrained-int"
    return ".".join(path) or "body"


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        path = _field_path(error.get("loc", ()))
        fields.setdefault(path, []).append(_field_message(error))
    return fields


# --- handlers -------------------------------------------------------------------------------------


def register_exception_handlers(api: NinjaAPI) -> None:
    """Answer every error a client can cause in the error shape."""

    def on_vafa_error(request: HttpRequest, exc: VafaError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            422,
            ErrorCode.VALIDATION,
            _("Some fields are not valid."),
            validation_fields(exc.errors),
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            return error_response(
                api,
                request,
                401,
                ApiErrorCode.NOT_AUTHENTICATED,
                _("Authentication credentials were not provided or are not valid."),
            )
        if isinstance(exc, AuthorizationError) or exc.status_code == 403:
            return error_response(api, request, 403, ErrorCode.FORBIDDEN, _("You may not do this."))
        if isinstance(exc, Throttled):
            return error_response(api, request, 429, ApiErrorCode.THROTTLED, _("Too many requests."))
        if exc.status_code == 400:
            # Ninja raises a bare 400 only when the body is not JSON.
            return error_response(
                api, request, 400, ApiErrorCode.MALFORMED_JSON, _("The request body is not valid JSON.")
            )
        return error_response(
            api, request, exc.status_code, ApiErrorCode.BAD_REQUEST, _("The request cannot be processed.")
        )

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, ErrorCode.NOT_FOUND, _("Not found."))

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, ErrorCode.FORBIDDEN, _("You may not do this."))

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(api, request, 413, ApiErrorCode.TOO_LARGE, _("The request is too large."))

    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return error_response(
            api, request, 400, ApiErrorCode.BAD_REQUEST, _("The request cannot be processed.")
        )

    def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # A uniqueness race the services' checks could not see: the other request won.
        logger.warning("Integrity error answered as 409: %s", exc)
        return error_response(
            api,
            request,
            409,
            ErrorCode.CONFLICT,
            _("This conflicts with a change made at the same time; try again."),
        )

    def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        logger.warning("Data error answered as 422: %s", exc)
        return error_response(api, request, 422, ErrorCode.VALIDATION, _("Some fields are not valid."))

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (VafaError, on_vafa_error),
        (ValidationError, on_validation_error),
        (HttpError, on_http_error),
        (Http404, on_404),
        (PermissionDenied, on_permission_denied),
        (RequestDataTooBig, on_too_big),
        (SuspiciousOperation, on_suspicious),
        (IntegrityError, on_integrity_error),
        (DataError, on_data_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
