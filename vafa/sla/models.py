"""Business calendars (when the company answers) and SLA policies (how fast it promises to), and
the clocks that measure each case against its policy."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MIDNIGHT = dt.time(0, 0)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """The hours a business or a team answers: a time zone, weekly hours, holidays and special hours."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Which ready-made preset the calendar was made from ("iran", "gulf", "russia", "western"), if any.
    preset = models.CharField(_("preset"), max_length=20, blank=True, default="")
    is_default = models.BooleanField(_("default calendar"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_calendar_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WeeklyHours(models.Model):
    """One open interval on a weekday (09:00–13:00); a day may have several, around a lunch break.

    An interval that ends at 00:00 runs to midnight.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")) | Q(end=MIDNIGHT), name="sla_weeklyhours_end_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_weeklyhours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class HolidayKind(models.TextChoices):
    SINGLE = "single", _("One day")
    RANGE = "range", _("Several days")
    YEARLY_GREGORIAN = "yearly_gregorian", _("Every year (Gregorian date)")
    YEARLY_JALALI = "yearly_jalali", _("Every year (Jalali date)")


class HolidaySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    PRESET = "preset", _("From a preset")
    ICALENDAR = "icalendar", _("Imported from iCalendar")


class Holiday(models.Model):
    """Days the business is closed: one date, a range of dates, or every year on a Gregorian or Jalali date."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=HolidayKind.choices, default=HolidayKind.SINGLE)
    start_date = models.DateField(_("date"), null=True, blank=True)
    end_date = models.DateField(_("last day"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL
    )
    # The iCalendar UID (plus the occurrence date) of an imported holiday: importing again updates it.
    uid = models.CharField(_("UID"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "start_date", "month", "day"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="single", start_date__isnull=False)
                    | Q(
                        kind="range",
                        start_date__isnull=False,
                        end_date__isnull=False,
                        end_date__gte=F("start_date"),
                    )
                    | Q(
                        kind__in=["yearly_gregorian", "yearly_jalali"],
                        month__gte=1,
                        month__lte=12,
                        day__gte=1,
                        day__lte=31,
                    )
                ),
                name="sla_holiday_fields_of_kind",
            ),
            models.UniqueConstraint(
                fields=["calendar", "uid"], condition=~Q(uid=""), name="sla_holiday_calendar_uid"
            ),
        ]
        indexes = [models.Index(fields=["calendar", "start_date"], name="sla_holiday_calendar_date")]

    def __str__(self) -> str:
        return self.name


class SpecialHours(models.Model):
    """Different hours for a stretch of dates (Ramadan, the days before Nowruz) in place of the weekly ones.

    A day inside the stretch with no interval of its weekday is closed.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="special_hours"
    )
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    # A preset re-applied replaces its own stretches (Russia's working Saturdays), never a manager's.
    source = models.CharField(
        _("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL
    )

    class Meta:
        verbose_name = _("special hours")
        verbose_name_plural = _("special hours")
        ordering = ["calendar", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="sla_specialhours_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SpecialInterval(models.Model):
    """One open interval, on one weekday, of a stretch of special hours."""

    special = models.ForeignKey(
        SpecialHours, verbose_name=_("special hours"), on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("special interval")
        verbose_name_plural = _("special intervals")
        ordering = ["special", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")) | Q(end=MIDNIGHT), name="sla_specialinterval_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


# --- policies -------------------------------------------------------------------------------------


def default_pause_statuses() -> list[str]:
    return ["pending_customer", "on_hold"]


class SlaPolicy(models.Model):
    """A service-level promise: which cases it covers (first match wins) and how fast they are answered."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    position = models.PositiveIntegerField(pgettext_lazy("place in a list", "order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    # Conditions: an empty list matches everything.
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    customer_tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    kinds = models.JSONField(_("case kinds"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    organisations = models.ManyToManyField(
        "customers.Organisation", verbose_name=_("organisations"), blank=True, related_name="+"
    )
    product_categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("product categories"), blank=True, related_name="+"
    )
    # Targets in business minutes of the calendar; empty means no promise for that step.
    first_response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), null=True, blank=True
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk when this percentage of the target is used"), default=75
    )
    pause_statuses = models.JSONField(
        _("statuses that pause the clocks"), default=default_pause_statuses, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_percent__gte=1, at_risk_percent__lte=99),
                name="sla_policy_at_risk_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class EscalationTrigger(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM_LEAD = "notify_team_lead", _("Notify the team lead")
    NOTIFY_MANAGERS = "notify_managers", _("Notify the managers")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority one step")
    REASSIGN_TEAM = "reassign_team", _("Move to a team")


class SlaEscalation(models.Model):
    """What happens when a case under the policy turns at risk or breaches a target."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="escalations"
    )
    trigger = models.CharField(_("when"), max_length=10, choices=EscalationTrigger.choices)
    # Empty: any of the policy's targets.
    metric = models.CharField(_("target"), max_length=20, choices=Metric.choices, blank=True, default="")
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    position = models.PositiveIntegerField(pgettext_lazy("place in a list", "order"), default=0)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["policy", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="reassign_team") | Q(team__isnull=False),
                name="sla_escalation_team_needed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.get_action_display()}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class SlaClock(models.Model):
    """One target of one case (its first response, a next response, its resolution) measured in business time.

    `next_check_at` is the next moment the clock changes colour (turns at risk, then breached); the
    periodic check finds due clocks with one indexed range query.
    """

    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_clocks"
    )
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), null=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    metric = models.CharField(_("target"), max_length=20, choices=Metric.choices)
    # Next responses are counted per customer message: the n-th wait for an answer.
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(pgettext_lazy("SLA target", "due at"), null=True, blank=True)
    at_risk_at = models.DateTimeField(_("at risk from"), null=True, blank=True)
    # Business seconds used so far, written when the clock pauses or stops.
    used_seconds = models.PositiveBigIntegerField(_("business seconds used"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    at_risk_reached_at = models.DateTimeField(_("turned at risk at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["case", "metric", "cycle"]
        constraints = [
            models.UniqueConstraint(fields=["case", "metric", "cycle"], name="sla_clock_case_metric_cycle"),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(due_at__isnull=False), name="sla_clock_running_has_due"
            ),
        ]
        indexes = [
            # The periodic check: "which clocks change state before t" is a range scan of this index.
            models.Index(fields=["next_check_at"], name="sla_clock_next_check"),
            models.Index(fields=["policy", "metric", "started_at"], name="sla_clock_policy_metric"),
            models.Index(fields=["state", "due_at"], name="sla_clock_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.metric}#{self.cycle}"
