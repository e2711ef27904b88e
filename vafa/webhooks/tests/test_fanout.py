"""From a service's event to deliveries: who gets what, in which shape, once, and notes kept inside."""

from __future__ import annotations

import json

import pytest

from vafa.core.errors import ValidationFailed
from vafa.core.jobs import work_publish
from vafa.core.models import PendingWork
from vafa.customers.services import customer_create, customer_update
from vafa.service.models import Message
from vafa.service.services import case_assign, case_note, case_reply, case_set_status
from vafa.service.tests.factories import make_case
from vafa.webhooks.models import Event, WebhookDelivery, WebhookSubscription
from vafa.webhooks.selectors import webhook_events_listened
from vafa.webhooks.services import FANOUT_KIND, webhook_fanout, webhook_subscription_create
from vafa.webhooks.signing import webhook_signature_verify

NOTE = "The customer is on our watch list; do not offer a refund."


def bodies(receiver) -> list[dict]:
    return [json.loads(request.body) for request in receiver.received]


def test_nothing_is_scheduled_when_nobody_listens(db, customer, agent, immediate):
    with immediate():
        case = make_case(customer)
        case_reply(actor=agent, case=case, body="We are on it.")
        case_note(actor=agent, case=case, body=NOTE)

    assert not PendingWork.objects.filter(kind__startswith="webhooks.").exists()
    assert WebhookDelivery.objects.count() == 0


