"""The agent desk at /desk/: each view module lists its own addresses."""

from __future__ import annotations

from vafa.desk.views import (
    aftersales,
    aftersales_case,
    aftersales_manage,
    auth,
    automation,
    availability,
    case,
    dashboard,
    inbox,
    knowledge,
    macros,
    mail,
    notifications,
    records,
    registrations,
    search,
    sla,
)

app_name = "desk"

urlpatterns = [
    *auth.urlpatterns,
    *inbox.urlpatterns,
    *case.urlpatterns,
    *records.urlpatterns,
    *registrations.urlpatterns,
    *search.urlpatterns,
    *dashboard.urlpatterns,
    *mail.urlpatterns,
    *notifications.urlpatterns,
    *availability.urlpatterns,
    *automation.urlpatterns,
    *macros.urlpatterns,
    *sla.urlpatterns,
    *knowledge.urlpatterns,
    *aftersales_case.urlpatterns,
    *aftersales.urlpatterns,
    *aftersales_manage.urlpatterns,
]
