"""Shared kernel models: base classes, counters, the outbox of pending work and the scheduler lease."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for records that show when they were created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ExternalRefModel(models.Model):
    """Base for records that also live in a shop or ERP: (source, external id) finds them again."""

    external_source = models.CharField(_("external source"), max_length=50, blank=True, default="")
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")

    class Meta:
        abstract = True


class Counter(models.Model):
    """A named, gap-free number sequence (case numbers): incremented under a row lock."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class PendingWork(models.Model):
    """Work that must happen (a notification, a webhook, a recalculation), written before it is run.

    The row is created in the same transaction as the change that caused it; a task only triggers
    it, and the periodic sweep re-enqueues rows whose task was lost. Handlers are idempotent.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=80)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField(_("due at"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("max attempts"), default=8)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("pending work")
        verbose_name_plural = _("pending work")
        indexes = [models.Index(fields=["state", "due_at"], name="core_work_state_due")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.state})"


class SchedulerLease(models.Model):
    """Who runs the periodic jobs now: only the holder of an unexpired lease acts."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class PeriodicRun(models.Model):
    """When each periodic job declared in code last ran and is next due."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return self.name


class SearchDocument(models.Model):
    """What the search finds one record by: its normalised tokens, and the case or customer it belongs to.

    The apps write these rows from their services (vafa.core.search); the full-text index over
    `text` is the database's own (SQLite FTS5, PostgreSQL GIN), kept in step by the database.
    """

    class Kind(models.TextChoices):
        CASE = "case", _("case")
        MESSAGE = "message", _("message")
        CUSTOMER = "customer", _("customer")
        UNIT = "unit", _("unit")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object id"))
    case_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="core_search_kind_object"),
        ]
        indexes = [
            models.Index(fields=["case_id"], name="core_search_case"),
            models.Index(fields=["customer_id"], name="core_search_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class ThrottleBucket(models.Model):
    """How many times one key (an e-mail address, an IP) was used in one fixed time window.

    Sign-in, sign-up and link requests count their attempts here, so the limit holds across all
    web processes. `key` is a keyed hash: no address or e-mail is stored. Expired rows are pruned
    by the hourly housekeeping.
    """

    key = models.CharField(_("key"), max_length=64)
    window_seconds = models.PositiveIntegerField(_("window seconds"))
    window_start = models.DateTimeField(_("window start"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    hits = models.PositiveIntegerField(_("hits"), default=0)

    class Meta:
        verbose_name = _("throttle bucket")
        verbose_name_plural = _("throttle buckets")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_seconds", "window_start"], name="core_throttle_key_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key[:12]}…@{self.window_start.isoformat()}: {self.hits}"
