"""Writes for cases: one function per state change, each writing its timeline event and audit row."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import Team, User
from vafa.accounts.permissions import require_staff
from vafa.catalog.models import Product
from vafa.core.counters import counter_next
from vafa.core.errors import Conflict, Forbidden, VafaError, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.core.text import body_from
from vafa.customers.models import Customer
from vafa.customers.selectors import shared_organisation_id
from vafa.sales.models import Order, Unit
from vafa.sales.selectors import unit_warranty_status
from vafa.service import events
from vafa.service.models import (
    OPEN_STATUSES,
    Attachment,
    AuthorKind,
    Case,
    CaseKind,
    CaseRating,
    CaseStatus,
    Channel,
    Message,
    Priority,
    Tag,
)
from vafa.service.search import case_search_index, message_search_index, messages_search_move
from vafa.service.selectors import case_reopen_until

CASE_AUDIT_FIELDS = (
    "subject",
    "customer",
    "unit",
    "order",
    "product",
    "kind",
    "channel",
    "status",
    "priority",
    "team",
    "assignee",
    "language",
    "resolution_summary",
    "reopen_count",
    "merged_into",
)

# Which status may follow which. Resolving, closing and reopening have their own services, which
# the generic `case_set_status` hands over to.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset(
        {CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}
    ),
    CaseStatus.OPEN: frozenset({CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}),
    CaseStatus.PENDING_CUSTOMER: frozenset({CaseStatus.OPEN, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}),
    CaseStatus.ON_HOLD: frozenset({CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.OPEN}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
}

BLOCKED_EXTENSIONS = frozenset(
    {
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".msi",
        ".scr",
        ".pif",
        ".cpl",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".wsh",
        ".ps1",
        ".psm1",
        ".hta",
        ".jar",
        ".dll",
        ".sys",
        ".lnk",
        ".reg",
        ".apk",
        ".app",
        ".sh",
    }
)
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


class CaseError(StrEnum):
    """Stable codes of the case rules, used by the API and the desk."""

    INVALID_TRANSITION = "invalid_transition"
    CASE_CLOSED = "case_closed"
    CASE_MERGED = "case_merged"
    MERGE_SELF = "merge_self"
    MERGE_CUSTOMER = "merge_customer_mismatch"
    UNIT_NOT_CUSTOMERS = "unit_not_customers"
    ORDER_NOT_CUSTOMERS = "order_not_customers"
    ASSIGNEE_NOT_AGENT = "assignee_not_agent"
    ASSIGNEE_NOT_IN_TEAM = "assignee_not_in_team"
    STAFF_ONLY = "staff_only"
    NOT_YOUR_CASE = "not_your_case"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    ATTACHMENT_TYPE = "attachment_type_not_allowed"
    TAG_INVALID = "tag_invalid"
    REOPEN_WINDOW_PASSED = "reopen_window_passed"
    NOT_RESOLVED = "not_resolved"
    RATING_LOCKED = "rating_locked"


@dataclass(frozen=True)
class AttachmentInput:
    """A file as it arrived: its name, declared type and bytes."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""


_UNSET: Any = object()


# --- helpers ------------------------------------------------------------------------------------


def _next_case_number() -> int:
    return counter_next("case")


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock, so two agents' changes never overwrite each other."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_customer_of(actor: User | None, case: Case) -> None:
    if actor is not None and actor.is_customer:
        own = actor.customer_id == case.customer_id
        shared = case.organisation_id is not None and shared_organisation_id(actor) == case.organisation_id
        if not (own or shared):
            raise Forbidden(_("This is not your case."), code=CaseError.NOT_YOUR_CASE)


def _require_not_merged(case: Case) -> None:
    if case.merged_into is not None:
        raise Conflict(
            _("This case was merged into %(reference)s.") % {"reference": case.merged_into.reference},
            code=CaseError.CASE_MERGED,
        )


