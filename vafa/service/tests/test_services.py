import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.models import Counter
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.tests.factories import UnitFactory
from vafa.service.models import Attachment, Case, CaseEvent, Message
from vafa.service.services import (
    AttachmentInput,
    case_assign,
    case_close,
    case_customer_reply,
    case_link_unit,
    case_merge,
    case_note,
    case_reopen,
    case_reply,
    case_resolve,
    case_set_priority,
    case_set_status,
    case_update,
)
from vafa.service.tests.factories import make_case


def kinds(case: Case) -> list[str]:
    return list(
        CaseEvent.objects.filter(case=case).order_by("created_at", "id").values_list("kind", flat=True)
    )


def test_case_open_numbers_cases_and_records_the_first_message(db, agent, customer):
    first = make_case(customer, actor=agent, subject="Screen flickers")
    second = make_case(customer, actor=agent)

    assert (first.number, second.number) == (1, 2)
    assert Counter.objects.get(name="case").value == 2
    assert first.reference == "VF-1"
    assert first.status == "new"
    assert first.language == "fa"
    message = first.messages.get()
    assert (message.author_kind, message.author_customer, message.is_internal) == (
        "customer",
        customer,
        False,
    )
    assert message.body_text == "Since yesterday it does not charge at all."
    assert message.body_html == "<p>Since yesterday it does not charge at all.</p>"
    assert kinds(first) == ["opened"]
    audit = AuditLog.objects.get(action="case.open", object_id=str(first.pk))
    assert audit.actor == agent
    assert audit.after["subject"] == "Screen flickers"


def test_case_open_captures_warranty_status_of_the_unit(db, customer):
    today = timezone.localdate()
    in_warranty = UnitFactory(
        owner=customer,
        warranty_start=today - dt.timedelta(days=10),
        warranty_end=today + dt.timedelta(days=20),
    )
    extended = UnitFactory(
        owner=customer,
        purchased_on=today - dt.timedelta(days=800),
        delivered_on=today - dt.timedelta(days=800),
        warranty_start=today - dt.timedelta(days=800),
        warranty_end=today - dt.timedelta(days=435),
        extended_warranty_end=today + dt.timedelta(days=5),
    )
    expired = UnitFactory(
        owner=customer,
        purchased_on=today - dt.timedelta(days=800),
        delivered_on=today - dt.timedelta(days=800),
        warranty_start=today - dt.timedelta(days=800),
        warranty_end=today - dt.timedelta(days=435),
    )

    cases = [
        make_case(customer, unit=unit, kind="warranty_claim") for unit in (in_warranty, extended, expired)
    ]

    assert [c.warranty_status_at_open for c in cases] == ["in_warranty", "extended", "expired"]
    assert cases[0].product == in_warranty.product


def test_case_open_refuses_another_customers_unit_and_changes_nothing(db, agent, customer, other_customer):
    unit = UnitFactory(owner=other_customer)

    with pytest.raises(ValidationFailed) as error:
        make_case(customer, actor=agent, unit=unit)

    assert error.value.code == "unit_not_customers"
    assert Case.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "gossip"), ("channel", "pigeon"), ("priority", "whenever"), ("subject", "   "), ("body", "")],
)
def test_case_open_validates_fields(db, customer, field, value):
    with pytest.raises(ValidationFailed) as error:
        make_case(customer, **{field: value})

    assert field in error.value.fields
    assert Case.objects.count() == 0


def test_customer_can_open_only_their_own_case_and_cannot_route_it(
    db, customer, customer_user, other_customer, team, agent
):
    own = make_case(customer, actor=customer_user, priority="urgent", team=team, assignee=agent)

    assert (own.priority, own.team, own.assignee) == ("normal", None, None)
    with pytest.raises(Forbidden):
        make_case(other_customer, actor=customer_user)
    assert Case.objects.count() == 1


def test_agent_reply_marks_first_response_and_opens_a_new_case(db, agent, customer):
    case = make_case(customer)

    message = case_reply(actor=agent, case=case, body="Please try another cable.")

    case.refresh_from_db()
    assert case.status == "open"
    assert case.first_response_at == message.created_at
    assert (message.author_kind, message.author_user) == ("agent", agent)
    assert kinds(case) == ["opened", "replied", "status_changed"]

    later = case_reply(actor=agent, case=case, body="Any news?", status="pending_customer")
    case.refresh_from_db()
    assert case.first_response_at == message.created_at != later.created_at
    assert case.status == "pending_customer"


