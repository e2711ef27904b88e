from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base: articles per language, their search, feedback and the deflection record."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "vafa.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
