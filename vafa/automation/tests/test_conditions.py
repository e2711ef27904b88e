"""Conditions: the vocabulary refuses what it does not know, naming the item; each field matches exactly."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from vafa.automation.conditions import CaseFacts, conditions_clean, conditions_match
from vafa.catalog.tests.factories import CategoryFactory, ProductFactory
from vafa.core.errors import ValidationFailed
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.sales.tests.factories import UnitFactory
from vafa.service.services import case_assign, case_customer_reply, case_set_status, case_tag
from vafa.service.tests.factories import make_case
from vafa.sla.models import ClockState, Metric, SlaClock

pytestmark = pytest.mark.django_db


def matches(case, *conditions, message_id=None) -> bool:
    return (
        conditions_match(conditions_clean(list(conditions)), CaseFacts(case, message_id=message_id))
        is not None
    )


def refused(conditions) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        conditions_clean(conditions)
    assert caught.value.code == "invalid_conditions"
    return [str(message) for message in caught.value.fields["conditions"]]


# --- validation -----------------------------------------------------------------------------------


def test_a_valid_list_is_kept_with_tags_and_text_normalised(team):
    cleaned = conditions_clean(
        [
            {"field": "priority", "op": "in", "value": ["high", "urgent"]},
            {"field": "tags", "op": "contains", "value": "  VIP  Customer "},
            {
                "any": [
                    {"field": "team", "op": "is", "value": team.pk},
                    {"field": "team", "op": "is", "value": "none"},
                ]
            },
            {"field": "subject", "op": "contains", "value": " refund "},
        ]
    )

    assert cleaned == [
        {"field": "priority", "op": "in", "value": ["high", "urgent"]},
        {"field": "tags", "op": "contains", "value": "vip customer"},
        {
            "any": [
                {"field": "team", "op": "is", "value": team.pk},
                {"field": "team", "op": "is", "value": "none"},
            ]
        },
        {"field": "subject", "op": "contains", "value": "refund"},
    ]


def test_each_bad_item_is_named_with_what_is_wrong():
    problems = refused(
        [
            {"field": "priority", "op": "is", "value": "high"},
            {"field": "colour", "op": "is", "value": "red"},
            {"field": "status", "op": "gt", "value": "open"},
            {"field": "priority", "op": "is", "value": "extreme"},
            {"field": "kind", "op": "in", "value": "repair"},
            {"field": "hours_open", "op": "gt", "value": "soon"},
            {"field": "team", "op": "is", "value": 999_999},
            {
                "any": [
                    {"field": "status", "op": "is", "value": "open"},
                    {"field": "tags", "op": "is", "value": "x"},
                ]
            },
        ]
    )

    assert problems == [
        "Condition 2: “colour” is not a field; the fields are: status, priority, kind, channel, language, team, "
        "assignee, tags, customer_tier, organisation, product_category, warranty_status, subject, body, "
        "hours_open, sla_state.",
        "Condition 3: “gt” does not apply to status; use one of: is, is_not, in, not_in.",
        "Condition 4: “extreme” is not a priority; choose one of: low, normal, high, urgent.",
        "Condition 5: “in” needs a list of values.",
        "Condition 6: “soon” is not a number of hours.",
        "Condition 8.2: “is” does not apply to tags; use one of: contains, not_contains, in, not_in.",
    ]


def test_a_missing_team_agent_organisation_or_category_is_named(agent, customer):
    problems = refused(
        [
            {"field": "team", "op": "in", "value": [999_998, 999_999]},
            {"field": "assignee", "op": "is", "value": agent.pk},
            {"field": "assignee", "op": "is", "value": 999_997},
            {"field": "organisation", "op": "is", "value": 999_996},
            {"field": "product_category", "op": "is", "value": "no-such-code"},
        ]
    )

    assert problems == [
        "Condition 1: there is no team “999998”.",
        "Condition 1: there is no team “999999”.",
        "Condition 3: there is no assignee “999997”.",
        "Condition 4: there is no organisation “999996”.",
        "Condition 5: there is no product category “no-such-code”.",
    ]


def test_a_customer_account_is_not_an_assignee(customer_user):
    assert refused([{"field": "assignee", "op": "is", "value": customer_user.pk}]) == [
        f"Condition 1: there is no assignee “{customer_user.pk}”."
    ]


def test_unexpected_keys_and_shapes_are_refused():
    assert refused(
        [{"field": "status", "op": "is", "value": "open", "extra": 1}, "status=open", {"any": []}]
    ) == [
        "Condition 1: unexpected key “extra”.",
        'Condition 2: write it as {"field": …, "op": …, "value": …}.',
        "Condition 3: “any” needs a list of conditions and nothing else.",
    ]


# --- matching -------------------------------------------------------------------------------------


def test_status_priority_kind_channel_and_language(agent):
    case = make_case(CustomerFactory(language="fa"), kind="repair", channel="email", priority="high")

    assert matches(case, {"field": "status", "op": "is", "value": "new"})
    assert not matches(case, {"field": "status", "op": "is_not", "value": "new"})
    assert matches(case, {"field": "priority", "op": "in", "value": ["high", "urgent"]})
    assert not matches(case, {"field": "priority", "op": "not_in", "value": ["high", "urgent"]})
    assert matches(case, {"field": "kind", "op": "is", "value": "repair"})
    assert matches(case, {"field": "channel", "op": "is_not", "value": "phone"})
    assert matches(case, {"field": "language", "op": "is", "value": "fa"})
    case_set_status(actor=agent, case=case, status="pending_customer")
    case.refresh_from_db()
    assert matches(case, {"field": "status", "op": "is", "value": "pending_customer"})


def test_team_and_assignee_by_id_or_none(agent, team, other_agent):
    case = make_case()
    assert matches(case, {"field": "team", "op": "is", "value": "none"})
    assert matches(case, {"field": "assignee", "op": "is", "value": "none"})

    case = case_assign(actor=None, case=case, team=team, assignee=agent)

    assert matches(case, {"field": "team", "op": "is", "value": team.pk})
    assert not matches(case, {"field": "team", "op": "is", "value": "none"})
    assert matches(case, {"field": "assignee", "op": "in", "value": [agent.pk, other_agent.pk]})
    assert matches(case, {"field": "assignee", "op": "is_not", "value": other_agent.pk})


def test_tags_contains_and_any_of(agent):
    case = make_case()
    case_tag(actor=agent, case=case, names=["VIP", "battery"])

    assert matches(case, {"field": "tags", "op": "contains", "value": "vip"})
    assert not matches(case, {"field": "tags", "op": "not_contains", "value": "Battery"})
    assert matches(case, {"field": "tags", "op": "in", "value": ["screen", "battery"]})
    assert matches(case, {"field": "tags", "op": "not_in", "value": ["screen", "recall"]})
    assert not matches(case, {"field": "tags", "op": "not_in", "value": ["screen", "vip"]})


def test_customer_tier_organisation_category_and_warranty():
    organisation = OrganisationFactory()
    customer = CustomerFactory(tier="gold", organisation=organisation)
    category = CategoryFactory(code="phones")
    unit = UnitFactory(owner=customer, product=ProductFactory(category=category))
    case = make_case(customer, unit=unit)
    bare = make_case(CustomerFactory())

    assert matches(case, {"field": "customer_tier", "op": "in", "value": ["gold", "vip"]})
    assert matches(case, {"field": "organisation", "op": "is", "value": organisation.pk})
    assert matches(bare, {"field": "organisation", "op": "is", "value": "none"})
    assert matches(case, {"field": "product_category", "op": "is", "value": "phones"})
    assert matches(bare, {"field": "product_category", "op": "is", "value": "none"})
    assert matches(case, {"field": "warranty_status", "op": "is", "value": "in_warranty"})
    assert matches(bare, {"field": "warranty_status", "op": "is", "value": "no_unit"})
    assert not matches(bare, {"field": "warranty_status", "op": "in", "value": ["in_warranty", "extended"]})


def test_subject_contains_ignores_case_and_persian_letter_forms():
    case = make_case(subject="گوشي Samsung كار نمي‌كند")

    assert matches(case, {"field": "subject", "op": "contains", "value": "SAMSUNG"})
    # Typed on a Persian keyboard (ی, ک, a space for the zero-width joiner), found in Arabic-form text.
    assert matches(case, {"field": "subject", "op": "contains", "value": "کار نمی کند"})
    assert matches(case, {"field": "subject", "op": "not_contains", "value": "refund"})


def test_body_reads_the_message_of_the_reply_being_answered():
    customer = CustomerFactory()
    case = make_case(customer, body="My phone does not charge.")
    reply = case_customer_reply(case=case, customer=customer, body="Please cancel and refund me.")

    assert matches(case, {"field": "body", "op": "contains", "value": "charge"})
    assert not matches(case, {"field": "body", "op": "contains", "value": "refund"})
    assert matches(case, {"field": "body", "op": "contains", "value": "refund"}, message_id=reply.pk)
    assert not matches(case, {"field": "body", "op": "contains", "value": "charge"}, message_id=reply.pk)


def test_hours_since_opened():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        case = make_case()
    with time_machine.travel(dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC), tick=False):
        assert matches(case, {"field": "hours_open", "op": "gt", "value": 5})
        assert not matches(case, {"field": "hours_open", "op": "gt", "value": 5.5})
        assert matches(case, {"field": "hours_open", "op": "lt", "value": 5.51})


def _clock(case, metric, **fields):
    now = timezone.now()
    return SlaClock.objects.create(
        case=case,
        metric=metric,
        target_minutes=60,
        started_at=now,
        due_at=now + dt.timedelta(hours=1),
        **fields,
    )


def test_sla_state_reads_the_running_and_paused_clocks():
    case = make_case()
    SlaClock.objects.filter(case=case).delete()
    assert matches(case, {"field": "sla_state", "op": "is", "value": "none"})

    _clock(case, Metric.FIRST_RESPONSE)
    assert matches(case, {"field": "sla_state", "op": "is", "value": "on_track"})

    SlaClock.objects.filter(case=case).update(at_risk_reached_at=timezone.now())
    assert matches(case, {"field": "sla_state", "op": "is", "value": "at_risk"})

    _clock(case, Metric.RESOLUTION, state=ClockState.PAUSED, breached_at=timezone.now())
    assert matches(case, {"field": "sla_state", "op": "is", "value": "breached"})

    SlaClock.objects.filter(case=case).update(state=ClockState.MET)
    assert matches(case, {"field": "sla_state", "op": "is", "value": "none"})


def test_all_conditions_must_hold_and_an_any_group_needs_one():
    case = make_case(priority="low", kind="question")

    assert matches(
        case,
        {"field": "priority", "op": "is", "value": "low"},
        {
            "any": [
                {"field": "kind", "op": "is", "value": "repair"},
                {"field": "kind", "op": "is", "value": "question"},
            ]
        },
    )
    assert not matches(
        case,
        {"field": "priority", "op": "is", "value": "low"},
        {
            "any": [
                {"field": "kind", "op": "is", "value": "repair"},
                {"field": "kind", "op": "is", "value": "refund"},
            ]
        },
    )
    assert not matches(
        case,
        {"field": "priority", "op": "is", "value": "low"},
        {"field": "kind", "op": "is", "value": "repair"},
    )


def test_the_match_lists_what_held():
    case = make_case(priority="low", kind="question")
    conditions = conditions_clean(
        [
            {"field": "priority", "op": "is", "value": "low"},
            {
                "any": [
                    {"field": "kind", "op": "is", "value": "repair"},
                    {"field": "kind", "op": "is", "value": "question"},
                ]
            },
        ]
    )

    assert conditions_match(conditions, CaseFacts(case)) == [
        {"field": "priority", "op": "is", "value": "low"},
        {"any": [{"field": "kind", "op": "is", "value": "question"}]},
    ]
    assert conditions_match([], CaseFacts(case)) == []
