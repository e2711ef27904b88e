"""Schemas and helpers the routers of every app share."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from vafa.api.types import Text
from vafa.core.errors import ErrorCode, NotFound, ValidationFailed
from vafa.service.services import AttachmentInput, CaseError

T = TypeVar("T")


class In(Schema):
    """Base of every request body: a JSON object, never a list, number, string or null."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        # Ninja's own validator has already wrapped the input; look at what the client sent.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise PydanticCustomError("dict_type", "Send a JSON object.")
        return data


class Ref(Schema):
    """Another record, by id and name."""

    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.full_name or ""


def referenced(field: str, load: Callable[[], T]) -> T:
    """Load a record named by an id inside a request body; an unknown id is a 422 on that field."""
    try:
        return load()
    except NotFound as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={field: [exc.message]}) from None


def changes(payload: Schema, renames: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields the client sent (PATCH semantics: absent keys stay as they are)."""
    data = payload.model_dump(exclude_unset=True)
    for old, new in (renames or {}).items():
        if old in data:
            data[new] = data.pop(old)
    return data


class AttachmentIn(In):
    """A file sent inside JSON: its name, type and bytes in base64 (standard alphabet)."""

    filename: Text(255, min_length=1)  # type: ignore[valid-type]
    content_type: Text(100, min_length=1) = "application/octet-stream"  # type: ignore[valid-type]
    content_base64: str = Field(..., description="The file's bytes, base64-encoded; line breaks are allowed.")


def decode_attachments(items: Sequence[AttachmentIn] | None) -> list[AttachmentInput]:
    """Decode base64 attachments; a file over VAFA_ATTACHMENT_MAX_BYTES is refused before it is decoded."""
    result: list[AttachmentInput] = []
    limit = int(settings.VAFA_ATTACHMENT_MAX_BYTES)
    for index, item in enumerate(items or ()):
        encoded = "".join(item.content_base64.split())
        if len(encoded) * 3 // 4 - encoded.count("=") > limit:
            raise ValidationFailed(
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": item.filename, "limit": limit // (1024 * 1024)},
                fields={f"attachments.{index}.content_base64": [_("The file is too large.")]},
                code=CaseError.ATTACHMENT_TOO_LARGE,
            )
        try:
            content = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise ValidationFailed(
                _("Some fields are not valid."),
                fields={f"attachments.{index}.content_base64": [_("This is not valid base64.")]},
                code=ErrorCode.VALIDATION,
            ) from None
        result.append(
            AttachmentInput(filename=item.filename, content_type=item.content_type, content=content)
        )
    return result
