"""The inbox (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vafa.desk.access import desk_view


@desk_view
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/base.html", {"nav": "inbox"})


urlpatterns = [path("inbox/", inbox, name="inbox")]
