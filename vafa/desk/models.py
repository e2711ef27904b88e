"""What the agent desk keeps of its own: agents' saved inbox views and who is looking at which case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """An agent's own inbox view: a name, the filters and the sort order they chose."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=80)
    # The inbox's query string parameters, e.g. {"status": ["open"], "priority": ["urgent"]}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=20, default="-updated")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["owner", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="desk_savedview_owner_name")]

    def __str__(self) -> str:
        return self.name


class CasePresence(models.Model):
    """An agent who has a case open right now, and whether they are typing: the collision notice."""

    case = models.ForeignKey(
        "service.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="presences"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+"
    )
    is_typing = models.BooleanField(_("typing"), default=False)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("case presence")
        verbose_name_plural = _("case presences")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="desk_presence_case_user")]
        indexes = [models.Index(fields=["case", "seen_at"], name="desk_presence_case_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"
