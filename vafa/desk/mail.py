"""Read models of the desk's mail pages: the e-mail log with its tabs, one e-mail as it arrived, the
block list, and the e-mail facts the case stream shows on each message.

The log is keyset-paged on (received_at, id), newest first, with every filter served by an index of
InboundMail, so its pages cost the same at a million rows as at ten. The headers and body of one
e-mail are read from the stored original at view time: the row keeps only what lists need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vafa.channels.email.parse import MailParseError, parse_mail
from vafa.channels.models import BlockedSender, InboundMail, InboundState, Mailbox, QuarantineReason
from vafa.channels.services import inbound_raw
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.keyset import KeysetPage, SortKey, keyset_page
from vafa.core.text import html_for_display, text_to_html

PAGE_SIZE = 50
BLOCKED_PAGE_SIZE = 100
MAX_DB_INT = 2**63 - 1
MAX_SENDER_CHARS = 254

NEWEST_FIRST = SortKey("-received_at", (("received_at", "datetime"),), True)
BY_PATTERN = SortKey("pattern", (("pattern", "str"),), False)

ALL = "all"
DEFAULT_TAB = InboundState.QUARANTINED.value
# The log's tabs in the order shown: (key, label); every key but "all" is an InboundState.
TABS: tuple[tuple[str, Any], ...] = (
    (InboundState.QUARANTINED.value, gettext_lazy("Quarantined")),
    (InboundState.RECEIVED.value, gettext_lazy("Waiting")),
    (InboundState.PROCESSED.value, gettext_lazy("Processed")),
    (InboundState.DUPLICATE.value, gettext_lazy("Duplicates")),
    (InboundState.DISMISSED.value, gettext_lazy("Dismissed")),
    (ALL, gettext_lazy("All")),
)
TAB_KEYS = frozenset(key for key, _label in TABS)

SKIPPED_REASONS = {
    "too_large": gettext_lazy("Larger than the attachment size limit"),
    "too_many": gettext_lazy("Beyond the number of attachments allowed"),
    "undecodable": gettext_lazy("Could not be decoded"),
    "blocked_type": gettext_lazy("A file type that is not accepted"),
}


def reason_label(value: str) -> str:
    """The translated sentence for a quarantine reason ("" when there is none)."""
    if not value:
        return ""
    try:
        return str(QuarantineReason(value).label)
    except ValueError:
        return value


# --- the log --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailFilters:
    """What the log shows: a tab (a state, or all) and the filters beside it."""

    tab: str = DEFAULT_TAB
    reason: str = ""
    mailbox: int | None = None
    sender: str = ""

    @classmethod
    def from_params(cls, params: QueryDict) -> MailFilters:
        """The filters a query string asks for; anything unknown is ignored rather than refused."""
        tab = params.get("tab", DEFAULT_TAB)
        reason = params.get("reason", "")
        mailbox = params.get("mailbox", "")
        sender = params.get("sender", "").strip().lower()[:MAX_SENDER_CHARS]
        return cls(
            tab=tab if tab in TAB_KEYS else DEFAULT_TAB,
            reason=reason if reason in QuarantineReason.values else "",
            mailbox=int(mailbox) if mailbox.isdigit() and int(mailbox) <= MAX_DB_INT else None,
            sender=sender,
        )

    def params(self, **changes: Any) -> str:
        """The query string of these filters with `changes`, for links (tabs keep the filters)."""
        values = {
            "tab": self.tab,
            "reason": self.reason,
            "mailbox": self.mailbox or "",
            "sender": self.sender,
        }
        values.update(changes)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in ("", None):
                query[key] = str(value)
        return query.urlencode()


def _filtered(filters: MailFilters) -> QuerySet[InboundMail]:
    """The rows matching the filters, in every state."""
    queryset = InboundMail.objects.all()
    if filters.reason:
        queryset = queryset.filter(reason=filters.reason)
    if filters.mailbox is not None:
        queryset = queryset.filter(mailbox_id=filters.mailbox)
    if filters.sender:
        queryset = queryset.filter(from_address=filters.sender)
    return queryset


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    count: int
    current: bool
    query: str


@dataclass
class MailLog:
    """One page of the log, the tabs with their counts, and the mailboxes panel."""

    filters: MailFilters
    tabs: list[Tab]
    page: KeysetPage[InboundMail]
    mailboxes: list[Mailbox]
    reasons: list[tuple[str, str]]


def mail_tab_counts(filters: MailFilters) -> dict[str, int]:
    """How many e-mails each tab holds under the filters (one grouped query over the state index)."""
    counts = dict.fromkeys(InboundState.values, 0)
    rows = _filtered(filters).order_by().values_list("state").annotate(n=Count("id"))
    for state, number in rows:
        counts[state] = number
    counts[ALL] = sum(counts.values())
    return counts


def mail_log(*, filters: MailFilters, after: str | None = None, before: str | None = None) -> MailLog:
    """The log's page for `filters`, newest first; a broken cursor starts again at the top."""
    queryset = _filtered(filters)
    if filters.tab != ALL:
        queryset = queryset.filter(state=filters.tab)
    load = InboundMail.objects.select_related("mailbox", "case")
    try:
        page = keyset_page(queryset, sort=NEWEST_FIRST, size=PAGE_SIZE, after=after, before=before, load=load)
    except ValidationFailed:
        page = keyset_page(queryset, sort=NEWEST_FIRST, size=PAGE_SIZE, load=load)
    counts = mail_tab_counts(filters)
    tabs = [
        Tab(
            key=key,
            label=str(label),
            count=counts[key],
            current=key == filters.tab,
            query=filters.params(tab=key),
        )
        for key, label in TABS
    ]
    return MailLog(
        filters=filters,
        tabs=tabs,
        page=page,
        mailboxes=list(Mailbox.objects.select_related("team").order_by("name", "id")),
        reasons=[(str(value), str(label)) for value, label in QuarantineReason.choices],
    )


