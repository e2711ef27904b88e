"""Event rules: they answer the case events in the background, in order, at most once per event,
each run logged with what matched and what was done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vafa.automation.models import RuleRun
from vafa.automation.rules import EVENT_KIND, rule_triggers_forget, rules_run_event
from vafa.automation.services import rule_reorder, rule_set_active
from vafa.automation.tests.factories import make_rule, rule_triggers_fresh, run_rules  # noqa: F401
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.tests.factories import CustomerFactory
from vafa.service import events
from vafa.service.models import CaseEvent, Message
from vafa.service.services import case_customer_reply, case_reply, case_set_status
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def tags(case) -> list[str]:
    return sorted(case.tags.values_list("name", flat=True))


def test_a_matching_rule_acts_on_a_new_case_and_logs_why(team):
    rule = make_rule(
        name="Urgent repairs to the workshop",
        conditions=[{"field": "kind", "op": "is", "value": "repair"}],
        actions=[{"type": "set_priority", "priority": "high"}, {"type": "assign_team", "team": team.pk}],
    )
    case = make_case(kind="repair")

    assert run_rules() == ["done"]

    case.refresh_from_db()
    assert (case.priority, case.team_id) == ("high", team.pk)
    run = RuleRun.objects.get()
    opened = CaseEvent.objects.get(case=case, kind="opened")
    assert (run.rule_id, run.case_id, run.event_key, run.outcome) == (
        rule.pk,
        case.pk,
        f"event:{opened.pk}",
        "applied",
    )
    assert run.detail == {
        "matched": [{"field": "kind", "op": "is", "value": "repair"}],
        "actions": ["set_priority: high", f"assign_team: {team.pk}"],
        "errors": [],
    }
    applied = CaseEvent.objects.get(case=case, kind="rule_applied")
    assert applied.data == {
        "rule": rule.pk,
        "rule_name": "Urgent repairs to the workshop",
        "actions": ["set_priority: high", f"assign_team: {team.pk}"],
        "steps": [{"type": "set_priority", "priority": "high"}, {"type": "assign_team", "team": team.pk}],
    }
    # The changes are the system's, on the timeline like anyone's.
    assert CaseEvent.objects.get(case=case, kind="priority_changed").actor_kind == "system"


def test_a_rule_that_does_not_match_leaves_no_trace():
    make_rule(conditions=[{"field": "kind", "op": "is", "value": "refund"}])
    case = make_case(kind="repair")

    run_rules()

    assert RuleRun.objects.count() == 0
    assert tags(case) == []
    assert not CaseEvent.objects.filter(case=case, kind="rule_applied").exists()


def test_no_work_is_scheduled_for_a_trigger_without_an_active_rule():
    rule = make_rule(trigger="case.customer_replied")
    make_case()
    assert not PendingWork.objects.filter(kind=EVENT_KIND).exists()

    rule_set_active(actor=None, rule=rule, active=False)
    rule_triggers_forget()
    make_rule(trigger="case.opened", is_active=False)
    make_case()

    assert not PendingWork.objects.filter(kind=EVENT_KIND).exists()


def test_a_rule_acts_once_per_event_even_when_its_work_runs_twice():
    make_rule(actions=[{"type": "send_message", "texts": {"en": "We got {case_number}."}}])
    case = make_case(CustomerFactory(language="en"))
    [work] = PendingWork.objects.filter(kind=EVENT_KIND)

    # A worker whose lock expired and a second worker both run the same row's handler.
    rules_run_event({**work.payload})
    rules_run_event({**work.payload})
    assert work_execute(work.pk) == "done"

    replies = Message.objects.filter(case=case, author_kind="agent")
    assert [m.body_text for m in replies] == [f"We got {case.reference}."]
    assert RuleRun.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind="rule_applied").count() == 1


def test_rules_run_in_order_and_each_sees_what_the_earlier_ones_did():
    raise_priority = make_rule(name="Raise", actions=[{"type": "set_priority", "priority": "urgent"}])
    tag_urgent = make_rule(
        name="Tag urgent",
        conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
        actions=[{"type": "add_tag", "tag": "hot"}],
    )
    first = make_case()
    run_rules()
    assert tags(first) == ["hot"]

    rule_reorder(actor=None, rule_ids=[tag_urgent.pk, raise_priority.pk])
    second = make_case()
    run_rules()

    assert tags(second) == []
    second.refresh_from_db()
    assert second.priority == "urgent"
    assert list(RuleRun.objects.filter(case=second).values_list("rule__name", flat=True)) == ["Raise"]


def test_a_failing_action_is_logged_and_the_rest_still_run():
    broken = make_rule(
        name="Broken",
        actions=[{"type": "set_status", "status": "closed"}, {"type": "add_tag", "tag": "seen"}],
    )
    make_rule(name="Next", actions=[{"type": "add_tag", "tag": "next"}])
    case = make_case()

    assert run_rules() == ["done"]

    assert tags(case) == ["next", "seen"]
    run = RuleRun.objects.get(rule=broken)
    assert run.outcome == "failed"
    assert run.detail["actions"] == ["add_tag: seen"]
    assert run.detail["errors"] == [
        {
            "action": {"type": "set_status", "status": "closed"},
            "error": "A case that is New cannot become Closed.",
            "code": "invalid_transition",
        }
    ]
    assert RuleRun.objects.get(rule__name="Next").outcome == "applied"


def test_customer_reply_rules_read_the_reply_text():
    make_rule(
        trigger="case.customer_replied",
        conditions=[{"field": "body", "op": "contains", "value": "refund"}],
        actions=[{"type": "add_tag", "tag": "refund-request"}, {"type": "set_priority", "priority": "high"}],
    )
    customer = CustomerFactory()
    case = make_case(customer, body="I want a refund.")  # the opening message is not a reply
    case_customer_reply(case=case, customer=customer, body="Still broken.")
    run_rules()
    assert tags(case) == []

    case_customer_reply(case=case, customer=customer, body="Please REFUND me now.")
    run_rules()

    assert tags(case) == ["refund-request"]
    assert RuleRun.objects.count() == 1


def test_agent_reply_and_status_change_triggers(agent):
    make_rule(trigger="case.replied", actions=[{"type": "add_tag", "tag": "answered"}])
    make_rule(
        trigger="case.status_changed",
        conditions=[{"field": "status", "op": "is", "value": "on_hold"}],
        actions=[{"type": "add_note", "text": "On hold: check again on Monday."}],
    )
    case = make_case()

    case_reply(actor=agent, case=case, body="Looking into it.")  # new → open: a status change too
    run_rules()
    case_set_status(actor=agent, case=case, status="on_hold")
    run_rules()

    assert tags(case) == ["answered"]
    note = Message.objects.filter(case=case, is_internal=True).get()
    assert note.body_text == "On hold: check again on Monday."


def test_sla_breach_rules_escalate(team):
    make_rule(
        trigger="case.sla_breached",
        conditions=[{"field": "priority", "op": "in", "value": ["normal", "high"]}],
        actions=[{"type": "set_priority", "priority": "urgent"}, {"type": "assign_team", "team": team.pk}],
    )
    make_rule(trigger="case.sla_at_risk", actions=[{"type": "add_tag", "tag": "at-risk"}])
    case = make_case()
    now = timezone.now()

    events.sla_at_risk(case, now, clock_id=1, metric="first_response", due_at=now + dt.timedelta(minutes=10))
    events.sla_breached(case, now, clock_id=1, metric="first_response", due_at=now)
    run_rules()

    case.refresh_from_db()
    assert (case.priority, case.team_id, tags(case)) == ("urgent", team.pk, ["at-risk"])


def test_a_merged_case_is_left_alone(agent):
    make_rule(trigger="case.customer_replied", actions=[{"type": "add_tag", "tag": "late"}])
    customer = CustomerFactory()
    source, target = make_case(customer), make_case(customer)
    case_customer_reply(case=source, customer=customer, body="More details.")
    from vafa.service.services import case_merge

    case_merge(actor=agent, source=source, target=target)
    run_rules()

    assert tags(source) == [] and RuleRun.objects.count() == 0
