"""Actions: the vocabulary's checks, and each action carried out through the case services as the system."""

from __future__ import annotations

import json

import pytest

from vafa.automation.actions import MACRO_ACTIONS, ActionContext, action_apply, actions_clean
from vafa.automation.tests.factories import make_macro
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import AuthorKind, CaseEvent, Message
from vafa.service.services import case_assign, case_set_status, case_tag
from vafa.service.tests.factories import make_case
from vafa.webhooks.models import WebhookDelivery
from vafa.webhooks.services import DELIVER_KIND
from vafa.webhooks.signing import webhook_signature_verify
from vafa.webhooks.tests.receiver import receiver  # noqa: F401

pytestmark = pytest.mark.django_db

SYSTEM = ActionContext(actor=None, rule_id=None, rule_name="Test rule", trigger="case.opened")


def apply(case, raw):
    [action] = actions_clean([raw])
    line = action_apply(action, case=case, context=SYSTEM)
    case.refresh_from_db()
    return line


def refused(actions, **kwargs) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        actions_clean(actions, **kwargs)
    assert caught.value.code == "invalid_actions"
    return [str(message) for message in caught.value.fields["actions"]]


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-id")[0]


# --- validation -----------------------------------------------------------------------------------


def test_each_bad_action_is_named_with_what_is_wrong(team):
    problems = refused(
        [
            {"type": "set_priority", "priority": "high"},
            {"type": "explode"},
            {"type": "set_status", "status": "new"},
            {"type": "assign_team", "team": 999_999},
            {"type": "add_tag", "tag": "a, b"},
            {"type": "send_message"},
            {"type": "send_message", "texts": {"xx": "Hi"}},
            {"type": "send_message", "macro": 999_999},
            {"type": "call_webhook", "url": "ftp://example.test/", "secret": "s", "event": "x"},
            {"type": "call_webhook", "url": "https://example.test/", "secret": "", "event": "x"},
            {"type": "set_kind", "kind": "repair", "colour": "red"},
        ]
    )

    assert problems == [
        "Action 2: “explode” is not an action here; the actions are: set_status, set_priority, set_kind, "
        "assign_team, assign_agent, unassign, add_tag, remove_tag, add_note, send_message, call_webhook, resolve.",
        "Action 3 (set_status): “new” is not a valid status; choose one of: open, pending_customer, on_hold, "
        "resolved, closed.",
        "Action 4 (assign_team): there is no team “999999”.",
        "Action 5 (add_tag): “a, b” is not a tag name.",
        "Action 6 (send_message): give the message: “macro” (an id) or “texts” per language.",
        "Action 7 (send_message): “xx” is not a language; use one of: ar, en, fa, ru.",
        "Action 8 (send_message): there is no active macro 999999.",
        "Action 9 (call_webhook): Enter an http:// or https:// address.",
        "Action 10 (call_webhook): a webhook needs a signing “secret” (1 to 200 characters).",
        "Action 11 (set_kind): unexpected key “colour”.",
    ]


def test_a_macro_may_only_set_fields_tags_and_assignment():
    problems = refused([{"type": "send_message", "texts": {"en": "Hi"}}], allowed=MACRO_ACTIONS, macro=True)

    assert problems == [
        "Action 1: “send_message” is not an action here; the actions are: set_status, set_priority, set_kind, "
        "assign_team, assign_agent, unassign, add_tag, remove_tag."
    ]
    assert actions_clean([{"type": "assign_agent", "agent": "me"}], allowed=MACRO_ACTIONS, macro=True) == [
        {"type": "assign_agent", "agent": "me"}
    ]
    assert refused([{"type": "assign_agent", "agent": "me"}]) == [
        "Action 1 (assign_agent): there is no active agent “me”."
    ]


# --- carrying out ---------------------------------------------------------------------------------


def test_set_status_priority_and_kind_as_the_system():
    case = make_case(priority="normal", kind="question")

    assert apply(case, {"type": "set_status", "status": "pending_customer"}) == "set_status: pending_customer"
    assert case.status == "pending_customer"
    event = last_event(case)
    assert (event.kind, event.actor_id, event.actor_kind) == ("status_changed", None, "system")

    assert apply(case, {"type": "set_priority", "priority": "urgent"}) == "set_priority: urgent"
    assert apply(case, {"type": "set_kind", "kind": "repair"}) == "set_kind: repair"
    assert (case.priority, case.kind) == ("urgent", "repair")


def test_a_status_the_workflow_refuses_raises_and_changes_nothing():
    case = make_case()

    with pytest.raises(Conflict):
        apply(case, {"type": "set_status", "status": "closed"})
    case.refresh_from_db()
    assert case.status == "new"


def test_assign_team_keeps_the_agent_only_when_they_belong_to_it(team, other_team, agent):
    case = case_assign(actor=None, case=make_case(), team=team, assignee=agent)

    apply(case, {"type": "assign_team", "team": other_team.pk})

    assert (case.team_id, case.assignee_id) == (other_team.pk, None)
    event = CaseEvent.objects.filter(case=case, kind="transferred").order_by("-id").first()
    assert event.data == {"from": team.pk, "to": other_team.pk, "reason": "Test rule"}


def test_assign_agent_and_unassign(team, agent):
    case = case_assign(actor=None, case=make_case(), team=team)

    assert apply(case, {"type": "assign_agent", "agent": agent.pk}) == f"assign_agent: {agent.pk}"
    assert case.assignee_id == agent.pk
    assert apply(case, {"type": "unassign"}) == "unassign"
    assert (case.team_id, case.assignee_id) == (team.pk, None)


