"""The verification recipe in docs/webhooks.md, run as written, accepts real deliveries and nothing else."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from vafa.webhooks.services import webhook_post
from vafa.webhooks.signing import webhook_signature, webhook_signature_verify

DOC = Path(settings.BASE_DIR) / "docs" / "webhooks.md"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def documented_recipe() -> Callable[..., bool]:
    """The Python block under "Verifying the signature", executed as a receiver would paste it."""
    section = DOC.read_text(encoding="utf-8").split("## Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "docs/webhooks.md lost its verification snippet"
    namespace: dict = {}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_vafa_signature"]


@pytest.fixture
def delivered(db, receiver, immediate, time_machine):
    time_machine.move_to(T0, tick=False)
    with immediate():
        webhook_post(url=receiver.url, secret="whsec_test", event="e", payload={"text": "سلام"}, source="t")
    [request] = receiver.received
    return request


def test_the_documented_recipe_verifies_a_real_delivery(delivered, time_machine):
    verify = documented_recipe()
    header = delivered.headers["Vafa-Signature"]

    assert header.startswith(f"t={int(T0.timestamp())},v1=")
    assert verify("whsec_test", delivered.body, header) is True
    assert webhook_signature_verify(secret="whsec_test", body=delivered.body, header=header) is True


def test_the_recipe_refuses_a_wrong_secret_a_changed_body_and_a_bad_header(delivered):
    verify = documented_recipe()
    header = delivered.headers["Vafa-Signature"]

    assert verify("whsec_other", delivered.body, header) is False
    assert verify("whsec_test", delivered.body.replace(b"e", b"f", 1), header) is False
    assert verify("whsec_test", delivered.body, header.replace("v1=", "v2=")) is False
    assert verify("whsec_test", delivered.body, "garbage") is False
    assert verify("whsec_test", delivered.body, "") is False


def test_the_recipe_accepts_five_minutes_and_refuses_a_replay_after_them(delivered, time_machine):
    verify = documented_recipe()
    header = delivered.headers["Vafa-Signature"]

    time_machine.move_to(T0 + dt.timedelta(seconds=300), tick=False)
    assert verify("whsec_test", delivered.body, header) is True
    assert webhook_signature_verify(secret="whsec_test", body=delivered.body, header=header) is True
    time_machine.move_to(T0 + dt.timedelta(seconds=301), tick=False)
    assert verify("whsec_test", delivered.body, header) is False
    assert webhook_signature_verify(secret="whsec_test", body=delivered.body, header=header) is False


def test_the_signature_is_the_hmac_of_timestamp_dot_body():
    # Known answer, computed independently: printf '1767261600.{"a":1}' | openssl dgst -sha256 -hmac k
    assert webhook_signature(secret="k", body=b'{"a":1}', timestamp=1767261600) == (
        "t=1767261600,v1=2af1e930c578e95f7b85ae39f2f4df6546e815567c5c0528afdeb08755118647"
    )
