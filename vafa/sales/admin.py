from django.contrib import admin

from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.sales.models import Order, OrderLine, Unit, UnitRegistration


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(Order)
class OrderAdmin(AuditedAdmin):
    list_display = ("number", "customer", "placed_at", "sales_channel", "status", "total_amount", "currency")
    list_filter = ("sales_channel", "status", "currency")
    search_fields = ("number", "external_id")
    raw_id_fields = ("customer",)
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = (
        "serial_number",
        "product",
        "owner",
        "purchased_on",
        "warranty_end",
        "extended_warranty_end",
    )
    list_filter = ("product__category",)
    search_fields = ("=serial_number",)
    raw_id_fields = ("product", "owner", "order_line")
    show_full_result_count = False


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(ReadOnlyAdmin):
    """Decided in the desk's verification queue (services approve or reject); read-only here."""

    list_display = (
        "serial_number",
        "customer",
        "product",
        "order_number",
        "status",
        "created_at",
        "reviewed_by",
    )
    list_filter = ("status",)
    search_fields = ("=serial_number", "=order_number")
    raw_id_fields = ("customer", "product", "unit", "submitted_by", "reviewed_by")
    exclude = ("receipt",)
    show_full_result_count = False
