from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: integrators' subscriptions to case, message and customer events."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Registers the work handlers and subscribes the fan-out to the case and customer events.
        from vafa.webhooks import tasks  # noqa: F401
