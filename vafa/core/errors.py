"""Errors that reach a user: a stable code, a translated message, optional per-field messages."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    """Codes shared by every app; each app adds its own Enum for its own rules."""

    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    DUPLICATE = "duplicate"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"


class VafaError(Exception):
    """A business rule refused an action; services raise it, the UI and API render it."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = str(code)
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self.message),
                "fields": {
                    k: [str(m) for m in v] if isinstance(v, list | tuple) else str(v)
                    for k, v in self.fields.items()
                },
            }
        }


class ValidationFailed(VafaError):
    status = 422

    def __init__(
        self,
        message: str | Promise,
        *,
        fields: dict[str, Any] | None = None,
        code: str = ErrorCode.VALIDATION,
    ) -> None:
        super().__init__(code, message, fields=fields)


class NotFound(VafaError):
    status = 404

    def __init__(self, message: str | Promise, *, code: str = ErrorCode.NOT_FOUND) -> None:
        super().__init__(code, message)


class Forbidden(VafaError):
    status = 403

    def __init__(self, message: str | Promise, *, code: str = ErrorCode.FORBIDDEN) -> None:
        super().__init__(code, message)


class Conflict(VafaError):
    status = 409

    def __init__(
        self, message: str | Promise, *, code: str = ErrorCode.CONFLICT, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message, fields=fields)
