"""Cases (customer requests), their conversation and their timeline of events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    COMPLAINT = "complaint", _("Complaint")
    WARRANTY_CLAIM = "warranty_claim", _("Warranty claim")
    REPAIR = "repair", _("Repair")
    RETURN = "return", _("Return")
    REPLACEMENT = "replacement", _("Replacement")
    REFUND = "refund", _("Refund")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    TRAINING = "training", _("Training")
    FEEDBACK = "feedback", _("Feedback")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    API = "api", _("API")
    PROACTIVE = "proactive", _("Proactive")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class WarrantyStatus(models.TextChoices):
    IN_WARRANTY = "in_warranty", _("In warranty")
    EXTENDED = "extended", _("Extended warranty")
    EXPIRED = "expired", _("Expired")
    NONE = "none", _("No warranty")


class Tag(models.Model):
    """A free label agents put on cases to group them ("battery", "vip", "recall-2026")."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A customer's request for help after the sale, from first contact to closure."""

    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases"
    )
    # Captured when the case opens, so organisation-wide visibility is one indexed filter.
    organisation = models.ForeignKey(
        "customers.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    unit = models.ForeignKey(
        "sales.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.QUESTION)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    warranty_status_at_open = models.CharField(
        _("warranty status when opened"),
        max_length=12,
        choices=WarrantyStatus.choices,
        blank=True,
        default="",
    )
    created_at = models.DateTimeField(_("opened at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    resolution_summary = models.TextField(_("resolution summary"), blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text=_("The closed case this one continues."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="cases")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="service_case_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="service_case_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="service_case_updated_id"),
            models.Index(fields=["created_at", "id"], name="service_case_created_id"),
            # The inbox's views walk these in keyset order (…, updated_at, id) instead of sorting.
            models.Index(fields=["status", "updated_at", "id"], name="service_case_status_upd_id"),
            models.Index(fields=["assignee", "updated_at", "id"], name="service_case_assignee_upd_id"),
            models.Index(fields=["team", "updated_at", "id"], name="service_case_team_upd_id"),
            models.Index(fields=["priority", "updated_at", "id"], name="service_case_priority_upd_id"),
            models.Index(fields=["resolved_at"], name="service_case_resolved_at"),
            # Covers every column the inbox's view counts read, so counting never touches the rows.
            models.Index(
                fields=["status", "assignee", "team", "resolved_at", "merged_into"],
                name="service_case_inbox_counts",
            ),
            models.Index(fields=["customer", "created_at"], name="service_case_customer"),
            # The portal's "My requests" walks a customer's (and their organisation's) cases latest
            # activity first.
            models.Index(fields=["customer", "updated_at", "id"], name="service_case_customer_upd_id"),
            models.Index(fields=["organisation", "updated_at", "id"], name="service_case_org_upd_id"),
            models.Index(fields=["organisation", "created_at"], name="service_case_org"),
            models.Index(fields=["team", "status"], name="service_case_team_status"),
            models.Index(fields=["assignee", "status"], name="service_case_assignee_status"),
            models.Index(fields=["unit"], name="service_case_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"{settings.VAFA_CASE_PREFIX}{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class Message(models.Model):
    """Something said on a case: a public reply the customer sees, or an internal note between agents."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(_("author"), max_length=10, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("author (customer)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    is_internal = models.BooleanField(_("internal note"), default=False)
    body_html = models.TextField(_("body (HTML)"), blank=True, default="")
    body_text = models.TextField(_("body (text)"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), db_index=True)
    merged_from = models.ForeignKey(
        Case,
        verbose_name=_("merged from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_kind="customer") | Q(is_internal=False),
                name="service_message_customer_public",
            ),
        ]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="service_message_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body_text[:60]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file sent with a message; stored by content hash, checked for size and type."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # The Content-ID an e-mail's HTML refers to this file by (an inline image); "" for plain attachments.
    content_id = models.CharField(_("content ID"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    ASSIGNED = "assigned", _("Assigned")
    TRANSFERRED = "transferred", _("Transferred")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    REPLIED = "replied", _("Replied")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    NOTED = "noted", _("Internal note")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    MERGED_FROM = "merged_from", _("Merged in")
    LINKED_TO_UNIT = "linked_to_unit", _("Linked to unit")
    UPDATED = "updated", _("Updated")
    TAGGED = "tagged", _("Tagged")
    UNTAGGED = "untagged", _("Tag removed")
    FOLLOWED_UP = "followed_up", _("Follow-up opened")
    SLA_APPLIED = "sla_applied", _("SLA policy applied")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    RULE_APPLIED = "rule_applied", _("Automation rule applied")
    RATED = "rated", _("Rated by the customer")
    CLAIM_OPENED = "claim_opened", _("Warranty claim opened")
    CLAIM_APPROVED = "claim_approved", _("Warranty claim approved")
    CLAIM_REJECTED = "claim_rejected", _("Warranty claim rejected")
    CLAIM_CANCELLED = "claim_cancelled", _("Warranty claim cancelled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REJECTED = "return_rejected", _("Return refused")
    RETURN_INSTRUCTED = "return_instructed", _("Return instructions sent")
    RETURN_RECEIVED = "return_received", _("Returned item received")
    RETURN_INSPECTED = "return_inspected", _("Returned item inspected")
    RETURN_CLOSED = "return_closed", _("Return closed")
    REPLACEMENT_ISSUED = "replacement_issued", _("Replacement issued")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("Replacement shipped")
    REPLACEMENT_DELIVERED = "replacement_delivered", _("Replacement delivered")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    REFUND_REJECTED = "refund_rejected", _("Refund refused")
    REPAIR_OPENED = "repair_opened", _("Repair order opened")
    REPAIR_STATUS = "repair_status", _("Repair status changed")
    REPAIR_QUOTED = "repair_quoted", _("Repair quote sent")
    QUOTE_ACCEPTED = "quote_accepted", _("Repair quote accepted")
    QUOTE_DECLINED = "quote_declined", _("Repair quote declined")
    VISIT_SCHEDULED = "visit_scheduled", _("Visit scheduled")
    VISIT_CONFIRMED = "visit_confirmed", _("Visit confirmed by the customer")
    VISIT_RESCHEDULED = "visit_rescheduled", _("Visit rescheduled")
    VISIT_DONE = "visit_done", _("Visit done")
    VISIT_MISSED = "visit_missed", _("Visit missed")
    VISIT_CANCELLED = "visit_cancelled", _("Visit cancelled")
    GOODWILL_PROPOSED = "goodwill_proposed", _("Goodwill proposed")
    GOODWILL_GIVEN = "goodwill_given", _("Goodwill given")
    GOODWILL_REJECTED = "goodwill_rejected", _("Goodwill refused")
    COST_RECORDED = "cost_recorded", _("Cost recorded")


class CaseEvent(models.Model):
    """One thing that happened to a case; the rows form its timeline and feed the analytics."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_kind = models.CharField(
        _("actor kind"), max_length=10, choices=AuthorKind.choices, default=AuthorKind.SYSTEM
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="service_event_case"),
            models.Index(fields=["kind", "created_at"], name="service_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseRating(models.Model):
    """The customer's own verdict on how a resolved request was handled: 1 to 5 stars and a comment."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="rating")
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="case_ratings",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("rated at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("case rating")
        verbose_name_plural = _("case ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="service_rating_score_1_5",
                violation_error_message=_("A rating is 1 to 5 stars."),
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="service_rating_created")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"