def test_an_agent_reply_is_delivered_as_case_replied_and_message_created(
    db, receiver, immediate, subscribe, customer, agent
):
    subscription = subscribe(receiver.url, ["case.replied", "message.created"])
    case = make_case(customer)
    with immediate():
        message = case_reply(actor=agent, case=case, body="Please send us the serial number.")

    case.refresh_from_db()
    by_event = {body["event"]: body for body in bodies(receiver)}
    assert sorted(by_event) == ["case.replied", "message.created"]
    expected_case = {
        "id": case.pk,
        "number": case.number,
        "reference": case.reference,
        "subject": "The phone does not charge",
        "status": case.status,
        "priority": "normal",
        "kind": "problem",
        "channel": "email",
        "customer_id": customer.pk,
        "team_id": None,
        "assignee_id": case.assignee_id,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    expected_message = {
        "id": message.pk,
        "case_id": case.pk,
        "author_kind": "agent",
        "channel": "email",
        "is_internal": False,
        "body_text": "Please send us the serial number.",
        "created_at": message.created_at.isoformat(),
    }
    for name, body in by_event.items():
        delivery = WebhookDelivery.objects.get(subscription=subscription, event=name)
        assert body == {
            "id": str(delivery.event_id),
            "event": name,
            "created_at": message.created_at.isoformat(),
            "data": {
                "case": expected_case,
                "actor": {"kind": "agent", "id": agent.pk},
                "message": expected_message,
            },
        }
        assert delivery.state == "delivered"
    for request in receiver.received:
        assert webhook_signature_verify(
            secret=subscription.secret, body=request.body, header=request.headers["Vafa-Signature"]
        )


def test_a_customer_reply_is_a_message_created_too(db, receiver, immediate, subscribe, customer):
    from vafa.service.services import case_customer_reply

    subscribe(receiver.url, ["message.created"])
    case = make_case(customer)
    with immediate():
        case_customer_reply(case=case, customer=customer, body="Here it is: SN-123.")

    [body] = bodies(receiver)
    assert body["event"] == "message.created"
    assert body["data"]["message"]["author_kind"] == "customer"
    assert body["data"]["message"]["body_text"] == "Here it is: SN-123."


def test_internal_notes_leave_only_in_case_noted_which_must_be_asked_for(
    db, receiver, immediate, subscribe, customer, agent, team
):
    public_events = [name for name in Event.values if name != Event.CASE_NOTED]
    subscribe(receiver.url, public_events, name="Everything public")
    case = make_case(customer)
    with immediate():
        case_note(actor=agent, case=case, body=NOTE)
        case_reply(actor=agent, case=case, body="We are on it.")
        case_assign(actor=agent, case=case, assignee=agent, team=team)
        case_set_status(actor=agent, case=case, status="pending_customer")

    events = sorted(
        (body["event"], json.dumps(body["data"].get("change"), sort_keys=True)) for body in bodies(receiver)
    )
    assert events == [
        ("case.assigned", json.dumps({"from": None, "to": agent.pk}, sort_keys=True)),
        ("case.replied", "null"),
        ("case.status_changed", json.dumps({"from": "new", "to": "open"}, sort_keys=True)),
        ("case.status_changed", json.dumps({"from": "open", "to": "pending_customer"}, sort_keys=True)),
        ("message.created", "null"),
    ]
    assert all(NOTE.encode() not in request.body for request in receiver.received)
    assigned = next(body for body in bodies(receiver) if body["event"] == "case.assigned")
    assert assigned["data"]["case"]["team_id"] == team.pk

    subscribe(receiver.url, ["case.noted"], name="Trusted")
    with immediate():
        note = case_note(actor=agent, case=case, body=NOTE)
    noted = bodies(receiver)[-1]
    assert noted["event"] == "case.noted"
    assert noted["data"]["message"]["body_text"] == NOTE
    assert noted["data"]["message"]["is_internal"] is True
    assert noted["data"]["message"]["id"] == note.pk


def test_a_public_event_pointing_at_a_note_carries_no_message(db, subscribe, customer, agent, receiver):
    subscription = subscribe(receiver.url, ["case.replied"])
    case = make_case(customer)
    note = case_note(actor=agent, case=case, body=NOTE)
    forged = {
        "case_id": case.pk,
        "event_id": 999,
        "actor_id": agent.pk,
        "actor_kind": "agent",
        "data": {"message": note.pk},
    }

    [delivery] = webhook_fanout(event="case.replied", published=forged)

    assert delivery.subscription == subscription
    assert "message" not in delivery.payload["data"]
    assert NOTE not in json.dumps(delivery.payload)
    assert Message.objects.get(pk=note.pk).is_internal


def test_the_same_event_is_delivered_once_per_subscription(db, receiver, immediate, subscribe, customer):
    first = subscribe(receiver.url, ["case.opened"], name="A")
    second = subscribe(receiver.url, ["case.opened"], name="B")
    with immediate():
        case = make_case(customer)
    event = case.events.get(kind="opened")
    published = {
        "case_id": case.pk,
        "event_id": event.pk,
        "actor_kind": "system",
        "actor_id": None,
        "data": {},
    }

    with immediate():
        again = webhook_fanout(event="case.opened", published=published)
        work_publish("case.opened", published, key=f"event:{event.pk}")  # announced twice

    assert again == []
    assert sorted(WebhookDelivery.objects.values_list("subscription__name", flat=True)) == ["A", "B"]
    assert len(receiver.received) == 2
    assert {first.pk, second.pk} == set(WebhookDelivery.objects.values_list("subscription", flat=True))
    assert PendingWork.objects.filter(kind=FANOUT_KIND).count() == 1


def test_events_outside_the_catalogue_are_never_delivered(db, receiver, immediate, subscribe, customer):
    subscribe(receiver.url, list(Event.values))
    case = make_case(customer)
    with immediate():
        work_publish("case.tagged", {"case_id": case.pk, "event_id": 1}, key="x1")
        work_publish("case.rule_applied", {"case_id": case.pk, "event_id": 2}, key="x2")

    assert not PendingWork.objects.filter(kind=FANOUT_KIND, payload__event="case.tagged").exists()
    assert receiver.received == []

    with pytest.raises(ValidationFailed) as refused:
        webhook_subscription_create(
            actor=None, name="X", url=receiver.url, events=["case.tagged", "case.opened"]
        )
    assert refused.value.fields == {"events": ["Unknown events: case.tagged."]}
    assert WebhookSubscription.objects.count() == 1


def test_paused_and_inactive_subscriptions_get_nothing_and_cost_nothing(
    db, receiver, immediate, subscribe, customer, admin_user
):
    from vafa.webhooks.services import webhook_subscription_pause, webhook_subscription_update

    paused = subscribe(receiver.url, ["case.opened"], name="Paused")
    off = subscribe(receiver.url, ["case.opened"], name="Off")
    webhook_subscription_pause(actor=admin_user, subscription=paused)
    webhook_subscription_update(actor=admin_user, subscription=off, is_active=False)

    with immediate():
        make_case(customer)

    assert webhook_events_listened() == frozenset()
    assert not PendingWork.objects.filter(kind__startswith="webhooks.").exists()
    assert receiver.received == []


def test_customer_events_carry_the_customer(db, receiver, immediate, subscribe, manager):
    subscribe(receiver.url, ["customer.created", "customer.updated"])
    with immediate():
        customer = customer_create(
            actor=manager, name="Reza Karimi", emails=["reza@example.test"], language="fa"
        )
    with immediate():
        customer_update(actor=manager, customer=customer, tier="gold")

    created, updated = bodies(receiver)
    customer.refresh_from_db()
    expected = {
        "id": customer.pk,
        "name": "Reza Karimi",
        "language": "fa",
        "tier": "standard",
        "organisation_id": None,
        "email": "reza@example.test",
        "phone": None,
        "external_source": "",
        "external_id": "",
        "created_at": customer.created_at.isoformat(),
    }
    assert created["event"] == "customer.created"
    assert {
        key: value for key, value in created["data"]["customer"].items() if key != "updated_at"
    } == expected
    assert updated["event"] == "customer.updated"
    assert updated["data"]["customer"]["tier"] == "gold"
    assert updated["data"]["changed"] == ["tier"]


def test_a_new_subscription_is_heard_at_once_in_this_process(db, receiver, immediate, customer):
    assert webhook_events_listened() == frozenset()  # cached: nobody listens

    webhook_subscription_create(actor=None, name="ERP", url=receiver.url, events=["case.opened"])
    with immediate():
        make_case(customer)

    assert [body["event"] for body in bodies(receiver)] == ["case.opened"]
