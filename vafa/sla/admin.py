"""Admin of service levels: business calendars (hours, holidays, special hours, presets, iCalendar
import), SLA policies with their escalations, and the clocks (read only).

Calendars are created, renamed, defaulted, filled from presets and imported through the calendar
services; the inline rows are checked with the same rules the services use, and every save bumps
the calendar's `updated_at` so that cached schedules refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, snapshot
from vafa.accounts.models import User
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.sla.calendars import (
    calendar_create,
    calendar_set_default,
    calendar_touch,
    calendar_update,
    holiday_fields_clean,
    intervals_clean,
    time_zone_clean,
)
from vafa.sla.ical import MAX_BYTES, calendar_import_ical
from vafa.sla.models import (
    MIDNIGHT,
    BusinessCalendar,
    Holiday,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SpecialHours,
    SpecialInterval,
    Weekday,
    WeeklyHours,
)
from vafa.sla.presets import GULF_COUNTRY_CHOICES, PRESET_CHOICES, calendar_apply_preset


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _hhmm(value: dt.time, *, end: bool = False) -> str:
    return "24:00" if end and value == MIDNIGHT else value.strftime("%H:%M")


# --- inline rows, checked like the services check them ----------------------------------------------


class IntervalsFormSet(forms.BaseInlineFormSet):
    """Per weekday: each interval ends after it starts (00:00 = midnight) and none overlap."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("start") is None or data.get("end") is None:
                continue
            by_day[int(data["weekday"])].append((data["start"], data["end"]))
        for weekday, intervals in sorted(by_day.items()):
            try:
                intervals_clean(intervals)
            except VafaError as exc:
                raise forms.ValidationError(f"{Weekday(weekday).label}: {exc.message}") from exc


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ("name", "kind", "start_date", "end_date", "month", "day")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data.update(
                holiday_fields_clean(
                    data.get("kind", ""),
                    data.get("start_date"),
                    data.get("end_date"),
                    data.get("month"),
                    data.get("day"),
                )
            )
        except VafaError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return data


