"""Reads of cases, their conversation and timeline, limited to what the viewer may see."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import STAFF_ROLES, Role, Team, User
from vafa.catalog.models import Product
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.keyset import KeysetPage, SortKey, cursor_of, keyset_page
from vafa.customers.selectors import customer_scope, shared_organisation_id
from vafa.sales.models import Unit
from vafa.service.models import (
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    CaseRating,
    EventKind,
    Message,
    Tag,
)


def agent_sees_all_cases(viewer: User) -> bool:
    return (
        viewer.role in (Role.ADMIN, Role.MANAGER)
        or viewer.sees_all_cases
        or settings.VAFA_AGENTS_SEE_ALL_CASES
    )


def case_scope(viewer: User) -> Q:
    """The cases `viewer` may see.

    Admins and managers see all. Agents see the cases of their teams, cases with no team yet (the
    general queue) and cases assigned to them — or all, when their account or the setting says so.
    Customers see their own cases, and their organisation's when it shares with members.
    """
    if not viewer.is_active:
        return Q(pk__in=[])
    if viewer.is_company_staff:
        if agent_sees_all_cases(viewer):
            return Q()
        team_ids = list(viewer.teams.values_list("pk", flat=True))
        return Q(team_id__in=team_ids) | Q(team__isnull=True) | Q(assignee_id=viewer.pk)
    return customer_scope(viewer, customer_field="customer", organisation_field="organisation")


def case_list(*, viewer: User) -> QuerySet[Case]:
    """Cases `viewer` may see, with the customer, team and assignee a list shows.

    Only those three are joined: on PostgreSQL every extra left join multiplies the planner's work
    (seven joined tables took 5.7 ms to plan against 0.3 ms for four, at 100,000 cases). A view that
    shows units or products adds them with `select_related`.
    """
    return Case.objects.filter(case_scope(viewer)).select_related("customer", "team", "assignee")


def case_get(*, viewer: User, case_id: int) -> Case:
    """The case with this id if `viewer` may see it; otherwise NotFound (never a hint it exists)."""
    case = case_list(viewer=viewer).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


# The portal's "My requests": latest activity first.
CUSTOMER_CASE_SORT = SortKey("-updated_at", (("updated_at", "datetime"),), True)


def customer_case_page(
    *,
    viewer: User,
    organisation: bool = False,
    after: str | None = None,
    before: str | None = None,
    size: int = 20,
) -> KeysetPage[Case]:
    """One page of a customer account's requests, latest activity first, with product and unit loaded.

    Only the account's own cases, or with `organisation` every case it may see (its organisation's
    too, when the organisation shares). Merged cases are left out: their conversation lives on in
    the case they were merged into. A bad cursor raises ValidationFailed.

    The own cases are one query, walking the (customer, updated_at, id) index. The organisation's
    view reads its two parts apart — the account's own cases, and the organisation's other
    customers' — and merges the two pages: as one query with "customer OR organisation", SQLite
    walked the whole updated_at index looking for the few rows that match (two queries, each on its
    own index, whatever the table's size).
    """
    if not viewer.is_active or viewer.customer_id is None:
        return KeysetPage(items=[], next=None, previous=None)
    # The page's ids are chosen from the scoped querysets; `load` only reads those rows by id.
    load = Case.objects.select_related("customer", "product", "unit__product")
    branches = [Case.objects.filter(customer_id=viewer.customer_id, merged_into__isnull=True)]
    organisation_id = shared_organisation_id(viewer) if organisation else None
    if organisation_id is not None:
        branches.append(
            Case.objects.filter(organisation_id=organisation_id, merged_into__isnull=True).exclude(
                customer_id=viewer.customer_id
            )
        )
    pages = [
        keyset_page(branch, sort=CUSTOMER_CASE_SORT, size=size, after=after, before=before, load=load)
        for branch in branches
    ]
    if len(pages) == 1:
        return pages[0]
    return _merged_page(pages, size=size, after=after, before=before)


def _merged_page(
    pages: list[KeysetPage[Case]], *, size: int, after: str | None, before: str | None
) -> KeysetPage[Case]:
    """One page of the union of disjoint lists, from a page of each taken at the same cursor."""
    rows = sorted(
        (case for page in pages for case in page.items), key=lambda c: (c.updated_at, c.pk), reverse=True
    )
    sort = CUSTOMER_CASE_SORT
    if not before:
        items = rows[:size]
        more = len(rows) > size or any(page.next for page in pages)
        return KeysetPage(
            items=items,
            next=cursor_of(sort, items[-1]) if items and more else None,
            previous=cursor_of(sort, items[0]) if items and after else None,
        )
    items = rows[-size:]
    more = len(rows) > size or any(page.previous for page in pages)
    return KeysetPage(
        items=items,
        next=cursor_of(sort, items[-1]) if items else None,
        previous=cursor_of(sort, items[0]) if items and more else None,
    )


def customer_open_cases(*, viewer: User, limit: int = 5) -> list[Case]:
    """The account's own requests still being worked on, latest activity first (the portal's home)."""
    if not viewer.is_active or viewer.customer_id is None:
        return []
    return list(
        Case.objects.filter(
            customer_id=viewer.customer_id, status__in=OPEN_STATUSES, merged_into__isnull=True
        )
        .select_related("product")
        .order_by("-updated_at", "-id")[:limit]
    )


def case_rating(*, case: Case) -> CaseRating | None:
    """The customer's rating of the case, if they gave one."""
    return CaseRating.objects.filter(case=case).first()


