from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """CSV import of customers, products, orders and units through the domain services."""

    name = "vafa.imports"
    label = "imports"
    verbose_name = _("Imports")
