"""REST endpoints for cases, their conversation, timeline and workflow actions.

Each endpoint loads the case through the selectors (a case the caller may not see is a 404) and
hands the change to one service, which enforces the workflow and who may do what (403, 409).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from ninja.responses import Status

from vafa.accounts.models import User
from vafa.accounts.selectors import team_get, user_get
from vafa.api.auth import require_staff, viewer
from vafa.api.errors import ERRORS
from vafa.api.pagination import paginate
from vafa.api.schemas import decode_attachments, referenced
from vafa.api.types import Id
from vafa.catalog.selectors import product_get
from vafa.core.errors import Forbidden, NotFound, ValidationFailed
from vafa.customers.models import Customer
from vafa.customers.selectors import customer_get
from vafa.sales.selectors import order_get, unit_get
from vafa.service import selectors, services
from vafa.service.models import Case
from vafa.service.schemas import (
    CASE_SORTS,
    EVENT_SORTS,
    MESSAGE_SORTS,
    AssignIn,
    CaseFilters,
    CaseIn,
    CaseOut,
    CasePage,
    CasePatch,
    EventPage,
    MergeIn,
    MessageIn,
    MessageOut,
    MessagePage,
    PriorityIn,
    ReopenIn,
    ResolveIn,
    StatusIn,
    ThreadParams,
    UnitLinkIn,
)

router = Router(tags=["cases"])

CASE = {200: CaseOut, **ERRORS}


def _own_customer(user: User) -> Customer:
    """The customer a customer's account belongs to (the database makes sure there is one)."""
    if user.customer is None:
        raise NotFound(_("No such customer."))
    return user.customer


def _filter_cases(queryset: QuerySet[Case], f: CaseFilters) -> QuerySet[Case]:
    if f.status:
        queryset = queryset.filter(status__in=f.status)
    for name in (
        "kind",
        "channel",
        "priority",
        "team_id",
        "customer_id",
        "unit_id",
        "order_id",
        "product_id",
    ):
        value = getattr(f, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if f.assignee_id == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif f.assignee_id is not None:
        queryset = queryset.filter(assignee_id=f.assignee_id)
    if f.created_after is not None:
        queryset = queryset.filter(created_at__gte=f.created_after)
    if f.created_before is not None:
        queryset = queryset.filter(created_at__lt=f.created_before)
    if f.updated_after is not None:
        queryset = queryset.filter(updated_at__gte=f.updated_after)
    if f.updated_before is not None:
        queryset = queryset.filter(updated_at__lt=f.updated_before)
    return queryset


def _case(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_get(viewer=viewer(request), case_id=case_id)


# --- cases ----------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **ERRORS})
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Cases you may see, most recently updated first."""
    queryset = _filter_cases(selectors.case_list(viewer=viewer(request)), filters)
    return paginate(queryset, sort=CASE_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit)


@router.post("/cases", response={201: CaseOut, **ERRORS})
def case_open(request: HttpRequest, payload: CaseIn) -> Any:
    """Open a case with its first message; a customer's token opens it for that customer only."""
    user = viewer(request)
    if user.is_customer:
        if payload.customer_id is not None and payload.customer_id != user.customer_id:
            raise NotFound(_("No such customer."))
        customer = _own_customer(user)
    elif payload.customer_id is None:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"customer_id": [_("This field is required.")]}
        )
    else:
        customer_id = payload.customer_id
        customer = referenced("customer_id", lambda: customer_get(viewer=user, customer_id=customer_id))
    unit_id, order_id, product_id = payload.unit_id, payload.order_id, payload.product_id
    staff = user.is_company_staff
    team_id, assignee_id = payload.team_id, payload.assignee_id
    case = services.case_open(
        actor=user,
        customer=customer,
        subject=payload.subject,
        body=payload.body,
        body_html=payload.body_html,
        kind=payload.kind,
        channel=payload.channel,
        priority=payload.priority,
        unit=referenced("unit_id", lambda: unit_get(viewer=user, unit_id=unit_id)) if unit_id else None,
        order=referenced("order_id", lambda: order_get(viewer=user, order_id=order_id)) if order_id else None,
        product=referenced("product_id", lambda: product_get(viewer=user, product_id=product_id))
        if product_id
        else None,
        team=referenced("team_id", lambda: team_get(team_id)) if team_id and staff else None,
        assignee=referenced("assignee_id", lambda: user_get(assignee_id)) if assignee_id and staff else None,
        language=payload.language,
        attachments=decode_attachments(payload.attachments),
        external_id=payload.external_id,
    )
    return Status(201, case)


@router.get("/cases/{case_id}", response=CASE)
def case_get(request: HttpRequest, case_id: Id) -> Any:
    return _case(request, case_id)


@router.patch("/cases/{case_id}", response=CASE)
def case_update(request: HttpRequest, case_id: Id, payload: CasePatch) -> Any:
    """Correct the subject or kind (staff)."""
    case = _case(request, case_id)
    return services.case_update(actor=viewer(request), case=case, subject=payload.subject, kind=payload.kind)


# --- conversation and timeline --------------------------------------------------------------------


@router.get("/cases/{case_id}/messages", response={200: MessagePage, **ERRORS})
def message_list(request: HttpRequest, case_id: Id, params: Query[ThreadParams]) -> Any:
    """The conversation, oldest first; customers never see internal notes."""
    user = viewer(request)
    case = _case(request, case_id)
    queryset = selectors.message_list(viewer=user, case=case)
    return paginate(queryset, sort=MESSAGE_SORTS[params.sort], cursor=params.cursor, limit=params.limit)


