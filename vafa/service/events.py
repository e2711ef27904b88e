"""Timeline events of a case: one function per kind, each writes one CaseEvent row.

Each row is also published as `case.<kind>` (`case.opened`, `case.customer_replied`, …) with the
payload `{case_id, event_id, kind, actor_id, actor_kind, at, data}`; see docs/jobs.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vafa.accounts.models import User
from vafa.core.jobs import work_publish
from vafa.service.models import AuthorKind, Case, CaseEvent, EventKind


def _actor_kind(actor: User | None) -> str:
    if actor is None:
        return AuthorKind.SYSTEM
    return AuthorKind.CUSTOMER if actor.is_customer else AuthorKind.AGENT


def _record(
    case: Case,
    kind: str,
    actor: User | None,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        actor_kind=actor_kind or _actor_kind(actor),
        data=data or {},
        created_at=at,
    )
    # Every timeline event is also announced, in the same transaction: the SLA clocks, the automation
    # rules, the e-mail channel and the webhooks each subscribe to the kinds they care about.
    work_publish(
        f"case.{kind}",
        {
            "case_id": case.pk,
            "event_id": event.pk,
            "kind": kind,
            "actor_id": event.actor_id,
            "actor_kind": event.actor_kind,
            "at": at.isoformat(),
            "data": event.data,
        },
        key=f"event:{event.pk}",
    )
    return event


def opened(case: Case, actor: User | None, at: dt.datetime) -> CaseEvent:
    return _record(case, EventKind.OPENED, actor, at, {"channel": case.channel, "kind": case.kind})


def assigned(
    case: Case, actor: User | None, at: dt.datetime, *, old: int | None, new: int | None, reason: str = ""
) -> CaseEvent:
    data: dict[str, Any] = {"from": old, "to": new}
    if reason:
        data["reason"] = reason
    return _record(case, EventKind.ASSIGNED, actor, at, data)


def transferred(
    case: Case, actor: User | None, at: dt.datetime, *, old: int | None, new: int | None, reason: str = ""
) -> CaseEvent:
    data: dict[str, Any] = {"from": old, "to": new}
    if reason:
        data["reason"] = reason
    return _record(case, EventKind.TRANSFERRED, actor, at, data)


def status_changed(case: Case, actor: User | None, at: dt.datetime, *, old: str, new: str) -> CaseEvent:
    return _record(case, EventKind.STATUS_CHANGED, actor, at, {"from": old, "to": new})


def priority_changed(case: Case, actor: User | None, at: dt.datetime, *, old: str, new: str) -> CaseEvent:
    return _record(case, EventKind.PRIORITY_CHANGED, actor, at, {"from": old, "to": new})


def replied(case: Case, actor: User | None, at: dt.datetime, *, message_id: int) -> CaseEvent:
    return _record(case, EventKind.REPLIED, actor, at, {"message": message_id})


def customer_replied(case: Case, actor: User | None, at: dt.datetime, *, message_id: int) -> CaseEvent:
    return _record(
        case, EventKind.CUSTOMER_REPLIED, actor, at, {"message": message_id}, actor_kind=AuthorKind.CUSTOMER
    )


def noted(case: Case, actor: User | None, at: dt.datetime, *, message_id: int) -> CaseEvent:
    return _record(case, EventKind.NOTED, actor, at, {"message": message_id})


def resolved(case: Case, actor: User | None, at: dt.datetime, *, old: str) -> CaseEvent:
    return _record(
        case, EventKind.RESOLVED, actor, at, {"from": old, "summary": case.resolution_summary[:500]}
    )


def closed(case: Case, actor: User | None, at: dt.datetime, *, old: str) -> CaseEvent:
    return _record(case, EventKind.CLOSED, actor, at, {"from": old})


def reopened(case: Case, actor: User | None, at: dt.datetime, *, old: str, reason: str) -> CaseEvent:
    return _record(case, EventKind.REOPENED, actor, at, {"from": old, "reason": reason[:500]})


def merged(case: Case, actor: User | None, at: dt.datetime, *, into: Case) -> CaseEvent:
    return _record(case, EventKind.MERGED, actor, at, {"into": into.pk, "into_number": into.number})


def merged_from(case: Case, actor: User | None, at: dt.datetime, *, source: Case, messages: int) -> CaseEvent:
    return _record(
        case,
        EventKind.MERGED_FROM,
        actor,
        at,
        {"from": source.pk, "from_number": source.number, "messages": messages},
    )


def linked_to_unit(
    case: Case, actor: User | None, at: dt.datetime, *, old: int | None, new: int | None
) -> CaseEvent:
    return _record(case, EventKind.LINKED_TO_UNIT, actor, at, {"from": old, "to": new})


def updated(case: Case, actor: User | None, at: dt.datetime, *, changes: dict[str, Any]) -> CaseEvent:
    return _record(case, EventKind.UPDATED, actor, at, changes)


def tagged(case: Case, actor: User | None, at: dt.datetime, *, names: list[str]) -> CaseEvent:
    return _record(case, EventKind.TAGGED, actor, at, {"tags": names})


def untagged(case: Case, actor: User | None, at: dt.datetime, *, name: str) -> CaseEvent:
    return _record(case, EventKind.UNTAGGED, actor, at, {"tags": [name]})


def followed_up(case: Case, actor: User | None, at: dt.datetime, *, follow_up: Case) -> CaseEvent:
    return _record(case, EventKind.FOLLOWED_UP, actor, at, {"case": follow_up.pk, "number": follow_up.number})


def rated(
    case: Case, actor: User | None, at: dt.datetime, *, score: int, changed_from: int | None
) -> CaseEvent:
    data: dict[str, Any] = {"score": score}
    if changed_from is not None:
        data["from"] = changed_from
    return _record(case, EventKind.RATED, actor, at, data, actor_kind=AuthorKind.CUSTOMER)


def sla_applied(case: Case, at: dt.datetime, *, policy_id: int | None, policy_name: str) -> CaseEvent:
    return _record(case, EventKind.SLA_APPLIED, None, at, {"policy": policy_id, "policy_name": policy_name})


def sla_at_risk(case: Case, at: dt.datetime, *, clock_id: int, metric: str, due_at: dt.datetime) -> CaseEvent:
    return _record(
        case,
        EventKind.SLA_AT_RISK,
        None,
        at,
        {"clock": clock_id, "metric": metric, "due_at": due_at.isoformat()},
    )


def sla_breached(
    case: Case, at: dt.datetime, *, clock_id: int, metric: str, due_at: dt.datetime
) -> CaseEvent:
    return _record(
        case,
        EventKind.SLA_BREACHED,
        None,
        at,
        {"clock": clock_id, "metric": metric, "due_at": due_at.isoformat()},
    )


def rule_applied(
    case: Case,
    at: dt.datetime,
    *,
    rule_id: int,
    rule_name: str,
    actions: list[str],
    steps: list[dict[str, Any]] | None = None,
) -> CaseEvent:
    # `actions` are the log's lines (in the worker's language); `steps` the actions themselves, which
    # the desk describes in each reader's language.
    data: dict[str, Any] = {"rule": rule_id, "rule_name": rule_name, "actions": actions}
    if steps is not None:
        data["steps"] = steps
    return _record(case, EventKind.RULE_APPLIED, None, at, data)


AFTERSALES_KINDS = frozenset(
    kind
    for kind in EventKind.values
    if kind.split("_")[0]
    in ("claim", "return", "replacement", "refund", "repair", "quote", "visit", "goodwill", "cost")
)


def aftersales_step(
    case: Case,
    kind: str,
    actor: User | None,
    at: dt.datetime,
    *,
    data: dict[str, Any],
    actor_kind: str | None = None,
) -> CaseEvent:
    """An after-sales step on the case (a claim, return, refund, repair, visit, goodwill …).

    `data` names the record (`record`: its type, `id`, `reference`) and what changed; the desk's
    timeline describes it in each reader's language.
    """
    if kind not in AFTERSALES_KINDS:
        raise ValueError(f"Not an after-sales event kind: {kind}")
    return _record(case, kind, actor, at, data, actor_kind=actor_kind)
