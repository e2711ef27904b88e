from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Service levels: business calendars, SLA policies, the clocks on each case, escalations."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Registers the subscribers to case events, the work handlers and the periodic SLA check.
        from vafa.sla import tasks  # noqa: F401
