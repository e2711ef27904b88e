"""Admin for routing: each team's routing as part of the team's page, and each agent's routing profile.

Profiles are saved through the availability services, so the audit log and the queue drains follow.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.admin import TeamAdmin
from vafa.accounts.models import Team, User
from vafa.automation.availability import (
    ROUTABLE_ROLES,
    agent_profile_update,
    agent_set_out_of_office,
    agent_set_status,
    agent_today,
)
from vafa.automation.models import AgentProfile, TeamRouting
from vafa.core.context import via
from vafa.service.models import CaseKind


class TeamRoutingInline(admin.StackedInline):
    model = TeamRouting
    can_delete = True
    extra = 0
    max_num = 1
    fields = ("method", "use_skills", "skills_required", "max_open_per_agent", "calendar")
    verbose_name = _("routing")
    verbose_name_plural = _("routing")


# The team page gains its routing; the team admin itself stays accounts' (this app sits below it).
admin.site.unregister(Team)


@admin.register(Team)
class TeamWithRoutingAdmin(TeamAdmin):
    inlines = [TeamRoutingInline]


class AgentProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: any language."),
    )
    case_kinds = forms.MultipleChoiceField(
        label=_("case kinds"),
        choices=CaseKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: any kind."),
    )

    class Meta:
        model = AgentProfile
        fields = (
            "user",
            "status",
            "out_of_office_until",
            "languages",
            "case_kinds",
            "product_categories",
            "max_open_cases",
            "calendar",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.filter(role__in=ROUTABLE_ROLES).order_by("email")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        until = data.get("out_of_office_until")
        user = data.get("user") or (self.instance.user if self.instance.user_id else None)
        unchanged = self.instance.pk is not None and until == self.instance.out_of_office_until
        if (
            until is not None
            and user is not None
            and not unchanged
            and until < agent_today(user, timezone.now())
        ):
            self.add_error("out_of_office_until", _("This day has passed."))
        return data


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    form = AgentProfileForm
    list_display = ("user", "status", "out_of_office_until", "languages", "max_open_cases", "calendar")
    list_filter = ("status",)
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user", "calendar")
    filter_horizontal = ("product_categories",)
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: AgentProfile | None = None) -> Any:
        return ("user", "updated_at") if obj is not None else ("updated_at",)

    def save_model(self, request: HttpRequest, obj: AgentProfile, form: Any, change: bool) -> None:
        data = form.cleaned_data
        actor = request.user
        assert isinstance(actor, User)
        user = obj.user
        with via("admin"):
            saved = agent_profile_update(
                actor=actor,
                user=user,
                languages=data["languages"],
                case_kinds=data["case_kinds"],
                product_categories=list(data["product_categories"]),
                max_open_cases=data["max_open_cases"],
                calendar=data["calendar"],
            )
            agent_set_status(actor=actor, user=user, status=data["status"])
            agent_set_out_of_office(actor=actor, user=user, until=data["out_of_office_until"])
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service set the product categories; the form must not save them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        from vafa.accounts.audit import audit_record

        with via("admin"):
            audit_record(actor=request.user, action="agentprofile.delete", obj=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)
