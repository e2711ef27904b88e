"""Bulk actions and saved views: the services' rules, and the inbox's forms that call them."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from vafa.accounts.models import AuditLog
from vafa.core.errors import NotFound, ValidationFailed
from vafa.desk.models import SavedView
from vafa.desk.services import (
    cases_bulk_assign,
    cases_bulk_set_priority,
    cases_bulk_set_status,
    cases_bulk_tag,
    saved_view_create,
    saved_view_delete,
    saved_view_reorder,
    saved_view_update,
)
from vafa.desk.tests.inbox_factories import make_inbox_case
from vafa.service.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

BULK = "/desk/inbox/bulk/"


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- bulk actions: services -----------------------------------------------------------------------


def test_bulk_assign_gives_each_case_to_the_agent_and_records_it(agent, team, customer):
    cases = [make_inbox_case(customer, team=team) for _ in range(3)]

    result = cases_bulk_assign(actor=agent, case_ids=[case.pk for case in cases], assignee=agent)

    assert [case.pk for case in result.changed] == [case.pk for case in cases]
    assert result.failed == [] and result.unchanged == [] and result.ignored == []
    assert all(_fresh(case).assignee_id == agent.pk for case in cases)
    assert CaseEvent.objects.filter(case__in=cases, kind="assigned").count() == 3
    assert AuditLog.objects.filter(action="case.assign").count() == 3


def test_bulk_status_reports_refused_transitions_and_changes_the_rest(agent, team, customer):
    new = make_inbox_case(customer, team=team)
    pending = make_inbox_case(customer, team=team, status="pending_customer")
    closed = make_inbox_case(customer, team=team, status="closed")

    result = cases_bulk_set_status(actor=agent, case_ids=[new.pk, pending.pk, closed.pk], status="on_hold")

    assert [case.pk for case in result.changed] == [new.pk, pending.pk]
    assert [(failure.case.pk, failure.message) for failure in result.failed] == [
        (closed.pk, "A case that is Closed cannot become On hold.")
    ]
    assert _fresh(new).status == "on_hold"
    assert _fresh(pending).status == "on_hold"
    assert _fresh(closed).status == "closed"


def test_bulk_assign_to_an_agent_outside_a_cases_team_fails_for_that_case_only(
    agent, other_agent, team, other_team, admin_user, customer
):
    theirs = make_inbox_case(customer, team=other_team)
    ours = make_inbox_case(customer, team=team)

    result = cases_bulk_assign(actor=admin_user, case_ids=[theirs.pk, ours.pk], assignee=other_agent)

    assert [case.pk for case in result.changed] == [theirs.pk]
    assert [(f.case.pk, f.message) for f in result.failed] == [
        (ours.pk, "The assignee is not a member of the team. Not in the team.")
    ]
    assert _fresh(ours).assignee_id is None


def test_bulk_action_leaves_cases_outside_the_scope_alone(agent, other_team, team, customer):
    theirs = make_inbox_case(customer, team=other_team)
    ours = make_inbox_case(customer, team=team)
    before = _fresh(theirs)

    result = cases_bulk_set_priority(actor=agent, case_ids=[theirs.pk, ours.pk, 987654], priority="urgent")

    assert [case.pk for case in result.changed] == [ours.pk]
    assert result.ignored == [theirs.pk, 987654]
    after = _fresh(theirs)
    assert (after.priority, after.updated_at) == (before.priority, before.updated_at)
    assert not CaseEvent.objects.filter(case=theirs, kind="priority_changed").exists()


def test_bulk_tag_counts_cases_that_already_had_the_tag_as_unchanged(agent, team, customer):
    tagged = make_inbox_case(customer, team=team)
    bare = make_inbox_case(customer, team=team)
    cases_bulk_tag(actor=agent, case_ids=[tagged.pk], names=["vip"])

    result = cases_bulk_tag(actor=agent, case_ids=[tagged.pk, bare.pk], names=["VIP", " "])

    assert [case.pk for case in result.changed] == [bare.pk]
    assert [case.pk for case in result.unchanged] == [tagged.pk]
    assert list(_fresh(bare).tags.values_list("name", flat=True)) == ["vip"]


def test_bulk_action_refuses_nothing_ticked_and_customers(agent, customer_user, team, customer):
    case = make_inbox_case(customer, team=team)

    with pytest.raises(ValidationFailed) as nothing:
        cases_bulk_set_priority(actor=agent, case_ids=[], priority="high")
    with pytest.raises(Exception) as customer_try:
        cases_bulk_set_priority(actor=customer_user, case_ids=[case.pk], priority="high")

    assert str(nothing.value) == "Tick at least one case first."
    assert customer_try.value.code == "staff_only"  # type: ignore[attr-defined]
    assert _fresh(case).priority == "normal"


# --- bulk actions: the form -----------------------------------------------------------------------


def test_bulk_form_changes_the_cases_and_reports_partial_failure(desk_as, agent, team, customer):
    ok = make_inbox_case(customer, team=team)
    closed = make_inbox_case(customer, team=team, status="closed")
    back = "/desk/inbox/?view=team&sort=priority"

    response = desk_as(agent).post(
        BULK,
        {
            "case": [str(ok.pk), str(closed.pk), "x"],
            "action": "status",
            "status": "pending_customer",
            "next": back,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == back
    assert _messages(response) == [
        "1 case changed.",
        f"{closed.reference} was not changed: A case that is Closed cannot become Pending customer.",
    ]
    assert _fresh(ok).status == "pending_customer"


def test_bulk_form_assigns_to_me_and_a_team(desk_as, agent, team, customer):
    case = make_inbox_case(customer)

    response = desk_as(agent).post(
        BULK, {"case": [str(case.pk)], "action": "assign", "assignee": "me", "team": str(team.pk)}
    )

    assert _messages(response) == ["1 case changed."]
    assert (_fresh(case).assignee_id, _fresh(case).team_id) == (agent.pk, team.pk)


def test_bulk_form_reports_cases_it_may_not_touch(desk_as, agent, other_team, customer):
    theirs = make_inbox_case(customer, team=other_team)

    response = desk_as(agent).post(
        BULK, {"case": [str(theirs.pk)], "action": "priority", "priority": "urgent"}
    )

    assert _messages(response) == [
        "1 ticked case no longer exists or is not yours to see; it was left alone."
    ]
    assert _fresh(theirs).priority == "normal"


def test_bulk_form_with_bad_input_shows_a_message(desk_as, agent, team, customer):
    case = make_inbox_case(customer, team=team)

    def post(data: dict) -> object:
        return desk_as(agent).post(BULK, data)  # a new client each time: one post's messages only

    no_action = post({"case": [str(case.pk)], "action": "explode"})
    no_agent = post({"case": [str(case.pk)], "action": "assign", "assignee": "999999"})
    nothing = post({"action": "priority", "priority": "high"})
    no_priority = post({"case": [str(case.pk)], "action": "priority", "priority": ""})
    bad_priority = post({"case": [str(case.pk)], "action": "priority", "priority": "asap"})
    outside = post({"case": [str(case.pk)], "action": "tag", "tags": "a", "next": "https://evil.test/"})

    assert _messages(no_action) == ["Choose what to do with the ticked cases."]
    assert _messages(no_agent) == ["No such user."]
    assert _messages(nothing) == ["Tick at least one case first."]
    assert _messages(no_priority) == ["Choose the priority to set."]
    assert _messages(bad_priority)[0].startswith(
        f"{case.reference} was not changed: Some fields are not valid."
    )
    assert outside["Location"] == "/desk/inbox/"
    assert _fresh(case).priority == "normal"


def test_bulk_form_refuses_a_forged_post(csrf_client, agent, team, customer):
    case = make_inbox_case(customer, team=team)

    response = csrf_client(agent).post(
        BULK, {"case": [str(case.pk)], "action": "priority", "priority": "urgent"}
    )

    assert response.status_code == 403
    assert _fresh(case).priority == "normal"


def test_bulk_form_accepts_the_pages_csrf_token(csrf_client, agent, team, customer):
    case = make_inbox_case(customer, team=team)
    client = csrf_client(agent)
    client.get("/desk/inbox/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        BULK,
        {"case": [str(case.pk)], "action": "priority", "priority": "urgent", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert _fresh(case).priority == "urgent"


# --- saved views: services ------------------------------------------------------------------------


def test_saved_view_is_kept_in_its_canonical_form(agent):
    view = saved_view_create(
        actor=agent,
        name="  Urgent   repairs ",
        filters={"view": "open", "priority": ["urgent"], "kind": "repair", "created_from": "1405/01/01"},
        sort="priority",
    )

    assert view.name == "Urgent repairs"
    assert view.filters == {
        "view": "open",
        "kind": ["repair"],
        "priority": ["urgent"],
        "created_from": ["2026-03-21"],
    }
    assert (view.sort, view.position) == ("priority", 0)
    assert (
        saved_view_create(actor=agent, name="Second", filters={"view": "mine"}, sort="-updated").position == 1
    )


def test_saved_view_names_are_unique_per_agent(agent, other_agent):
    saved_view_create(actor=agent, name="Urgent", filters={"view": "open"}, sort="-updated")

    with pytest.raises(ValidationFailed) as taken:
        saved_view_create(actor=agent, name="urgent", filters={"view": "mine"}, sort="-updated")
    theirs = saved_view_create(actor=other_agent, name="Urgent", filters={"view": "open"}, sort="-updated")

    assert str(taken.value) == "You already have a view called “urgent”; choose another name."
    assert taken.value.fields == {"name": ["Already used."]}
    assert SavedView.objects.filter(owner=agent).count() == 1
    assert theirs.owner_id == other_agent.pk


@pytest.mark.parametrize(
    ("name", "filters", "sort", "field"),
    [
        ("", {"view": "open"}, "-updated", "name"),
        ("x" * 81, {"view": "open"}, "-updated", "name"),
        ("Bad view", {"view": "everything"}, "-updated", "view"),
        ("Bad sort", {"view": "open"}, "name", "sort"),
        ("Bad filter", {"view": "open", "status": ["lost"]}, "-updated", "filters"),
    ],
)
def test_saved_view_with_bad_input_is_refused(agent, name, filters, sort, field):
    with pytest.raises(ValidationFailed) as refused:
        saved_view_create(actor=agent, name=name, filters=filters, sort=sort)

    assert list(refused.value.fields) == [field]
    assert not SavedView.objects.exists()


def test_only_the_owner_may_change_or_delete_a_saved_view(agent, other_agent):
    view = saved_view_create(actor=agent, name="Mine", filters={"view": "mine"}, sort="-updated")

    with pytest.raises(NotFound):
        saved_view_update(actor=other_agent, view=view, name="Stolen")
    with pytest.raises(NotFound):
        saved_view_delete(actor=other_agent, view=view)
    with pytest.raises(NotFound):
        saved_view_reorder(actor=other_agent, view_ids=[view.pk])

    assert SavedView.objects.get(pk=view.pk).name == "Mine"


def test_saved_view_update_and_reorder(agent):
    first = saved_view_create(actor=agent, name="First", filters={"view": "mine"}, sort="-updated")
    second = saved_view_create(actor=agent, name="Second", filters={"view": "open"}, sort="-updated")
    third = saved_view_create(actor=agent, name="Third", filters={"view": "pending"}, sort="-updated")

    saved_view_update(
        actor=agent,
        view=second,
        name="Urgent",
        filters={"view": "open", "priority": "urgent"},
        sort="priority",
    )
    saved_view_reorder(actor=agent, view_ids=[third.pk, first.pk])

    second.refresh_from_db()
    assert (second.name, second.filters, second.sort) == (
        "Urgent",
        {"view": "open", "priority": ["urgent"]},
        "priority",
    )
    order = list(SavedView.objects.filter(owner=agent).order_by("position").values_list("name", flat=True))
    assert order == ["Third", "First", "Urgent"]


# --- saved views: the forms -----------------------------------------------------------------------


def test_save_as_view_form_keeps_the_pages_filters(desk_as, agent):
    response = desk_as(agent).post(
        "/desk/inbox/views/new/",
        {"name": "Urgent", "view": "team", "priority": ["urgent", "high"], "tag": "vip", "sort": "priority"},
    )

    view = SavedView.objects.get(owner=agent)
    assert response["Location"] == f"/desk/inbox/?saved={view.pk}"
    assert view.filters == {"view": "team", "priority": ["urgent", "high"], "tag": ["vip"]}
    assert view.sort == "priority"


def test_save_as_view_with_a_taken_name_shows_the_message(desk_as, agent):
    saved_view_create(actor=agent, name="Urgent", filters={"view": "open"}, sort="-updated")

    response = desk_as(agent).post(
        "/desk/inbox/views/new/", {"name": "Urgent", "view": "open", "next": "/desk/inbox/?view=open"}
    )

    assert response["Location"] == "/desk/inbox/?view=open"
    assert _messages(response) == [
        "You already have a view called “Urgent”; choose another name. Already used."
    ]
    assert SavedView.objects.filter(owner=agent).count() == 1


def test_saved_view_forms_change_rename_move_and_delete(desk_as, agent):
    client = desk_as(agent)
    first = saved_view_create(actor=agent, name="First", filters={"view": "mine"}, sort="-updated")
    second = saved_view_create(actor=agent, name="Second", filters={"view": "open"}, sort="-updated")

    client.post(f"/desk/inbox/views/{second.pk}/save/", {"view": "open", "status": "new", "sort": "created"})
    client.post(f"/desk/inbox/views/{second.pk}/rename/", {"name": "New ones"})
    client.post(f"/desk/inbox/views/{second.pk}/move/", {"direction": "up"})
    deleted = client.post(f"/desk/inbox/views/{first.pk}/delete/")

    second.refresh_from_db()
    assert (second.name, second.filters, second.sort, second.position) == (
        "New ones",
        {"view": "open", "status": ["new"]},
        "created",
        0,
    )
    assert deleted["Location"] == "/desk/inbox/"
    assert list(SavedView.objects.values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize("action", ["save", "rename", "move", "delete"])
def test_another_agents_saved_view_is_not_found(desk_as, agent, other_agent, action):
    view = saved_view_create(actor=other_agent, name="Theirs", filters={"view": "mine"}, sort="-updated")

    response = desk_as(agent).post(
        f"/desk/inbox/views/{view.pk}/{action}/", {"name": "Stolen", "view": "open"}
    )

    assert response.status_code == 404
    view.refresh_from_db()
    assert (view.name, view.filters) == ("Theirs", {"view": "mine"})


@pytest.mark.parametrize(
    "url", ["/desk/inbox/views/new/", "/desk/inbox/views/{pk}/save/", "/desk/inbox/views/{pk}/delete/"]
)
def test_saved_view_forms_refuse_forged_posts(csrf_client, agent, url):
    view = saved_view_create(actor=agent, name="Mine", filters={"view": "mine"}, sort="-updated")

    response = csrf_client(agent).post(url.format(pk=view.pk), {"name": "Forged", "view": "open"})

    assert response.status_code == 403
    assert list(SavedView.objects.values_list("name", "filters")) == [("Mine", {"view": "mine"})]
