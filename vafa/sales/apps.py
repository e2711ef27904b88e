from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "vafa.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        # Registers the work handler that e-mails registration decisions.
        from vafa.sales import tasks  # noqa: F401
