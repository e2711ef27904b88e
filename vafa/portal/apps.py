from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer's web UI: the portal at /portal/, the help centre at /help/ and the help widget."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.portal"
    label = "portal"
    verbose_name = _("Customer portal")
