from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from vafa.core.middleware import ServerTimingMiddleware


@pytest.mark.django_db
def test_responses_carry_the_server_time_when_enabled(settings):
    settings.VAFA_SERVER_TIMING = True

    response = Client().get("/healthz")

    assert re.fullmatch(r"app;dur=\d+\.\d{2}", response["Server-Timing"])


@override_settings(VAFA_SERVER_TIMING=False)
def test_no_timing_header_when_disabled(rf):
    middleware = ServerTimingMiddleware(lambda request: HttpResponse("ok"))

    response = middleware(rf.get("/"))

    assert "Server-Timing" not in response
