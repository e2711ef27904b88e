from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "vafa.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # Registers the background work of the after-sales app (customer notices).
        from vafa.aftersales import tasks  # noqa: F401