def _require_reopen_window(actor: User | None, case: Case, now: Any) -> None:
    """A customer may bring a resolved case back only within VAFA_PORTAL_REOPEN_DAYS of its resolution.

    Staff and the system (an e-mail that arrives, actor None) are not held to the window.
    """
    if actor is None or not actor.is_customer or case.status != CaseStatus.RESOLVED:
        return
    until = case_reopen_until(case)
    if until is not None and now > until:
        raise Conflict(
            _("This request was resolved more than %(days)d days ago; please open a new request.")
            % {"days": settings.VAFA_PORTAL_REOPEN_DAYS},
            code=CaseError.REOPEN_WINDOW_PASSED,
        )


def _refuse_transition(case: Case, target: str) -> VafaError:
    return Conflict(
        _("A case that is %(current)s cannot become %(target)s.")
        % {"current": CaseStatus(case.status).label, "target": CaseStatus(target).label},
        code=CaseError.INVALID_TRANSITION,
    )


def content_type_allowed(content_type: str) -> bool:
    """Whether a declared content type is well-formed enough to store and serve back."""
    return bool(_CONTENT_TYPE.match(content_type.lower()))


def _validate_attachments(attachments: Sequence[AttachmentInput]) -> None:
    if len(attachments) > settings.VAFA_ATTACHMENT_MAX_COUNT:
        raise ValidationFailed(
            _("At most %(count)d files can be attached.") % {"count": settings.VAFA_ATTACHMENT_MAX_COUNT},
            code=CaseError.TOO_MANY_ATTACHMENTS,
        )
    for item in attachments:
        if len(item.content) > settings.VAFA_ATTACHMENT_MAX_BYTES:
            raise ValidationFailed(
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": item.filename, "limit": settings.VAFA_ATTACHMENT_MAX_BYTES // (1024 * 1024)},
                code=CaseError.ATTACHMENT_TOO_LARGE,
            )
        suffix = PurePath(item.filename).suffix.lower()
        if suffix in BLOCKED_EXTENSIONS or not _CONTENT_TYPE.match(item.content_type.lower()):
            raise ValidationFailed(
                _("Files of this type cannot be attached: %(name)s") % {"name": item.filename},
                code=CaseError.ATTACHMENT_TYPE,
            )


def _store_attachments(message: Message, attachments: Sequence[AttachmentInput]) -> None:
    for item in attachments:
        digest = hashlib.sha256(item.content).hexdigest()
        attachment = Attachment(
            message=message,
            filename=PurePath(item.filename).name[:255] or "file",
            content_type=item.content_type.lower(),
            size=len(item.content),
            sha256=digest,
            content_id=item.content_id[:255],
        )
        path = f"attachments/{digest[:2]}/{digest}"
        if default_storage.exists(path):
            attachment.file.name = path  # same bytes already stored: share them
        else:
            attachment.file.save(digest, ContentFile(item.content), save=False)
        attachment.save()


def _check_body(body: str | None, body_html: str | None) -> tuple[str, str]:
    html, text = body_from(text=body, html_body=body_html)
    if not text.strip():
        raise ValidationFailed(_("Write a message."), fields={"body": [_("This field is required.")]})
    return html, text


def _add_message(
    case: Case,
    *,
    author_kind: str,
    author_user: User | None,
    author_customer: Customer | None,
    channel: str,
    is_internal: bool,
    html: str,
    text: str,
    attachments: Sequence[AttachmentInput],
    at: Any,
) -> Message:
    message = Message.objects.create(
        case=case,
        author_kind=author_kind,
        author_user=author_user if author_user is not None and author_user.pk else None,
        author_customer=author_customer,
        channel=channel,
        is_internal=is_internal,
        body_html=html,
        body_text=text,
        created_at=at,
    )
    _store_attachments(message, attachments)
    message_search_index(message, filenames=[item.filename for item in attachments])
    return message


def _set_status(case: Case, actor: User | None, status: str, at: Any) -> None:
    old = case.status
    case.status = status
    events.status_changed(case, actor, at, old=old, new=status)


