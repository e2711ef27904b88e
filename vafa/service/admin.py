from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vafa.core.admin_mixins import ReadOnlyAdmin
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.service.models import Attachment, Case, CaseEvent, CaseRating, Message
from vafa.service.services import case_close, case_reopen, case_resolve


class MessageInline(admin.StackedInline):
    model = Message
    fk_name = "case"
    extra = 0
    fields = (
        "created_at",
        "author_kind",
        "author_user",
        "author_customer",
        "is_internal",
        "channel",
        "body_text",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "actor_kind", "data")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases change only through their services: the admin shows them and offers the actions."""

    list_display = (
        "number",
        "subject",
        "customer",
        "kind",
        "channel",
        "status",
        "priority",
        "team",
        "assignee",
        "updated_at",
    )
    list_filter = ("status", "kind", "channel", "priority", "team", "language", "warranty_status_at_open")
    search_fields = ("=number", "subject")
    raw_id_fields = ("customer", "unit", "order", "product", "assignee", "merged_into", "organisation")
    date_hierarchy = "created_at"
    inlines = [MessageInline, CaseEventInline]
    actions = ["resolve", "close", "reopen"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, service, done_message):
        done = 0
        with via("admin"):
            for case in queryset:
                try:
                    service(actor=request.user, case=case)
                    done += 1
                except VafaError as error:
                    self.message_user(request, f"{case.reference}: {error.message}", messages.WARNING)
        self.message_user(request, done_message(done) % {"count": done})

    @admin.action(description=_("Resolve the selected cases"))
    def resolve(self, request, queryset):
        self._apply(
            request,
            queryset,
            case_resolve,
            lambda n: ngettext("%(count)d case resolved.", "%(count)d cases resolved.", n),
        )

    @admin.action(description=_("Close the selected cases"))
    def close(self, request, queryset):
        self._apply(
            request,
            queryset,
            case_close,
            lambda n: ngettext("%(count)d case closed.", "%(count)d cases closed.", n),
        )

    @admin.action(description=_("Reopen the selected cases"))
    def reopen(self, request, queryset):
        self._apply(
            request,
            queryset,
            case_reopen,
            lambda n: ngettext("%(count)d case reopened.", "%(count)d cases reopened.", n),
        )


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "author_kind", "is_internal", "channel", "created_at")
    list_filter = ("author_kind", "is_internal", "channel")
    raw_id_fields = ("case",)
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "content_type", "size", "sha256", "created_at")
    search_fields = ("=sha256", "filename")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "actor", "actor_kind", "created_at")
    list_filter = ("kind", "actor_kind")
    raw_id_fields = ("case",)
    show_full_result_count = False


@admin.register(CaseRating)
class CaseRatingAdmin(ReadOnlyAdmin):
    """The customers' ratings of their resolved requests, as they gave them (read only)."""

    list_display = ("case", "score", "customer", "comment", "updated_at")
    list_filter = ("score",)
    raw_id_fields = ("case", "customer")
    date_hierarchy = "updated_at"
    show_full_result_count = False
