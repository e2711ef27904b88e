"""Test helpers for the portal's account e-mails: deliver them (tests run no worker) and read their links.

Browser tests use them too: `portal_mail_deliver()` after a page asked for a mail, then
`mail_link_path(mail.outbox[-1])` for the address to open (a path, so it works on the live server).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.mail import EmailMessage

from vafa.accounts.signin import PORTAL_MAIL_KIND
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork


def portal_mail_deliver() -> int:
    """Run the pending `accounts.portal_mail` work now; return how many pieces ran."""
    ids = list(
        PendingWork.objects.filter(kind=PORTAL_MAIL_KIND, state=PendingWork.State.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for work_id in ids:
        work_execute(work_id)
    return len(ids)


def mail_link_path(message: EmailMessage, contains: str = "/portal/") -> str:
    """The path of the first link in the plain-text body that points into the portal."""
    base = re.escape(settings.VAFA_BASE_URL.rstrip("/"))
    for match in re.finditer(base + r"(/\S+)", str(message.body)):
        if contains in match.group(1):
            return match.group(1)
    raise AssertionError(f"no {contains} link in: {message.body}")
