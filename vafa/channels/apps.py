from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """How requests arrive and replies leave: e-mail now, chat and phone later; one adapter per channel."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Registers the pending-work handlers, the subscribers to case events and the periodic jobs.
        from vafa.channels import tasks  # noqa: F401
