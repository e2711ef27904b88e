"""Macros: the text in the reader's language with its placeholders filled, the field changes applied,
and who may see, use and change which macro."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.accounts.audit import AuditLog
from vafa.automation.macros import macro_render, macro_render_detail
from vafa.automation.models import Macro
from vafa.automation.selectors import macro_list
from vafa.automation.services import macro_apply, macro_create, macro_delete, macro_update, macro_use
from vafa.automation.tests.factories import make_macro
from vafa.catalog.tests.factories import ProductFactory
from vafa.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vafa.customers.models import Customer
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import CaseEvent
from vafa.service.services import case_assign
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

ALL_PLACEHOLDERS = "{customer_name} | {case_number} | {case_subject} | {agent_name} | {unit_serial} | {product_name} | {warranty_end}"


def unit_case(language: str):
    customer: Customer = CustomerFactory.create(name="Sara Ahmadi", language=language)
    product = ProductFactory(name="Vafa X1", names={"fa": "وفا ایکس۱"})
    unit = UnitFactory(
        owner=customer,
        product=product,
        serial_number="SN-0042",
        warranty_start=dt.date(2025, 3, 21),
        warranty_end=dt.date(2027, 3, 20),
    )
    return make_case(customer, unit=unit, subject="Screen flickers")


# --- rendering ------------------------------------------------------------------------------------


def test_every_placeholder_is_filled_in_english(agent):
    case = unit_case("en")
    macro = make_macro(texts={"en": ALL_PLACEHOLDERS})

    assert macro_render(macro=macro, case=case, agent=agent) == (
        f"Sara Ahmadi | {case.reference} | Screen flickers | Arash Agent | SN-0042 | Vafa X1 | 2027-03-20"
    )


def test_a_persian_reader_gets_the_persian_text_with_a_jalali_date(agent):
    case = unit_case("fa")
    macro = make_macro(
        texts={"en": "Ends {warranty_end}.", "fa": "گارانتی {product_name} تا {warranty_end}."}
    )

    rendered = macro_render_detail(macro=macro, case=case, agent=agent)

    assert (rendered.language, rendered.text) == ("fa", "گارانتی وفا ایکس۱ تا ۱۴۰۵/۱۲/۲۹.")


def test_the_language_falls_back_from_the_case_to_the_customer_to_english_to_any():
    customer = CustomerFactory(language="ru")
    case = make_case(customer, language="ar")
    both = make_macro(name="ar+ru", texts={"ru": "Здравствуйте", "ar": "مرحبا", "en": "Hello"})
    russian = make_macro(name="ru+en", texts={"ru": "Здравствуйте", "en": "Hello"})
    english = make_macro(name="en+fa", texts={"fa": "سلام", "en": "Hello"})
    persian = make_macro(name="fa", texts={"fa": "سلام"})

    assert macro_render(macro=both, case=case) == "مرحبا"
    assert macro_render(macro=russian, case=case) == "Здравствуйте"
    assert macro_render(macro=english, case=case) == "Hello"
    assert macro_render(macro=persian, case=case) == "سلام"
    assert macro_render(macro=both, case=case, language="en") == "Hello"


def test_unknown_placeholders_stay_visible_and_are_reported():
    case = make_case(CustomerFactory(name="Sara", language="en"))
    macro = Macro.objects.create(name="Old")
    macro.texts.create(language="en", body="Hi {customer_name}, your {order_number} and {customer_name}.")

    rendered = macro_render_detail(macro=macro, case=case)

    assert rendered.text == "Hi Sara, your {order_number} and Sara."
    assert rendered.unknown == ("order_number",)


def test_without_a_unit_or_assignee_the_unit_placeholders_are_empty_and_the_company_signs():
    case = make_case(CustomerFactory(language="en"))
    macro = make_macro(texts={"en": "[{unit_serial}][{warranty_end}][{product_name}] {agent_name}"})

    assert macro_render(macro=macro, case=case) == "[][][] Vafa"


def test_the_text_is_plain_text_whatever_the_names_hold():
    case = make_case(CustomerFactory(name="<b>Eve</b> & co", language="en"))
    macro = make_macro(texts={"en": "Dear {customer_name}"})

    assert macro_render(macro=macro, case=case) == "Dear <b>Eve</b> & co"  # escaped where it is shown or sent


# --- applying -------------------------------------------------------------------------------------


def test_applying_a_macro_sets_fields_counts_the_use_and_returns_the_text(agent, team):
    case = case_assign(actor=None, case=make_case(CustomerFactory(name="Sara", language="en")), team=team)
    macro = make_macro(
        texts={"en": "Hi {customer_name}, {agent_name} here."},
        actions=[
            {"type": "set_priority", "priority": "high"},
            {"type": "add_tag", "tag": "battery"},
            {"type": "assign_agent", "agent": "me"},
            {"type": "set_status", "status": "pending_customer"},
        ],
    )

    used = macro_use(actor=agent, macro=macro, case=case)

    assert used.text == "Hi Sara, Arash Agent here."
    assert used.changes == [
        "Priority: High",
        "Tag added: battery",
        "Assigned to Arash Agent",
        "Status: Pending customer",
    ]
    case.refresh_from_db()
    assert (case.priority, case.assignee_id, case.status) == ("high", agent.pk, "pending_customer")
    assert list(case.tags.values_list("name", flat=True)) == ["battery"]
    assert CaseEvent.objects.get(case=case, kind="priority_changed").actor_id == agent.pk
    macro.refresh_from_db()
    assert macro.usage_count == 1
    assert macro_apply(actor=agent, macro=macro, case=case) == "Hi Sara, Arash Agent here."
    macro.refresh_from_db()
    assert macro.usage_count == 2


def test_a_refused_change_applies_none_of_the_macro(agent):
    case = make_case()
    macro = make_macro(
        actions=[{"type": "set_priority", "priority": "high"}, {"type": "set_status", "status": "closed"}]
    )

    with pytest.raises(Conflict):
        macro_use(actor=agent, macro=macro, case=case)

    case.refresh_from_db()
    macro.refresh_from_db()
    assert (case.priority, case.status, macro.usage_count) == ("normal", "new", 0)


def test_an_agent_sees_shared_team_and_own_macros_only(agent, other_agent, team, other_team):
    shared = make_macro(name="Shared")
    mine_team = make_macro(name="Team", team=team)
    make_macro(name="Other team", team=other_team)
    own = make_macro(name="Own", owner=agent)
    make_macro(name="Colleague's", owner=other_agent)
    retired = make_macro(name="Retired")
    macro_update(actor=None, macro=retired, is_active=False)

    assert list(macro_list(viewer=agent)) == [own, shared, mine_team]
    assert [m.name for m in macro_list(viewer=agent, query="tea")] == ["Team"]


def test_a_macro_the_agent_may_not_use_does_not_exist_for_them(agent, other_agent):
    theirs = make_macro(name="Colleague's", owner=other_agent, actions=[{"type": "add_tag", "tag": "x"}])
    case = make_case()

    with pytest.raises(NotFound):
        macro_use(actor=agent, macro=theirs, case=case)
    assert list(case.tags.all()) == []


def test_a_customer_can_never_use_a_macro(customer_user):
    macro = make_macro()
    case = make_case()

    with pytest.raises(Forbidden):
        macro_use(actor=customer_user, macro=macro, case=case)
    assert macro_list(viewer=customer_user).count() == 0


# --- creating and changing ------------------------------------------------------------------------


def test_an_agent_creates_their_own_canned_reply(agent):
    macro = macro_create(
        actor=agent, name="Photo please", texts={"en": "Could you send a photo?", "fa": ""}, owner=agent
    )

    assert (macro.owner_id, macro.team_id) == (agent.pk, None)
    assert {t.language: t.body for t in macro.texts.all()} == {"en": "Could you send a photo?"}
    log = AuditLog.objects.get(action="macro.create")
    assert (log.actor_id, log.after["texts"]) == (agent.pk, {"en": "Could you send a photo?"})


def test_an_agent_cannot_create_a_shared_or_team_macro(agent, team):
    with pytest.raises(Forbidden):
        macro_create(actor=agent, name="For all", texts={"en": "Hi"})
    with pytest.raises(Forbidden):
        macro_create(actor=agent, name="For team", texts={"en": "Hi"}, owner=agent, team=team)
    assert Macro.objects.count() == 0


def test_a_macro_is_checked_before_it_is_saved(manager):
    with pytest.raises(ValidationFailed) as caught:
        macro_create(
            actor=manager,
            name=" ",
            texts={"en": "Hi {custmer_name}", "xx": "?"},
            actions=[{"type": "send_message", "texts": {"en": "x"}}],
        )

    assert {key: [str(m) for m in value] for key, value in caught.value.fields.items()} == {
        "name": ["Give the macro a name."],
        "texts": [
            "Unknown placeholder in the en text: {custmer_name}.",
            "“xx” is not a language; use one of: ar, en, fa, ru.",
        ],
        "actions": [
            "Action 1: “send_message” is not an action here; the actions are: set_status, set_priority, "
            "set_kind, assign_team, assign_agent, unassign, add_tag, remove_tag."
        ],
    }
    assert Macro.objects.count() == 0


def test_only_the_owner_or_a_manager_changes_a_macro(agent, other_agent, manager):
    macro = make_macro(name="Mine", owner=agent)

    with pytest.raises(Forbidden):
        macro_update(actor=other_agent, macro=macro, name="Taken")
    with pytest.raises(Forbidden):
        macro_delete(actor=other_agent, macro=macro)
    macro.refresh_from_db()
    assert macro.name == "Mine"

    macro_update(actor=agent, macro=macro, texts={"en": "New text"})
    assert list(macro.texts.values_list("body", flat=True)) == ["New text"]
    macro_delete(actor=manager, macro=macro)
    assert not Macro.objects.filter(pk=macro.pk).exists()
