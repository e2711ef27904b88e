"""The agent desk at /desk/: each view module lists its own addresses."""

from __future__ import annotations

from vafa.desk.views import (
    auth,
    automation,
    availability,
    case,
    dashboard,
    inbox,
    macros,
    mail,
    notifications,
    records,
    search,
    sla,
)

app_name = "desk"

urlpatterns = [
    *auth.urlpatterns,
    *inbox.urlpatterns,
    *case.urlpatterns,
    *records.urlpatterns,
    *search.urlpatterns,
    *dashboard.urlpatterns,
    *mail.urlpatterns,
    *notifications.urlpatterns,
    *availability.urlpatterns,
    *automation.urlpatterns,
    *macros.urlpatterns,
    *sla.urlpatterns,
]
