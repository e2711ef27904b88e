"""Rules never loop: a rule does not answer an event its own actions caused, and a chain of rules
that grows past the limit stops. Both are logged as loop_stopped, with no action taken."""

from __future__ import annotations

import pytest

from vafa.automation.models import RuleRun
from vafa.automation.rules import MAX_CHAIN
from vafa.automation.tests.factories import make_rule, rule_triggers_fresh, run_rules  # noqa: F401
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import CaseEvent, Message
from vafa.service.services import case_reply, case_set_status, case_tag
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def runs(case) -> list[tuple[str, str]]:
    return list(RuleRun.objects.filter(case=case).order_by("id").values_list("rule__name", "outcome"))


def test_a_rule_that_changes_the_status_does_not_answer_its_own_change(agent):
    rule = make_rule(
        name="Park it",
        trigger="case.status_changed",
        actions=[{"type": "set_status", "status": "pending_customer"}, {"type": "add_tag", "tag": "parked"}],
    )
    case = make_case()

    case_set_status(actor=agent, case=case, status="open")
    run_rules()

    case.refresh_from_db()
    assert case.status == "pending_customer"
    assert runs(case) == [("Park it", "applied"), ("Park it", "loop_stopped")]
    stopped = RuleRun.objects.get(case=case, outcome="loop_stopped")
    own_change = CaseEvent.objects.filter(case=case, kind="status_changed").order_by("-id")[0]
    assert stopped.event_key == f"event:{own_change.pk}"
    assert stopped.detail == {
        "matched": [],
        "actions": [],
        "errors": [],
        "chain": [rule.pk],
    }
    assert CaseEvent.objects.filter(case=case, kind="rule_applied").count() == 1


def test_a_loop_through_two_rules_stops_at_the_first_rule_again(agent):
    # A: an agent's reply parks the case. B: a parked case gets a reminder — an agent-style reply,
    # which is A's trigger again.
    park = make_rule(
        name="A: park after a reply",
        trigger="case.replied",
        actions=[{"type": "set_status", "status": "pending_customer"}],
    )
    remind = make_rule(
        name="B: remind when parked",
        trigger="case.status_changed",
        conditions=[{"field": "status", "op": "is", "value": "pending_customer"}],
        actions=[{"type": "send_message", "texts": {"en": "We wait for your answer on {case_number}."}}],
    )
    case = make_case(CustomerFactory(language="en"))
    case_set_status(actor=agent, case=case, status="open")
    run_rules()

    case_reply(actor=agent, case=case, body="Could you send a photo?")
    run_rules()

    assert runs(case) == [
        ("A: park after a reply", "applied"),
        ("B: remind when parked", "applied"),
        ("A: park after a reply", "loop_stopped"),
    ]
    stopped = RuleRun.objects.filter(case=case, outcome="loop_stopped").get()
    assert stopped.detail["chain"] == [park.pk, remind.pk]
    replies = Message.objects.filter(case=case, author_kind="agent").order_by("id")
    assert [m.body_text for m in replies] == [
        "Could you send a photo?",
        f"We wait for your answer on {case.reference}.",
    ]


def test_a_chain_longer_than_the_limit_stops(agent):
    # Rule i answers only a case tagged step-(i-1), tags it step-i and flips its status, which is the
    # next rule's event. Listed last-first, so on each event only the next rule of the chain matches.
    count = MAX_CHAIN + 1
    rules = {}
    for step in range(count, 0, -1):
        rules[step] = make_rule(
            name=f"Step {step}",
            trigger="case.status_changed",
            conditions=[
                {"field": "tags", "op": "contains", "value": f"step-{step - 1}"},
                {"field": "tags", "op": "not_contains", "value": f"step-{step}"},
            ],
            actions=[
                {"type": "add_tag", "tag": f"step-{step}"},
                {"type": "set_status", "status": "pending_customer" if step % 2 else "open"},
            ],
        )
    case = make_case()
    case_tag(actor=agent, case=case, names=["step-0"])

    case_set_status(actor=agent, case=case, status="open")
    run_rules()

    assert runs(case) == [(f"Step {step}", "applied") for step in range(1, count)] + [
        (f"Step {count}", "loop_stopped")
    ]
    stopped = RuleRun.objects.get(case=case, outcome="loop_stopped")
    assert stopped.detail["chain"] == [rules[step].pk for step in range(1, count)]
    assert sorted(case.tags.values_list("name", flat=True)) == [f"step-{step}" for step in range(count)]