def test_customer_reply_reopens_waiting_and_resolved_cases(db, agent, customer, customer_user):
    case = make_case(customer)
    case_reply(actor=agent, case=case, body="Which model?", status="pending_customer")

    case_customer_reply(actor=customer_user, case=case, customer=customer, body="The X200.")
    case.refresh_from_db()
    assert case.status == "open"

    case_resolve(actor=agent, case=case, summary="Replaced the cable")
    case_customer_reply(actor=customer_user, case=case, customer=customer, body="It broke again.")
    case.refresh_from_db()
    assert (case.status, case.reopen_count, case.resolved_at) == ("open", 1, None)
    assert kinds(case)[-2:] == ["customer_replied", "reopened"]


def test_customer_cannot_write_to_another_customers_case(db, customer, other_customer, other_customer_user):
    case = make_case(customer)

    with pytest.raises(Forbidden):
        case_customer_reply(actor=other_customer_user, case=case, customer=other_customer, body="hello")

    assert case.messages.count() == 1


def test_internal_note_is_staff_only(db, agent, customer, customer_user):
    case = make_case(customer)

    note = case_note(actor=agent, case=case, body="Customer called twice.")
    with pytest.raises(Forbidden):
        case_note(actor=customer_user, case=case, body="sneaky")

    assert note.is_internal is True
    assert case.messages.filter(is_internal=True).count() == 1
    assert kinds(case) == ["opened", "noted"]


def test_full_status_workflow(db, agent, customer):
    case = make_case(customer)

    case_set_status(actor=agent, case=case, status="open")
    case_set_status(actor=agent, case=case, status="on_hold")
    case_set_status(actor=agent, case=case, status="pending_customer")
    case_resolve(actor=agent, case=case, summary="Sent a new charger")
    case_close(actor=agent, case=case)
    case.refresh_from_db()

    assert case.status == "closed"
    assert case.resolution_summary == "Sent a new charger"
    assert case.resolved_at is not None and case.closed_at is not None
    assert kinds(case) == [
        "opened",
        "status_changed",
        "status_changed",
        "status_changed",
        "resolved",
        "closed",
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("new", "closed"),
        ("open", "closed"),
        ("closed", "pending_customer"),
        ("resolved", "on_hold"),
        ("open", "new"),
    ],
)
def test_forbidden_transitions_are_refused_and_change_nothing(db, agent, customer, start, target):
    case = make_case(customer)
    if start != "new":
        case_set_status(actor=agent, case=case, status="open")
    if start in ("resolved", "closed"):
        case_resolve(actor=agent, case=case)
    if start == "closed":
        case_close(actor=agent, case=case)
    case.refresh_from_db()
    events_before = CaseEvent.objects.count()

    with pytest.raises(Conflict) as error:
        case_set_status(actor=agent, case=case, status=target)

    assert error.value.code == "invalid_transition"
    case.refresh_from_db()
    assert case.status == start
    assert CaseEvent.objects.count() == events_before


def test_reopen_counts_and_clears_resolution_times(db, agent, customer):
    case = make_case(customer)
    case_resolve(actor=agent, case=case)
    case_close(actor=agent, case=case)

    case_reopen(actor=agent, case=case, reason="Customer called back")
    case.refresh_from_db()

    assert (case.status, case.reopen_count, case.resolved_at, case.closed_at) == ("open", 1, None, None)
    event = CaseEvent.objects.get(case=case, kind="reopened")
    assert event.data == {"from": "closed", "reason": "Customer called back"}


def test_customer_may_reopen_resolved_but_not_closed_case(db, agent, customer, customer_user):
    case = make_case(customer)
    case_resolve(actor=agent, case=case)

    case_reopen(actor=customer_user, case=case)
    case_resolve(actor=agent, case=case)
    case_close(actor=agent, case=case)
    with pytest.raises(Conflict):
        case_reopen(actor=customer_user, case=case)

    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("closed", 1)


def test_assign_records_transfer_and_assignment(db, manager, agent, team, other_team, other_agent, customer):
    case = make_case(customer)

    case_assign(actor=manager, case=case, team=team, assignee=agent)
    case_assign(actor=manager, case=case, team=other_team, assignee=other_agent)
    case.refresh_from_db()

    assert (case.team, case.assignee) == (other_team, other_agent)
    events = list(CaseEvent.objects.filter(case=case).exclude(kind="opened").values_list("kind", "data"))
    assert events == [
        ("transferred", {"from": None, "to": team.pk}),
        ("assigned", {"from": None, "to": agent.pk}),
        ("transferred", {"from": team.pk, "to": other_team.pk}),
        ("assigned", {"from": agent.pk, "to": other_agent.pk}),
    ]


def test_assign_refuses_an_agent_outside_the_team(db, manager, other_agent, team, customer):
    case = make_case(customer)

    with pytest.raises(ValidationFailed) as error:
        case_assign(actor=manager, case=case, team=team, assignee=other_agent)

    assert error.value.code == "assignee_not_in_team"
    case.refresh_from_db()
    assert (case.team, case.assignee) == (None, None)


