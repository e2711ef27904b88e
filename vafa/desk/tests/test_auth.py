"""Signing in and out of the desk, password reset, language and preferences."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from vafa.accounts.models import AuditLog, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-2026"


def _with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def test_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_come_back_to():
    response = Client().get("/desk/inbox/?view=mine")

    assert response.status_code == 302
    assert response["Location"] == "/desk/login/?next=/desk/inbox/%3Fview%3Dmine"


def test_agent_signs_in_and_lands_on_the_inbox(agent):
    _with_password(agent)
    client = Client()

    response = client.post("/desk/login/", {"username": agent.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert client.get("/desk/")["Location"] == "/desk/inbox/"


def test_wrong_password_is_refused_with_a_message(agent):
    _with_password(agent)

    response = Client().post("/desk/login/", {"username": agent.email, "password": "wrong"})

    assert response.status_code == 200
    assert "is not right" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_sign_in_page_speaks_persian_right_to_left():
    client = Client()
    client.cookies["django_language"] = "fa"

    response = client.get("/desk/login/")

    body = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert "bootstrap.rtl.min.css" in body
    assert "ورود" in body


def test_sign_out_needs_a_post_and_ends_the_session(desk_as, agent):
    client = desk_as(agent)

    assert client.get("/desk/logout/").status_code == 405
    response = client.post("/desk/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/desk/login/"
    assert client.get("/desk/inbox/").status_code == 302


def test_a_customer_account_finds_no_desk(desk_as, customer_user):
    client = desk_as(customer_user)

    for url in ("/desk/", "/desk/inbox/", "/desk/preferences/", "/desk/dashboard/"):
        assert client.get(url).status_code == 404, url


def test_an_inactive_agent_cannot_use_the_desk(desk_as, agent):
    client = desk_as(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    assert client.get("/desk/inbox/").status_code in (302, 404)


def test_agent_cannot_open_the_manager_dashboard(desk_as, agent, manager):
    assert desk_as(agent).get("/desk/dashboard/").status_code == 404
    assert desk_as(manager).get("/desk/dashboard/").status_code == 200


def test_password_reset_mails_a_link_that_sets_a_new_password(agent):
    client = Client()

    response = client.post("/desk/password-reset/", {"email": agent.email.upper()})

    assert response.status_code == 302
    assert response["Location"] == "/desk/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/desk/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Brand-new-pass-7781", "new_password2": "Brand-new-pass-7781"}
    )
    assert done.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("Brand-new-pass-7781")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing():
    response = Client().post("/desk/password-reset/", {"email": "nobody@nowhere.test"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_language_switch_keeps_the_choice_on_the_user(desk_as, agent):
    client = desk_as(agent)

    response = client.post("/desk/language/", {"language": "fa", "next": "/desk/inbox/"})

    assert response.status_code == 302
    assert response["Location"] == "/desk/inbox/"
    agent.refresh_from_db()
    assert agent.language == "fa"
    assert 'dir="rtl"' in client.get("/desk/preferences/").content.decode()


def test_language_switch_refuses_an_unknown_language_and_an_outside_next(desk_as, agent):
    client = desk_as(agent)

    response = client.post("/desk/language/", {"language": "xx", "next": "https://evil.test/"})

    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    agent.refresh_from_db()
    assert agent.language == "en"


def test_preferences_save_time_zone_and_digits(desk_as, agent):
    client = desk_as(agent)

    response = client.post(
        "/desk/preferences/", {"language": "fa", "time_zone": "Asia/Tehran", "native_digits": "on"}
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.language, agent.time_zone, agent.native_digits) == ("fa", "Asia/Tehran", True)
    assert AuditLog.objects.filter(action="user.preferences", object_id=str(agent.pk)).count() == 1


def test_preferences_refuse_an_unknown_time_zone_and_change_nothing(desk_as, agent):
    client = desk_as(agent)

    response = client.post("/desk/preferences/", {"language": "ru", "time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "invalid-feedback" in response.content.decode()
    agent.refresh_from_db()
    assert (agent.language, agent.time_zone) == ("en", "UTC")


def test_forms_refuse_a_post_without_the_csrf_token(csrf_client, agent):
    client = csrf_client(agent)

    response = client.post("/desk/preferences/", {"language": "fa", "time_zone": "UTC"})

    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.language == "en"
