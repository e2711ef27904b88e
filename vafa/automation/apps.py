from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Rules that act on cases by themselves, macros and canned replies, and routing to agents."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        # Registers the subscribers to case and SLA events, the work handlers and the periodic jobs.
        from vafa.automation import tasks  # noqa: F401
