"""What each customer bought: orders, their lines, and the serial-numbered units with their warranties."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vafa.core.models import ExternalRefModel, TimeStampedModel
from vafa.core.money import default_currency, validate_currency


class SalesChannel(models.TextChoices):
    WEB = "web", _("Online shop")
    STORE = "store", _("Store")
    MARKETPLACE = "marketplace", _("Marketplace")
    PHONE = "phone", _("Phone order")
    PARTNER = "partner", _("Reseller or partner")


class Order(ExternalRefModel, TimeStampedModel):
    """A purchase by a customer; either itemised in lines or, when the shop exports only totals, a total."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("order number"), max_length=64, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    placed_at = models.DateTimeField(_("placed at"))
    sales_channel = models.CharField(
        _("sales channel"), max_length=12, choices=SalesChannel.choices, default=SalesChannel.WEB
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[validate_currency]
    )
    total_amount = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="sales_order_external_unique",
            ),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="sales_order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "placed_at"], name="sales_order_customer_placed"),
            models.Index(fields=["placed_at", "id"], name="sales_order_placed_id"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """One product on an order: how many, at what unit price."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    # What refunds already hold against this line (asked for or issued), kept by the after-sales
    # services; the constraint below makes the database itself refuse refunding more than was paid.
    refunded_amount = models.DecimalField(_("refunded"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("unit_price") * F("quantity")),
                name="sales_line_refund_within_paid",
                violation_error_message=_("A refund cannot exceed what was paid for the line."),
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="sales_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def line_total(self):  # noqa: ANN201 - Decimal
        return self.unit_price * self.quantity


class Unit(TimeStampedModel):
    """One serial-numbered item a customer owns: what warranty and service it is entitled to."""

    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="units"
    )
    serial_number = models.CharField(_("serial number"), max_length=100)
    owner = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    order_line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    warranty_start = models.DateField(_("warranty starts"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty ends"), null=True, blank=True)
    extended_warranty_end = models.DateField(_("extended warranty ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "serial_number"], name="sales_unit_serial_unique"),
            models.CheckConstraint(
                condition=Q(warranty_start__isnull=True)
                | Q(warranty_end__isnull=True)
                | Q(warranty_end__gte=F("warranty_start")),
                name="sales_unit_warranty_ends_after_start",
                violation_error_message=_("The warranty must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(extended_warranty_end__isnull=True)
                | (Q(warranty_end__isnull=False) & Q(extended_warranty_end__gte=F("warranty_end"))),
                name="sales_unit_extension_after_warranty",
                violation_error_message=_("An extended warranty must end after the warranty."),
            ),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True)
                | Q(purchased_on__isnull=True)
                | Q(delivered_on__gte=F("purchased_on")),
                name="sales_unit_delivered_after_purchase",
                violation_error_message=_("A unit cannot be delivered before it was bought."),
            ),
        ]
        indexes = [
            models.Index(fields=["serial_number"], name="sales_unit_serial"),
            models.Index(fields=["owner", "created_at"], name="sales_unit_owner"),
            models.Index(fields=["warranty_end"], name="sales_unit_warranty_end"),
        ]

    def __str__(self) -> str:
        return self.serial_number


def registration_receipt_path(instance: UnitRegistration, filename: str) -> str:
    # By content hash, outside any public URL: receipts are served only through a staff-only view.
    return f"registrations/{instance.receipt_sha256[:2]}/{instance.receipt_sha256}"


class UnitRegistration(TimeStampedModel):
    """A customer's claim "I own this unit", with their proof of purchase, kept until it is verified.

    A claim that the records prove (the order number matches) is approved at once; anything else
    waits for an agent, who approves it (the unit becomes the customer's) or rejects it with a reason.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="unit_registrations",
    )
    serial_number = models.CharField(_("serial number"), max_length=100)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_registrations",
    )
    order_number = models.CharField(_("order number"), max_length=64, blank=True, default="")
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)
    receipt = models.FileField(
        _("receipt"), upload_to=registration_receipt_path, max_length=200, blank=True, default=""
    )
    receipt_filename = models.CharField(_("receipt file name"), max_length=255, blank=True, default="")
    receipt_content_type = models.CharField(_("receipt content type"), max_length=100, blank=True, default="")
    receipt_size = models.PositiveBigIntegerField(_("receipt size (bytes)"), default=0)
    receipt_sha256 = models.CharField(_("receipt SHA-256"), max_length=64, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    submitted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="")
    # Set once the customer was told of the decision, so a retried job never e-mails twice.
    notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit registration")
        verbose_name_plural = _("unit registrations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "serial_number"],
                condition=Q(status="pending"),
                name="sales_unitreg_one_pending_per_serial",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="sales_unitreg_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="sales_unitreg_queue"),
            models.Index(fields=["customer", "created_at"], name="sales_unitreg_customer"),
            models.Index(fields=["serial_number"], name="sales_unitreg_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.serial_number} ({self.get_status_display()})"
