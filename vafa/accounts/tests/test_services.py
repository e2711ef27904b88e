import datetime as dt

import pytest
from django.utils import timezone

from vafa.accounts.models import ApiToken, AuditLog, Role
from vafa.accounts.services import (
    customer_account_ensure,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from vafa.core.errors import Conflict, ValidationFailed
from vafa.customers.tests.factories import CustomerFactory


def test_token_is_shown_once_and_stored_hashed(db, agent):
    issued = token_create(actor=agent, user=agent, name="shop sync")

    stored = ApiToken.objects.get()
    assert issued.raw.startswith(f"vafa_{stored.prefix}_")
    assert issued.raw.split("_", 2)[2] not in stored.token_hash
    assert token_authenticate(issued.raw) == agent
    assert ApiToken.objects.get().last_used_at is not None


def test_wrong_revoked_expired_or_inactive_tokens_fail(db, agent):
    issued = token_create(actor=None, user=agent)
    prefix = ApiToken.objects.get().prefix

    assert token_authenticate(f"vafa_{prefix}_wrong") is None
    assert token_authenticate("garbage") is None
    assert token_authenticate("") is None
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert token_authenticate(issued.raw) is None
    ApiToken.objects.update(expires_at=None)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert token_authenticate(issued.raw) is None
    agent.is_active = True
    agent.save(update_fields=["is_active"])
    token_revoke(actor=None, token=ApiToken.objects.get())
    assert token_authenticate(issued.raw) is None
    assert AuditLog.objects.filter(action="token.revoke").count() == 1


def test_customer_account_is_linked_and_reused(db):
    customer = CustomerFactory(email__value="nina@example.test", language="ru")

    account = customer_account_ensure(actor=None, customer=customer)
    again = customer_account_ensure(actor=None, customer=customer)

    assert account == again
    assert (account.role, account.customer, account.email, account.language) == (
        "customer",
        customer,
        "nina@example.test",
        "ru",
    )
    assert not account.has_usable_password()
    assert not account.is_staff


def test_customer_account_needs_an_email(db):
    customer = CustomerFactory(email=None)
    with pytest.raises(ValidationFailed):
        customer_account_ensure(actor=None, customer=customer)


def test_staff_user_emails_are_unique_case_insensitively(db, agent):
    with pytest.raises(Conflict):
        user_create(actor=None, email="AGENT@staff.vafa.test", role=Role.AGENT)
    with pytest.raises(ValidationFailed):
        user_create(actor=None, email="c@x.test", role=Role.CUSTOMER)


def test_only_admins_and_managers_reach_the_admin_site(db, admin_user, manager, agent, customer_user):
    assert [u.is_staff for u in (admin_user, manager, agent, customer_user)] == [True, True, False, False]
