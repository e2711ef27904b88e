"""Which case an incoming e-mail belongs to.

First the headers: a reply names the message it answers (In-Reply-To) and its ancestors
(References), and every message Vafa sent or received has its Message-ID recorded, so any of them
leads to the case. Then the case token in the subject ("[VF-123]"), accepted only from someone the
case belongs to: a token is easy to guess or to copy, a Message-ID is not. Otherwise: a new case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vafa.channels.models import InboundMail, OutboundMail
from vafa.customers.models import Customer
from vafa.service.models import Case

MAX_HEADER_IDS = 100
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class ThreadMatch:
    case: Case
    by: str  # "headers" or "subject"


def _live(case: Case) -> Case:
    """Follow merges to the case that is still in use."""
    hops = 0
    while case.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        case = Case.objects.get(pk=case.merged_into_id)
        hops += 1
    return case


def thread_ids_lookup(ids: Sequence[str]) -> dict[str, int]:
    """The case of each of `ids` that Vafa sent or received (two indexed queries for any number)."""
    wanted = [value for value in dict.fromkeys(ids) if value]
    if not wanted:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(wanted), MAX_HEADER_IDS * 5):
        chunk = wanted[start : start + MAX_HEADER_IDS * 5]
        found.update(
            OutboundMail.objects.filter(rfc_message_id__in=chunk).values_list("rfc_message_id", "case_id")
        )
        for message_id, case_id in InboundMail.objects.filter(
            rfc_message_id__in=chunk, case__isnull=False
        ).values_list("rfc_message_id", "case_id"):
            found.setdefault(message_id, case_id)  # type: ignore[arg-type]
    return found


def case_by_headers(ids: Sequence[str], known: Mapping[str, int]) -> Case | None:
    """The case of the first of `ids` (In-Reply-To first, then References) found in `known`."""
    for message_id in list(dict.fromkeys(ids))[:MAX_HEADER_IDS]:
        if message_id in known:
            case = Case.objects.filter(pk=known[message_id]).first()
            if case is not None:
                return _live(case)
    return None


def case_by_subject(numbers: Sequence[int], customer: Customer) -> Case | None:
    """The case a subject token names, if it belongs to the sender or the sender's organisation."""
    for number in numbers:
        case = Case.objects.filter(number=number).first()
        if case is None:
            continue
        case = _live(case)
        if case.customer_id == customer.pk:
            return case
        if case.organisation_id is not None and case.organisation_id == customer.organisation_id:
            return case
    return None


def thread_find(
    *,
    in_reply_to: Sequence[str],
    references: Sequence[str],
    subject_numbers: Sequence[int],
    customer: Customer,
    known: Mapping[str, int],
) -> ThreadMatch | None:
    """Find the case an incoming message continues, or None for a new request.

    `known` maps Message-IDs to case ids (see `thread_ids_lookup`), looked up once for a batch.
    """
    # In-Reply-To names the direct parent; References runs oldest to newest, so read it backwards.
    case = case_by_headers([*in_reply_to, *reversed(list(references))], known)
    if case is not None:
        return ThreadMatch(case=case, by="headers")
    case = case_by_subject(subject_numbers, customer)
    if case is not None:
        return ThreadMatch(case=case, by="subject")
    return None
