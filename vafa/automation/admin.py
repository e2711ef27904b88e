"""Admin for automation: rules (created and changed through the rule services, checked against the
vocabulary that the form shows beside the fields), the run log (read only), macros with their texts,
and routing (admin_routing.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.automation import admin_routing  # noqa: F401
from vafa.automation.actions import MACRO_ACTIONS, actions_clean
from vafa.automation.conditions import vocabulary_help
from vafa.automation.macros import placeholders_help, placeholders_unknown
from vafa.automation.models import Macro, MacroText, Rule, RuleRun
from vafa.automation.rules import rule_triggers_forget
from vafa.automation.services import RuleInput, rule_create, rule_update, rule_validate
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.core.context import via
from vafa.core.errors import ValidationFailed

RULE_FIELDS = (
    "name",
    "description",
    "is_active",
    "trigger",
    "time_status",
    "time_minutes",
    "time_calendar",
    "conditions",
    "actions",
)

ACTIONS_HELP = (
    ("set_status", '{"type": "set_status", "status": "pending_customer"}'),
    ("set_priority", '{"type": "set_priority", "priority": "urgent"}'),
    ("set_kind", '{"type": "set_kind", "kind": "repair"}'),
    ("assign_team", '{"type": "assign_team", "team": 3}'),
    ("assign_agent", '{"type": "assign_agent", "agent": 12}'),
    ("unassign", '{"type": "unassign"}'),
    ("add_tag / remove_tag", '{"type": "add_tag", "tag": "vip"}'),
    ("add_note", '{"type": "add_note", "text": "Check the serial {unit_serial}"}'),
    (
        "send_message",
        '{"type": "send_message", "texts": {"en": "Dear {customer_name} …", "fa": "…"}, "status": "pending_customer"}'
        ' — or {"type": "send_message", "macro": 4}',
    ),
    (
        "call_webhook",
        '{"type": "call_webhook", "url": "https://erp.example/hooks", "secret": "…", "event": "case.vip"}',
    ),
    ("resolve", '{"type": "resolve", "summary": "No answer", "texts": {"en": "…", "fa": "…"}}'),
)


def conditions_help() -> SafeString:
    rows = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
        vocabulary_help(),
    )
    return format_html(
        "{}<br><code>{}</code><br>{}"
        '<table class="automation-vocabulary"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        _("A list; every item must hold. An item tests one field, or is a group of which one must hold:"),
        '[{"field": "priority", "op": "in", "value": ["high", "urgent"]}, '
        '{"any": [{"field": "tags", "op": "contains", "value": "vip"}, '
        '{"field": "customer_tier", "op": "is", "value": "gold"}]}]',
        _("Operators: is, is_not, in and not_in (a list); contains and not_contains; gt and lt."),
        _("Field"),
        _("What it is"),
        _("Operators"),
        _("Values"),
        rows,
    )


def actions_help() -> SafeString:
    return format_html(
        "{}<ul>{}</ul>{}<ul>{}</ul>",
        _("A list of actions, done in order:"),
        format_html_join("", "<li><code>{}</code>: <code>{}</code></li>", ACTIONS_HELP),
        _("Texts are chosen by the customer's language and may hold these placeholders:"),
        format_html_join("", "<li><code>{}</code>: {}</li>", placeholders_help()),
    )


class RuleForm(forms.ModelForm):
    """A rule's fields, checked together against the vocabulary by the same check the services use."""

    class Meta:
        model = Rule
        fields = RULE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conditions"].help_text = conditions_help()
        self.fields["actions"].help_text = actions_help()
        self.fields["time_status"].help_text = _(
            "Time rules only: the status the case waits in (new, open, pending_customer, on_hold or resolved)."
        )
        self.fields["time_minutes"].help_text = _(
            "Time rules only: business minutes of the calendar below (a 9–17 day has 480)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            conditions, actions = rule_validate(
                RuleInput(
                    name=data.get("name") or "",
                    trigger=data.get("trigger") or "",
                    time_status=data.get("time_status") or "",
                    time_minutes=data.get("time_minutes"),
                    conditions=data.get("conditions"),
                    actions=data.get("actions"),
                ),
                rule_id=self.instance.pk,
            )
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(name if name in self.fields else None, str(message))
            return data
        data["conditions"], data["actions"] = conditions, actions
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Automation rules; their order and on/off switch are also on the desk's Automation page."""

    form = RuleForm
    list_display = ("position", "name", "trigger", "is_active", "updated_at")
    list_display_links = ("name",)
    list_filter = ("trigger", "is_active")
    search_fields = ("name", "description")
    ordering = ("position", "id")
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active", "trigger")}),
        (_("Time rules"), {"fields": ("time_status", "time_minutes", "time_calendar")}),
        (_("Conditions and actions"), {"fields": ("conditions", "actions")}),
    )

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data.get(name) for name in RULE_FIELDS}
        values["time_status"] = values["time_status"] or ""
        with via("admin"):
            if change:
                saved = rule_update(actor=request.user, rule=obj, **values)  # type: ignore[arg-type]
            else:
                saved = rule_create(actor=request.user, **values)  # type: ignore[arg-type]
        obj.pk = saved.pk
        obj.position = saved.position

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        with via("admin"):
            audit_record(actor=request.user, action="rule.delete", obj=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)
        rule_triggers_forget()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        for rule in queryset:
            self.delete_model(request, rule)


@admin.register(RuleRun)
class RuleRunAdmin(ReadOnlyAdmin):
    """The run log: which rule fired on which case, on which event, with what outcome."""

    list_display = ("fired_at", "rule", "case", "outcome", "event_key")
    list_filter = ("outcome", "rule")
    list_select_related = ("rule", "case")
    search_fields = ("event_key",)
    date_hierarchy = "fired_at"


class MacroTextForm(forms.ModelForm):
    class Meta:
        model = MacroText
        fields = ("language", "body")

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        unknown = placeholders_unknown(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s."),
                params={"names": ", ".join("{" + n + "}" for n in unknown)},
            )
        return body


class MacroTextInline(admin.TabularInline):
    model = MacroText
    form = MacroTextForm
    extra = 1


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ("name", "is_active", "team", "owner", "actions")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actions"].help_text = format_html(
            "{}<br>{}",
            _(
                "Fields the macro sets when an agent applies it (set_status, set_priority, set_kind, "
                'assign_team, assign_agent — "me" for the agent applying it —, unassign, add_tag, remove_tag).'
            ),
            format_html_join(", ", "<code>{}</code> {}", placeholders_help()),
        )

    def clean_actions(self) -> list[dict[str, Any]]:
        try:
            return actions_clean(self.cleaned_data.get("actions"), allowed=MACRO_ACTIONS, macro=True)
        except ValidationFailed as exc:
            raise forms.ValidationError([str(m) for m in exc.fields.get("actions", [exc.message])]) from exc


@admin.register(Macro)
class MacroAdmin(AuditedAdmin):
    """Macros and canned replies: shared (no team, no owner), a team's, or one agent's own."""

    form = MacroForm
    inlines = (MacroTextInline,)
    list_display = ("name", "team", "owner", "is_active", "usage_count", "updated_at")
    list_filter = ("is_active", "team")
    search_fields = ("name",)
    list_select_related = ("team", "owner")
    readonly_fields = ("usage_count",)
