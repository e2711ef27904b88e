from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from vafa.api.urls import api
from vafa.core import views as core_views

admin.site.site_header = settings.VAFA_COMPANY_NAME
admin.site.site_title = settings.VAFA_COMPANY_NAME

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", core_views.api_docs_redirect, name="api-docs"),
    path("desk/", include("vafa.desk.urls")),
    path("portal/", include("vafa.portal.urls")),
    path("help/", include("vafa.portal.help_urls")),
]
