"""The JSON bodies webhooks carry: a stable, documented shape (docs/webhooks.md).

`{"id", "event", "created_at", "data": {...}}`. An internal note's text is only ever in the body of
a `case.noted` delivery, which a subscription must ask for by name.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from vafa.customers.models import ContactPoint, Customer
from vafa.service.models import Case, Message
from vafa.webhooks.models import Event

# What of a case event's own data a webhook shows, per event (ids and states, never free text).
CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    Event.CASE_STATUS_CHANGED: ("from", "to"),
    Event.CASE_PRIORITY_CHANGED: ("from", "to"),
    Event.CASE_ASSIGNED: ("from", "to"),
    Event.CASE_RESOLVED: ("from",),
    Event.CASE_CLOSED: ("from",),
    Event.CASE_REOPENED: ("from",),
    Event.CASE_SLA_AT_RISK: ("metric", "due_at"),
    Event.CASE_SLA_BREACHED: ("metric", "due_at"),
}
MESSAGE_BEARING = frozenset(
    {Event.CASE_REPLIED, Event.CASE_CUSTOMER_REPLIED, Event.MESSAGE_CREATED, Event.CASE_NOTED}
)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8, keys sorted, the same for every retry.

    Sorted, because PostgreSQL's jsonb does not keep the order the keys were written in.
    """
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def envelope(*, event_id: str, event: str, created_at: dt.datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "event": event, "created_at": created_at.isoformat(), "data": data}


def case_data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "kind": case.kind,
        "channel": case.channel,
        "customer_id": case.customer_id,
        "team_id": case.team_id,
        "assignee_id": case.assignee_id,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "case_id": message.case_id,
        "author_kind": message.author_kind,
        "channel": message.channel,
        "is_internal": message.is_internal,
        "body_text": message.body_text,
        "created_at": iso(message.created_at),
    }


def customer_data(customer: Customer) -> dict[str, Any]:
    contacts: dict[str, str | None] = {ContactPoint.Kind.EMAIL: None, ContactPoint.Kind.PHONE: None}
    for point in customer.contact_points.all():  # primary first (the model's ordering)
        if contacts.get(point.kind) is None:
            contacts[point.kind] = point.value
    return {
        "id": customer.pk,
        "name": customer.name,
        "language": customer.language,
        "tier": customer.tier,
        "organisation_id": customer.organisation_id,
        "email": contacts[ContactPoint.Kind.EMAIL],
        "phone": contacts[ContactPoint.Kind.PHONE],
        "external_source": customer.external_source,
        "external_id": customer.external_id,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def _id(value: Any) -> int:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def event_data(event: str, published: dict[str, Any]) -> dict[str, Any] | None:
    """The `data` of a webhook for `event` made from a published payload; None if its object is gone."""
    if event.startswith("customer."):
        customer = Customer.objects.filter(pk=_id(published.get("customer_id"))).first()
        if customer is None:
            return None
        data: dict[str, Any] = {"customer": customer_data(customer)}
        if event == Event.CUSTOMER_UPDATED:
            data["changed"] = list(published.get("changed") or [])
        return data
    case = Case.objects.filter(pk=_id(published.get("case_id"))).first()
    if case is None:
        return None
    data = {
        "case": case_data(case),
        "actor": {"kind": published.get("actor_kind"), "id": published.get("actor_id")},
    }
    source = published.get("data") or {}
    fields = CHANGE_FIELDS.get(event)
    if fields:
        data["change"] = {name: source.get(name) for name in fields}
    if event in MESSAGE_BEARING:
        message = Message.objects.filter(pk=_id(source.get("message")), case=case).first()
        # A note's text leaves Vafa only in case.noted; a public event never carries an internal message.
        if message is not None and (message.is_internal == (event == Event.CASE_NOTED)):
            data["message"] = message_data(message)
    return data