class AuditedInlines:
    """Writes inline rows, records each in the audit log and bumps the calendar's `updated_at`."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        actor = _actor(request)
        with via("admin"):
            for obj in formset.deleted_objects:
                audit_record(actor=actor, action=f"{obj._meta.model_name}.delete", obj=obj)
                obj.delete()
            for obj in instances:
                created = obj.pk is None
                obj.save()
                fields = [f.name for f in obj._meta.concrete_fields if f.name != "id"]
                audit_record(
                    actor=actor,
                    action=f"{obj._meta.model_name}.{'create' if created else 'update'}",
                    obj=obj,
                    after=snapshot(obj, fields),
                )
        formset.save_m2m()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        calendar = form.instance if isinstance(form.instance, BusinessCalendar) else form.instance.calendar
        if any(formset.has_changed() for formset in formsets):
            calendar_touch(calendar)


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    formset = IntervalsFormSet
    fields = ("weekday", "start", "end")
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    form = HolidayForm
    fields = ("name", "kind", "start_date", "end_date", "month", "day", "source")
    readonly_fields = ("source",)
    extra = 0


class SpecialHoursInline(admin.TabularInline):
    model = SpecialHours
    fields = ("name", "start_date", "end_date")
    extra = 0
    show_change_link = True


# --- calendars --------------------------------------------------------------------------------------


class CalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone")

    def clean_time_zone(self) -> str:
        try:
            return time_zone_clean(self.cleaned_data["time_zone"])
        except VafaError as exc:
            raise forms.ValidationError(str(exc.message)) from exc


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=PRESET_CHOICES)
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_(
            "Gulf: SA (default), AE, QA, KW, BH or OM. Western: a two-letter country code for its public "
            "holidays (US, GB, DE …), or empty for none."
        ),
    )
    time_zone = forms.CharField(
        label=_("Time zone"), required=False, help_text=_("Empty: the preset's own (Western: UTC).")
    )
    years = forms.IntegerField(label=_("Years of holidays"), min_value=1, max_value=10, initial=2)

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if not value:
            return ""
        try:
            return time_zone_clean(value)
        except VafaError as exc:
            raise forms.ValidationError(str(exc.message)) from exc


class IcalForm(forms.Form):
    file = forms.FileField(label=_("iCalendar file (.ics)"), help_text=_("At most 1 MiB."))


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedInlines, admin.ModelAdmin):
    """A business calendar with its hours, holidays and special hours on one page."""

    form = CalendarForm
    list_display = ("name", "time_zone", "preset", "is_default", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("week", "preset", "is_default", "updated_at")
    fields = ("name", "time_zone", "week", "preset", "is_default", "updated_at")
    inlines = (WeeklyHoursInline, HolidayInline, SpecialHoursInline)
    actions = ("apply_preset", "make_default")
    change_form_template = "admin/sla/businesscalendar/change_form.html"

    @admin.display(description=_("week"))
    def week(self, obj: BusinessCalendar) -> str:
        if obj.pk is None:
            return "—"
        by_day: dict[int, list[str]] = defaultdict(list)
        for row in obj.hours.all():
            by_day[row.weekday].append(f"{_hhmm(row.start)}–{_hhmm(row.end, end=True)}")
        return format_html_join(
            "",
            '<div class="sla-week-day" data-weekday="{}"><strong>{}</strong>: {}</div>',
            (
                (day.value, day.label, ", ".join(by_day[day.value]) if by_day[day.value] else _("closed"))
                for day in (Weekday.SATURDAY, Weekday.SUNDAY, *[Weekday(d) for d in range(5)])
            ),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = _actor(request)
        with via("admin"):
            if change:
                current = BusinessCalendar.objects.get(pk=obj.pk)
                saved = calendar_update(
                    actor=actor, calendar=current, name=obj.name, time_zone=form.cleaned_data["time_zone"]
                )
            else:
                saved = calendar_create(actor=actor, name=obj.name, time_zone=form.cleaned_data["time_zone"])
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at
        obj._state.adding = False

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:calendar_id>/import-ical/",
                self.admin_site.admin_view(self.import_ical_view),
                name="sla_businesscalendar_import_ical",
            ),
        ]
        return own + super().get_urls()

    @admin.action(description=_("Apply a preset…"))
    def apply_preset(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> HttpResponse | None:
        form = PresetForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            applied = 0
            with via("admin"):
                for calendar in queryset:
                    try:
                        calendar_apply_preset(
                            actor=_actor(request),
                            calendar=calendar,
                            preset=form.cleaned_data["preset"],
                            country=form.cleaned_data["country"] or None,
                            years=form.cleaned_data["years"],
                            time_zone=form.cleaned_data["time_zone"] or None,
                        )
                    except VafaError as exc:
                        self.message_user(request, f"{calendar}: {exc.message}", messages.ERROR)
                        continue
                    applied += 1
            if applied:
                self.message_user(
                    request,
                    _("Applied the preset to %(count)s calendar(s).") % {"count": applied},
                    messages.SUCCESS,
                )
            if applied and queryset.count() == 1:
                return HttpResponseRedirect(
                    reverse("admin:sla_businesscalendar_change", args=[queryset.get().pk])
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Apply a preset"),
            "form": form,
            "calendars": list(queryset),
            "opts": self.model._meta,
            "action": "apply_preset",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "gulf_countries": GULF_COUNTRY_CHOICES,
        }
        return TemplateResponse(request, "admin/sla/businesscalendar/apply_preset.html", context)

    @admin.action(description=_("Make the default calendar"))
    def make_default(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one calendar to make the default."), messages.ERROR)
            return
        with via("admin"):
            calendar_set_default(actor=_actor(request), calendar=queryset.get())
        self.message_user(
            request, _("The default calendar is now “%(name)s”.") % {"name": queryset.get().name}
        )

    def import_ical_view(self, request: HttpRequest, calendar_id: int) -> HttpResponse:
        calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
        if not self.has_change_permission(request, calendar):
            return HttpResponseRedirect(reverse("admin:index"))
        form = IcalForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(MAX_BYTES + 1)
            try:
                with via("admin"):
                    result = calendar_import_ical(actor=_actor(request), calendar=calendar, data=data)
            except VafaError as exc:
                form.add_error("file", str(exc.message))
            else:
                skipped = ", ".join(f"{reason}: {count}" for reason, count in result.skipped.items()) or "0"
                self.message_user(
                    request,
                    _("Imported: %(created)s new, %(updated)s updated; skipped %(skipped)s.")
                    % {"created": result.created, "updated": result.updated, "skipped": skipped},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import holidays from an iCalendar file"),
            "form": form,
            "original": calendar,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/sla/businesscalendar/import_ical.html", context)


class SpecialIntervalInline(admin.TabularInline):
    model = SpecialInterval
    formset = IntervalsFormSet
    fields = ("weekday", "start", "end")
    extra = 0


class SpecialHoursForm(forms.ModelForm):
    class Meta:
        model = SpecialHours
        fields = ("calendar", "name", "start_date", "end_date")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise forms.ValidationError(_("The special hours end before they start."))
        return data


@admin.register(SpecialHours)
class SpecialHoursAdmin(AuditedInlines, AuditedAdmin):
    """A stretch of dates with its own hours per weekday; a weekday without intervals is closed."""

    form = SpecialHoursForm
    list_display = ("name", "calendar", "start_date", "end_date")
    list_filter = ("calendar",)
    list_select_related = ("calendar",)
    search_fields = ("name",)
    inlines = (SpecialIntervalInline,)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        calendar = obj.calendar
        super().delete_model(request, obj)
        calendar_touch(calendar)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar_touch(obj.calendar)


# --- policies and clocks ----------------------------------------------------------------------------


class SlaEscalationInline(admin.TabularInline):
    model = SlaEscalation
    fields = ("position", "trigger", "metric", "action", "team")
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedInlines, AuditedAdmin):
    """An SLA promise: the first active policy, in this order, whose conditions match a case applies."""

    list_display = (
        "name",
        "position",
        "is_active",
        "calendar",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "calendar")
    list_select_related = ("calendar",)
    search_fields = ("name",)
    filter_horizontal = ("organisations", "product_categories")
    inlines = (SlaEscalationInline,)
    fieldsets = (
        (None, {"fields": ("name", "description", "position", "is_active", "calendar")}),
        (
            _("Which cases"),
            {
                "fields": (
                    "priorities",
                    "customer_tiers",
                    "kinds",
                    "channels",
                    "organisations",
                    "product_categories",
                ),
                "description": _(
                    'An empty condition matches every case. Lists are JSON, e.g. ["high", "urgent"].'
                ),
            },
        ),
        (
            _("Targets in business minutes"),
            {
                "fields": (
                    "first_response_minutes",
                    "next_response_minutes",
                    "resolution_minutes",
                    "at_risk_percent",
                )
            },
        ),
        (_("Pauses"), {"fields": ("pause_statuses",)}),
    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Policies have no calendar to refresh; the inline rows are only audited.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    """The clocks the SLA service keeps on each case; written only by it."""

    list_display = (
        "case_number",
        "metric",
        "cycle",
        "state",
        "policy",
        "started_at",
        "due_at",
        "breached_at",
    )
    list_filter = ("state", "metric", "policy")
    list_select_related = ("policy", "case")
    date_hierarchy = "started_at"
    search_fields = ("case__id",)

    @admin.display(description=_("case"), ordering="case_id")
    def case_number(self, obj: SlaClock) -> str:
        return f"#{obj.case_id}"
