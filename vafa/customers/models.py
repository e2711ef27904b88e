"""The people and companies the business serves, and how to reach them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vafa.core.models import ExternalRefModel, TimeStampedModel


class Tier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    VIP = "vip", _("VIP")


class Organisation(ExternalRefModel, TimeStampedModel):
    """A business customer (B2B) whose people are customers; it may let them see each other's cases."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    domain = models.CharField(_("e-mail domain"), max_length=200, blank=True, default="")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    share_with_members = models.BooleanField(
        _("members see each other's requests"),
        default=False,
        help_text=_("When on, every member sees the cases, orders and units of the whole organisation."),
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="customers_org_external_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(ExternalRefModel, TimeStampedModel):
    """Someone who bought from the business: the person whose products, requests and loyalty Vafa tracks."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    consent_marketing = models.BooleanField(_("agrees to marketing"), default=False)
    consent_surveys = models.BooleanField(_("agrees to surveys"), default=True)
    consent_updated_at = models.DateTimeField(_("consent updated at"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="customers_customer_external_unique",
            )
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="customers_created_id")]

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """An e-mail address or phone number of a customer; e-mails identify the customer across channels."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contact_points"
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    value = models.CharField(
        _("value"), max_length=254, help_text=_("Lower-case e-mail, or a phone in E.164.")
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["value"], condition=Q(kind="email"), name="customers_contact_email_unique"
            ),
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="customers_contact_customer_value_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="customers_contact_lookup")]

    def __str__(self) -> str:
        return self.value
