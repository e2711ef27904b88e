"""Background work of the accounts app: e-mailing notifications to staff, the portal's account e-mails."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from vafa.accounts.services import NOTIFICATION_EMAIL_KIND, notification_email
from vafa.accounts.signin import PORTAL_MAIL_KIND, portal_mail, signin_links_prune
from vafa.core.jobs import periodic, work_handler


@work_handler(NOTIFICATION_EMAIL_KIND, atomic=False)
def notification_email_work(payload: dict[str, Any]) -> None:
    notification_email(notification_id=int(payload["notification_id"]))


@work_handler(PORTAL_MAIL_KIND, atomic=False)
def portal_mail_work(payload: dict[str, Any]) -> None:
    portal_mail(payload)


# periodic() is typed for plain callables, not django Task objects: hence the ignore.
@periodic("prune_signin_links", every=dt.timedelta(days=1))  # type: ignore[arg-type]
@task()
def prune_signin_links() -> int:
    return signin_links_prune()
