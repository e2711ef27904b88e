"""Request and answer schemas of the cases API (vafa.service.api)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db import models
from ninja import Field, Schema

from vafa.api.auth import viewer
from vafa.api.pagination import PageParams, sort_keys
from vafa.api.schemas import AttachmentIn, In, Ref, UserRef
from vafa.api.types import Body, BodyId, DateTime, Flag, Id, Language, Text
from vafa.service.models import (
    PRIORITY_RANK,
    AuthorKind,
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    EventKind,
    Message,
    Priority,
)

Subject = Text(250, min_length=1)
Summary = Text(5000)
ExternalId = Text(100)
ReplyStatus = Literal["open", "pending_customer", "on_hold"]


class CaseOut(Schema):
    id: int
    number: int
    reference: str = Field(..., description="The number with the company's prefix, as customers see it.")
    subject: str
    customer: Ref
    organisation_id: int | None
    unit_id: int | None
    order_id: int | None
    product_id: int | None
    kind: CaseKind
    channel: Channel
    status: CaseStatus
    priority: Priority
    team: Ref | None
    assignee: UserRef | None
    language: str
    warranty_status_at_open: str
    created_at: dt.datetime
    updated_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopen_count: int
    resolution_summary: str
    merged_into_id: int | None
    external_id: str

    @staticmethod
    def resolve_reference(obj: Case) -> str:
        return f"{settings.VAFA_CASE_PREFIX}{obj.number}"


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None


class CaseIn(In):
    subject: Subject  # type: ignore[valid-type]
    body: Body | None = Field(None, description="The first message as plain text (or send body_html).")  # type: ignore[valid-type]
    body_html: Body | None = Field(None, description="The first message as HTML; it is sanitised.")  # type: ignore[valid-type]
    kind: CaseKind = CaseKind.QUESTION
    channel: Channel = Channel.API
    customer_id: BodyId | None = Field(
        None, description="Required with a staff token; a customer's token opens for itself."
    )
    unit_id: BodyId | None = None
    order_id: BodyId | None = None
    product_id: BodyId | None = None
    priority: Priority = Priority.NORMAL
    team_id: BodyId | None = None
    assignee_id: BodyId | None = None
    language: Language | None = None  # type: ignore[valid-type]
    external_id: ExternalId = ""  # type: ignore[valid-type]
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class CasePatch(In):
    subject: Subject | None = None  # type: ignore[valid-type]
    kind: CaseKind | None = None


class AssignIn(In):
    assignee_id: BodyId | None = Field(None, description="null clears the assignee; omit to keep it.")
    team_id: BodyId | None = Field(None, description="null clears the team; omit to keep it.")


class StatusIn(In):
    status: CaseStatus
    summary: Summary = Field("", description="The resolution summary (resolving) or the reason (reopening).")  # type: ignore[valid-type]


class ResolveIn(In):
    summary: Summary = ""  # type: ignore[valid-type]


class ReopenIn(In):
    reason: Text(500) = ""  # type: ignore[valid-type]


class MergeIn(In):
    target_id: BodyId = Field(..., description="The case this one is merged into.")


class PriorityIn(In):
    priority: Priority


class UnitLinkIn(In):
    unit_id: BodyId | None = Field(..., description="One of the customer's units, or null to unlink.")


# Priorities sort by urgency, not by name.
PRIORITY_RANK_EXPR = models.Case(
    *[models.When(priority=priority, then=models.Value(rank)) for priority, rank in PRIORITY_RANK.items()],
    output_field=models.IntegerField(),
)

CASE_SORTS = sort_keys(
    {
        "updated_at": ("updated_at", "datetime"),
        "created_at": ("created_at", "datetime"),
        "priority": ("priority_rank", "int", {"priority_rank": PRIORITY_RANK_EXPR}),
    }
)


class CaseFilters(PageParams):
    status: list[CaseStatus] | None = Field(None, description="One or more statuses (repeat the parameter).")
    kind: CaseKind | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    team_id: Id | None = None
    assignee_id: Id | Literal["none"] | None = Field(
        None, description="An agent's id, or `none` for unassigned."
    )
    customer_id: Id | None = None
    unit_id: Id | None = None
    order_id: Id | None = None
    product_id: Id | None = None
    created_after: DateTime | None = None
    created_before: DateTime | None = None
    updated_after: DateTime | None = None
    updated_before: DateTime | None = None
    sort: Literal["-updated_at", "updated_at", "-created_at", "created_at", "-priority", "priority"] = (
        "-updated_at"
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class MessageOut(Schema):
    id: int
    case_id: int
    author_kind: AuthorKind
    author_name: str
    author_user_id: int | None = Field(None, description="Staff only.")
    author_customer_id: int | None
    channel: Channel
    internal: bool
    body_html: str
    body_text: str
    attachments: list[AttachmentOut]
    merged_from_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_internal(obj: Message) -> bool:
        return obj.is_internal

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Any]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_author_user_id(obj: Message, context: dict[str, Any]) -> int | None:
        return obj.author_user_id if viewer(context["request"]).is_company_staff else None

    @staticmethod
    def resolve_author_name(obj: Message) -> str:
        if obj.author_kind == AuthorKind.CUSTOMER and obj.author_customer is not None:
            return obj.author_customer.name
        if obj.author_user is not None:
            return obj.author_user.full_name
        return ""


class MessagePage(Schema):
    items: list[MessageOut]
    next: str | None


class MessageIn(In):
    body: Body | None = Field(None, description="Plain text (or send body_html).")  # type: ignore[valid-type]
    body_html: Body | None = Field(None, description="HTML; it is sanitised.")  # type: ignore[valid-type]
    internal: Flag = Field(False, description="Staff: an internal note the customer never sees.")
    status: ReplyStatus | None = Field(None, description="Staff: the case's status after the reply.")
    resolve: Flag = Field(False, description="Staff: resolve the case with this reply.")
    resolution_summary: Summary = ""  # type: ignore[valid-type]
    channel: Channel | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


MESSAGE_SORTS = sort_keys({"created_at": ("created_at", "datetime")})
EVENT_SORTS = MESSAGE_SORTS


class ThreadParams(PageParams):
    sort: Literal["created_at", "-created_at"] = "created_at"


class EventOut(Schema):
    id: int
    kind: EventKind
    actor: UserRef | None
    actor_kind: AuthorKind
    data: dict[str, Any]
    created_at: dt.datetime


class EventPage(Schema):
    items: list[EventOut]
    next: str | None
