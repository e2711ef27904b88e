from django.contrib import admin

from vafa.api.models import IdempotencyRecord
from vafa.core.admin_mixins import ReadOnlyAdmin


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("key", "user", "method", "path", "status_code", "created_at")
    search_fields = ("=key",)