def test_an_agent_outside_the_cases_team_is_refused(team, other_agent):
    case = case_assign(actor=None, case=make_case(), team=team)

    with pytest.raises(ValidationFailed) as caught:
        apply(case, {"type": "assign_agent", "agent": other_agent.pk})
    assert caught.value.code == "assignee_not_in_team"
    case.refresh_from_db()
    assert case.assignee_id is None


def test_add_and_remove_tags(agent):
    case = make_case()
    case_tag(actor=agent, case=case, names=["battery"])

    apply(case, {"type": "add_tag", "tag": "Needs Parts"})
    apply(case, {"type": "remove_tag", "tag": "battery"})

    assert list(case.tags.values_list("name", flat=True)) == ["needs parts"]


def test_add_note_is_internal_with_placeholders_filled():
    case = make_case(CustomerFactory(name="Sara Ahmadi"))

    apply(case, {"type": "add_note", "text": "Waiting on {customer_name} for {case_number}."})

    note = Message.objects.filter(case=case).order_by("-id").first()
    assert (note.is_internal, note.author_kind, note.author_user_id) == (True, "agent", None)
    assert note.body_text == f"Waiting on Sara Ahmadi for {case.reference}."


def test_send_message_answers_in_the_customers_language():
    persian = make_case(CustomerFactory(name="سارا احمدی", language="fa"))
    english = make_case(CustomerFactory(name="John Smith", language="en"))
    texts = {
        "en": "Hello {customer_name}, we are on {case_number}.",
        "fa": "{customer_name} عزیز، پرونده {case_number} در دست ماست.",
    }

    assert apply(persian, {"type": "send_message", "texts": texts}) == "send_message: fa"
    assert apply(english, {"type": "send_message", "texts": texts}) == "send_message: en"

    reply = Message.objects.filter(case=persian, is_internal=False).order_by("-id").first()
    assert reply.body_text == f"سارا احمدی عزیز، پرونده {persian.reference} در دست ماست."
    assert reply.author_kind == AuthorKind.AGENT
    assert Message.objects.filter(case=english).order_by("-id").first().body_text == (
        f"Hello John Smith, we are on {english.reference}."
    )
    # The public reply is announced like an agent's, so the e-mail channel sends it.
    assert last_event(persian).kind == "status_changed"  # new → open after the first reply
    assert CaseEvent.objects.filter(case=persian, kind="replied").count() == 1


def test_send_message_falls_back_to_english_and_can_set_the_status():
    case = make_case(CustomerFactory(language="ru"))

    apply(
        case,
        {
            "type": "send_message",
            "texts": {"en": "Any news?", "fa": "خبری هست؟"},
            "status": "pending_customer",
        },
    )

    assert Message.objects.filter(case=case).order_by("-id").first().body_text == "Any news?"
    assert case.status == "pending_customer"


def test_send_message_with_a_macro():
    macro = make_macro(texts={"en": "Dear {customer_name}", "fa": "{customer_name} گرامی"})
    case = make_case(CustomerFactory(name="Sara", language="fa"))

    apply(case, {"type": "send_message", "macro": macro.pk})

    assert Message.objects.filter(case=case).order_by("-id").first().body_text == "Sara گرامی"


def test_resolve_with_a_closing_message_and_a_summary(agent):
    case = make_case(CustomerFactory(name="Sara", language="fa"))
    case_set_status(actor=agent, case=case, status="pending_customer")

    line = apply(
        case,
        {
            "type": "resolve",
            "summary": "No answer after 7 business days.",
            "texts": {"en": "Closing {case_number}.", "fa": "پرونده {case_number} بسته شد."},
        },
    )

    assert line == "resolve: fa"
    assert (case.status, case.resolution_summary) == ("resolved", "No answer after 7 business days.")
    assert (
        Message.objects.filter(case=case).order_by("-id").first().body_text
        == f"پرونده {case.reference} بسته شد."
    )


def test_resolve_without_a_message():
    case = make_case()

    assert apply(case, {"type": "resolve"}) == "resolve"
    assert (case.status, Message.objects.filter(case=case).count()) == ("resolved", 1)


def test_call_webhook_delivers_a_signed_post_to_a_real_server(receiver):  # noqa: F811
    case = make_case(CustomerFactory(name="Sara"), subject="Broken screen")
    case_tag(actor=None, case=case, names=["vip"])
    context = ActionContext(
        actor=None, rule_id=41, rule_name="Tell the ERP", trigger="case.opened", key="7:0"
    )
    [action] = actions_clean(
        [{"type": "call_webhook", "url": receiver.url, "secret": "s3cret", "event": "case.vip"}]
    )

    line = action_apply(action, case=case, context=context)

    delivery = WebhookDelivery.objects.get()
    assert line == f"call_webhook: case.vip (delivery {delivery.pk})"
    assert delivery.source == "rule:41"
    [work] = PendingWork.objects.filter(kind=DELIVER_KIND)
    assert work_execute(work.pk) == "done"
    [request] = receiver.received
    assert webhook_signature_verify(
        secret="s3cret", body=request.body, header=request.headers["Vafa-Signature"]
    )
    assert request.headers["Vafa-Event"] == "case.vip"
    body = json.loads(request.body)
    assert body["data"] == {
        "case": {
            "id": case.pk,
            "number": case.number,
            "reference": case.reference,
            "subject": "Broken screen",
            "status": "new",
            "priority": "normal",
            "kind": "problem",
            "channel": "email",
            "language": case.language,
            "customer_id": case.customer_id,
            "team_id": None,
            "assignee_id": None,
            "tags": ["vip"],
        },
        "rule": {"id": 41, "name": "Tell the ERP", "trigger": "case.opened"},
    }
    # The same action of the same run asks once, however often it is carried out.
    action_apply(action, case=case, context=context)
    assert WebhookDelivery.objects.count() == 1
