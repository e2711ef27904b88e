from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import ApiToken, AuditLog, Team, User
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "language", "is_active", "last_login")
    list_filter = ("role", "language", "is_active", "teams")
    search_fields = ("email", "full_name")
    raw_id_fields = ("customer",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Person"),
            {"fields": ("full_name", "role", "customer", "language", "time_zone", "native_digits")},
        ),
        (
            _("Access"),
            {"fields": ("is_active", "sees_all_cases", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ("groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "lead", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__email")
    readonly_fields = ("user", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):  # tokens are issued with `vafa token create`
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from vafa.accounts.services import token_revoke
        from vafa.core.context import via

        with via("admin"):
            for token in queryset:
                token_revoke(actor=request.user, token=token)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr", "via")
    list_filter = ("via", "object_type", "action")
    search_fields = ("object_id", "actor_label", "action")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "via",
    )