def test_assign_refuses_customers_as_assignees(db, manager, customer_user, customer):
    case = make_case(customer)

    with pytest.raises(ValidationFailed):
        case_assign(actor=manager, case=case, assignee=customer_user)


def test_priority_and_subject_changes_are_events(db, agent, customer):
    case = make_case(customer)

    case_set_priority(actor=agent, case=case, priority="urgent")
    case_update(actor=agent, case=case, subject="Charger melted", kind="complaint")
    case.refresh_from_db()

    assert (case.priority, case.subject, case.kind) == ("urgent", "Charger melted", "complaint")
    assert kinds(case) == ["opened", "priority_changed", "updated"]


def test_merge_moves_messages_and_closes_the_source(db, agent, customer):
    target = make_case(customer, subject="Phone will not charge")
    source = make_case(customer, subject="Charging problem again")
    case_reply(actor=agent, case=source, body="Looking into it")

    case_merge(actor=agent, source=source, target=target)
    source.refresh_from_db()
    target.refresh_from_db()

    assert (source.status, source.merged_into) == ("closed", target)
    assert target.messages.count() == 3
    assert target.messages.filter(merged_from=source).count() == 2
    assert CaseEvent.objects.get(case=target, kind="merged_from").data["messages"] == 2
    with pytest.raises(Conflict) as error:
        case_reply(actor=agent, case=source, body="late")
    assert error.value.code == "case_merged"


def test_merge_refuses_other_customers_and_itself(db, agent, customer, other_customer):
    mine = make_case(customer)
    theirs = make_case(other_customer)

    with pytest.raises(ValidationFailed):
        case_merge(actor=agent, source=mine, target=theirs)
    with pytest.raises(ValidationFailed):
        case_merge(actor=agent, source=mine, target=mine)

    assert Case.objects.filter(merged_into__isnull=False).count() == 0
    assert mine.messages.count() == 1 and theirs.messages.count() == 1


def test_link_unit_sets_product_and_refuses_foreign_units(db, agent, customer, other_customer):
    case = make_case(customer)
    unit = UnitFactory(owner=customer)
    foreign = UnitFactory(owner=other_customer)

    case_link_unit(actor=agent, case=case, unit=unit)
    with pytest.raises(ValidationFailed):
        case_link_unit(actor=agent, case=case, unit=foreign)
    case.refresh_from_db()

    assert (case.unit, case.product, case.warranty_status_at_open) == (unit, unit.product, "in_warranty")
    assert kinds(case) == ["opened", "linked_to_unit"]


def test_attachments_are_stored_by_hash_and_limited(db, settings, agent, customer):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 1000
    case = make_case(customer)
    photo = AttachmentInput(
        filename="../../photo.jpg", content_type="image/jpeg", content=b"\xff\xd8jpegdata"
    )

    message = case_reply(actor=agent, case=case, body="See photo", attachments=[photo, photo])

    stored = list(message.attachments.all())
    assert [a.filename for a in stored] == ["photo.jpg", "photo.jpg"]
    assert stored[0].sha256 == hashlib.sha256(b"\xff\xd8jpegdata").hexdigest()
    assert stored[0].file.name == stored[1].file.name
    assert stored[0].file.read() == b"\xff\xd8jpegdata"

    for bad in (
        AttachmentInput(filename="big.pdf", content_type="application/pdf", content=b"x" * 1001),
        AttachmentInput(filename="run.exe", content_type="application/octet-stream", content=b"MZ"),
        AttachmentInput(filename="a.txt", content_type="not a type", content=b"hi"),
    ):
        with pytest.raises(ValidationFailed):
            case_reply(actor=agent, case=case, body="again", attachments=[bad])
    assert Attachment.objects.count() == 2
    assert case.messages.count() == 2


def test_html_bodies_are_sanitised(db, agent, customer):
    case = make_case(customer)

    message = case_reply(
        actor=agent,
        case=case,
        body_html='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:evil()">x</a></p>',
    )

    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert "javascript" not in message.body_html
    assert message.body_text == "Hi x"


def test_services_mark_where_writes_came_from(db, agent, customer):
    from vafa.core.context import via

    with via("api"):
        case = make_case(customer, actor=agent)

    assert AuditLog.objects.get(action="case.open", object_id=str(case.pk)).via == "api"


def test_concurrent_number_sequence_stays_unique(db, customer):
    numbers = {make_case(CustomerFactory()).number for _ in range(5)}
    assert numbers == {1, 2, 3, 4, 5}
