"""Manager home (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vafa.desk.access import manager_view


@manager_view
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/base.html", {"nav": "dashboard"})


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
