"""Macros in the desk: the reply box's picker, applying a macro (its text in the customer's language,
its changes on the case), who may use which macro on which case, and the agents' own macros page."""

from __future__ import annotations

import json
import re

import pytest

from vafa.automation.models import Macro
from vafa.automation.tests.factories import make_macro
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.services import case_assign
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def team_case(team, *, name="Sara Ahmadi", language="en", **fields):
    case = make_case(CustomerFactory(name=name, language=language), **fields)
    return case_assign(actor=None, case=case, team=team)


def apply_url(case, macro) -> str:
    return f"/desk/cases/{case.number}/macros/{macro.pk}/apply/"


def hidden_text(html: str) -> str:
    match = re.search(r'<textarea id="case-macro-text" hidden[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no macro text in the answer"
    return match.group(1)


def test_the_reply_box_offers_the_macro_picker(desk_as, agent, team):
    case = team_case(team)

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    assert 'id="case-macros"' in html
    assert f'hx-get="/desk/cases/{case.number}/macros/"' in html
    assert 'id="case-macro-result"' in html


def test_the_picker_lists_the_macros_the_agent_may_use(desk_as, agent, other_agent, team, other_team):
    case = team_case(team)
    shared = make_macro(name="Shared thanks", texts={"en": "Thanks {customer_name}!"})
    make_macro(name="Team hello", team=team)
    make_macro(name="Other team", team=other_team)
    make_macro(name="Colleague's own", owner=other_agent)
    client = desk_as(agent)

    html = client.get(f"/desk/cases/{case.number}/macros/", **HTMX).content.decode()
    found = client.get(f"/desk/cases/{case.number}/macros/?list=1&q=thank", **HTMX).content.decode()

    assert re.findall(r'data-macro-apply="\d+"[^>]*>([^<]+)</button>', html) == [
        "Shared thanks",
        "Team hello",
    ]
    assert "Thanks {customer_name}!" in html  # the text it will insert, before the names are filled
    assert re.findall(r'data-macro-apply="(\d+)"', found) == [str(shared.pk)]
    assert 'id="case-macro-search"' not in found  # the list alone, for the search box


def test_applying_a_macro_fills_the_names_and_changes_the_case(desk_as, agent, team):
    case = team_case(team, name="Sara Ahmadi")
    macro = make_macro(
        name="Need a photo",
        texts={"en": "Hello {customer_name}, please send a photo for {case_number}."},
        actions=[{"type": "set_status", "status": "pending_customer"}, {"type": "add_tag", "tag": "photo"}],
    )

    response = desk_as(agent).post(apply_url(case, macro), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert hidden_text(html) == f"Hello Sara Ahmadi, please send a photo for {case.reference}."
    assert "“Need a photo” was inserted (English)." in html
    changes = re.search(r'<ul class="mb-0" id="case-macro-changes">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", changes) == ["Status: Pending customer", "Tag added: photo"]
    assert json.loads(response["HX-Trigger-After-Swap"]) == {"case-changed": None, "macro-inserted": None}
    case.refresh_from_db()
    macro.refresh_from_db()
    assert (case.status, list(case.tags.values_list("name", flat=True)), macro.usage_count) == (
        "pending_customer",
        ["photo"],
        1,
    )


def test_a_persian_customer_gets_the_persian_text_in_a_persian_desk(desk_as, agent, team):
    agent.language = "fa"
    agent.save()
    case = team_case(team, name="سارا احمدی", language="fa")
    macro = make_macro(
        texts={"en": "Hello {customer_name}", "fa": "سلام {customer_name}، پرونده {case_number}"}
    )

    html = desk_as(agent).post(apply_url(case, macro), **HTMX).content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert hidden_text(html) == f"سلام سارا احمدی، پرونده {case.reference}"


def test_without_javascript_the_page_comes_back_with_the_text_after_what_was_typed(desk_as, agent, team):
    case = team_case(team, name="Sara")
    macro = make_macro(texts={"en": "Best regards, {agent_name}"})

    response = desk_as(agent).post(apply_url(case, macro), {"reply-body": "The part is on its way.\n"})

    html = response.content.decode()
    body = re.search(r'<textarea[^>]*id="case-body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert body == "The part is on its way.\n\nBest regards, Arash Agent"
    assert "HX-Trigger-After-Swap" not in response


def test_names_with_markup_are_shown_as_text(desk_as, agent, team):
    case = team_case(team, name="<script>alert(1)</script>")
    macro = make_macro(texts={"en": "Dear {customer_name}"})

    html = desk_as(agent).post(apply_url(case, macro), **HTMX).content.decode()

    assert hidden_text(html) == "Dear &lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script>alert(1)" not in html


def test_a_refused_change_applies_nothing_and_says_why(desk_as, agent, team):
    case = team_case(team)
    macro = make_macro(
        name="Close it",
        actions=[{"type": "add_tag", "tag": "done"}, {"type": "set_status", "status": "closed"}],
    )

    html = desk_as(agent).post(apply_url(case, macro), **HTMX).content.decode()

    assert "The macro “Close it” was not applied. A case that is New cannot become Closed." in html
    assert 'id="case-macro-text"' not in html
    macro.refresh_from_db()
    assert (list(case.tags.all()), macro.usage_count) == ([], 0)


def test_a_macro_the_agent_may_not_use_or_a_case_they_cannot_see_is_not_found(
    desk_as, agent, other_agent, team, other_team
):
    visible = team_case(team)
    hidden = team_case(other_team)
    theirs = make_macro(name="Theirs", owner=other_agent, actions=[{"type": "add_tag", "tag": "x"}])
    shared = make_macro(name="Shared", actions=[{"type": "add_tag", "tag": "y"}])
    client = desk_as(agent)

    assert client.post(apply_url(visible, theirs), **HTMX).status_code == 404
    assert client.post(apply_url(hidden, shared), **HTMX).status_code == 404
    assert client.get(f"/desk/cases/{hidden.number}/macros/", **HTMX).status_code == 404
    assert list(visible.tags.all()) == list(hidden.tags.all()) == []
    assert Macro.objects.get(pk=shared.pk).usage_count == 0


def test_customers_never_reach_the_macros(desk_as, customer_user, team):
    case = team_case(team)
    macro = make_macro()
    client = desk_as(customer_user)

    assert client.post(apply_url(case, macro)).status_code == 404
    assert client.get(f"/desk/cases/{case.number}/macros/").status_code == 404
    assert client.get("/desk/macros/").status_code == 404


def test_applying_needs_the_csrf_token(csrf_client, agent, team):
    case = team_case(team)
    macro = make_macro(actions=[{"type": "add_tag", "tag": "x"}])

    assert csrf_client(agent).post(apply_url(case, macro)).status_code == 403
    assert list(case.tags.all()) == []


# --- the agents' own macros -------------------------------------------------------------------------


def test_an_agent_writes_edits_and_deletes_their_own_canned_reply(desk_as, agent):
    client = desk_as(agent)

    response = client.post(
        "/desk/macros/",
        {
            "macro-name": "Photo please",
            "macro-text_en": "Could you send a photo, {customer_name}?",
            "macro-text_fa": "",
        },
    )

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.owner_id, macro.team_id) == (agent.pk, None)
    assert {t.language: t.body for t in macro.texts.all()} == {
        "en": "Could you send a photo, {customer_name}?"
    }
    page = client.get("/desk/macros/").content.decode()
    assert f'<tr data-macro="{macro.pk}">' in page
    assert "{customer_name}" in page  # the placeholders are listed beside the form

    client.post(
        f"/desk/macros/{macro.pk}/",
        {"macro-name": "Photo", "macro-text_en": "A photo, please.", "macro-text_fa": "لطفاً یک عکس بفرستید."},
    )
    macro.refresh_from_db()
    assert macro.name == "Photo"
    assert {t.language: t.body for t in macro.texts.all()} == {
        "en": "A photo, please.",
        "fa": "لطفاً یک عکس بفرستید.",
    }

    client.post(f"/desk/macros/{macro.pk}/delete/")
    assert not Macro.objects.exists()


def test_a_macro_with_an_unknown_placeholder_is_refused_with_the_reason(desk_as, agent):
    response = desk_as(agent).post(
        "/desk/macros/", {"macro-name": "Oops", "macro-text_en": "Dear {custmer_name}"}
    )

    assert response.status_code == 422
    assert "Unknown placeholder in the en text: {custmer_name}." in response.content.decode()
    assert not Macro.objects.exists()


def test_an_agent_cannot_change_someone_elses_macro(desk_as, agent, other_agent):
    theirs = make_macro(name="Theirs", owner=other_agent)
    shared = make_macro(name="Shared")
    client = desk_as(agent)

    assert client.get(f"/desk/macros/{theirs.pk}/").status_code == 404
    assert client.post(f"/desk/macros/{shared.pk}/", {"macro-name": "Mine now"}).status_code == 404
    assert client.post(f"/desk/macros/{theirs.pk}/delete/").status_code == 404
    assert sorted(Macro.objects.values_list("name", flat=True)) == ["Shared", "Theirs"]
    assert "Shared" not in client.get("/desk/macros/").content.decode()


def test_a_manager_writes_a_shared_macro_from_the_desk(desk_as, manager, team):
    client = desk_as(manager)

    client.post(
        "/desk/macros/",
        {"macro-name": "For the team", "macro-scope": f"team:{team.pk}", "macro-text_en": "Hi"},
    )
    client.post("/desk/macros/", {"macro-name": "For all", "macro-scope": "shared", "macro-text_en": "Hi"})

    assert sorted(Macro.objects.values_list("name", "team_id", "owner_id")) == [
        ("For all", None, None),
        ("For the team", team.pk, None),
    ]
