"""The HTTP inbound endpoint: raw MIME signed with the mailbox's secret is stored; anything else is refused."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.core.files.storage import FileSystemStorage

from vafa.api.tests.helpers import error
from vafa.channels.api import inbound_signature
from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import PROCESS_KIND, inbound_raw
from vafa.core import jobs
from vafa.core.models import PendingWork

pytestmark = pytest.mark.django_db

RAW = (
    "From: Sara Ahmadi <sara@example.test>\r\nTo: mail@shop.test\r\nSubject: =?utf-8?b?2q/ZiNi02Yo=?=\r\n"
    "Message-ID: <h-1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nسلام، گوشی‌ام خراب است.\r\n"
).encode()


@pytest.fixture(autouse=True)
def _process_handler(monkeypatch):
    """Storing schedules processing; until the processing handler is registered, a no-op stands in."""
    if PROCESS_KIND not in jobs._HANDLERS:
        monkeypatch.setitem(jobs._HANDLERS, PROCESS_KIND, lambda payload: None)


@pytest.fixture
def mailbox(db):
    return Mailbox.objects.create(name="Provider", address="mail@shop.test", method=Mailbox.Method.HTTP)


def url(mailbox_id: int) -> str:
    return f"/api/v1/mail/inbound/{mailbox_id}"


def signed(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_X_VAFA_TIMESTAMP": stamp,
        "HTTP_X_VAFA_SIGNATURE": "sha256=" + inbound_signature(secret, stamp, body),
    }


def post(client, mailbox_id: int, body: bytes, headers: dict[str, str]):
    return client.post(url(mailbox_id), body, content_type="message/rfc822", **headers)


def assert_nothing_stored() -> None:
    assert InboundMail.objects.count() == 0
    assert PendingWork.objects.count() == 0


def test_a_signed_message_is_stored_as_it_came_and_scheduled(client, mailbox):
    response = post(client, mailbox.pk, RAW, signed(mailbox.inbound_secret, RAW))

    inbound = InboundMail.objects.get()
    assert response.status_code == 202
    assert response.json() == {"id": inbound.pk, "state": "received"}
    assert inbound_raw(inbound) == RAW
    assert (inbound.sha256, inbound.size) == (hashlib.sha256(RAW).hexdigest(), len(RAW))
    assert (inbound.via, inbound.mailbox_id, inbound.envelope_to) == ("http", mailbox.pk, ["mail@shop.test"])
    assert PendingWork.objects.get(kind=PROCESS_KIND).payload == {"inbound_id": inbound.pk}


def test_the_same_body_posted_twice_is_stored_as_two_deliveries(client, mailbox):
    headers = signed(mailbox.inbound_secret, RAW)

    first = post(client, mailbox.pk, RAW, headers)
    second = post(client, mailbox.pk, RAW, headers)

    assert (first.status_code, second.status_code) == (202, 202)
    assert InboundMail.objects.count() == 2


def test_any_content_type_is_taken_as_raw_mime(client, mailbox):
    response = client.post(
        url(mailbox.pk), RAW, content_type="application/octet-stream", **signed(mailbox.inbound_secret, RAW)
    )

    assert response.status_code == 202
    assert inbound_raw(InboundMail.objects.get()) == RAW


def test_a_body_over_djangos_upload_limit_but_under_the_mail_limit_is_stored(client, mailbox, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = RAW + b"x" * 5000 + b"\r\n"

    response = post(client, mailbox.pk, body, signed(mailbox.inbound_secret, body))

    assert response.status_code == 202
    assert inbound_raw(InboundMail.objects.get()) == body


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_X_VAFA_SIGNATURE": "sha256=" + "0" * 64}, id="wrong signature"),
        pytest.param({"HTTP_X_VAFA_SIGNATURE": None}, id="no signature"),
        pytest.param({"HTTP_X_VAFA_TIMESTAMP": None}, id="no timestamp"),
        pytest.param({"HTTP_X_VAFA_TIMESTAMP": None, "HTTP_X_VAFA_SIGNATURE": None}, id="no headers"),
        pytest.param({"HTTP_X_VAFA_TIMESTAMP": "soon"}, id="timestamp not a number"),
        pytest.param({"HTTP_X_VAFA_TIMESTAMP": "-5"}, id="negative timestamp"),
        pytest.param({"HTTP_X_VAFA_TIMESTAMP": "1" * 40}, id="huge timestamp"),
        pytest.param({"HTTP_X_VAFA_SIGNATURE": "md5=abc"}, id="other algorithm"),
        pytest.param({"HTTP_X_VAFA_SIGNATURE": "sha256=ßü€"}, id="non-ascii signature"),
    ],
)
def test_a_missing_wrong_or_malformed_signature_answers_401(client, mailbox, headers):
    sent = {**signed(mailbox.inbound_secret, RAW), **headers}

    response = post(client, mailbox.pk, RAW, {k: v for k, v in sent.items() if v is not None})

    assert response.status_code == 401
    assert error(response) == {
        "code": "signature_invalid",
        "message": "The request's signature is missing, wrong or too old.",
        "fields": {},
    }
    assert_nothing_stored()


def test_an_old_timestamp_answers_401_even_with_its_right_signature(client, mailbox, settings):
    settings.VAFA_MAIL_HTTP_MAX_AGE_SECONDS = 300
    stamp = int(time.time()) - 301

    response = post(client, mailbox.pk, RAW, signed(mailbox.inbound_secret, RAW, timestamp=stamp))

    assert response.status_code == 401
    assert error(response)["code"] == "signature_invalid"
    assert_nothing_stored()


def test_a_timestamp_far_in_the_future_answers_401(client, mailbox):
    stamp = int(time.time()) + 3600

    response = post(client, mailbox.pk, RAW, signed(mailbox.inbound_secret, RAW, timestamp=stamp))

    assert response.status_code == 401
    assert_nothing_stored()


def test_a_body_changed_after_signing_answers_401(client, mailbox):
    response = post(client, mailbox.pk, RAW + b"P.S. pay me\r\n", signed(mailbox.inbound_secret, RAW))

    assert response.status_code == 401
    assert_nothing_stored()


def test_another_mailboxs_secret_answers_401(client, mailbox):
    other = Mailbox.objects.create(name="Other", address="other@shop.test", method=Mailbox.Method.HTTP)

    response = post(client, mailbox.pk, RAW, signed(other.inbound_secret, RAW))

    assert response.status_code == 401
    assert_nothing_stored()


@pytest.mark.parametrize(
    "change",
    [None, {"is_active": False}, {"method": Mailbox.Method.SMTP}, {"method": Mailbox.Method.IMAP}],
    ids=["unknown", "inactive", "smtp", "imap"],
)
def test_a_mailbox_that_does_not_take_http_mail_answers_the_same_404(client, mailbox, change):
    if change is None:
        mailbox_id = mailbox.pk + 1000
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(**change)
        mailbox_id = mailbox.pk

    response = post(client, mailbox_id, RAW, signed(mailbox.inbound_secret, RAW))

    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert_nothing_stored()


def test_a_body_over_the_mail_limit_answers_413(client, mailbox, settings):
    settings.VAFA_MAIL_MAX_BYTES = 1000
    body = RAW + b"x" * 1000

    response = post(client, mailbox.pk, body, signed(mailbox.inbound_secret, body))

    assert response.status_code == 413
    assert error(response) == {
        "code": "too_large",
        "message": "The message is larger than 1000 bytes.",
        "fields": {},
    }
    assert_nothing_stored()


def test_a_body_exactly_at_the_limit_is_stored(client, mailbox, settings):
    settings.VAFA_MAIL_MAX_BYTES = len(RAW)

    response = post(client, mailbox.pk, RAW, signed(mailbox.inbound_secret, RAW))

    assert response.status_code == 202


def test_an_empty_body_answers_400(client, mailbox):
    response = post(client, mailbox.pk, b"", signed(mailbox.inbound_secret, b""))

    assert response.status_code == 400
    assert error(response) == {"code": "empty_message", "message": "The message is empty.", "fields": {}}
    assert_nothing_stored()


def test_a_storage_failure_answers_503_with_retry_after(client, mailbox, monkeypatch):
    def refuse(self, name, content, max_length=None):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "save", refuse)

    response = post(client, mailbox.pk, RAW, signed(mailbox.inbound_secret, RAW))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert error(response) == {
        "code": "unavailable",
        "message": "The message could not be stored now; try again later.",
        "fields": {},
    }
    assert_nothing_stored()


def test_an_id_out_of_range_answers_422(client, mailbox):
    response = post(client, 2**63, RAW, signed(mailbox.inbound_secret, RAW))

    assert response.status_code == 422
    assert_nothing_stored()
