"""After-sales steps on the case timeline as sentences in the reader's language.

The event names its record (`data["record"]`: type, id, reference) and what changed; labels of
remedies, reasons, statuses and kinds are looked up now, so each reader sees their own language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from vafa.aftersales.models import (
    ClaimReason,
    CostEntry,
    Goodwill,
    Refund,
    RepairOrder,
    ReturnReason,
    ReturnRequest,
    Visit,
    WarrantyClaim,
)
from vafa.core.dates import format_date
from vafa.core.i18n import choice_label
from vafa.core.money import format_money
from vafa.service.models import EventKind

# The pages a timeline entry links to, per record type.
_RECORD_PAGES = {"repair": "desk:aftersales_repair", "visit": "desk:aftersales_visit"}


def _money(data: dict[str, Any], key: str = "amount") -> str:
    try:
        amount = Decimal(str(data.get(key)))
    except (InvalidOperation, ValueError):
        return str(data.get(key) or "")
    return format_money(amount, str(data.get("currency") or ""), translation.get_language() or "en")


def _when(value: Any) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return format_date(moment, language=translation.get_language() or "en")


def _record(data: dict[str, Any]) -> dict[str, Any]:
    record = data.get("record")
    return record if isinstance(record, dict) else {}


def record_link(data: dict[str, Any]) -> tuple[str, str]:
    """The address and text of the record an event names, when the desk has a page for it."""
    record = _record(data)
    name = _RECORD_PAGES.get(str(record.get("type")))
    if name is None or not isinstance(record.get("id"), int):
        return "", ""
    return reverse(name, args=[record["id"]]), str(record.get("reference") or "")


def aftersales_sentence(kind: str, actor: str, data: dict[str, Any]) -> str:  # noqa: C901, PLR0911, PLR0912
    """One sentence for an after-sales step, e.g. "Kian approved warranty claim WC-000001 (Repair)"."""
    ref = str(_record(data).get("reference") or "")
    words = {"actor": actor, "reference": ref}
    if kind == EventKind.CLAIM_OPENED:
        return _("%(actor)s opened warranty claim %(reference)s") % words
    if kind == EventKind.CLAIM_APPROVED:
        remedy = choice_label(WarrantyClaim.Remedy, data.get("remedy"))
        return _("%(actor)s approved warranty claim %(reference)s (%(remedy)s)") % {**words, "remedy": remedy}
    if kind == EventKind.CLAIM_REJECTED:
        reason = choice_label(ClaimReason, data.get("reason"))
        return _("%(actor)s rejected warranty claim %(reference)s: %(reason)s") % {**words, "reason": reason}
    if kind == EventKind.CLAIM_CANCELLED:
        return _("%(actor)s cancelled warranty claim %(reference)s") % words
    if kind == EventKind.RETURN_REQUESTED:
        reason = choice_label(ReturnReason, data.get("reason"))
        return _("%(actor)s requested return %(reference)s: %(reason)s") % {**words, "reason": reason}
    if kind == EventKind.RETURN_APPROVED:
        return _("%(actor)s approved return %(reference)s") % words
    if kind == EventKind.RETURN_REJECTED:
        return _("%(actor)s refused return %(reference)s") % words
    if kind == EventKind.RETURN_INSTRUCTED:
        return _("%(actor)s sent the return instructions for %(reference)s") % words
    if kind == EventKind.RETURN_RECEIVED:
        return _("%(actor)s received the item of return %(reference)s") % words
    if kind == EventKind.RETURN_INSPECTED:
        condition = choice_label(ReturnRequest.Condition, data.get("condition"))
        return _("%(actor)s inspected return %(reference)s: %(condition)s") % {
            **words,
            "condition": condition,
        }
    if kind == EventKind.RETURN_CLOSED:
        if data.get("status") == ReturnRequest.Status.CANCELLED:
            return _("%(actor)s cancelled return %(reference)s") % words
        outcome = choice_label(ReturnRequest.Outcome, data.get("outcome"))
        return _("%(actor)s closed return %(reference)s (%(outcome)s)") % {**words, "outcome": outcome}
    if kind == EventKind.REPLACEMENT_ISSUED:
        return _("%(actor)s issued replacement %(reference)s (new serial %(serial)s)") % {
            **words,
            "serial": data.get("serial") or "",
        }
    if kind == EventKind.REPLACEMENT_SHIPPED:
        return _("%(actor)s shipped replacement %(reference)s") % words
    if kind == EventKind.REPLACEMENT_DELIVERED:
        return _("%(actor)s recorded replacement %(reference)s as delivered") % words
    if kind == EventKind.REFUND_REQUESTED:
        return _("%(actor)s asked for refund %(reference)s of %(amount)s, waiting for approval") % {
            **words,
            "amount": _money(data),
        }
    if kind == EventKind.REFUND_ISSUED:
        return _("%(actor)s issued refund %(reference)s of %(amount)s (%(method)s)") % {
            **words,
            "amount": _money(data),
            "method": choice_label(Refund.Method, data.get("method")),
        }
    if kind == EventKind.REFUND_REJECTED:
        return _("%(actor)s refused refund %(reference)s of %(amount)s") % {**words, "amount": _money(data)}
    if kind == EventKind.REPAIR_OPENED:
        return _("%(actor)s opened repair %(reference)s") % words
    if kind == EventKind.REPAIR_STATUS:
        return _("%(actor)s moved repair %(reference)s from %(old)s to %(new)s") % {
            **words,
            "old": choice_label(RepairOrder.Status, data.get("from")),
            "new": choice_label(RepairOrder.Status, data.get("to")),
        }
    if kind == EventKind.REPAIR_QUOTED:
        return _("%(actor)s sent the customer the quote for repair %(reference)s") % words
    if kind == EventKind.QUOTE_ACCEPTED:
        return _("%(actor)s accepted the quote for repair %(reference)s") % words
    if kind == EventKind.QUOTE_DECLINED:
        return _("%(actor)s declined the quote for repair %(reference)s") % words
    if kind == EventKind.VISIT_SCHEDULED:
        return _("%(actor)s scheduled visit %(reference)s (%(kind)s) for %(when)s") % {
            **words,
            "kind": choice_label(Visit.Kind, data.get("visit_kind")),
            "when": _when(data.get("starts_at")),
        }
    if kind == EventKind.VISIT_CONFIRMED:
        return _("%(actor)s confirmed visit %(reference)s") % words
    if kind == EventKind.VISIT_RESCHEDULED:
        moved = data.get("to")
        after: dict[str, Any] = moved if isinstance(moved, dict) else {}
        return _("%(actor)s moved visit %(reference)s to %(when)s") % {
            **words,
            "when": _when(after.get("starts_at")),
        }
    if kind == EventKind.VISIT_DONE:
        return _("%(actor)s recorded visit %(reference)s as done") % words
    if kind == EventKind.VISIT_MISSED:
        return _("%(actor)s recorded visit %(reference)s as missed") % words
    if kind == EventKind.VISIT_CANCELLED:
        return _("%(actor)s cancelled visit %(reference)s") % words
    if kind == EventKind.GOODWILL_PROPOSED:
        return _("%(actor)s proposed goodwill %(reference)s (%(kind)s), waiting for approval") % {
            **words,
            "kind": choice_label(Goodwill.Kind, data.get("goodwill_kind")),
        }
    if kind == EventKind.GOODWILL_GIVEN:
        return _("%(actor)s gave goodwill %(reference)s (%(kind)s)") % {
            **words,
            "kind": choice_label(Goodwill.Kind, data.get("goodwill_kind")),
        }
    if kind == EventKind.GOODWILL_REJECTED:
        return _("%(actor)s refused goodwill %(reference)s") % words
    if kind == EventKind.COST_RECORDED:
        return _("%(actor)s recorded a cost: %(kind)s, %(amount)s") % {
            "actor": actor,
            "kind": choice_label(CostEntry.Kind, data.get("kind")),
            "amount": _money(data),
        }
    return _("%(actor)s: %(what)s") % {"actor": actor, "what": choice_label(EventKind, kind)}
