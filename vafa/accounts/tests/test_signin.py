"""Portal accounts: sign-up confirmed by e-mail, one-time sign-in links, their e-mails."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.utils import timezone

from vafa.accounts.models import AuditLog, Role, SignInLink, User
from vafa.accounts.signin import (
    customer_account_rename,
    customer_password_set,
    customer_signup_request,
    customer_signup_verify,
    signin_link_request,
    signin_link_use,
    signin_link_valid,
    signin_links_prune,
)
from vafa.accounts.tests.portal_mail import mail_link_path, portal_mail_deliver
from vafa.core.errors import ValidationFailed
from vafa.core.models import PendingWork
from vafa.customers.models import ContactPoint, Customer
from vafa.customers.tests.factories import EmailFactory

PASSWORD = "Quiet-Harbour-2026"


def token_of(message) -> str:
    return mail_link_path(message).rstrip("/").rsplit("/", 1)[-1]


def signup(email: str = "new@example.test", **overrides) -> None:
    values = {"email": email, "password": PASSWORD, "full_name": "Nima Karimi", "language": "fa", **overrides}
    customer_signup_request(**values)


# --- sign-up ----------------------------------------------------------------------------------------


def test_signup_with_a_new_address_mails_a_link_and_creates_nothing_yet(db, settings):
    settings.VAFA_COMPANY_NAME = "Sepid Electronics"

    signup("New@Example.test")

    assert User.objects.filter(email="new@example.test").exists() is False
    link = SignInLink.objects.get()
    assert (link.purpose, link.email, link.full_name, link.language) == (
        SignInLink.Purpose.SIGNUP,
        "new@example.test",
        "Nima Karimi",
        "fa",
    )
    assert link.password_hash != PASSWORD
    assert check_password(PASSWORD, link.password_hash)
    assert link.token_hash is None
    assert mail.outbox == []
    assert portal_mail_deliver() == 1
    [message] = mail.outbox
    assert message.to == ["new@example.test"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Sepid Electronics" in message.subject
    assert mail_link_path(message).startswith("/portal/signup/confirm/")
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    # Written in the language chosen at sign-up.
    assert 'lang="fa" dir="rtl"' in html
    link.refresh_from_db()
    assert link.token_hash == hashlib.sha256(token_of(message).encode()).hexdigest()
    assert link.sent_at is not None


def test_verifying_creates_the_account_and_a_new_customer_with_a_verified_address(db):
    signup()
    portal_mail_deliver()

    user = customer_signup_verify(token=token_of(mail.outbox[0]))

    assert (user.email, user.full_name, user.role, user.language) == (
        "new@example.test",
        "Nima Karimi",
        Role.CUSTOMER,
        "fa",
    )
    assert user.check_password(PASSWORD)
    customer = Customer.objects.get()
    assert user.customer == customer
    assert (customer.name, customer.language) == ("Nima Karimi", "fa")
    point = ContactPoint.objects.get(customer=customer)
    assert (point.kind, point.value, point.verified_at is not None) == ("email", "new@example.test", True)
    assert SignInLink.objects.get().used_at is not None
    assert AuditLog.objects.filter(action="user.signup", object_id=str(user.pk)).count() == 1


def test_signing_up_with_an_existing_customers_address_links_the_account_to_that_customer(db, customer):
    signup("sara@example.test", full_name="Sara A.")
    portal_mail_deliver()

    user = customer_signup_verify(token=token_of(mail.outbox[0]))

    assert user.customer == customer
    assert Customer.objects.count() == 1
    point = ContactPoint.objects.get(customer=customer, value="sara@example.test")
    assert point.verified_at is not None


def test_a_customer_with_an_account_under_another_address_is_signed_into_that_account(db, customer_user):
    EmailFactory(customer=customer_user.customer, value="sara.work@example.test", is_primary=False)
    signup("sara.work@example.test")
    portal_mail_deliver()

    user = customer_signup_verify(token=token_of(mail.outbox[0]))

    assert user == customer_user
    assert User.objects.filter(role=Role.CUSTOMER).count() == 1
    assert ContactPoint.objects.get(value="sara.work@example.test").verified_at is not None


def test_signing_up_again_with_an_account_sends_a_sign_in_reminder_and_no_link(db, customer_user):
    signup("sara@example.test")

    assert SignInLink.objects.count() == 0
    assert portal_mail_deliver() == 1
    [message] = mail.outbox
    assert message.to == ["sara@example.test"]
    # Sara reads Persian: the reminder is in her language.
    assert "شما از قبل در Vafa حساب کاربری دارید" in message.subject
    assert "/portal/login/" in message.body
    assert "/portal/password-reset/" in message.body
    assert "/signup/confirm/" not in message.body


def test_a_staff_address_gets_no_mail_and_the_caller_the_same_answer(db, agent):
    result = signup(agent.email)

    assert result is None
    assert SignInLink.objects.count() == 0
    assert PendingWork.objects.filter(kind="accounts.portal_mail").count() == 0


def test_a_weak_password_is_refused_and_nothing_is_stored(db):
    with pytest.raises(ValidationFailed) as refused:
        signup(password="12345678")

    assert "password" in refused.value.fields
    assert SignInLink.objects.count() == 0
    assert PendingWork.objects.count() == 0


def test_a_password_like_the_address_is_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        signup("nimakarimi@example.test", password="nimakarimi")

    assert "password" in refused.value.fields
    assert SignInLink.objects.count() == 0


def test_a_sign_up_without_a_name_or_with_a_bad_language_is_refused(db):
    with pytest.raises(ValidationFailed) as no_name:
        signup(full_name="  ")
    with pytest.raises(ValidationFailed) as bad_language:
        signup(language="xx")

    assert list(no_name.value.fields) == ["full_name"]
    assert list(bad_language.value.fields) == ["language"]
    assert SignInLink.objects.count() == 0


def test_a_sign_up_link_works_once(db):
    signup()
    portal_mail_deliver()
    token = token_of(mail.outbox[0])
    customer_signup_verify(token=token)

    with pytest.raises(ValidationFailed) as refused:
        customer_signup_verify(token=token)

    assert refused.value.code == "link_invalid"
    assert User.objects.filter(role=Role.CUSTOMER).count() == 1
    assert Customer.objects.count() == 1


def test_an_expired_sign_up_link_is_refused(db, settings, time_machine):
    settings.VAFA_PORTAL_SIGNUP_HOURS = 48
    time_machine.move_to(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    signup()
    portal_mail_deliver()
    time_machine.move_to(dt.datetime(2026, 3, 3, 9, 0, 1, tzinfo=dt.UTC), tick=False)

    with pytest.raises(ValidationFailed):
        customer_signup_verify(token=token_of(mail.outbox[0]))

    assert User.objects.filter(role=Role.CUSTOMER).count() == 0
    assert Customer.objects.count() == 0
    assert SignInLink.objects.get().used_at is None


def test_confirming_one_sign_up_spends_the_other_pending_ones_of_the_address(db):
    signup(full_name="First")
    signup(full_name="Second")
    portal_mail_deliver()
    first, second = (token_of(message) for message in mail.outbox)

    user = customer_signup_verify(token=second)

    assert user.full_name == "Second"
    with pytest.raises(ValidationFailed):
        customer_signup_verify(token=first)
    assert User.objects.filter(role=Role.CUSTOMER).count() == 1


def test_unknown_and_malformed_tokens_are_refused(db):
    for token in ("", "nope", "x" * 500):
        with pytest.raises(ValidationFailed):
            customer_signup_verify(token=token)
        with pytest.raises(ValidationFailed):
            signin_link_use(token=token)
        assert signin_link_valid(token=token, purpose="signin") is False


def test_a_link_mail_runs_once_even_when_its_work_runs_twice(db):
    signup()
    work = PendingWork.objects.get(kind="accounts.portal_mail")
    portal_mail_deliver()
    PendingWork.objects.filter(pk=work.pk).update(state=PendingWork.State.PENDING, locked_until=None)

    portal_mail_deliver()

    assert len(mail.outbox) == 1


# --- sign-in links ------------------------------------------------------------------------------------


def test_a_sign_in_link_is_mailed_in_the_accounts_language_and_signs_in_once(db, customer_user):
    signin_link_request(email=" SARA@example.test ", language="en")
    portal_mail_deliver()
    [message] = mail.outbox
    token = token_of(message)
    assert message.to == ["sara@example.test"]
    assert mail_link_path(message) == f"/portal/link/{token}/"
    assert 'lang="fa" dir="rtl"' in message.alternatives[0][0]
    assert signin_link_valid(token=token, purpose="signin") is True

    user = signin_link_use(token=token)

    assert user == customer_user
    assert signin_link_valid(token=token, purpose="signin") is False
    with pytest.raises(ValidationFailed) as refused:
        signin_link_use(token=token)
    assert refused.value.code == "link_invalid"


def test_no_link_is_sent_for_unknown_staff_or_closed_accounts(db, agent, other_customer_user):
    User.objects.filter(pk=other_customer_user.pk).update(is_active=False)

    for email in ("nobody@example.test", agent.email, other_customer_user.email, "not an address"):
        assert signin_link_request(email=email, language="en") is None

    assert SignInLink.objects.count() == 0
    assert PendingWork.objects.filter(kind="accounts.portal_mail").count() == 0


def test_an_expired_sign_in_link_is_refused(db, settings, customer_user, time_machine):
    settings.VAFA_PORTAL_LINK_MINUTES = 30
    time_machine.move_to(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    signin_link_request(email=customer_user.email, language="en")
    portal_mail_deliver()
    time_machine.move_to(dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), tick=False)

    with pytest.raises(ValidationFailed):
        signin_link_use(token=token_of(mail.outbox[0]))

    assert SignInLink.objects.get().used_at is None


def test_a_link_is_bound_to_its_account_and_cannot_be_replayed_by_another(
    db, customer_user, other_customer_user
):
    signin_link_request(email=customer_user.email, language="en")
    signin_link_request(email=other_customer_user.email, language="en")
    portal_mail_deliver()
    sara_token, john_token = (token_of(message) for message in mail.outbox)
    assert signin_link_use(token=john_token) == other_customer_user

    with pytest.raises(ValidationFailed):
        signin_link_use(token=john_token)

    assert signin_link_use(token=sara_token) == customer_user
    # A sign-in link is no sign-up link, and the other way round.
    with pytest.raises(ValidationFailed):
        customer_signup_verify(token=sara_token)


def test_a_link_for_an_address_that_changed_since_is_refused(db, customer_user):
    signin_link_request(email=customer_user.email, language="en")
    portal_mail_deliver()
    User.objects.filter(pk=customer_user.pk).update(email="sara.new@example.test")

    with pytest.raises(ValidationFailed):
        signin_link_use(token=token_of(mail.outbox[0]))


def test_signing_in_with_one_link_spends_the_accounts_other_links(db, customer_user):
    signin_link_request(email=customer_user.email, language="en")
    signin_link_request(email=customer_user.email, language="en")
    portal_mail_deliver()
    first, second = (token_of(message) for message in mail.outbox)

    signin_link_use(token=second)

    with pytest.raises(ValidationFailed):
        signin_link_use(token=first)


def test_the_token_is_never_stored(db, customer_user):
    signin_link_request(email=customer_user.email, language="en")
    portal_mail_deliver()
    token = token_of(mail.outbox[0])

    stored = SignInLink.objects.values().get()
    assert token not in str(stored)
    assert token not in str(list(PendingWork.objects.values()))


def test_old_links_are_pruned(db, customer_user):
    now = timezone.now()
    SignInLink.objects.create(purpose="signup", email="a@example.test", expires_at=now - dt.timedelta(days=8))
    kept = SignInLink.objects.create(
        purpose="signup", email="b@example.test", expires_at=now - dt.timedelta(days=6)
    )

    assert signin_links_prune(now=now) == 1
    assert list(SignInLink.objects.all()) == [kept]


# --- the account's own changes ------------------------------------------------------------------------


def test_a_customer_renames_their_account(db, customer_user):
    customer_account_rename(actor=customer_user, user=customer_user, full_name="  Sara Ahmadi-Rad ")

    customer_user.refresh_from_db()
    assert customer_user.full_name == "Sara Ahmadi-Rad"
    assert AuditLog.objects.filter(action="user.rename").count() == 1


def test_nobody_renames_or_repasswords_another_account(db, customer_user, other_customer_user):
    with pytest.raises(ValidationFailed):
        customer_account_rename(actor=other_customer_user, user=customer_user, full_name="X")
    with pytest.raises(ValidationFailed):
        customer_password_set(actor=other_customer_user, user=customer_user, password=PASSWORD)

    customer_user.refresh_from_db()
    assert customer_user.full_name == "Sara Ahmadi"
    assert customer_user.has_usable_password() is False


def test_a_new_password_must_pass_the_validators(db, customer_user):
    with pytest.raises(ValidationFailed) as refused:
        customer_password_set(actor=customer_user, user=customer_user, password="short")
    customer_password_set(actor=customer_user, user=customer_user, password=PASSWORD)

    assert "new_password1" in refused.value.fields
    customer_user.refresh_from_db()
    assert customer_user.check_password(PASSWORD)
