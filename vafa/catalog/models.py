"""What the business sells and what it promises with each product: warranty, returns, maintenance."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vafa.core.models import ExternalRefModel, TimeStampedModel
from vafa.core.money import default_currency, validate_currency


def translated(names: dict[str, str], fallback: str, language: str | None = None) -> str:
    language = (language or get_language() or "en")[:2]
    return names.get(language) or fallback


class ReturnCondition(models.TextChoices):
    """The least a returned item must be like for a change-of-mind return to be refunded."""

    ANY = "any", _("In any condition")
    AS_NEW = "as_new", _("Unused, as new")
    UNOPENED = "unopened", _("Unopened, in the original packaging")


class Category(models.Model):
    """A group of products that share after-sales rules (phones, appliances, …)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    return_window_days = models.PositiveIntegerField(_("return window (days)"), default=14)
    return_condition = models.CharField(
        _("returns accepted"),
        max_length=10,
        choices=ReturnCondition.choices,
        default=ReturnCondition.AS_NEW,
        help_text=_(
            "The condition an item must be in to be taken back because the customer changed their mind."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None = None) -> str:
        return translated(self.names, self.name, language)


class WarrantyPolicy(models.Model):
    """The promise that comes with a product: how long, and what it covers."""

    class ReplacementRule(models.TextChoices):
        CONTINUE = "continue", _("Replacement continues the original warranty")
        RESTART = "restart", _("Replacement starts a new warranty")

    name = models.CharField(_("name"), max_length=100, unique=True)
    months = models.PositiveIntegerField(_("months"))
    covers_parts = models.BooleanField(_("covers parts"), default=True)
    covers_labour = models.BooleanField(_("covers labour"), default=True)
    covers_onsite = models.BooleanField(_("covers on-site service"), default=False)
    replacement_rule = models.CharField(
        _("warranty of a replacement"),
        max_length=10,
        choices=ReplacementRule.choices,
        default=ReplacementRule.CONTINUE,
    )
    terms = models.TextField(_("terms"), blank=True, default="")

    class Meta:
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")
        ordering = ["months", "name"]

    def __str__(self) -> str:
        return self.name


class Product(ExternalRefModel, TimeStampedModel):
    """A product the business sells; units of it carry serial numbers and warranties."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(
        _("currency"), max_length=3, default=default_currency, validators=[validate_currency]
    )
    warranty_policy = models.ForeignKey(
        WarrantyPolicy,
        verbose_name=_("warranty policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    return_window_days = models.PositiveIntegerField(
        _("return window (days)"), null=True, blank=True, help_text=_("Empty: the category's window applies.")
    )
    maintenance_interval_days = models.PositiveIntegerField(
        _("maintenance interval (days)"), null=True, blank=True
    )
    is_serialised = models.BooleanField(_("has serial numbers"), default=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def display_name(self, language: str | None = None) -> str:
        return translated(self.names, self.name, language)

    @property
    def effective_return_window_days(self) -> int:
        if self.return_window_days is not None:
            return self.return_window_days
        return self.category.return_window_days if self.category is not None else 0


class KnownIssue(TimeStampedModel):
    """A known problem with a product or a whole category, told to the customers who own one.

    `serial_prefix` narrows it to the units whose serial starts with it (one production batch);
    `ends_on` empty means it still applies. A recall is the most serious kind.
    """

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        RECALL = "recall", _("Recall")

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="known_issues",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="known_issues",
    )
    serial_prefix = models.CharField(
        _("serial number prefix"),
        max_length=50,
        blank=True,
        default="",
        help_text=_("Only units whose serial number starts with this; empty: every unit."),
    )
    title = models.CharField(_("title"), max_length=200)
    titles = models.JSONField(_("titles per language"), default=dict, blank=True)
    body = models.TextField(_("what to do"), blank=True, default="")
    bodies = models.JSONField(_("texts per language"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty: still applies."))
    is_published = models.BooleanField(_("shown to customers"), default=False)

    class Meta:
        verbose_name = _("known issue")
        verbose_name_plural = _("known issues")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(category__isnull=False),
                name="catalog_knownissue_product_or_category",
                violation_error_message=_("Choose a product or a category."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="catalog_knownissue_ends_after_start",
                violation_error_message=_("A known issue must end after it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["product", "starts_on"], name="catalog_knownissue_product"),
            models.Index(fields=["category", "starts_on"], name="catalog_knownissue_category"),
        ]

    def __str__(self) -> str:
        return self.title

    def display_title(self, language: str | None = None) -> str:
        return translated(self.titles, self.title, language)

    def display_body(self, language: str | None = None) -> str:
        return translated(self.bodies, self.body, language)
