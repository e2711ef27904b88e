"""Fixtures shared by every app's tests: one user per role, two customers, API clients."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from vafa.accounts.models import Role, User
from vafa.accounts.services import customer_account_ensure, token_create
from vafa.accounts.tests.factories import TeamFactory, UserFactory
from vafa.customers.tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request that switched to Persian must not leak."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # A test's mailboxes must not be hidden by another test's cached list of them.
    from vafa.automation.rules import rule_triggers_forget
    from vafa.channels.email.ingest import own_addresses_forget
    from vafa.sla.calendars import schedules_forget
    from vafa.webhooks.selectors import webhook_events_forget

    own_addresses_forget()
    # Nor may a rolled-back test's webhook subscription, rule or calendar make later tests publish
    # webhook or rule work, or measure against hours that no longer exist.
    webhook_events_forget()
    rule_triggers_forget()
    schedules_forget()
    yield
    rule_triggers_forget()
    schedules_forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests serve static files from the apps' folders; a manifest left in var/ by collectstatic
    # must not decide which file names pages ask for.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory.create(email="admin@staff.vafa.test", role=Role.ADMIN, full_name="Ada Admin")


@pytest.fixture
def manager(db) -> User:
    return UserFactory.create(email="manager@staff.vafa.test", role=Role.MANAGER, full_name="Mina Manager")


@pytest.fixture
def team(db):
    return TeamFactory(name="Phones")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Appliances")


@pytest.fixture
def agent(db, team) -> User:
    user = UserFactory.create(email="agent@staff.vafa.test", role=Role.AGENT, full_name="Arash Agent")
    team.members.add(user)
    return user


@pytest.fixture
def other_agent(db, other_team) -> User:
    user = UserFactory.create(email="agent2@staff.vafa.test", role=Role.AGENT, full_name="Olga Agent")
    other_team.members.add(user)
    return user


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Sara Ahmadi", language="fa", email__value="sara@example.test")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(name="John Smith", language="en", email__value="john@example.test")


@pytest.fixture
def customer_user(customer) -> User:
    return customer_account_ensure(actor=None, customer=customer)


@pytest.fixture
def other_customer_user(other_customer) -> User:
    return customer_account_ensure(actor=None, customer=other_customer)


def _token_client(user: User) -> Client:
    raw = token_create(actor=None, user=user, name="test").raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api_as():
    """`api_as(user)` is a test client that sends that user's bearer token on every request."""
    return _token_client


# Browser fixtures (`browser`, `page`) for every app's Playwright tests.
from vafa.core.tests.browser import browser, page  # noqa: E402, F401
