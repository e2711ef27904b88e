"""What every after-sales write does: check who acts, lock the record, number it, tell the customer."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.accounts.permissions import require_staff
from vafa.aftersales.errors import AftersalesError
from vafa.core.counters import counter_next
from vafa.core.errors import Conflict, NotFound
from vafa.service.models import Case, CaseStatus
from vafa.service.selectors import case_scope
from vafa.service.services import case_reply

M = TypeVar("M", bound=models.Model)


def require_case_agent(actor: User | None, case: Case) -> None:
    """Refuse unless `actor` is staff who may see `case` (None, the system, always may)."""
    require_staff(actor)
    if actor is not None and not Case.objects.filter(case_scope(actor), pk=case.pk).exists():
        raise NotFound(_("No such case."))


def require_case_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; reopen it first."), code=AftersalesError.CASE_CLOSED)


def next_number(model: type[models.Model]) -> int:
    """The next number of a record type (its own gap-free sequence)."""
    return counter_next(f"aftersales.{model._meta.model_name}")


def lock(record: M) -> M:
    """Re-read `record` under a row lock: two people's changes to it are applied one after the other."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def refuse_transition(record: Any, action: str | Any) -> Conflict:
    """The error for a step the record's status does not allow; nothing has changed."""
    return Conflict(
        _("%(record)s is %(status)s: it cannot be %(action)s.")
        % {"record": record.reference, "status": record.get_status_display().lower(), "action": action},
        code=AftersalesError.WRONG_STATUS,
    )


def notice_send(case: Case, template: str, context: dict[str, Any]) -> None:
    """Tell the customer about a step, in their language, as a message on the case's conversation.

    The message goes out through the case's channel like any reply (e-mail, the portal); a closed
    case is not reopened by a notice, so none is sent on it.
    """
    if case.status == CaseStatus.CLOSED:
        return
    language = case.language or settings.LANGUAGE_CODE
    with translation.override(language):
        body = render_to_string(
            f"aftersales/notices/{template}.txt",
            {**context, "case": case, "customer": case.customer, "company": settings.VAFA_COMPANY_NAME},
        ).strip()
    case_reply(actor=None, case=case, body=body)
