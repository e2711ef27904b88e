from django.contrib import admin

from vafa.catalog.models import Category, KnownIssue, Product, WarrantyPolicy
from vafa.core.admin_mixins import AuditedAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "return_window_days")
    search_fields = ("code", "name")


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(AuditedAdmin):
    list_display = ("name", "months", "covers_parts", "covers_labour", "covers_onsite", "replacement_rule")
    list_filter = ("covers_onsite", "replacement_rule")
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = ("sku", "name", "category", "price", "currency", "warranty_policy", "is_active")
    list_filter = ("category", "warranty_policy", "is_active", "currency")
    search_fields = ("sku", "name", "external_id")


@admin.register(KnownIssue)
class KnownIssueAdmin(AuditedAdmin):
    list_display = (
        "title",
        "product",
        "category",
        "serial_prefix",
        "severity",
        "starts_on",
        "ends_on",
        "is_published",
    )
    list_filter = ("severity", "is_published", "category")
    search_fields = ("title", "serial_prefix", "product__sku")
    raw_id_fields = ("product",)
    date_hierarchy = "starts_on"
