"""The portal's account pages: sign-in, sign-up, one-time links, password reset, profile and language."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import mail

from vafa.accounts.models import Role, SignInLink, User
from vafa.accounts.tests.portal_mail import mail_link_path, portal_mail_deliver
from vafa.core.models import PendingWork, ThrottleBucket
from vafa.customers.models import ContactPoint, Customer

PASSWORD = "Quiet-Harbour-2026"


@pytest.fixture
def sara(customer_user):
    customer_user.set_password(PASSWORD)
    customer_user.save(update_fields=["password"])
    return customer_user


def signed_in_id(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# --- sign-in with a password -------------------------------------------------------------------------


def test_the_sign_in_page_has_the_form_and_the_other_ways_in(client, db):
    response = client.get("/portal/login/")

    assert response.status_code == 200
    html = response.content.decode()
    for element in (
        'id="id_email"',
        'id="id_password"',
        'id="portal-login-submit"',
        'id="portal-link-request"',
        'id="portal-forgot-password"',
        'id="portal-signup-link"',
    ):
        assert element in html


def test_a_customer_signs_in_with_a_password_and_goes_to_next(client, sara):
    response = client.post(
        "/portal/login/", {"email": "SARA@example.test", "password": PASSWORD, "next": "/portal/requests/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/requests/"
    assert signed_in_id(client) == sara.pk


def test_a_next_on_another_site_is_ignored(client, sara):
    response = client.post(
        "/portal/login/", {"email": sara.email, "password": PASSWORD, "next": "https://evil.example/x"}
    )

    assert response["Location"] == "/portal/"


def test_a_wrong_password_gets_a_generic_error(client, sara):
    response = client.post("/portal/login/", {"email": sara.email, "password": "wrong-one"})

    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.content.decode()
    assert signed_in_id(client) is None


def test_staff_cannot_sign_in_at_the_portal(client, agent):
    response = client.post("/portal/login/", {"email": agent.email, "password": "pw-Vafa-2026"})

    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.content.decode()
    assert signed_in_id(client) is None


def test_too_many_sign_ins_get_429_and_do_not_sign_in(client, sara, settings):
    settings.VAFA_PORTAL_SIGNIN_LIMIT = 2
    for _ in range(2):
        client.post("/portal/login/", {"email": sara.email, "password": "wrong-one"})

    response = client.post("/portal/login/", {"email": sara.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many attempts." in response.content.decode()
    assert signed_in_id(client) is None


def test_the_ip_limit_holds_across_addresses(client, sara, settings):
    settings.VAFA_PORTAL_SIGNIN_LIMIT = 2
    client.post("/portal/login/", {"email": "a@example.test", "password": "x"})
    client.post("/portal/login/", {"email": "b@example.test", "password": "x"})

    response = client.post("/portal/login/", {"email": sara.email, "password": PASSWORD})

    assert response.status_code == 429
    assert signed_in_id(client) is None


def test_a_signed_in_customer_signs_out_with_a_post(client, sara):
    client.force_login(sara)

    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")

    assert response["Location"] == "/portal/login/"
    assert signed_in_id(client) is None


def test_a_customer_on_the_desk_gets_404(client, sara):
    client.force_login(sara)

    assert client.get("/desk/").status_code == 404
    assert client.get("/desk/inbox/").status_code == 404


# --- sign-up ------------------------------------------------------------------------------------------


def signup_form(**overrides):
    return {
        "full_name": "Nima Karimi",
        "email": "nima@example.test",
        "password": PASSWORD,
        "language": "fa",
        "website": "",
        **overrides,
    }


def test_the_sign_up_page_has_the_fields_and_the_honeypot(client, db):
    html = client.get("/portal/signup/").content.decode()

    for element in (
        'id="id_full_name"',
        'id="id_email"',
        'id="id_password"',
        'id="id_language"',
        'id="portal-signup-submit"',
        'name="website"',
        'class="portal-hp"',
    ):
        assert element in html


def test_sign_up_mail_confirm_and_arrive_signed_in(client, db):
    response = client.post("/portal/signup/", signup_form())
    assert response.status_code == 302
    assert response["Location"] == "/portal/signup/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    assert User.objects.filter(email="nima@example.test").exists() is False
    portal_mail_deliver()
    path = mail_link_path(mail.outbox[0])

    # Opening the link (as a mail scanner would) spends nothing.
    page = client.get(path)
    assert 'id="portal-verify-submit"' in page.content.decode()
    assert SignInLink.objects.get().used_at is None
    response = client.post(path)

    user = User.objects.get(email="nima@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert signed_in_id(client) == user.pk
    assert (user.role, user.language, user.customer.name) == (Role.CUSTOMER, "fa", "Nima Karimi")
    assert ContactPoint.objects.get(value="nima@example.test").verified_at is not None
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "fa"
    assert client.post(path).status_code == 400


def test_a_used_link_page_says_so(client, db):
    client.post("/portal/signup/", signup_form())
    portal_mail_deliver()
    path = mail_link_path(mail.outbox[0])
    client.post(path)
    client.post("/portal/logout/")

    page = client.get(path)

    assert 'id="portal-verify-submit"' not in page.content.decode()
    assert 'id="portal-link-invalid"' in page.content.decode()


def test_signing_up_with_an_existing_accounts_address_looks_the_same(client, sara):
    response = client.post("/portal/signup/", signup_form(email="sara@example.test"))

    assert response["Location"] == "/portal/signup/sent/"
    portal_mail_deliver()
    [message] = mail.outbox
    assert "حساب کاربری دارید" in message.subject  # in Sara's language, Persian
    assert SignInLink.objects.count() == 0


def test_a_weak_password_is_shown_on_the_form(client, db):
    response = client.post("/portal/signup/", signup_form(password="password"))

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert SignInLink.objects.count() == 0


def test_a_filled_honeypot_looks_like_success_and_does_nothing(client, db):
    response = client.post("/portal/signup/", signup_form(website="http://spam.example"))

    assert response["Location"] == "/portal/signup/sent/"
    assert SignInLink.objects.count() == 0
    assert PendingWork.objects.count() == 0
    assert ThrottleBucket.objects.count() == 0


def test_too_many_sign_ups_get_429_and_change_nothing(client, db, settings):
    settings.VAFA_PORTAL_MAIL_LIMIT = 2
    for number in range(2):
        client.post("/portal/signup/", signup_form(email=f"n{number}@example.test"))

    response = client.post("/portal/signup/", signup_form(email="n3@example.test"))

    assert response.status_code == 429
    assert "Too many attempts." in response.content.decode()
    assert list(SignInLink.objects.order_by("id").values_list("email", flat=True)) == [
        "n0@example.test",
        "n1@example.test",
    ]
    assert Customer.objects.count() == 0


# --- one-time sign-in links ---------------------------------------------------------------------------


def test_a_sign_in_link_is_mailed_and_signs_in_once_after_a_click(client, sara):
    page = client.get("/portal/link/")
    assert 'id="portal-link-submit"' in page.content.decode()

    response = client.post("/portal/link/", {"email": "sara@example.test", "website": ""})
    assert response["Location"] == "/portal/link/sent/"
    portal_mail_deliver()
    path = mail_link_path(mail.outbox[0])
    assert 'id="portal-link-signin-submit"' in client.get(path).content.decode()
    assert signed_in_id(client) is None

    response = client.post(path)

    assert response["Location"] == "/portal/"
    assert signed_in_id(client) == sara.pk
    other = client.__class__()
    refused = other.post(path)
    assert refused.status_code == 400
    assert "This link has been used already or has expired." in refused.content.decode()
    assert signed_in_id(other) is None


def test_a_link_request_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/portal/link/", {"email": "nobody@example.test", "website": ""})

    assert response["Location"] == "/portal/link/sent/"
    assert portal_mail_deliver() == 0
    assert mail.outbox == []


def test_a_link_request_with_the_honeypot_does_nothing(client, sara):
    response = client.post("/portal/link/", {"email": sara.email, "website": "x"})

    assert response["Location"] == "/portal/link/sent/"
    assert SignInLink.objects.count() == 0


def test_too_many_link_requests_get_429_and_send_nothing_more(client, sara, settings):
    settings.VAFA_PORTAL_MAIL_LIMIT = 1
    client.post("/portal/link/", {"email": sara.email})

    response = client.post("/portal/link/", {"email": sara.email})

    assert response.status_code == 429
    assert SignInLink.objects.count() == 1


# --- password reset -----------------------------------------------------------------------------------


def test_password_reset_round_trip_in_the_customers_language(client, sara):
    page = client.get("/portal/password-reset/")
    assert 'id="portal-reset-submit"' in page.content.decode()

    response = client.post("/portal/password-reset/", {"email": "sara@example.test"})
    assert response["Location"] == "/portal/password-reset/sent/"
    [message] = mail.outbox
    assert message.to == ["sara@example.test"]
    assert 'lang="fa" dir="rtl"' in message.alternatives[0][0]
    path = mail_link_path(message)
    form_page = client.get(path, follow=True)
    assert 'id="portal-reset-confirm-submit"' in form_page.content.decode()

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Lantern-9", "new_password2": "Brand-New-Lantern-9"},
    )

    assert response["Location"] == "/portal/password-reset/complete/"
    sara.refresh_from_db()
    assert sara.check_password("Brand-New-Lantern-9")
    signin = client.post("/portal/login/", {"email": sara.email, "password": "Brand-New-Lantern-9"})
    assert signed_in_id(client) == sara.pk
    assert signin.status_code == 302


def test_a_customer_account_without_a_password_can_set_one_by_reset(client, customer_user):
    client.post("/portal/password-reset/", {"email": customer_user.email})

    assert len(mail.outbox) == 1


def test_password_reset_mails_only_customer_accounts(client, agent):
    response = client.post("/portal/password-reset/", {"email": agent.email})

    assert response["Location"] == "/portal/password-reset/sent/"
    assert mail.outbox == []


def test_too_many_reset_requests_get_429(client, sara, settings):
    settings.VAFA_PORTAL_MAIL_LIMIT = 1
    client.post("/portal/password-reset/", {"email": sara.email})

    response = client.post("/portal/password-reset/", {"email": sara.email})

    assert response.status_code == 429
    assert len(mail.outbox) == 1


# --- profile and language -----------------------------------------------------------------------------


def test_the_profile_needs_a_signed_in_customer(client, agent):
    assert client.get("/portal/account/")["Location"].startswith("/portal/login/?next=")
    client.force_login(agent)
    assert client.get("/portal/account/")["Location"] == "/desk/"


def test_a_customer_changes_name_language_time_zone_and_digits(client, sara):
    client.force_login(sara)
    assert 'id="portal-profile-submit"' in client.get("/portal/account/").content.decode()

    response = client.post(
        "/portal/account/",
        {
            "form": "profile",
            "full_name": "Sara Ahmadi-Rad",
            "language": "ru",
            "time_zone": "Asia/Tehran",
            "native_digits": "on",
        },
    )

    assert response["Location"] == "/portal/account/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ru"
    sara.refresh_from_db()
    assert (sara.full_name, sara.language, sara.time_zone, sara.native_digits) == (
        "Sara Ahmadi-Rad",
        "ru",
        "Asia/Tehran",
        True,
    )


def test_a_bad_time_zone_changes_nothing(client, sara):
    client.force_login(sara)

    response = client.post(
        "/portal/account/",
        {"form": "profile", "full_name": "Other", "language": "en", "time_zone": "Mars/Base"},
    )

    assert response.status_code == 200
    sara.refresh_from_db()
    assert (sara.full_name, sara.language, sara.time_zone) == ("Sara Ahmadi", "fa", "UTC")


def test_a_customer_changes_their_password_and_stays_signed_in(client, sara):
    client.force_login(sara)

    response = client.post(
        "/portal/account/",
        {
            "form": "password",
            "old_password": PASSWORD,
            "new_password1": "Brand-New-Lantern-9",
            "new_password2": "Brand-New-Lantern-9",
        },
    )

    assert response["Location"] == "/portal/account/"
    sara.refresh_from_db()
    assert sara.check_password("Brand-New-Lantern-9")
    assert client.get("/portal/account/").status_code == 200


def test_a_wrong_old_password_changes_nothing(client, sara):
    client.force_login(sara)

    response = client.post(
        "/portal/account/",
        {
            "form": "password",
            "old_password": "not-it",
            "new_password1": "Brand-New-Lantern-9",
            "new_password2": "Brand-New-Lantern-9",
        },
    )

    assert response.status_code == 200
    sara.refresh_from_db()
    assert sara.check_password(PASSWORD)


def test_choosing_a_language_saves_the_customers_preference(client, sara):
    client.force_login(sara)

    response = client.post("/portal/language/", {"language": "ar", "next": "/portal/requests/"})

    assert response["Location"] == "/portal/requests/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ar"
    sara.refresh_from_db()
    assert sara.language == "ar"


def test_a_visitor_choosing_a_language_gets_the_cookie_only(client, db):
    response = client.post("/portal/language/", {"language": "ru", "next": "https://evil.example/"})

    assert response["Location"] == "/help/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_an_unknown_language_changes_nothing(client, sara):
    client.force_login(sara)

    response = client.post("/portal/language/", {"language": "xx", "next": "/portal/account/"})

    assert response["Location"] == "/portal/account/"
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies
    sara.refresh_from_db()
    assert sara.language == "fa"


def test_the_persian_pages_are_right_to_left(client, db):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fa"

    for address in ("/portal/login/", "/portal/signup/", "/portal/link/", "/portal/password-reset/"):
        html = client.get(address).content.decode()
        assert '<html lang="fa" dir="rtl">' in html, address
