"""The cases API: opening, the conversation, the workflow, permissions and list queries."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog, Role
from vafa.accounts.tests.factories import UserFactory
from vafa.api.tests.helpers import english, error, patch, post, queries_for
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.sales.tests.factories import OrderFactory, UnitFactory
from vafa.service.models import Attachment, Case, CaseStatus, Message
from vafa.service.services import case_note, case_resolve
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _open(client, **fields):
    data = {
        "subject": "Screen flickers",
        "body": "It flickers after the update.",
        "kind": "problem",
        "channel": "portal",
        **fields,
    }
    return post(client, CASES, data)


# --- opening --------------------------------------------------------------------------------------


def test_staff_opens_a_case_for_a_customer(api_as, agent, customer):
    # given a unit the customer owns
    unit = UnitFactory(owner=customer)

    # when an agent opens a case for the customer about it
    response = _open(api_as(agent), customer_id=customer.pk, unit_id=unit.pk, priority="high")

    # then the case is created with its first message and answered with 201
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get()
    assert body["id"] == case.pk
    assert body["subject"] == "Screen flickers"
    assert body["customer"] == {"id": customer.pk, "name": "Sara Ahmadi"}
    assert body["unit_id"] == unit.pk
    assert body["product_id"] == unit.product_id
    assert body["status"] == "new"
    assert body["priority"] == "high"
    assert body["warranty_status_at_open"] == "in_warranty"
    assert body["reference"] == f"VF-{case.number}"
    assert case.messages.get().body_text == "It flickers after the update."


def test_opening_through_the_api_is_audited_as_api(api_as, agent, customer):
    _open(api_as(agent), customer_id=customer.pk)

    assert AuditLog.objects.get(action="case.open").via == "api"


def test_customer_opens_a_case_for_themselves(api_as, customer, customer_user):
    response = _open(api_as(customer_user))

    assert response.status_code == 201
    case = Case.objects.get()
    assert case.customer == customer
    assert response.json()["customer"]["id"] == customer.pk


def test_customer_may_name_their_own_id(api_as, customer, customer_user):
    response = _open(api_as(customer_user), customer_id=customer.pk)

    assert response.status_code == 201
    assert Case.objects.get().customer == customer


def test_customer_cannot_open_a_case_for_another_customer(api_as, customer_user, other_customer):
    response = _open(api_as(customer_user), customer_id=other_customer.pk)

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert Case.objects.count() == 0


def test_customer_cannot_route_or_prioritise_their_case(api_as, customer_user, team, agent):
    response = _open(api_as(customer_user), team_id=team.pk, assignee_id=agent.pk, priority="urgent")

    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.team, case.assignee, case.priority) == (None, None, "normal")


def test_customer_cannot_attach_another_customers_unit(api_as, customer_user, other_customer):
    unit = UnitFactory(owner=other_customer)

    response = _open(english(api_as(customer_user)), unit_id=unit.pk)

    assert response.status_code == 422
    assert error(response)["fields"] == {"unit_id": ["No such unit."]}
    assert Case.objects.count() == 0


def test_staff_must_name_the_customer(api_as, agent):
    response = _open(api_as(agent))

    assert response.status_code == 422
    assert error(response)["fields"] == {"customer_id": ["This field is required."]}
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"subject": ""}, {"subject": ["Ensure this value has at least 1 characters."]}),
        ({"kind": "praise"}, None),
        ({"channel": 5}, None),
        ({"priority": "asap"}, None),
        ({"unit_id": "seven"}, {"unit_id": ["Enter a whole number."]}),
        (
            {"unit_id": 99999999999999999999},
            {"unit_id": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"customer_id": 987654}, {"customer_id": ["No such customer."]}),
        ({"order_id": 987654}, {"order_id": ["No such order."]}),
        ({"team_id": 987654}, {"team_id": ["No such team."]}),
        ({"subject": "Nul\x00byte"}, {"subject": ["Text cannot contain NUL characters."]}),
    ],
)
def test_opening_refuses_invalid_fields(api_as, agent, customer, fields, expected):
    response = _open(api_as(agent), **{"customer_id": customer.pk, **fields})

    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "validation_error"
    if expected is not None:
        assert body["fields"] == expected
    else:
        assert list(body["fields"]) == list(fields)
    assert Case.objects.count() == 0


def test_opening_without_a_message_is_refused(api_as, agent, customer):
    response = post(api_as(agent), CASES, {"subject": "Hello", "customer_id": customer.pk})

    assert response.status_code == 422
    assert error(response) == {
        "code": "validation_error",
        "message": "Write a message.",
        "fields": {"body": ["This field is required."]},
    }
    assert Case.objects.count() == 0


def test_missing_fields_are_listed(api_as, agent):
    response = post(api_as(agent), CASES, {})

    assert response.status_code == 422
    assert error(response)["fields"] == {"subject": ["This field is required."]}


def test_opening_with_malformed_json_is_a_400(api_as, agent):
    response = api_as(agent).post(CASES, "{subject: 1", content_type="application/json")

    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"
    assert Case.objects.count() == 0


def test_opening_as_anonymous_is_a_401(client, customer):
    response = post(client, CASES, {"subject": "x", "body": "y", "customer_id": customer.pk})

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"
    assert Case.objects.count() == 0


# --- attachments ----------------------------------------------------------------------------------


def _attachment(
    content: bytes = b"%PDF-1.4 receipt", name: str = "receipt.pdf", kind: str = "application/pdf"
):
    return {"filename": name, "content_type": kind, "content_base64": base64.b64encode(content).decode()}


def test_a_case_opens_with_base64_attachments(api_as, customer_user):
    response = _open(api_as(customer_user), attachments=[_attachment()])

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "receipt.pdf",
        "application/pdf",
        16,
    )
    assert attachment.file.read() == b"%PDF-1.4 receipt"


def test_a_reply_carries_attachments_and_lists_them(api_as, agent, customer):
    case = make_case(customer)

    response = post(
        api_as(agent),
        f"{CASES}/{case.pk}/messages",
        {"body": "Here is the manual.", "attachments": [_attachment(b"manual", "manual.txt", "text/plain")]},
    )

    assert response.status_code == 201
    [attachment] = response.json()["attachments"]
    assert attachment["filename"] == "manual.txt"
    assert attachment["size"] == 6
    assert attachment["content_type"] == "text/plain"


def test_bad_base64_is_a_422(api_as, customer_user):
    response = _open(
        english(api_as(customer_user)),
        attachments=[{"filename": "a.txt", "content_type": "text/plain", "content_base64": "not base64!"}],
    )

    assert response.status_code == 422
    assert error(response)["fields"] == {"attachments.0.content_base64": ["This is not valid base64."]}
    assert Case.objects.count() == 0


def test_an_oversize_attachment_is_refused(api_as, customer_user, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 10

    response = _open(api_as(customer_user), attachments=[_attachment(b"x" * 11, "big.txt", "text/plain")])

    assert response.status_code == 422
    assert error(response)["code"] == "attachment_too_large"
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_an_executable_attachment_is_refused(api_as, customer_user):
    response = _open(
        api_as(customer_user), attachments=[_attachment(b"MZ", "setup.exe", "application/octet-stream")]
    )

    assert response.status_code == 422
    assert error(response)["code"] == "attachment_type_not_allowed"
    assert Case.objects.count() == 0


# --- reading and permissions ----------------------------------------------------------------------


@pytest.fixture
def cases(customer, other_customer, team, other_team, other_agent):
    """One case per visibility rule an agent of `team` meets."""
    return {
        "own_team": make_case(customer, team=team),
        "other_team": make_case(other_customer, team=other_team),
        "unteamed": make_case(customer),
        "other_team_assigned": None,
    }


@pytest.mark.parametrize(
    ("who", "which", "status"),
    [
        ("admin_user", "other_team", 200),
        ("manager", "other_team", 200),
        ("agent", "own_team", 200),
        ("agent", "unteamed", 200),
        ("agent", "other_team", 404),
        ("other_agent", "own_team", 404),
        ("customer_user", "own_team", 200),
        ("customer_user", "other_team", 404),
        ("other_customer_user", "own_team", 404),
    ],
)
def test_who_sees_which_case(request, api_as, cases, who, which, status):
    user = request.getfixturevalue(who)

    response = english(api_as(user)).get(f"{CASES}/{cases[which].pk}")

    assert response.status_code == status
    if status == 404:
        assert error(response) == {"code": "not_found", "message": "No such case.", "fields": {}}
    else:
        assert response.json()["id"] == cases[which].pk


def test_an_agent_sees_a_case_of_another_team_assigned_to_them(api_as, agent, other_team, other_customer):
    case = make_case(other_customer, team=other_team)
    case.assignee = agent
    case.save(update_fields=["assignee"])

    assert api_as(agent).get(f"{CASES}/{case.pk}").status_code == 200


def test_anonymous_cannot_read_cases(client, customer):
    case = make_case(customer)

    response = client.get(f"{CASES}/{case.pk}")

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_an_unknown_or_overflowing_id_is_not_a_server_error(api_as, admin_user):
    client = api_as(admin_user)

    assert client.get(f"{CASES}/424242").status_code == 404
    assert client.get(f"{CASES}/99999999999999999999").status_code == 422
    assert client.get(f"{CASES}/0").status_code == 422
    assert client.get(f"{CASES}/-1").status_code == 422


def test_a_customer_lists_only_their_own_cases(api_as, customer, customer_user, other_customer):
    mine = make_case(customer)
    make_case(other_customer)

    response = api_as(customer_user).get(CASES)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [mine.pk]


def test_organisation_members_see_each_others_cases_when_shared(api_as, customer, customer_user):
    organisation = OrganisationFactory(share_with_members=True)
    colleague = CustomerFactory(organisation=organisation)
    customer.organisation = organisation
    customer.save(update_fields=["organisation"])
    theirs = make_case(colleague)

    response = api_as(customer_user).get(f"{CASES}/{theirs.pk}")

    assert response.status_code == 200


def test_an_agent_lists_their_teams_and_unteamed_cases(api_as, agent, cases):
    response = api_as(agent).get(f"{CASES}?sort=created_at")

    assert [item["id"] for item in response.json()["items"]] == [cases["own_team"].pk, cases["unteamed"].pk]


# --- list filters, sorting and pages --------------------------------------------------------------


def test_cases_filter_by_several_statuses(api_as, admin_user, customer, agent):
    new = make_case(customer)
    resolved = make_case(customer)
    case_resolve(actor=agent, case=resolved)
    make_case(customer, kind="question")
    pending = make_case(customer)
    post(api_as(agent), f"{CASES}/{pending.pk}/status", {"status": "pending_customer"})

    response = api_as(admin_user).get(f"{CASES}?status=resolved&status=pending_customer&sort=created_at")

    assert [item["id"] for item in response.json()["items"]] == [resolved.pk, pending.pk]
    assert new.pk not in [item["id"] for item in response.json()["items"]]


def test_cases_filter_by_kind_customer_and_unassigned(api_as, admin_user, agent, customer, other_customer):
    wanted = make_case(customer, kind="repair")
    make_case(customer, kind="question")
    make_case(other_customer, kind="repair")
    assigned = make_case(customer, kind="repair", assignee=agent)
    client = api_as(admin_user)

    unassigned = client.get(f"{CASES}?kind=repair&customer_id={customer.pk}&assignee_id=none")
    by_assignee = client.get(f"{CASES}?assignee_id={agent.pk}")

    assert [item["id"] for item in unassigned.json()["items"]] == [wanted.pk]
    assert [item["id"] for item in by_assignee.json()["items"]] == [assigned.pk]


def test_cases_filter_by_creation_time(api_as, admin_user, customer):
    old = make_case(customer)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    recent = make_case(customer)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    response = api_as(admin_user).get(CASES, {"created_after": since})

    assert [item["id"] for item in response.json()["items"]] == [recent.pk]


def test_cases_sort_by_priority(api_as, admin_user, customer):
    low = make_case(customer, priority="low")
    urgent = make_case(customer, priority="urgent")
    normal = make_case(customer, priority="normal")

    response = api_as(admin_user).get(f"{CASES}?sort=-priority")

    assert [item["id"] for item in response.json()["items"]] == [urgent.pk, normal.pk, low.pk]


def test_cases_page_through_with_a_cursor(api_as, admin_user, customer):
    made = [make_case(customer) for _ in range(5)]
    client = api_as(admin_user)

    first = client.get(f"{CASES}?limit=2&sort=created_at").json()
    second = client.get(f"{CASES}?limit=2&sort=created_at&cursor={first['next']}").json()
    third = client.get(f"{CASES}?limit=2&sort=created_at&cursor={second['next']}").json()

    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert ids == [case.pk for case in made]
    assert third["next"] is None


def test_an_unknown_status_filter_is_a_422(api_as, admin_user):
    response = api_as(admin_user).get(f"{CASES}?status=lost")

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["status.0"]


def test_listing_cases_runs_the_same_queries_for_any_page_size(
    api_as, admin_user, customer, team, agent, django_assert_num_queries
):
    for index in range(20):
        make_case(
            customer,
            team=team if index % 2 else None,
            assignee=agent if index % 3 else None,
            unit=UnitFactory(owner=customer),
        )
    client = api_as(admin_user)
    client.get(CASES)

    with django_assert_num_queries(2):  # the token, the page
        assert len(client.get(f"{CASES}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(2):
        assert len(client.get(f"{CASES}?limit=20").json()["items"]) == 20


def test_an_agents_case_list_query_count_does_not_grow(api_as, agent, customer, team):
    for _ in range(20):
        make_case(customer, team=team)
    client = api_as(agent)

    assert queries_for(client, f"{CASES}?limit=3") == queries_for(client, f"{CASES}?limit=20") == 3


# --- conversation ---------------------------------------------------------------------------------


def test_internal_notes_are_hidden_from_customers(api_as, agent, customer, customer_user):
    case = make_case(customer, actor=customer_user)
    note = post(
        api_as(agent),
        f"{CASES}/{case.pk}/messages",
        {"body": "Customer is on the old firmware.", "internal": True},
    )
    post(api_as(agent), f"{CASES}/{case.pk}/messages", {"body": "Please update the firmware."})

    as_customer = api_as(customer_user).get(f"{CASES}/{case.pk}/messages").json()["items"]
    as_staff = api_as(agent).get(f"{CASES}/{case.pk}/messages").json()["items"]

    assert note.status_code == 201
    assert note.json()["internal"] is True
    assert [m["body_text"] for m in as_customer] == [
        "Since yesterday it does not charge at all.",
        "Please update the firmware.",
    ]
    assert [m["internal"] for m in as_staff] == [False, True, False]
    assert [m["author_user_id"] for m in as_customer] == [None, None]


def test_a_customer_cannot_write_an_internal_note(api_as, customer, customer_user):
    case = make_case(customer)

    response = post(api_as(customer_user), f"{CASES}/{case.pk}/messages", {"body": "psst", "internal": True})

    assert response.status_code == 403
    assert error(response)["code"] == "staff_only"
    assert case.messages.count() == 1


def test_a_customer_cannot_resolve_through_a_message(api_as, customer, customer_user):
    case = make_case(customer)

    response = post(api_as(customer_user), f"{CASES}/{case.pk}/messages", {"body": "done", "resolve": True})

    assert response.status_code == 403
    assert case.messages.count() == 1
    case.refresh_from_db()
    assert case.status == "new"


def test_a_customer_cannot_post_on_another_customers_case(api_as, other_customer, customer_user):
    case = make_case(other_customer)

    response = post(api_as(customer_user), f"{CASES}/{case.pk}/messages", {"body": "hello"})

    assert response.status_code == 404
    assert case.messages.count() == 1


def test_an_internal_note_cannot_change_the_status(api_as, agent, customer):
    case = make_case(customer)

    response = post(
        api_as(agent), f"{CASES}/{case.pk}/messages", {"body": "x", "internal": True, "resolve": True}
    )

    assert response.status_code == 422
    assert case.messages.count() == 1


def test_listing_messages_runs_the_same_queries_for_any_page_size(
    api_as, agent, customer, django_assert_num_queries
):
    case = make_case(customer)
    for index in range(19):
        case_note(actor=agent, case=case, body=f"note {index}")
    client = api_as(agent)
    path = f"{CASES}/{case.pk}/messages"
    client.get(path)

    # the token, the agent's teams, the case, the messages, their attachments
    with django_assert_num_queries(5):
        assert len(client.get(f"{path}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(5):
        assert len(client.get(f"{path}?limit=20").json()["items"]) == 20


# --- the workflow ---------------------------------------------------------------------------------


def _status(case: Case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def test_the_whole_workflow_through_the_api(api_as, agent, customer_user):
    staff, person = api_as(agent), api_as(customer_user)
    # open
    case_id = _open(person).json()["id"]
    path = f"{CASES}/{case_id}"
    # an agent replies and waits for the customer
    reply = post(staff, f"{path}/messages", {"body": "Which model is it?", "status": "pending_customer"})
    assert reply.status_code == 201
    assert staff.get(path).json()["status"] == "pending_customer"
    # the customer answers: the case opens again
    assert post(person, f"{path}/messages", {"body": "The X200."}).status_code == 201
    assert staff.get(path).json()["status"] == "open"
    # resolve
    resolved = post(staff, f"{path}/resolve", {"summary": "Sent a new charger."})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution_summary"] == "Sent a new charger."
    # the customer reopens it
    reopened = post(person, f"{path}/reopen", {"reason": "Still broken."})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"
    assert reopened.json()["reopen_count"] == 1
    # resolve again and close
    assert post(staff, f"{path}/resolve", {"summary": "Replaced the unit."}).json()["status"] == "resolved"
    closed = post(staff, f"{path}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None


@pytest.mark.parametrize(
    ("start", "action", "body"),
    [
        ("new", "close", None),
        ("new", "reopen", {}),
        ("open", "status", {"status": "new"}),
        ("resolved", "status", {"status": "on_hold"}),
        ("closed", "resolve", {"summary": "again"}),
    ],
)
def test_forbidden_transitions_are_409_and_change_nothing(api_as, agent, customer, start, action, body):
    case = make_case(customer)
    staff = api_as(agent)
    if start != "new":
        post(staff, f"{CASES}/{case.pk}/status", {"status": "open"})
    if start in ("resolved", "closed"):
        post(staff, f"{CASES}/{case.pk}/resolve", {"summary": "done"})
    if start == "closed":
        post(staff, f"{CASES}/{case.pk}/close")
    assert _status(case) == start

    response = post(staff, f"{CASES}/{case.pk}/{action}", body)

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert _status(case) == start


def test_status_moves_through_allowed_transitions(api_as, agent, customer):
    case = make_case(customer)

    response = post(api_as(agent), f"{CASES}/{case.pk}/status", {"status": "on_hold"})

    assert response.status_code == 200
    assert response.json()["status"] == "on_hold"
    assert _status(case) == "on_hold"


def test_an_unknown_status_is_a_422(api_as, agent, customer):
    case = make_case(customer)

    response = post(api_as(agent), f"{CASES}/{case.pk}/status", {"status": "lost"})

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["status"]
    assert _status(case) == "new"


def test_a_customer_cannot_reopen_a_closed_case(api_as, agent, customer, customer_user):
    case = make_case(customer)
    staff = api_as(agent)
    post(staff, f"{CASES}/{case.pk}/resolve", {})
    post(staff, f"{CASES}/{case.pk}/close")

    response = post(api_as(customer_user), f"{CASES}/{case.pk}/reopen", {})

    assert response.status_code == 409
    assert error(response)["code"] == "case_closed"
    assert _status(case) == "closed"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("assign", {"assignee_id": None}),
        ("status", {"status": "open"}),
        ("resolve", {"summary": "x"}),
        ("priority", {"priority": "urgent"}),
        ("close", None),
        ("unit", {"unit_id": None}),
    ],
)
def test_customers_cannot_run_staff_actions_on_their_own_case(api_as, customer, customer_user, action, body):
    case = make_case(customer)

    response = post(api_as(customer_user), f"{CASES}/{case.pk}/{action}", body)

    assert response.status_code == 403
    assert error(response)["code"] == "staff_only"
    case.refresh_from_db()
    assert (case.status, case.priority, case.assignee_id) == ("new", "normal", None)


@pytest.mark.parametrize(
    "action", ["assign", "status", "resolve", "reopen", "priority", "close", "merge", "unit"]
)
def test_actions_on_a_case_one_may_not_see_are_404(api_as, customer_user, other_customer, action):
    case = make_case(other_customer)

    response = post(
        api_as(customer_user),
        f"{CASES}/{case.pk}/{action}",
        {"status": "open", "priority": "low", "target_id": case.pk, "unit_id": None},
    )

    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.status, case.priority) == ("new", "normal")


def test_an_agent_cannot_act_on_another_teams_case(api_as, agent, other_team, other_customer):
    case = make_case(other_customer, team=other_team)

    response = post(api_as(agent), f"{CASES}/{case.pk}/priority", {"priority": "urgent"})

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).priority == "normal"


def test_customer_cannot_edit_merge_or_read_the_timeline(api_as, customer, customer_user):
    case = make_case(customer)
    other = make_case(customer)
    client = api_as(customer_user)

    edited = patch(client, f"{CASES}/{case.pk}", {"subject": "Mine now"})
    merged = post(client, f"{CASES}/{case.pk}/merge", {"target_id": other.pk})
    events = client.get(f"{CASES}/{case.pk}/events")

    assert [edited.status_code, merged.status_code, events.status_code] == [403, 403, 403]
    case.refresh_from_db()
    assert (case.subject, case.merged_into_id) == ("The phone does not charge", None)


# --- routing, fields, merging, timeline -----------------------------------------------------------


def test_assign_changes_only_the_keys_sent(api_as, manager, agent, team, customer):
    case = make_case(customer, team=team)
    client = api_as(manager)

    assigned = post(client, f"{CASES}/{case.pk}/assign", {"assignee_id": agent.pk})
    cleared = post(client, f"{CASES}/{case.pk}/assign", {"team_id": None})

    assert assigned.status_code == 200
    assert assigned.json()["assignee"] == {"id": agent.pk, "name": "Arash Agent"}
    assert assigned.json()["team"] == {"id": team.pk, "name": "Phones"}
    assert cleared.json()["team"] is None
    assert cleared.json()["assignee"]["id"] == agent.pk


def test_assigning_to_a_customer_account_is_refused(api_as, manager, customer, customer_user):
    case = make_case(customer)

    response = post(api_as(manager), f"{CASES}/{case.pk}/assign", {"assignee_id": customer_user.pk})

    assert response.status_code == 422
    assert error(response)["code"] == "assignee_not_agent"
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_assigning_to_an_unknown_user_is_a_422(api_as, manager, customer):
    case = make_case(customer)

    response = post(api_as(manager), f"{CASES}/{case.pk}/assign", {"assignee_id": 987654})

    assert response.status_code == 422
    assert error(response)["fields"] == {"assignee_id": ["No such user."]}


def test_priority_and_fields_change(api_as, agent, customer):
    case = make_case(customer)
    client = api_as(agent)

    priority = post(client, f"{CASES}/{case.pk}/priority", {"priority": "urgent"})
    edited = patch(client, f"{CASES}/{case.pk}", {"subject": "Charger broken", "kind": "warranty_claim"})

    assert priority.json()["priority"] == "urgent"
    assert (edited.json()["subject"], edited.json()["kind"]) == ("Charger broken", "warranty_claim")


def test_linking_a_unit(api_as, agent, customer, other_customer):
    case = make_case(customer)
    mine, theirs = UnitFactory(owner=customer), UnitFactory(owner=other_customer)
    client = api_as(agent)

    linked = post(client, f"{CASES}/{case.pk}/unit", {"unit_id": mine.pk})
    refused = post(client, f"{CASES}/{case.pk}/unit", {"unit_id": theirs.pk})
    unlinked = post(client, f"{CASES}/{case.pk}/unit", {"unit_id": None})

    assert (linked.status_code, linked.json()["unit_id"], linked.json()["product_id"]) == (
        200,
        mine.pk,
        mine.product_id,
    )
    assert refused.status_code == 422
    assert error(refused)["code"] == "unit_not_customers"
    assert unlinked.json()["unit_id"] is None


def test_merge_moves_the_conversation_into_the_target(api_as, agent, customer):
    source = make_case(customer, subject="Charger")
    target = make_case(customer, subject="Phone")

    response = post(api_as(agent), f"{CASES}/{source.pk}/merge", {"target_id": target.pk})

    assert response.status_code == 200
    assert response.json()["id"] == target.pk
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (CaseStatus.CLOSED, target.pk)
    assert Message.objects.filter(case=target).count() == 2


def test_merge_refuses_other_customers_and_itself(api_as, agent, customer, other_customer):
    source = make_case(customer)
    foreign = make_case(other_customer)
    client = api_as(agent)

    mismatch = post(client, f"{CASES}/{source.pk}/merge", {"target_id": foreign.pk})
    itself = post(client, f"{CASES}/{source.pk}/merge", {"target_id": source.pk})
    unknown = post(client, f"{CASES}/{source.pk}/merge", {"target_id": 987654})

    assert (mismatch.status_code, error(mismatch)["code"]) == (422, "merge_customer_mismatch")
    assert (itself.status_code, error(itself)["code"]) == (422, "merge_self")
    assert (unknown.status_code, error(unknown)["fields"]) == (422, {"target_id": ["No such case."]})
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == ("new", None)


def test_staff_read_the_timeline(api_as, agent, customer):
    case = make_case(customer)
    post(api_as(agent), f"{CASES}/{case.pk}/priority", {"priority": "high"})

    response = api_as(agent).get(f"{CASES}/{case.pk}/events")

    assert response.status_code == 200
    events = response.json()["items"]
    assert [event["kind"] for event in events] == ["opened", "priority_changed"]
    assert events[1]["data"] == {"from": "normal", "to": "high"}
    assert events[1]["actor"] == {"id": agent.pk, "name": "Arash Agent"}


def test_listing_events_runs_the_same_queries_for_any_page_size(
    api_as, admin_user, agent, customer, django_assert_num_queries
):
    case = make_case(customer)
    for index in range(19):
        post(api_as(agent), f"{CASES}/{case.pk}/priority", {"priority": ["low", "high"][index % 2]})
    client = api_as(admin_user)
    path = f"{CASES}/{case.pk}/events"
    client.get(path)

    with django_assert_num_queries(3):  # the token, the case, the events with their actors
        assert len(client.get(f"{path}?limit=3").json()["items"]) == 3
    with django_assert_num_queries(3):
        assert len(client.get(f"{path}?limit=20").json()["items"]) == 20


def test_an_order_of_another_customer_cannot_be_attached(api_as, agent, customer, other_customer):
    order = OrderFactory(customer=other_customer)

    response = _open(api_as(agent), customer_id=customer.pk, order_id=order.pk)

    assert response.status_code == 422
    assert error(response)["code"] == "order_not_customers"
    assert Case.objects.count() == 0


def test_a_manager_created_by_factory_can_act(api_as, customer):
    manager = UserFactory(role=Role.MANAGER)
    case = make_case(customer)

    assert post(api_as(manager), f"{CASES}/{case.pk}/priority", {"priority": "low"}).status_code == 200
