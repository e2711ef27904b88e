"""Fixtures of the desk's tests: test clients signed in as a given user."""

from __future__ import annotations

import pytest
from django.test import Client

from vafa.accounts.models import User


@pytest.fixture
def desk_as():
    """`desk_as(user)` is a test client with that user signed in (session, CSRF enforced)."""

    def make(user: User) -> Client:
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def csrf_client():
    """`csrf_client(user)`: a signed-in client that enforces CSRF, to prove forms refuse forged posts."""

    def make(user: User) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        return client

    return make