# --- opening --------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    customer: Customer,
    subject: str,
    body: str | None = None,
    body_html: str | None = None,
    kind: str = CaseKind.QUESTION,
    channel: str = Channel.API,
    priority: str = Priority.NORMAL,
    unit: Unit | None = None,
    order: Order | None = None,
    product: Product | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    language: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
    external_id: str = "",
    follow_up_of: Case | None = None,
) -> Case:
    """Open a case for a customer with its first message, capturing the unit's warranty status."""
    errors: dict[str, list[Any]] = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = [_("Enter a subject.")]
    elif len(subject) > 250:
        errors["subject"] = [_("Keep the subject under 250 characters.")]
    if kind not in CaseKind.values:
        errors["kind"] = [choose_one_of(CaseKind.values)]
    if channel not in Channel.values:
        errors["channel"] = [choose_one_of(Channel.values)]
    if priority not in Priority.values:
        errors["priority"] = [choose_one_of(Priority.values)]
    languages = language_codes()
    if language is not None and language not in languages:
        errors["language"] = [choose_one_of(sorted(languages))]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    html, text = _check_body(body, body_html)
    _validate_attachments(attachments)
    if actor is not None and actor.is_customer:
        if actor.customer_id != customer.pk:
            raise Forbidden(_("A customer can open cases only for themselves."), code=CaseError.NOT_YOUR_CASE)
        # A customer cannot route or prioritise their own request.
        team = assignee = None
        priority = Priority.NORMAL
    if unit is not None and unit.owner_id != customer.pk:
        raise ValidationFailed(
            _("This unit does not belong to the customer."),
            fields={"unit_id": [_("Not the customer's unit.")]},
            code=CaseError.UNIT_NOT_CUSTOMERS,
        )
    if order is not None and order.customer_id != customer.pk:
        raise ValidationFailed(
            _("This order does not belong to the customer."),
            fields={"order_id": [_("Not the customer's order.")]},
            code=CaseError.ORDER_NOT_CUSTOMERS,
        )
    if assignee is not None:
        _check_assignee(assignee, team)
    now = timezone.now()
    case = Case.objects.create(
        number=_next_case_number(),
        subject=subject,
        customer=customer,
        organisation_id=customer.organisation_id,
        unit=unit,
        order=order,
        product=product or (unit.product if unit is not None else None),
        kind=kind,
        channel=channel,
        priority=priority,
        team=team,
        assignee=assignee,
        language=language or customer.language,
        warranty_status_at_open=unit_warranty_status(unit, timezone.localdate()).status
        if unit is not None
        else "",
        created_at=now,
        updated_at=now,
        external_id=external_id,
        follow_up_of=follow_up_of,
    )
    events.opened(case, actor, now)
    if follow_up_of is not None:
        events.followed_up(follow_up_of, actor, now, follow_up=case)
    case_search_index(case)
    if channel == Channel.PROACTIVE:
        author_kind = AuthorKind.AGENT if actor is not None and actor.is_company_staff else AuthorKind.SYSTEM
        _add_message(
            case,
            author_kind=author_kind,
            author_user=actor,
            author_customer=None,
            channel=channel,
            is_internal=False,
            html=html,
            text=text,
            attachments=attachments,
            at=now,
        )
    else:
        _add_message(
            case,
            author_kind=AuthorKind.CUSTOMER,
            author_user=actor if actor and actor.is_customer else None,
            author_customer=customer,
            channel=channel,
            is_internal=False,
            html=html,
            text=text,
            attachments=attachments,
            at=now,
        )
    if assignee is not None:
        events.assigned(case, actor, now, old=None, new=assignee.pk)
    if team is not None:
        events.transferred(case, actor, now, old=None, new=team.pk)
    audit_record(actor=actor, action="case.open", obj=case, after=snapshot(case, CASE_AUDIT_FIELDS))
    return case


# --- conversation ---------------------------------------------------------------------------------