@router.post("/cases/{case_id}/messages", response={201: MessageOut, **ERRORS})
def message_add(request: HttpRequest, case_id: Id, payload: MessageIn) -> Any:
    """Staff: a reply to the customer, or an internal note. Customers: a message on their own case."""
    user = viewer(request)
    case = _case(request, case_id)
    attachments = decode_attachments(payload.attachments)
    if user.is_customer:
        if payload.internal or payload.status is not None or payload.resolve:
            raise Forbidden(_("Only the company's staff can do this."), code=services.CaseError.STAFF_ONLY)
        message = services.case_customer_reply(
            case=case,
            customer=_own_customer(user),
            actor=user,
            body=payload.body,
            body_html=payload.body_html,
            attachments=attachments,
            channel=payload.channel,
        )
    elif payload.internal:
        if payload.status is not None or payload.resolve:
            raise ValidationFailed(
                _("An internal note cannot change the case's status."),
                fields={"internal": [_("Send the status with a reply, not a note.")]},
            )
        message = services.case_note(
            actor=user, case=case, body=payload.body, body_html=payload.body_html, attachments=attachments
        )
    else:
        message = services.case_reply(
            actor=user,
            case=case,
            body=payload.body,
            body_html=payload.body_html,
            attachments=attachments,
            channel=payload.channel,
            status=payload.status,
            resolve=payload.resolve,
            resolution_summary=payload.resolution_summary,
        )
    return Status(201, message)


@router.get("/cases/{case_id}/events", response={200: EventPage, **ERRORS})
def event_list(request: HttpRequest, case_id: Id, params: Query[ThreadParams]) -> Any:
    """Everything that happened to the case, oldest first (staff)."""
    case = _case(request, case_id)
    require_staff(viewer(request))
    return paginate(
        selectors.case_timeline(case=case),
        sort=EVENT_SORTS[params.sort],
        cursor=params.cursor,
        limit=params.limit,
    )


# --- workflow actions -----------------------------------------------------------------------------


@router.post("/cases/{case_id}/assign", response=CASE)
def case_assign(request: HttpRequest, case_id: Id, payload: AssignIn) -> Any:
    """Give the case to an agent and/or a team; only the keys sent change, null clears (staff)."""
    user = viewer(request)
    case = _case(request, case_id)
    require_staff(user)
    sent = payload.model_fields_set
    kwargs: dict[str, Any] = {}
    if "assignee_id" in sent:
        assignee_id = payload.assignee_id
        kwargs["assignee"] = (
            None if assignee_id is None else referenced("assignee_id", lambda: user_get(assignee_id))
        )
    if "team_id" in sent:
        team_id = payload.team_id
        kwargs["team"] = None if team_id is None else referenced("team_id", lambda: team_get(team_id))
    return services.case_assign(actor=user, case=case, **kwargs)


@router.post("/cases/{case_id}/status", response=CASE)
def case_set_status(request: HttpRequest, case_id: Id, payload: StatusIn) -> Any:
    """Move the case to a status the workflow allows (staff); others answer 409 invalid_transition."""
    case = _case(request, case_id)
    return services.case_set_status(
        actor=viewer(request), case=case, status=payload.status, summary=payload.summary
    )


@router.post("/cases/{case_id}/resolve", response=CASE)
def case_resolve(request: HttpRequest, case_id: Id, payload: ResolveIn) -> Any:
    """Mark the case resolved, with what was done (staff)."""
    case = _case(request, case_id)
    return services.case_resolve(actor=viewer(request), case=case, summary=payload.summary)


@router.post("/cases/{case_id}/reopen", response=CASE)
def case_reopen(request: HttpRequest, case_id: Id, payload: ReopenIn) -> Any:
    """Open a resolved (staff: or closed) case again; customers may reopen their own resolved cases."""
    case = _case(request, case_id)
    return services.case_reopen(actor=viewer(request), case=case, reason=payload.reason)


@router.post("/cases/{case_id}/merge", response=CASE)
def case_merge(request: HttpRequest, case_id: Id, payload: MergeIn) -> Any:
    """Merge this case into `target_id` (same customer); answers the target (staff)."""
    user = viewer(request)
    source = _case(request, case_id)
    require_staff(user)
    target_id = payload.target_id
    target = referenced("target_id", lambda: selectors.case_get(viewer=user, case_id=target_id))
    return services.case_merge(actor=user, source=source, target=target)


@router.post("/cases/{case_id}/priority", response=CASE)
def case_set_priority(request: HttpRequest, case_id: Id, payload: PriorityIn) -> Any:
    """Change how urgent the case is (staff)."""
    case = _case(request, case_id)
    return services.case_set_priority(actor=viewer(request), case=case, priority=payload.priority)


@router.post("/cases/{case_id}/close", response=CASE)
def case_close(request: HttpRequest, case_id: Id) -> Any:
    """Close a resolved case for good (staff)."""
    case = _case(request, case_id)
    return services.case_close(actor=viewer(request), case=case)


@router.post("/cases/{case_id}/unit", response=CASE)
def case_link_unit(request: HttpRequest, case_id: Id, payload: UnitLinkIn) -> Any:
    """Link the case to one of the customer's units, or unlink it with null (staff)."""
    user = viewer(request)
    case = _case(request, case_id)
    require_staff(user)
    unit_id = payload.unit_id
    unit = None if unit_id is None else referenced("unit_id", lambda: unit_get(viewer=user, unit_id=unit_id))
    return services.case_link_unit(actor=user, case=case, unit=unit)
