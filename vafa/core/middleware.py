"""Middleware of the shared kernel."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ServerTimingMiddleware:
    """Add `Server-Timing: app;dur=<ms>` to each response: the time spent in Django for it.

    Browsers show it in their developer tools and `vafa bench` reads it, so page speed is measured
    on the server without the client's share. Off unless VAFA_SERVER_TIMING is set (it tells
    outsiders how long pages take).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = settings.VAFA_SERVER_TIMING

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        return response
