from django.contrib import admin

from vafa.core.admin_mixins import AuditedAdmin
from vafa.customers.models import ContactPoint, Customer, Organisation


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ("kind", "value", "is_primary", "verified_at", "failing_since")


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("name", "organisation", "language", "tier", "created_at")
    list_filter = ("language", "tier", "consent_marketing", "consent_surveys")
    search_fields = ("name", "contact_points__value", "external_id")
    raw_id_fields = ("organisation",)
    inlines = [ContactPointInline]
    show_full_result_count = False


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "tier", "share_with_members", "created_at")
    list_filter = ("tier", "share_with_members")
    search_fields = ("name", "domain", "external_id")
