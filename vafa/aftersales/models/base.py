"""What every after-sales record shares: a number people can quote, its case and its customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vafa.core.models import TimeStampedModel


class CaseRecord(TimeStampedModel):
    """Base of the after-sales records: numbered per kind, always on one case of one customer."""

    PREFIX = ""

    number = models.BigIntegerField(_("number"), unique=True)
    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number as customers and agents quote it: WC-000042, RMA-000007 …"""
        return f"{self.PREFIX}-{self.number:06d}"
