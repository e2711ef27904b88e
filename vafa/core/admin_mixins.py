"""Admin pages write the audit log too: every change saved in /admin/ gets a row, via=admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from vafa.accounts.audit import audit_record, snapshot
from vafa.core.context import via


class AuditedAdmin(admin.ModelAdmin):
    """Save through the admin and record who changed which fields, before and after."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
        before = None
        if change and fields:
            current = type(obj)._default_manager.get(pk=obj.pk)
            before = snapshot(current, fields)
        super().save_model(request, obj, form, change)
        if fields or not change:
            with via("admin"):
                audit_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                    obj=obj,
                    before=before,
                    after=snapshot(obj, fields),
                )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with via("admin"):
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record that only services write: visible in the admin, never edited there."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