@transaction.atomic
def case_reply(
    *,
    actor: User | None,
    case: Case,
    body: str | None = None,
    body_html: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
    channel: str | None = None,
    status: str | None = None,
    resolve: bool = False,
    resolution_summary: str = "",
) -> Message:
    """Send a public reply from an agent (or the system, actor None); an agent's first one marks the first response."""
    require_staff(actor)
    html, text = _check_body(body, body_html)
    _validate_attachments(attachments)
    case = _lock(case)
    _require_not_merged(case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; reopen it first."), code=CaseError.CASE_CLOSED)
    if status is not None and status not in (
        CaseStatus.OPEN,
        CaseStatus.PENDING_CUSTOMER,
        CaseStatus.ON_HOLD,
    ):
        raise ValidationFailed(
            _("After a reply a case can be open, pending the customer or on hold."),
            fields={"status": [_("Not allowed here.")]},
        )
    now = timezone.now()
    before = snapshot(case, CASE_AUDIT_FIELDS)
    message = _add_message(
        case,
        author_kind=AuthorKind.AGENT,
        author_user=actor,
        author_customer=None,
        channel=channel or case.channel,
        is_internal=False,
        html=html,
        text=text,
        attachments=attachments,
        at=now,
    )
    events.replied(case, actor, now, message_id=message.pk)
    fields = ["updated_at"]
    # A message the system sends by itself (an automation rule's) is not a person's first answer.
    if case.first_response_at is None and actor is not None:
        case.first_response_at = now
        fields.append("first_response_at")
    target = status or (CaseStatus.OPEN if case.status in (CaseStatus.NEW, CaseStatus.RESOLVED) else None)
    if target and target != case.status and target in TRANSITIONS[case.status]:
        if case.status == CaseStatus.RESOLVED:
            _reopen_in_place(case, actor, now, reason="agent replied")
            fields += ["reopen_count", "resolved_at", "closed_at"]
        else:
            _set_status(case, actor, target, now)
        fields.append("status")
    case.updated_at = now
    case.save(update_fields=sorted(set(fields)))
    old, new = changed(before, snapshot(case, CASE_AUDIT_FIELDS))
    audit_record(actor=actor, action="case.reply", obj=case, before=old, after={**new, "message": message.pk})
    if resolve:
        case_resolve(actor=actor, case=case, summary=resolution_summary)
    return message


@transaction.atomic
def case_customer_reply(
    *,
    case: Case,
    customer: Customer,
    actor: User | None = None,
    body: str | None = None,
    body_html: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
    channel: str | None = None,
) -> Message:
    """Add the customer's message; a case waiting on the customer, or resolved, opens again."""
    _require_customer_of(actor, case)
    html, text = _check_body(body, body_html)
    _validate_attachments(attachments)
    case = _lock(case)
    _require_not_merged(case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; please open a new request."), code=CaseError.CASE_CLOSED)
    now = timezone.now()
    _require_reopen_window(actor, case, now)
    before = snapshot(case, CASE_AUDIT_FIELDS)
    message = _add_message(
        case,
        author_kind=AuthorKind.CUSTOMER,
        author_user=actor,
        author_customer=customer,
        channel=channel or case.channel,
        is_internal=False,
        html=html,
        text=text,
        attachments=attachments,
        at=now,
    )
    events.customer_replied(case, actor, now, message_id=message.pk)
    fields = ["updated_at"]
    if case.status == CaseStatus.RESOLVED:
        _reopen_in_place(case, actor, now, reason="customer replied")
        fields += ["status", "reopen_count", "resolved_at", "closed_at"]
    elif case.status in (CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD):
        _set_status(case, actor, CaseStatus.OPEN, now)
        fields.append("status")
    case.updated_at = now
    case.save(update_fields=fields)
    old, new = changed(before, snapshot(case, CASE_AUDIT_FIELDS))
    audit_record(
        actor=actor, action="case.customer_reply", obj=case, before=old, after={**new, "message": message.pk}
    )
    return message


@transaction.atomic
def case_note(
    *,
    actor: User | None,
    case: Case,
    body: str | None = None,
    body_html: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
) -> Message:
    """Add an internal note that only staff see."""
    require_staff(actor)
    html, text = _check_body(body, body_html)
    _validate_attachments(attachments)
    case = _lock(case)
    _require_not_merged(case)
    now = timezone.now()
    message = _add_message(
        case,
        author_kind=AuthorKind.AGENT,
        author_user=actor,
        author_customer=None,
        channel=case.channel,
        is_internal=True,
        html=html,
        text=text,
        attachments=attachments,
        at=now,
    )
    events.noted(case, actor, now, message_id=message.pk)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    audit_record(actor=actor, action="case.note", obj=case, after={"message": message.pk})
    return message


# --- routing and fields ---------------------------------------------------------------------------


def _check_assignee(assignee: User, team: Team | None) -> None:
    if not assignee.is_active or not assignee.is_company_staff:
        raise ValidationFailed(
            _("Cases can be assigned only to active staff."),
            fields={"assignee_id": [_("Not an active agent.")]},
            code=CaseError.ASSIGNEE_NOT_AGENT,
        )
    if team is not None and not team.members.filter(pk=assignee.pk).exists():
        raise ValidationFailed(
            _("The assignee is not a member of the team."),
            fields={"assignee_id": [_("Not in the team.")]},
            code=CaseError.ASSIGNEE_NOT_IN_TEAM,
        )


@transaction.atomic
def case_assign(
    *,
    actor: User | None,
    case: Case,
    assignee: User | None = _UNSET,
    team: Team | None = _UNSET,
    reason: str = "",
) -> Case:
    """Give the case to an agent and/or a team (None clears); records assignment and transfer.

    `reason` says on the timeline why the system did it ("round robin", "SLA breached").
    """
    require_staff(actor)
    case = _lock(case)
    _require_not_merged(case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; reopen it first."), code=CaseError.CASE_CLOSED)
    new_team = case.team if team is _UNSET else team
    new_assignee = case.assignee if assignee is _UNSET else assignee
    if new_assignee is not None:
        _check_assignee(new_assignee, new_team)
    now = timezone.now()
    before = snapshot(case, CASE_AUDIT_FIELDS)
    fields: list[str] = []
    if (new_team.pk if new_team else None) != case.team_id:
        events.transferred(
            case, actor, now, old=case.team_id, new=new_team.pk if new_team else None, reason=reason
        )
        case.team = new_team
        fields.append("team")
    if (new_assignee.pk if new_assignee else None) != case.assignee_id:
        events.assigned(
            case,
            actor,
            now,
            old=case.assignee_id,
            new=new_assignee.pk if new_assignee else None,
            reason=reason,
        )
        case.assignee = new_assignee
        fields.append("assignee")
    if fields:
        case.updated_at = now
        case.save(update_fields=[*fields, "updated_at"])
        old, new = changed(before, snapshot(case, CASE_AUDIT_FIELDS))
        audit_record(actor=actor, action="case.assign", obj=case, before=old, after=new)
    return case


@transaction.atomic
def case_set_priority(*, actor: User | None, case: Case, priority: str) -> Case:
    """Change how urgent the case is."""
    require_staff(actor)
    if priority not in Priority.values:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"priority": [choose_one_of(Priority.values)]},
        )
    case = _lock(case)
    _require_not_merged(case)
    if case.priority == priority:
        return case
    now = timezone.now()
    old = case.priority
    events.priority_changed(case, actor, now, old=old, new=priority)
    case.priority = priority
    case.updated_at = now
    case.save(update_fields=["priority", "updated_at"])
    audit_record(
        actor=actor,
        action="case.set_priority",
        obj=case,
        before={"priority": old},
        after={"priority": priority},
    )
    return case


@transaction.atomic
def case_update(
    *, actor: User | None, case: Case, subject: str | None = None, kind: str | None = None
) -> Case:
    """Correct the subject or the kind of a case."""
    require_staff(actor)
    errors: dict[str, list[Any]] = {}
    if subject is not None and not subject.strip():
        errors["subject"] = [_("Enter a subject.")]
    if subject is not None and len(subject.strip()) > 250:
        errors["subject"] = [_("Keep the subject under 250 characters.")]
    if kind is not None and kind not in CaseKind.values:
        errors["kind"] = [choose_one_of(CaseKind.values)]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    case = _lock(case)
    _require_not_merged(case)
    before = snapshot(case, CASE_AUDIT_FIELDS)
    fields = []
    if subject is not None and subject.strip() != case.subject:
        case.subject = subject.strip()
        fields.append("subject")
    if kind is not None and kind != case.kind:
        case.kind = kind
        fields.append("kind")
    if fields:
        now = timezone.now()
        case.updated_at = now
        case.save(update_fields=[*fields, "updated_at"])
        if "subject" in fields:
            case_search_index(case)
        old, new = changed(before, snapshot(case, CASE_AUDIT_FIELDS))
        events.updated(case, actor, now, changes={"from": old, "to": new})
        audit_record(actor=actor, action="case.update", obj=case, before=old, after=new)
    return case


@transaction.atomic
def case_link_unit(*, actor: User | None, case: Case, unit: Unit | None) -> Case:
    """Link the case to one of the customer's units (or unlink it); the product follows the unit."""
    require_staff(actor)
    case = _lock(case)
    _require_not_merged(case)
    if unit is not None and unit.owner_id != case.customer_id:
        raise ValidationFailed(
            _("This unit does not belong to the customer."),
            fields={"unit_id": [_("Not the customer's unit.")]},
            code=CaseError.UNIT_NOT_CUSTOMERS,
        )
    if (unit.pk if unit else None) == case.unit_id:
        return case
    now = timezone.now()
    before = snapshot(case, CASE_AUDIT_FIELDS)
    events.linked_to_unit(case, actor, now, old=case.unit_id, new=unit.pk if unit else None)
    case.unit = unit
    fields = ["unit", "updated_at"]
    if unit is not None:
        case.product = unit.product
        fields.append("product")
        if not case.warranty_status_at_open:
            case.warranty_status_at_open = unit_warranty_status(
                unit, timezone.localdate(case.created_at)
            ).status
            fields.append("warranty_status_at_open")
    case.updated_at = now
    case.save(update_fields=fields)
    old, new = changed(before, snapshot(case, CASE_AUDIT_FIELDS))
    audit_record(actor=actor, action="case.link_unit", obj=case, before=old, after=new)
    return case


# --- status ---------------------------------------------------------------------------------------


@transaction.atomic
def case_set_status(*, actor: User | None, case: Case, status: str, summary: str = "") -> Case:
    """Move the case to `status` if the workflow allows it (resolve, close and reopen included)."""
    require_staff(actor)
    if status not in CaseStatus.values:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"status": [choose_one_of(CaseStatus.values)]},
        )
    if status == CaseStatus.NEW:
        raise _refuse_transition(case, status)
    if status == CaseStatus.RESOLVED:
        return case_resolve(actor=actor, case=case, summary=summary)
    if status == CaseStatus.CLOSED:
        return case_close(actor=actor, case=case)
    case = _lock(case)
    _require_not_merged(case)
    if case.status == status:
        return case
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        if status != CaseStatus.OPEN:
            raise _refuse_transition(case, status)
        return case_reopen(actor=actor, case=case, reason=summary)
    if status not in TRANSITIONS[case.status]:
        raise _refuse_transition(case, status)
    now = timezone.now()
    old = case.status
    _set_status(case, actor, status, now)
    case.updated_at = now
    case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="case.set_status", obj=case, before={"status": old}, after={"status": status}
    )
    return case


