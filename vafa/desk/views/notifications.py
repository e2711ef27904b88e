"""The desk's notifications: what the system told this staff member (an SLA about to break, a webhook
paused), newest first, with "mark read"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts import selectors as accounts
from vafa.accounts.services import notification_read
from vafa.desk.access import desk_user, desk_view

PAGE_SIZE = 50


@require_GET
@desk_view
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = desk_user(request)
    items = list(accounts.notification_list(user=user)[:PAGE_SIZE])
    return render(
        request,
        "desk/notifications/page.html",
        {"nav": "notifications", "items": items, "unread": sum(1 for item in items if item.read_at is None)},
    )


@require_POST
@desk_view
def notifications_read(request: HttpRequest) -> HttpResponse:
    user = desk_user(request)
    raw = request.POST.getlist("id")
    ids = [int(value) for value in raw if value.isdigit() and len(value) < 19] if raw else None
    count = notification_read(user=user, notification_ids=ids)
    if count:
        messages.success(request, _("Marked as read."))
    return HttpResponseRedirect(reverse("desk:notifications"))


urlpatterns = [
    path("notifications/", notifications_page, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications_read"),
]
