"""The admin of rules and macros: the form shows the vocabulary, refuses what it does not know with the
services' messages, saves through the services (audited), and is closed to agents."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from vafa.accounts.models import AuditLog
from vafa.automation.models import Macro, Rule
from vafa.automation.services import rule_create, rule_update
from vafa.automation.tests.factories import make_macro, make_rule, rule_triggers_fresh  # noqa: F401
from vafa.core.errors import Forbidden

pytestmark = pytest.mark.django_db

ADD = reverse("admin:automation_rule_add")


def rule_data(**changes):
    data = {
        "name": "VIP first",
        "description": "",
        "is_active": "on",
        "trigger": "case.opened",
        "time_status": "",
        "time_minutes": "",
        "time_calendar": "",
        "conditions": json.dumps([{"field": "customer_tier", "op": "is", "value": "vip"}]),
        "actions": json.dumps([{"type": "set_priority", "priority": "urgent"}]),
    }
    data.update(changes)
    return data


def test_the_rule_form_shows_the_vocabulary(client, manager):
    client.force_login(manager)

    page = client.get(ADD).content.decode()

    assert "<code>customer_tier</code>" in page
    assert "<code>hours_open</code></td><td>hours since opened</td><td><code>gt, lt</code>" in page
    assert "<code>{warranty_end}</code>" in page
    assert "send_message" in page


def test_a_manager_adds_a_rule_through_the_service(client, manager):
    client.force_login(manager)
    make_rule(name="Earlier")

    response = client.post(ADD, rule_data())

    assert response.status_code == 302
    rule = Rule.objects.get(name="VIP first")
    assert rule.conditions == [{"field": "customer_tier", "op": "is", "value": "vip"}]
    assert (rule.position, rule.created_by_id) == (2, manager.pk)
    log = AuditLog.objects.get(action="rule.create", object_id=str(rule.pk))
    assert (log.actor_id, log.via) == (manager.pk, "admin")


def test_the_form_names_each_bad_item_and_saves_nothing(client, manager):
    client.force_login(manager)

    response = client.post(
        ADD,
        rule_data(
            conditions=json.dumps([{"field": "colour", "op": "is", "value": "red"}]),
            actions=json.dumps([{"type": "set_priority", "priority": "extreme"}]),
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Condition 1: “colour” is not a field" in page
    assert "Action 1 (set_priority): “extreme” is not a valid priority" in page
    assert Rule.objects.count() == 0


def test_a_time_rule_needs_its_status_and_wait(client, manager):
    client.force_login(manager)

    response = client.post(ADD, rule_data(trigger="time", time_status="closed"))

    page = response.content.decode()
    assert "Choose one of: new, open, pending_customer, on_hold, resolved." in page
    assert "Give the wait in business minutes, from 1 to 527040." in page
    assert Rule.objects.count() == 0


def test_a_manager_edits_a_rule_and_the_secret_stays_out_of_the_audit_log(client, manager):
    rule = make_rule(name="Tell the ERP")
    client.force_login(manager)
    actions = [
        {"type": "call_webhook", "url": "https://erp.example/hooks", "secret": "hunter2", "event": "case.new"}
    ]

    response = client.post(
        reverse("admin:automation_rule_change", args=[rule.pk]),
        rule_data(name="Tell the ERP", conditions="[]", actions=json.dumps(actions)),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.actions == actions
    log = AuditLog.objects.get(action="rule.update")
    assert log.after["actions"][0]["secret"] == "********"
    assert "hunter2" not in json.dumps(log.before) + json.dumps(log.after)


def test_agents_cannot_open_the_rule_admin_nor_use_the_services(client, agent):
    rule = make_rule(name="Untouchable")
    client.force_login(agent)

    response = client.get(reverse("admin:automation_rule_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    with pytest.raises(Forbidden):
        rule_create(actor=agent, name="Mine", trigger="case.opened", actions=[{"type": "unassign"}])
    with pytest.raises(Forbidden):
        rule_update(actor=agent, rule=rule, is_active=False)
    rule.refresh_from_db()
    assert (Rule.objects.count(), rule.is_active) == (1, True)


def test_the_macro_admin_refuses_unknown_placeholders_and_rule_only_actions(client, manager):
    client.force_login(manager)
    data = {
        "name": "Warranty",
        "is_active": "on",
        "team": "",
        "owner": "",
        "actions": json.dumps([{"type": "resolve"}]),
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "0",
        "texts-0-language": "en",
        "texts-0-body": "Ends on {warranty_ends}",
    }

    response = client.post(reverse("admin:automation_macro_add"), data)

    page = response.content.decode()
    assert "Unknown placeholder: {warranty_ends}." in page
    assert "Action 1: “resolve” is not an action here" in page
    assert Macro.objects.count() == 0

    data.update({"actions": "[]", "texts-0-body": "Ends on {warranty_end}"})
    assert client.post(reverse("admin:automation_macro_add"), data).status_code == 302
    macro = Macro.objects.get()
    assert list(macro.texts.values_list("body", flat=True)) == ["Ends on {warranty_end}"]


def test_the_run_log_and_macro_pages_open_for_a_manager(client, manager):
    macro = make_macro()
    client.force_login(manager)

    for url in (
        reverse("admin:automation_rulerun_changelist"),
        reverse("admin:automation_macro_changelist"),
        reverse("admin:automation_macro_change", args=[macro.pk]),
        reverse("admin:automation_rule_changelist"),
    ):
        assert client.get(url).status_code == 200, url
