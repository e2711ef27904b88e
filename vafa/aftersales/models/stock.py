"""Where service happens and what it uses: service locations, the spare-parts catalogue and its stock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vafa.catalog.models import translated
from vafa.core.models import TimeStampedModel
from vafa.core.money import default_currency, validate_currency


class ServiceLocation(TimeStampedModel):
    """A service centre or warehouse: it receives returns, repairs units and holds spare parts."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    address = models.TextField(_("address"), help_text=_("Printed on return instructions and packing notes."))
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    labour_rate = models.DecimalField(_("labour rate per hour"), max_digits=18, decimal_places=2, default=0)
    labour_cost = models.DecimalField(
        _("labour cost per hour"),
        max_digits=18,
        decimal_places=2,
        default=0,
        help_text=_("What an hour of a technician costs the company."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[validate_currency]
    )
    receives_returns = models.BooleanField(_("receives returns"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service location")
        verbose_name_plural = _("service locations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_rate__gte=0) & Q(labour_cost__gte=0),
                name="aftersales_location_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None = None) -> str:
        return translated(self.names, self.name, language)


class Part(TimeStampedModel):
    """A spare part in the catalogue: what it costs the company and what a customer pays for it."""

    sku = models.CharField(_("part number"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    unit_cost = models.DecimalField(_("cost"), max_digits=18, decimal_places=2, default=0)
    unit_price = models.DecimalField(_("price"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[validate_currency]
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("fits products"), blank=True, related_name="parts"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(unit_price__gte=0),
                name="aftersales_part_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def display_name(self, language: str | None = None) -> str:
        return translated(self.names, self.name, language)


class StockLevel(models.Model):
    """How many of one part a location holds, and how many of those are reserved for repairs.

    The database refuses a negative stock and a reservation beyond what is on hand; the services
    change both columns with one conditional UPDATE, so two technicians never take the last part.
    """

    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey(
        ServiceLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="stock"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["location", "part"]
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="aftersales_stock_part_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="aftersales_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="aftersales_stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.location_id}: {self.on_hand} ({self.reserved})"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change of a stock level and why: received, reserved, released, used, adjusted."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        RESERVED = "reserved", _("Reserved for a repair")
        RELEASED = "released", _("Released")
        CONSUMED = "consumed", _("Used in a repair")
        ADJUSTED = "adjusted", _("Stock count adjusted")

    stock = models.ForeignKey(
        StockLevel, verbose_name=_("stock level"), on_delete=models.CASCADE, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    repair_line = models.ForeignKey(
        "aftersales.RepairLine",
        verbose_name=_("repair line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=250, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["stock", "created_at"], name="aftersales_move_stock")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"
