"""The public help centre at /help/: readable without signing in, one clean address per language."""

from vafa.portal.views import help as help_views

app_name = "help"

urlpatterns = help_views.urlpatterns
