from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vafa.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the periodic jobs and work handlers declared in code.
        from vafa.core import housekeeping, jobs  # noqa: F401