def case_reopen_until(case: Case) -> dt.datetime | None:
    """Until when the customer may reopen, reply to or re-rate a resolved case (None: never resolved).

    VAFA_PORTAL_REOPEN_DAYS after `resolved_at`; staff are not held to it.
    """
    if case.resolved_at is None:
        return None
    return case.resolved_at + dt.timedelta(days=settings.VAFA_PORTAL_REOPEN_DAYS)


def case_get_by_number(*, viewer: User, number: int) -> Case:
    case = case_list(viewer=viewer).filter(number=number).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


def message_list(*, viewer: User, case: Case) -> QuerySet[Message]:
    """The conversation of a case in order; customers never see internal notes."""
    queryset = (
        Message.objects.filter(case=case)
        .select_related("author_user", "author_customer")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if not viewer.is_company_staff:
        queryset = queryset.filter(is_internal=False)
    return queryset


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """Everything that happened to a case, oldest first (staff only)."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")


# --- the case workspace: one page of the conversation and timeline ----------------------------------

# Events that only repeat a message shown in the stream anyway.
STREAM_HIDDEN_EVENTS = (EventKind.REPLIED, EventKind.CUSTOMER_REPLIED, EventKind.NOTED)
# Order of items of the same instant: the opening first, then the messages, then what followed them
# (a reply and the status change it caused are written at the same instant).
RANK_OPENED, RANK_MESSAGE, RANK_EVENT = 0, 1, 2
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CURSOR = re.compile(r"^(-?\d{1,18})\.([0-2])\.(\d{1,18})$")


@dataclass(frozen=True)
class StreamCursor:
    """A place in a case's stream: items strictly before (at, rank, pk) come next."""

    at: dt.datetime
    rank: int
    pk: int

    def encode(self) -> str:
        micros = (self.at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.rank}.{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> StreamCursor:
        match = _CURSOR.match(raw or "")
        if match is None:
            raise ValidationFailed(
                _("The cursor is not valid for this list; start again without it."),
                fields={"before": [_("Not a cursor of this list.")]},
            )
        micros, rank, pk = (int(group) for group in match.groups())
        try:
            at = _EPOCH + dt.timedelta(microseconds=micros)
        except OverflowError:
            raise ValidationFailed(
                _("The cursor is not valid for this list; start again without it."),
                fields={"before": [_("Not a cursor of this list.")]},
            ) from None
        return cls(at=at, rank=rank, pk=pk)


@dataclass(frozen=True)
class StreamItem:
    """One entry of a case's stream: a message or an event."""

    at: dt.datetime
    rank: int
    pk: int
    message: Message | None = None
    event: CaseEvent | None = None

    @property
    def cursor(self) -> StreamCursor:
        return StreamCursor(at=self.at, rank=self.rank, pk=self.pk)


@dataclass
class ConversationPage:
    """The newest `limit` items of a case's stream before a cursor, oldest first.

    `earlier` is the cursor to ask for the items before these (None when there are none). Events
    carry `from_name` and `to_name`: the user, team or unit their data names by id (None if gone).
    """

    items: list[StreamItem]
    earlier: StreamCursor | None


def _before(cursor: StreamCursor, rank: Any) -> Q:
    """Items whose (created_at, rank, id) sort before the cursor; `rank` is a number or a column."""
    if isinstance(rank, int):
        if rank < cursor.rank:
            return Q(created_at__lte=cursor.at)
        if rank > cursor.rank:
            return Q(created_at__lt=cursor.at)
        return Q(created_at__lt=cursor.at) | Q(created_at=cursor.at, pk__lt=cursor.pk)
    return (
        Q(created_at__lt=cursor.at)
        | Q(created_at=cursor.at, stream_rank__lt=cursor.rank)
        | Q(created_at=cursor.at, stream_rank=cursor.rank, pk__lt=cursor.pk)
    )


def _named(key: str) -> RawSQL:
    """The name of the user, team or unit an event's `data[key]` holds the id of, read in SQL.

    Assignments name users, transfers teams, unit links units; any other event gets NULL. It is a
    subquery of the events query, so naming costs no query of its own; it is written as SQL because
    the same expression built with the ORM took ~5 ms of Python per page to assemble.
    """
    if key not in ("from", "to"):
        raise ValueError(f"Unknown event reference: {key}")
    quote = connection.ops.quote_name
    event = quote(CaseEvent._meta.db_table)
    if connection.vendor == "sqlite":
        ref = f"CAST(json_extract({event}.{quote('data')}, '$.{key}') AS INTEGER)"
    else:  # PostgreSQL
        ref = f"({event}.{quote('data')} ->> '{key}')::bigint"
    user, team = quote(User._meta.db_table), quote(Team._meta.db_table)
    unit, product = quote(Unit._meta.db_table), quote(Product._meta.db_table)
    # Only table and column names of the models and the two keys above go into the text.
    sql = (
        f"CASE {event}.{quote('kind')}"  # noqa: S608
        f" WHEN %s THEN (SELECT COALESCE(NULLIF(u.{quote('full_name')}, ''), u.{quote('email')})"
        f" FROM {user} u WHERE u.{quote('id')} = {ref})"
        f" WHEN %s THEN (SELECT t.{quote('name')} FROM {team} t WHERE t.{quote('id')} = {ref})"
        f" WHEN %s THEN (SELECT n.{quote('serial_number')} || ' · ' || p.{quote('name')}"
        f" FROM {unit} n INNER JOIN {product} p ON p.{quote('id')} = n.{quote('product_id')}"
        f" WHERE n.{quote('id')} = {ref})"
        " END"
    )
    params = (EventKind.ASSIGNED.value, EventKind.TRANSFERRED.value, EventKind.LINKED_TO_UNIT.value)
    return RawSQL(sql, params, output_field=CharField())  # noqa: S611 - no user input in the SQL


def case_conversation_page(
    *, viewer: User, case: Case, before: StreamCursor | None = None, limit: int = 30
) -> ConversationPage:
    """Messages and (for staff) events of a case merged in time order, newest `limit` before `before`.

    Three queries whatever the history's length or content: the messages, their attachments, and
    the events with the names of the users, teams and units they refer to. Customers get no internal
    notes and no events.
    """
    messages_qs = message_list(viewer=viewer, case=case).select_related("merged_from")
    if before is not None:
        messages_qs = messages_qs.filter(_before(before, RANK_MESSAGE))
    messages = list(messages_qs.order_by("-created_at", "-id")[: limit + 1])
    items = [StreamItem(at=m.created_at, rank=RANK_MESSAGE, pk=m.pk, message=m) for m in messages]
    events: list[CaseEvent] = []
    if viewer.is_company_staff:
        events_qs = (
            case_timeline(case=case)
            .exclude(kind__in=STREAM_HIDDEN_EVENTS)
            .annotate(
                stream_rank=DbCase(
                    When(kind=EventKind.OPENED, then=Value(RANK_OPENED)),
                    default=Value(RANK_EVENT),
                    output_field=IntegerField(),
                ),
                from_name=_named("from"),
                to_name=_named("to"),
            )
        )
        if before is not None:
            events_qs = events_qs.filter(_before(before, "stream_rank"))
        events = list(events_qs.order_by("-created_at", "-stream_rank", "-id")[: limit + 1])
        items += [
            StreamItem(at=e.created_at, rank=e.stream_rank, pk=e.pk, event=e)  # type: ignore[attr-defined]
            for e in events
        ]
    items.sort(key=lambda item: (item.at, item.rank, item.pk), reverse=True)
    page = items[:limit]
    earlier = page[-1].cursor if len(items) > limit else None
    page.reverse()
    return ConversationPage(items=page, earlier=earlier)


def case_workspace_get(*, viewer: User, number: int) -> Case:
    """The case with this number as the desk's case page shows it, if `viewer` may see it.

    Joins the unit, the product and the customer's organisation, loads the tags, and annotates
    `last_event_id` (the page compares it later to tell the agent about new activity) and
    `merged_into_number`.
    """
    case = (
        case_list(viewer=viewer)
        .filter(number=number)
        .select_related("customer__organisation", "unit__product", "product")
        .annotate(
            # MAX over the case's own events: "ORDER BY id DESC LIMIT 1" lets PostgreSQL walk the
            # whole events primary key backwards (13 ms at 500,000 events) instead.
            last_event_id=Subquery(
                CaseEvent.objects.filter(case=OuterRef("pk"))
                .order_by()
                .values("case")
                .annotate(last=Max("id"))
                .values("last")[:1],
                output_field=BigIntegerField(),
            ),
            merged_into_number=F("merged_into__number"),
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .first()
    )
    if case is None:
        raise NotFound(_("No such case."))
    return case


def case_activity_since(*, case: Case, event_id: int, viewer: User) -> bool:
    """Whether someone other than `viewer` changed or wrote on the case after event `event_id`."""
    return CaseEvent.objects.filter(case=case, pk__gt=event_id).exclude(actor=viewer).exists()


def case_neighbours(*, viewer: User, case: Case) -> tuple[Case | None, Case | None]:
    """The previous and next case in `viewer`'s own open cases, newest activity first.

    The list is ordered by (-updated_at, -id); two keyset queries find the neighbours of the case's
    place in it, whether or not the case itself is in the list.
    """
    # Cases assigned to the viewer are always in their scope.
    mine = Case.objects.filter(assignee=viewer, status__in=OPEN_STATUSES, merged_into__isnull=True).exclude(
        pk=case.pk
    )
    at, pk = case.updated_at, case.pk
    # `updated_at >= at AND NOT (updated_at = at AND id <= pk)` rather than the usual OR of two
    # branches: with bound parameters SQLite planned the OR as two index scans merged and sorted
    # (20 ms per query at 100,000 cases); this form is one range on (assignee, updated_at, id).
    previous = (
        mine.filter(updated_at__gte=at)
        .exclude(updated_at=at, pk__lte=pk)
        .order_by("updated_at", "id")
        .only("number", "subject")
        .first()
    )
    following = (
        mine.filter(updated_at__lte=at)
        .exclude(updated_at=at, pk__gte=pk)
        .order_by("-updated_at", "-id")
        .only("number", "subject")
        .first()
    )
    return previous, following


def attachment_get(*, viewer: User, case: Case, attachment_id: int) -> Attachment:
    """A file sent on `case` (a case the caller already got through the viewer's scope).

    Customers never get the files of internal notes. Anything else answers NotFound.
    """
    queryset = Attachment.objects.filter(pk=attachment_id, message__case=case)
    if not viewer.is_company_staff:
        queryset = queryset.filter(message__is_internal=False)
    attachment = queryset.first()
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def case_assignment_choices() -> tuple[list[Team], list[User]]:
    """The teams and the active staff a case can be given to (each agent with their teams loaded)."""
    teams = list(Team.objects.order_by("name", "id"))
    users = list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("full_name", "email")
    )
    return teams, users