def quarantined_count() -> int:
    """How many e-mails wait in quarantine (the nav badge): a count on the state index."""
    return InboundMail.objects.filter(state=InboundState.QUARANTINED).count()


# --- one e-mail -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedPartView:
    filename: str
    content_type: str
    size: int
    reason: str
    reason_label: str


@dataclass
class MailDetail:
    """One e-mail: its row, and what its original says when it can be read."""

    inbound: InboundMail
    parsed: Any = None  # vafa.channels.email.parse.ParsedMail, or None when the mail cannot be read
    unreadable: str = ""  # why the original could not be read ("" when it could)
    body: SafeString | str = ""
    skipped: list[SkippedPartView] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        return reason_label(self.inbound.reason)

    @property
    def is_quarantined(self) -> bool:
        return self.inbound.state == InboundState.QUARANTINED

    @property
    def is_queued(self) -> bool:
        return self.inbound.state == InboundState.RECEIVED

    @property
    def sender_domain(self) -> str:
        return self.inbound.from_address.rpartition("@")[2] if "@" in self.inbound.from_address else ""


def mail_get(*, inbound_id: int) -> InboundMail:
    """The stored e-mail with this id (with its mailbox and case), or NotFound."""
    if not 0 < inbound_id <= MAX_DB_INT:
        raise NotFound(_("No such e-mail."))
    inbound = InboundMail.objects.select_related("mailbox", "case").filter(pk=inbound_id).first()
    if inbound is None:
        raise NotFound(_("No such e-mail."))
    return inbound


def _skipped(rows: Any) -> list[SkippedPartView]:
    parts = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        reason = str(row.get("reason") or "")
        label = SKIPPED_REASONS.get(reason)
        parts.append(
            SkippedPartView(
                filename=str(row.get("filename") or ""),
                content_type=str(row.get("content_type") or ""),
                size=int(row.get("size") or 0),
                reason=reason,
                reason_label=str(label) if label is not None else reason,
            )
        )
    return parts


def mail_detail(*, inbound_id: int) -> MailDetail:
    """The e-mail with its headers and body read from the stored original, shown safely."""
    inbound = mail_get(inbound_id=inbound_id)
    detail = MailDetail(inbound=inbound, skipped=_skipped(inbound.skipped_parts))
    try:
        raw = inbound_raw(inbound)
    except (OSError, ValueError):
        detail.unreadable = _("The stored original is missing.")
        return detail
    try:
        parsed = parse_mail(
            raw,
            max_part_bytes=settings.VAFA_ATTACHMENT_MAX_BYTES,
            max_parts=settings.VAFA_ATTACHMENT_MAX_COUNT,
        )
    except MailParseError as exc:
        detail.unreadable = _("This e-mail cannot be read (%(detail)s).") % {"detail": exc.code}
        return detail
    detail.parsed = parsed
    if parsed.html:
        detail.body = mark_safe(html_for_display(parsed.html))  # noqa: S308 - sanitised just now
    else:
        detail.body = mark_safe(text_to_html(parsed.text))  # noqa: S308 - text_to_html escapes
    if not inbound.skipped_parts and parsed.skipped:
        # Not processed yet (or quarantined before it was): the parser's own list.
        detail.skipped = _skipped(
            [
                {"filename": p.filename, "content_type": p.content_type, "size": p.size, "reason": p.reason}
                for p in parsed.skipped
            ]
        )
    return detail


# --- the block list -------------------------------------------------------------------------------


def blocked_list(*, after: str | None = None, before: str | None = None) -> KeysetPage[BlockedSender]:
    """A page of the block list in the order of the patterns."""
    queryset = BlockedSender.objects.all()
    load = BlockedSender.objects.select_related("created_by")
    try:
        return keyset_page(
            queryset, sort=BY_PATTERN, size=BLOCKED_PAGE_SIZE, after=after, before=before, load=load
        )
    except ValidationFailed:
        return keyset_page(queryset, sort=BY_PATTERN, size=BLOCKED_PAGE_SIZE, load=load)


def blocked_get(*, blocked_id: int) -> BlockedSender:
    if not 0 < blocked_id <= MAX_DB_INT:
        raise NotFound(_("No such entry."))
    blocked = BlockedSender.objects.filter(pk=blocked_id).first()
    if blocked is None:
        raise NotFound(_("No such entry."))
    return blocked
