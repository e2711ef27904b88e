"""Automation rules (event and time triggers), their run log, macros and canned replies, and routing:
how each team hands its cases to agents, and what routing knows of each agent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# --- rules ----------------------------------------------------------------------------------------


class Trigger(models.TextChoices):
    CASE_OPENED = "case.opened", _("Case opened")
    CUSTOMER_REPLIED = "case.customer_replied", _("Customer replied")
    AGENT_REPLIED = "case.replied", _("Agent replied")
    STATUS_CHANGED = "case.status_changed", _("Status changed")
    SLA_AT_RISK = "case.sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "case.sla_breached", _("SLA breached")
    TIME = "time", _("Time in status")


class Rule(models.Model):
    """An automation: when something happens to a case (or it has waited long enough), if it matches, act.

    `conditions` is a list of {"field", "op", "value"}; `actions` a list of {"type", …}: see
    vafa/automation/conditions.py and actions.py for the vocabulary. Rules run in `position` order.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(pgettext_lazy("place in a list", "order"), default=0)
    trigger = models.CharField(_("trigger"), max_length=30, choices=Trigger.choices)
    # Time triggers: a case that has been in `time_status` for `time_minutes` business minutes.
    time_status = models.CharField(_("status waited in"), max_length=20, blank=True, default="")
    time_minutes = models.PositiveIntegerField(_("after (business minutes)"), null=True, blank=True)
    time_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default calendar."),
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trigger="time") | Q(time_minutes__isnull=False) & ~Q(time_status=""),
                name="automation_rule_time_needs_wait",
            )
        ]
        indexes = [models.Index(fields=["trigger", "is_active", "position"], name="automation_rule_trigger")]

    def __str__(self) -> str:
        return self.name


class RunOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    LOOP_STOPPED = "loop_stopped", _("Stopped: it would loop")
    FAILED = "failed", pgettext_lazy("rule run", "Failed")


class RuleRun(models.Model):
    """One firing of a rule on a case: what fired, on which event, why, and what it did."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="runs")
    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="rule_runs"
    )
    # What the rule answered: "event:<CaseEvent id>", "sla:<clock id>:breached", "time:<status event id>".
    event_key = models.CharField(_("event"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=15, choices=RunOutcome.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    fired_at = models.DateTimeField(_("fired at"), db_index=True)

    class Meta:
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        ordering = ["-fired_at", "-id"]
        constraints = [
            # Each rule acts at most once per event.
            models.UniqueConstraint(fields=["rule", "event_key"], name="automation_run_rule_event"),
        ]
        indexes = [models.Index(fields=["case", "fired_at"], name="automation_run_case")]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.case_id}: {self.outcome}"


# --- macros ---------------------------------------------------------------------------------------


class Macro(models.Model):
    """A canned reply, written in each language, that can also set fields; picked in the desk reply box.

    Shared with everyone, with one team, or one agent's own.
    """

    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text=_("Empty: shared."),
    )
    # The same vocabulary as a rule's actions, limited to setting fields, tags and assignment.
    actions = models.JSONField(_("actions"), default=list, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MacroText(models.Model):
    """A macro's reply in one language, with placeholders like {customer_name} or {case_number}."""

    macro = models.ForeignKey(Macro, verbose_name=_("macro"), on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("macro text")
        verbose_name_plural = _("macro texts")
        ordering = ["macro", "language"]
        constraints = [
            models.UniqueConstraint(fields=["macro", "language"], name="automation_macrotext_lang")
        ]

    def __str__(self) -> str:
        return f"{self.macro_id} ({self.language})"


# --- routing --------------------------------------------------------------------------------------


class RoutingMethod(models.TextChoices):
    MANUAL = "manual", _("Manual (cases wait in the team queue)")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Least open cases")


class TeamRouting(models.Model):
    """How a team's new cases find an agent: round robin or least open, with skills, shifts and a load cap."""

    team = models.OneToOneField(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing"
    )
    method = models.CharField(
        _("method"), max_length=15, choices=RoutingMethod.choices, default=RoutingMethod.ROUND_ROBIN
    )
    use_skills = models.BooleanField(
        _("match skills"),
        default=True,
        help_text=_("Prefer agents who speak the case's language and know its product and kind."),
    )
    skills_required = models.BooleanField(
        _("skills required"),
        default=False,
        help_text=_("Leave a case in the queue rather than give it to an agent without the skills."),
    )
    max_open_per_agent = models.PositiveIntegerField(_("maximum open cases per agent"), null=True, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("shift calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Agents are on shift while this calendar is open; empty: always."),
    )
    # Round robin's place: the agent who got the last case.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team} ({self.get_method_display()})"


class AgentStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")


class AgentProfile(models.Model):
    """What routing knows of an agent: the languages and products they handle, their load cap, whether they are in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="agent_profile",
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    case_kinds = models.JSONField(_("case kinds"), default=list, blank=True)
    product_categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("product categories"), blank=True, related_name="+"
    )
    max_open_cases = models.PositiveIntegerField(
        _("maximum open cases"), null=True, blank=True, help_text=_("Empty: the team's maximum.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgentStatus.choices, default=AgentStatus.AVAILABLE
    )
    out_of_office_until = models.DateField(_("out of office until"), null=True, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("shift calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the team's shift calendar."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)
