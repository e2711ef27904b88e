from django.contrib import admin

from vafa.core.admin_mixins import ReadOnlyAdmin
from vafa.core.models import Counter, PendingWork, PeriodicRun, SchedulerLease


@admin.register(PendingWork)
class PendingWorkAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "state", "due_at", "attempts", "created_at", "done_at")
    list_filter = ("state", "kind")
    search_fields = ("kind", "dedupe_key", "last_error")
    date_hierarchy = "created_at"


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_run_at", "next_run_at")


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(ReadOnlyAdmin):
    list_display = ("name", "holder", "expires_at")


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