@transaction.atomic
def case_resolve(*, actor: User | None, case: Case, summary: str = "") -> Case:
    """Mark the case resolved, with what was done."""
    require_staff(actor)
    case = _lock(case)
    _require_not_merged(case)
    if CaseStatus.RESOLVED not in TRANSITIONS[case.status]:
        raise _refuse_transition(case, CaseStatus.RESOLVED)
    now = timezone.now()
    old = case.status
    case.status = CaseStatus.RESOLVED
    case.resolved_at = now
    case.resolution_summary = (summary or "").strip()
    case.updated_at = now
    case.save(update_fields=["status", "resolved_at", "resolution_summary", "updated_at"])
    events.resolved(case, actor, now, old=old)
    audit_record(
        actor=actor,
        action="case.resolve",
        obj=case,
        before={"status": old},
        after={"status": case.status, "resolution_summary": case.resolution_summary},
    )
    return case


@transaction.atomic
def case_close(*, actor: User | None, case: Case) -> Case:
    """Close a resolved case for good; a later message opens a new one."""
    require_staff(actor)
    case = _lock(case)
    if case.status != CaseStatus.RESOLVED:
        raise _refuse_transition(case, CaseStatus.CLOSED)
    now = timezone.now()
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.updated_at = now
    case.save(update_fields=["status", "closed_at", "updated_at"])
    events.closed(case, actor, now, old=CaseStatus.RESOLVED)
    audit_record(
        actor=actor,
        action="case.close",
        obj=case,
        before={"status": CaseStatus.RESOLVED},
        after={"status": CaseStatus.CLOSED},
    )
    return case


