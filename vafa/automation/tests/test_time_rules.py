"""Time rules: a case that has waited in a status for N business minutes of the rule's calendar gets
the rule's actions, once per stay in that status, exact to the minute.

The calendar is Tehran's office week (Sat–Wed 08:00–12:00 and 13:00–16:00, Thu 08:00–12:00, Friday
closed): seven business hours a day. A "business day" below is those seven hours (420 minutes).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from vafa.automation.models import RuleRun
from vafa.automation.rules import time_candidates, time_rules_run
from vafa.automation.tests.factories import make_rule, rule_triggers_fresh  # noqa: F401
from vafa.core.jobs import periodic_jobs
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import CaseEvent, Message
from vafa.service.services import case_customer_reply, case_note, case_set_status
from vafa.service.tests.factories import make_case
from vafa.sla.tests.factories import tehran_calendar
from vafa.sla.tests.factories_sla import tehran

pytestmark = pytest.mark.django_db

BUSINESS_DAY = 7 * 60
REMINDER = {
    "en": "Dear {customer_name}, we are still waiting for your answer on {case_number}.",
    "fa": "{customer_name} گرامی، هنوز منتظر پاسخ شما درباره‌ی {case_number} هستیم.",
}
CLOSING = {
    "en": "We have not heard from you, so we closed {case_number}. Reply to open it again.",
    "fa": "چون پاسخی نرسید، {case_number} را بستیم. برای باز کردن دوباره پاسخ دهید.",
}


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def pending_rules(calendar):
    remind = make_rule(
        name="Remind after 3 business days",
        trigger="time",
        time_status="pending_customer",
        time_minutes=3 * BUSINESS_DAY,
        time_calendar=calendar,
        actions=[{"type": "send_message", "texts": REMINDER}],
    )
    close = make_rule(
        name="Resolve after 7 business days",
        trigger="time",
        time_status="pending_customer",
        time_minutes=7 * BUSINESS_DAY,
        time_calendar=calendar,
        actions=[{"type": "resolve", "summary": "No answer from the customer.", "texts": CLOSING}],
    )
    return remind, close


def park(case, agent, moment):
    with at(moment):
        case_set_status(actor=agent, case=case, status="pending_customer")


def tick(moment) -> list[RuleRun]:
    with at(moment):
        return time_rules_run()


def last_reply(case) -> str:
    return Message.objects.filter(case=case, is_internal=False).order_by("-id")[0].body_text


def test_pending_three_business_days_reminds_and_seven_resolves_in_the_customers_language(agent):
    remind, close = pending_rules(tehran_calendar())
    with at(tehran(6, 9)):
        persian = make_case(CustomerFactory(name="سارا احمدی", language="fa"))
        english = make_case(CustomerFactory(name="John Smith", language="en"))
    # Saturday 10:00: 5 business hours left that day, then Sunday 7, Monday 7, Tuesday from 08:00.
    park(persian, agent, tehran(8, 10))
    park(english, agent, tehran(8, 10))

    assert tick(tehran(11, 9, 59)) == []
    fired = tick(tehran(11, 10, 0))

    assert [(run.rule_id, run.case_id) for run in fired] == [(remind.pk, persian.pk), (remind.pk, english.pk)]
    assert last_reply(persian) == f"سارا احمدی گرامی، هنوز منتظر پاسخ شما درباره‌ی {persian.reference} هستیم."
    assert (
        last_reply(english)
        == f"Dear John Smith, we are still waiting for your answer on {english.reference}."
    )
    persian.refresh_from_db()
    assert persian.status == "pending_customer"  # a reminder does not end the wait
    assert tick(tehran(11, 15)) == []  # once per stay

    # 49 business hours: Tue 26 h, Wed 33, Thu 37, Fri closed, Sat 44, Sun 08–12 48, then 13:00–14:00.
    assert tick(tehran(16, 13, 59)) == []
    fired = tick(tehran(16, 14, 0))

    assert [(run.rule_id, run.case_id) for run in fired] == [(close.pk, persian.pk), (close.pk, english.pk)]
    persian.refresh_from_db()
    assert (persian.status, persian.resolution_summary) == ("resolved", "No answer from the customer.")
    assert (
        last_reply(persian)
        == f"چون پاسخی نرسید، {persian.reference} را بستیم. برای باز کردن دوباره پاسخ دهید."
    )
    run = RuleRun.objects.get(rule=close, case=persian)
    entered = CaseEvent.objects.filter(case=persian, kind="status_changed").order_by("-id")[0]
    assert (run.event_key, run.outcome, run.detail["actions"]) == (
        f"time:{entered.pk}",
        "applied",
        ["resolve: fa"],
    )


def test_going_back_to_pending_starts_a_new_stay_that_fires_again(agent):
    remind, _close = pending_rules(tehran_calendar())
    customer = CustomerFactory(language="en")
    with at(tehran(6, 9)):
        case = make_case(customer)
    park(case, agent, tehran(8, 10))
    tick(tehran(11, 10))
    with at(tehran(11, 11)):
        case_customer_reply(case=case, customer=customer, body="Here is the photo.")  # back to open
    park(case, agent, tehran(11, 12))

    # The new stay began Tuesday 12:00: Tue 13–16 (3 h), Wed 7, Thu 4, Sat 7 = 21 h on Saturday 16:00.
    assert tick(tehran(15, 15, 59)) == []
    assert [run.rule_id for run in tick(tehran(15, 16))] == [remind.pk]
    assert RuleRun.objects.filter(rule=remind, case=case).count() == 2


def test_other_activity_during_the_wait_does_not_restart_it(agent):
    remind, _close = pending_rules(tehran_calendar())
    with at(tehran(6, 9)):
        case = make_case(CustomerFactory(language="en"))
    park(case, agent, tehran(8, 10))
    with at(tehran(10, 15)):
        case_note(actor=agent, case=case, body="Called, no answer.")  # touches updated_at, not the status

    assert [run.rule_id for run in tick(tehran(11, 10))] == [remind.pk]


def test_the_wall_clock_bound_leaves_out_cases_that_cannot_have_waited_long_enough(agent):
    remind, _close = pending_rules(tehran_calendar())
    with at(tehran(6, 9)):
        early, late = make_case(), make_case()
    park(early, agent, tehran(8, 10))
    park(late, agent, tehran(10, 14))

    # The rule waits 21 business hours. Tuesday 10:00 is 72 wall-clock hours after Saturday 10:00 but
    # only 20 after Monday 14:00: the late case is not even read.
    with at(tehran(11, 10)):
        candidates = time_candidates(remind, now=tehran(11, 10))
    assert [case.pk for case in candidates] == [early.pk]
    tick(tehran(11, 10))
    with at(tehran(11, 10)):
        assert time_candidates(remind, now=tehran(11, 10)) == []  # answered for this stay


def test_conditions_of_a_time_rule_are_read_when_it_is_due(agent):
    make_rule(
        name="Gold customers only",
        trigger="time",
        time_status="pending_customer",
        time_minutes=60,
        conditions=[{"field": "customer_tier", "op": "is", "value": "gold"}],
        actions=[{"type": "add_tag", "tag": "chase"}],
    )
    with at(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
        gold = make_case(CustomerFactory(tier="gold"))
        standard = make_case(CustomerFactory(tier="standard"))
        case_set_status(actor=agent, case=gold, status="pending_customer")
        case_set_status(actor=agent, case=standard, status="pending_customer")

    # No calendar and no default calendar: every minute counts (24/7 UTC).
    assert tick(dt.datetime(2026, 3, 2, 9, 59, tzinfo=dt.UTC)) == []
    assert [run.case_id for run in tick(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))] == [gold.pk]
    assert list(standard.tags.values_list("name", flat=True)) == []


def test_a_new_case_waits_from_when_it_opened():
    rule = make_rule(
        name="Unanswered new cases",
        trigger="time",
        time_status="new",
        time_minutes=30,
        actions=[{"type": "set_priority", "priority": "high"}],
    )
    with at(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
        case = make_case()

    assert tick(dt.datetime(2026, 3, 2, 9, 29, tzinfo=dt.UTC)) == []
    [run] = tick(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))
    opened = CaseEvent.objects.get(case=case, kind="opened")
    assert (run.rule_id, run.event_key) == (rule.pk, f"time:{opened.pk}")
    case.refresh_from_db()
    assert case.priority == "high"


def test_an_inactive_time_rule_does_nothing(agent):
    from vafa.automation.services import rule_set_active

    remind, close = pending_rules(tehran_calendar())
    rule_set_active(actor=None, rule=remind, active=False)
    rule_set_active(actor=None, rule=close, active=False)
    with at(tehran(6, 9)):
        case = make_case()
    park(case, agent, tehran(8, 10))

    assert tick(tehran(20, 10)) == []


def test_the_scheduler_runs_the_time_rules_every_minute():
    job = periodic_jobs()["automation_time_rules"]

    assert job.every == dt.timedelta(minutes=1)
    assert job.func.module_path == "vafa.automation.rules.automation_time_rules"


def test_waiting_cases_that_do_not_match_cost_no_query_each(agent, django_assert_num_queries):
    make_rule(
        name="Tagged only",
        trigger="time",
        time_status="pending_customer",
        time_minutes=60,
        conditions=[
            {"field": "tags", "op": "contains", "value": "chase"},
            {"field": "priority", "op": "is", "value": "high"},
        ],
        actions=[{"type": "add_note", "text": "Chase"}],
    )

    def park_cases(count: int) -> None:
        with at(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
            for _ in range(count):
                case_set_status(actor=agent, case=make_case(), status="pending_customer")

    later = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    park_cases(2)
    tick(later)
    # The time rules, the default calendar, one batch of candidates (with customer and product), their
    # tags, and the (empty) next batch — however many cases wait.
    with django_assert_num_queries(5):
        assert tick(later) == []
    park_cases(10)
    with django_assert_num_queries(5):
        assert tick(later) == []
