"""A manager handles the quarantine in a real browser, in English and in Persian (right to left): a
message from a blocked sender waits with its reason, is released, queued, processed by the worker,
and then shows the case it became. No page logs a console error.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from vafa.accounts.models import Role
from vafa.accounts.tests.factories import UserFactory
from vafa.channels.email.ingest import inbound_process
from vafa.channels.models import InboundState, Mailbox, QuarantineReason
from vafa.channels.services import PROCESS_KIND, inbound_store, sender_block
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mind-the-quarantine-2026"
SUBJECT = {"en": "The washing machine leaks", "fa": "ماشین لباسشویی نشت می‌کند"}


def blocked_mail(mailbox: Mailbox, subject: str):
    message = EmailMessage()
    message["From"] = "Hamid Rezaei <hamid@blocked.example>"
    message["To"] = mailbox.address
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = "<leak-1@blocked.example>"
    message.set_content("Water on the floor after every wash.")
    inbound = inbound_store(raw=message.as_bytes(), via="file", mailbox=mailbox)
    return inbound_process(inbound_id=inbound.pk)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_manager_releases_a_quarantined_mail_and_sees_its_case(page, team, language):
    manager = UserFactory.create(
        email=f"mail-{language}@staff.vafa.test",
        role=Role.MANAGER,
        full_name="Mina Manager",
        language=language,
        time_zone="Asia/Tehran",
    )
    manager.set_password(PASSWORD)
    manager.save()
    mailbox = Mailbox.objects.create(
        name="Support", address="support@shop.test", team=team, language=language
    )
    sender_block(actor=manager, pattern="@blocked.example", reason="a mistake")
    inbound = blocked_mail(mailbox, SUBJECT[language])
    assert inbound.state == InboundState.QUARANTINED
    with translation.override(language):
        reason = str(QuarantineReason.BLOCKED.label)
        queued = gettext("Queued for processing")
        processed = str(InboundState.PROCESSED.label)
    expected_dir = "rtl" if language == "fa" else "ltr"

    page.goto("/desk/login/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/.*"))

    # The bar counts the quarantine; Mail lists the message with its reason.
    assert page.locator("#desk-nav-quarantined").inner_text().strip().startswith(("1", "۱"))
    page.click("#desk-nav-mail")
    page.wait_for_url(re.compile(r".*/desk/mail/$"))
    assert page.get_attribute("html", "dir") == expected_dir
    row = page.locator(f'#mail-log tr[data-mail="{inbound.pk}"]')
    assert SUBJECT[language] in row.inner_text()
    assert reason in row.inner_text()

    # Open it and release it: it waits for the worker.
    row.get_by_text(SUBJECT[language]).click()
    page.wait_for_url(re.compile(rf".*/desk/mail/{inbound.pk}/$"))
    assert reason in page.locator("#mail-reason").inner_text()
    page.click("#mail-release")
    page.wait_for_url(re.compile(rf".*/desk/mail/{inbound.pk}/$"))
    assert queued in page.locator("#mail-queued").inner_text()

    # The worker processes it; the page then shows the case it became.
    for work in PendingWork.objects.filter(kind=PROCESS_KIND, state=PendingWork.State.PENDING):
        work_execute(work.pk)
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED
    page.reload()
    assert page.locator("#mail-state").inner_text().strip() == processed
    case_link = page.locator("#mail-case a")
    assert case_link.inner_text() == inbound.case.reference
    case_link.click()
    page.wait_for_url(re.compile(rf".*/desk/cases/{inbound.case.number}/$"))
    assert page.locator("#case-stream").get_by_text("hamid@blocked.example").count() == 1
    assert page.console_errors == []