def _reopen_in_place(case: Case, actor: User | None, at: Any, *, reason: str) -> None:
    old = case.status
    case.status = CaseStatus.OPEN
    case.reopen_count += 1
    case.resolved_at = None
    case.closed_at = None
    events.reopened(case, actor, at, old=old, reason=reason)


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, reason: str = "") -> Case:
    """Open a resolved or closed case again and count the reopening."""
    _require_customer_of(actor, case)
    case = _lock(case)
    _require_not_merged(case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise _refuse_transition(case, CaseStatus.OPEN)
    if actor is not None and actor.is_customer and case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; please open a new request."), code=CaseError.CASE_CLOSED)
    now = timezone.now()
    _require_reopen_window(actor, case, now)
    old = case.status
    _reopen_in_place(case, actor, now, reason=reason)
    case.updated_at = now
    case.save(update_fields=["status", "reopen_count", "resolved_at", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="case.reopen",
        obj=case,
        before={"status": old},
        after={"status": case.status, "reopen_count": case.reopen_count},
    )
    return case


RATING_COMMENT_MAX = 2000


@transaction.atomic
def case_rate(*, actor: User | None, case: Case, score: int, comment: str = "") -> CaseRating:
    """Record the customer's 1–5 rating of a resolved case; within the reopen window a new one replaces it."""
    if actor is None or not actor.is_customer or actor.customer_id != case.customer_id:
        raise Forbidden(
            _("Only the customer who asked for help can rate this request."), code=CaseError.NOT_YOUR_CASE
        )
    errors: dict[str, list[Any]] = {}
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = [_("Choose from 1 to 5 stars.")]
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        errors["comment"] = [
            _("Keep the comment under %(count)d characters.") % {"count": RATING_COMMENT_MAX}
        ]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    case = _lock(case)
    _require_not_merged(case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict(_("A request can be rated once it has been resolved."), code=CaseError.NOT_RESOLVED)
    now = timezone.now()
    rating = CaseRating.objects.filter(case=case).first()
    if rating is None:
        rating = CaseRating.objects.create(
            case=case,
            customer_id=case.customer_id,
            score=score,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        events.rated(case, actor, now, score=score, changed_from=None)
        audit_record(actor=actor, action="case.rate", obj=case, after={"score": score, "comment": comment})
        return rating
    until = case_reopen_until(case)
    if until is None or now > until:
        raise Conflict(_("This rating can no longer be changed."), code=CaseError.RATING_LOCKED)
    if rating.score == score and rating.comment == comment:
        return rating
    old_score = rating.score
    before = {"score": old_score, "comment": rating.comment}
    rating.score = score
    rating.comment = comment
    rating.updated_at = now
    rating.save(update_fields=["score", "comment", "updated_at"])
    events.rated(case, actor, now, score=score, changed_from=old_score)
    audit_record(
        actor=actor, action="case.rate", obj=case, before=before, after={"score": score, "comment": comment}
    )
    return rating


@transaction.atomic
def case_merge(*, actor: User | None, source: Case, target: Case) -> Case:
    """Merge `source` into `target`: its messages move over and it closes, pointing at the target."""
    require_staff(actor)
    if source.pk == target.pk:
        raise ValidationFailed(_("A case cannot be merged into itself."), code=CaseError.MERGE_SELF)
    # Lock in id order so two opposite merges cannot deadlock.
    first, second = sorted([source, target], key=lambda c: c.pk)
    locked = {first.pk: _lock(first), second.pk: _lock(second)}
    source, target = locked[source.pk], locked[target.pk]
    _require_not_merged(source)
    _require_not_merged(target)
    if source.customer_id != target.customer_id:
        raise ValidationFailed(
            _("Only cases of the same customer can be merged."), code=CaseError.MERGE_CUSTOMER
        )
    if target.status == CaseStatus.CLOSED:
        raise Conflict(_("A case cannot be merged into a closed case."), code=CaseError.CASE_CLOSED)
    if source.status == CaseStatus.CLOSED:
        raise Conflict(_("A closed case cannot be merged."), code=CaseError.CASE_CLOSED)
    now = timezone.now()
    moved = Message.objects.filter(case=source).update(case=target, merged_from=source)
    messages_search_move(source=source, target=target)
    old_status = source.status
    source.status = CaseStatus.CLOSED
    source.merged_into = target
    source.resolved_at = source.resolved_at or now
    source.closed_at = now
    source.resolution_summary = str(_("Merged into %(reference)s.") % {"reference": target.reference})
    source.updated_at = now
    source.save(
        update_fields=[
            "status",
            "merged_into",
            "resolved_at",
            "closed_at",
            "resolution_summary",
            "updated_at",
        ]
    )
    events.merged(source, actor, now, into=target)
    events.merged_from(target, actor, now, source=source, messages=moved)
    target.updated_at = now
    target_fields = ["updated_at"]
    if target.status in (CaseStatus.RESOLVED,) and old_status in OPEN_STATUSES:
        _reopen_in_place(target, actor, now, reason="merged with an open case")
        target_fields += ["status", "reopen_count", "resolved_at", "closed_at"]
    target.save(update_fields=target_fields)
    audit_record(
        actor=actor,
        action="case.merge",
        obj=source,
        before={"status": old_status},
        after={"status": CaseStatus.CLOSED, "merged_into": target.pk, "messages_moved": moved},
    )
    return target


_TAG_SEPARATORS = re.compile("[,\u060c]")  # the Latin comma and the Arabic comma «،» of fa/ar keyboards


def tag_names_split(raw: str) -> list[str]:
    """The tag names typed in one box, separated by commas (Latin or Arabic)."""
    return [part.strip() for part in _TAG_SEPARATORS.split(raw) if part.strip()]


def tag_name_clean(raw: str) -> str:
    """The stored form of a tag: trimmed, inner spaces collapsed, lower case."""
    return " ".join(raw.split()).lower()


def _clean_tag_names(names: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in names:
        name = tag_name_clean(raw)
        if not name:
            continue
        if len(name) > 50 or _TAG_SEPARATORS.search(name):
            raise ValidationFailed(
                _("Some fields are not valid."),
                fields={"tags": [_("A tag has at most 50 characters and no commas.")]},
                code=CaseError.TAG_INVALID,
            )
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


@transaction.atomic
def case_tag(*, actor: User | None, case: Case, names: Sequence[str]) -> Case:
    """Put tags on the case, creating tags that do not exist yet; tags it already has are kept."""
    require_staff(actor)
    wanted = _clean_tag_names(names)
    case = _lock(case)
    _require_not_merged(case)
    have = set(case.tags.values_list("name", flat=True))
    new_names = [name for name in wanted if name not in have]
    if not new_names:
        return case
    Tag.objects.bulk_create([Tag(name=name) for name in new_names], ignore_conflicts=True)
    case.tags.add(*Tag.objects.filter(name__in=new_names))
    now = timezone.now()
    events.tagged(case, actor, now, names=new_names)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    audit_record(actor=actor, action="case.tag", obj=case, before={}, after={"tags": new_names})
    return case


@transaction.atomic
def case_untag(*, actor: User | None, case: Case, name: str) -> Case:
    """Take a tag off the case."""
    require_staff(actor)
    case = _lock(case)
    _require_not_merged(case)
    tag = case.tags.filter(name=tag_name_clean(name)).first()
    if tag is None:
        return case
    case.tags.remove(tag)
    now = timezone.now()
    events.untagged(case, actor, now, name=tag.name)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    audit_record(actor=actor, action="case.untag", obj=case, before={"tags": [tag.name]}, after={})
    return case
