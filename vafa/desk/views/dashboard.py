"""The manager home: backlog, flow per day, aging and channels, for one team or all, over 7/30/90 days."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vafa.desk.access import desk_user, manager_view
from vafa.desk.dashboard import NO_TEAM, PERIODS, dashboard_get, parse_filters


@manager_view
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = parse_filters(period=request.GET.get("period"), team=request.GET.get("team"))
    data = dashboard_get(viewer=desk_user(request), filters=filters)
    return render(
        request,
        "desk/dashboard/home.html",
        {
            "nav": "dashboard",
            "dash": data,
            "chart_data": data.chart_data(),
            "periods": PERIODS,
            "no_team": NO_TEAM,
        },
    )


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
