"""The customer's side of a resolved case: the reopen window, ratings, and the portal's list of requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vafa.accounts.models import AuditLog
from vafa.accounts.services import customer_account_ensure
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.customers.tests.factories import CustomerFactory, OrganisationFactory
from vafa.service.models import Case, CaseEvent, CaseRating, Message
from vafa.service.selectors import case_reopen_until, customer_case_page, customer_open_cases
from vafa.service.services import (
    CaseError,
    case_close,
    case_customer_reply,
    case_merge,
    case_rate,
    case_reopen,
    case_resolve,
)
from vafa.service.tests.factories import make_case


def resolved_days_ago(case: Case, agent, days: int) -> Case:
    case_resolve(actor=agent, case=case, summary="Fixed")
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - dt.timedelta(days=days))
    return Case.objects.get(pk=case.pk)


# --- the reopen window ----------------------------------------------------------------------------


def test_reopen_until_is_the_window_after_resolution(db, agent, customer, settings):
    settings.VAFA_PORTAL_REOPEN_DAYS = 10
    case = make_case(customer)
    assert case_reopen_until(case) is None

    case = case_resolve(actor=agent, case=case)

    assert case_reopen_until(case) == case.resolved_at + dt.timedelta(days=10)


def test_customer_reopens_within_the_window(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 13)

    case = case_reopen(actor=customer_user, case=case, reason="Still broken")

    assert (case.status, case.reopen_count) == ("open", 1)


def test_customer_cannot_reopen_after_the_window(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 15)
    events_before = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(Conflict) as error:
        case_reopen(actor=customer_user, case=case)

    assert error.value.code == CaseError.REOPEN_WINDOW_PASSED
    assert "14" in str(error.value.message)
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("resolved", 0)
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_the_window_follows_the_setting(db, agent, customer, customer_user, settings):
    settings.VAFA_PORTAL_REOPEN_DAYS = 30
    case = resolved_days_ago(make_case(customer), agent, 20)

    case = case_reopen(actor=customer_user, case=case)

    assert case.status == "open"


def test_agent_reopens_after_the_window(db, agent, customer):
    case = resolved_days_ago(make_case(customer), agent, 60)

    case = case_reopen(actor=agent, case=case, reason="Customer called")

    assert case.status == "open"


def test_customer_reply_after_the_window_is_refused(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 15)
    messages_before = Message.objects.filter(case=case).count()

    with pytest.raises(Conflict) as error:
        case_customer_reply(
            actor=customer_user, case=case, customer=customer, body="Again broken", channel="portal"
        )

    assert error.value.code == CaseError.REOPEN_WINDOW_PASSED
    case.refresh_from_db()
    assert case.status == "resolved"
    assert Message.objects.filter(case=case).count() == messages_before


def test_customer_reply_within_the_window_reopens(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 2)

    case_customer_reply(
        actor=customer_user, case=case, customer=customer, body="Again broken", channel="portal"
    )

    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("open", 1)


def test_email_reply_after_the_window_still_reopens(db, agent, customer):
    # The e-mail channel writes with no actor; the mailbox's own rules decide, not the portal's window.
    case = resolved_days_ago(make_case(customer), agent, 60)

    case_customer_reply(case=case, customer=customer, body="Again broken", channel="email")

    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("open", 1)


# --- ratings --------------------------------------------------------------------------------------


def test_customer_rates_a_resolved_case(db, agent, customer, customer_user):
    case = case_resolve(actor=agent, case=make_case(customer))

    rating = case_rate(actor=customer_user, case=case, score=4, comment="  Quick and kind.  ")

    assert (rating.case, rating.customer, rating.score, rating.comment) == (
        case,
        customer,
        4,
        "Quick and kind.",
    )
    event = CaseEvent.objects.get(case=case, kind="rated")
    assert (event.actor, event.actor_kind, event.data) == (customer_user, "customer", {"score": 4})
    audit = AuditLog.objects.get(action="case.rate", object_id=str(case.pk))
    assert (audit.actor, audit.after) == (customer_user, {"score": 4, "comment": "Quick and kind."})


def test_customer_rates_a_closed_case(db, agent, customer, customer_user):
    case = case_close(actor=agent, case=case_resolve(actor=agent, case=make_case(customer)))

    rating = case_rate(actor=customer_user, case=case, score=5)

    assert (rating.score, rating.comment) == (5, "")


def test_an_open_case_cannot_be_rated(db, customer, customer_user):
    case = make_case(customer)

    with pytest.raises(Conflict) as error:
        case_rate(actor=customer_user, case=case, score=5)

    assert error.value.code == CaseError.NOT_RESOLVED
    assert not CaseRating.objects.exists()
    assert not CaseEvent.objects.filter(kind="rated").exists()


@pytest.mark.parametrize("score", [0, 6, -1, True, "5", None])
def test_a_score_outside_one_to_five_is_refused(db, agent, customer, customer_user, score):
    case = case_resolve(actor=agent, case=make_case(customer))

    with pytest.raises(ValidationFailed) as error:
        case_rate(actor=customer_user, case=case, score=score)

    assert list(error.value.fields) == ["score"]
    assert not CaseRating.objects.exists()


def test_a_too_long_comment_is_refused(db, agent, customer, customer_user):
    case = case_resolve(actor=agent, case=make_case(customer))

    with pytest.raises(ValidationFailed) as error:
        case_rate(actor=customer_user, case=case, score=3, comment="x" * 2001)

    assert list(error.value.fields) == ["comment"]
    assert not CaseRating.objects.exists()


def test_only_the_cases_own_customer_may_rate(db, agent, customer, other_customer_user):
    case = case_resolve(actor=agent, case=make_case(customer))

    for actor in (other_customer_user, agent, None):
        with pytest.raises(Forbidden) as error:
            case_rate(actor=actor, case=case, score=1)
        assert error.value.code == CaseError.NOT_YOUR_CASE

    assert not CaseRating.objects.exists()


def test_an_organisation_member_may_not_rate_a_colleagues_case(db, agent):
    organisation = OrganisationFactory(share_with_members=True)
    asker = CustomerFactory(organisation=organisation)
    colleague = customer_account_ensure(actor=None, customer=CustomerFactory(organisation=organisation))
    case = case_resolve(actor=agent, case=make_case(asker))

    with pytest.raises(Forbidden):
        case_rate(actor=colleague, case=case, score=1)

    assert not CaseRating.objects.exists()


def test_rating_again_within_the_window_changes_it(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 3)
    first = case_rate(actor=customer_user, case=case, score=2, comment="Slow")

    second = case_rate(actor=customer_user, case=case, score=4, comment="Better after all")

    assert second.pk == first.pk
    assert CaseRating.objects.get().score == 4
    assert [e.data for e in CaseEvent.objects.filter(case=case, kind="rated").order_by("id")] == [
        {"score": 2},
        {"score": 4, "from": 2},
    ]


def test_the_same_rating_again_records_nothing(db, agent, customer, customer_user):
    case = case_resolve(actor=agent, case=make_case(customer))
    case_rate(actor=customer_user, case=case, score=5, comment="Great")

    case_rate(actor=customer_user, case=case, score=5, comment="Great")

    assert CaseEvent.objects.filter(case=case, kind="rated").count() == 1


def test_a_rating_cannot_change_after_the_window(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 3)
    case_rate(actor=customer_user, case=case, score=2)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - dt.timedelta(days=20))

    with pytest.raises(Conflict) as error:
        case_rate(actor=customer_user, case=case, score=5)

    assert error.value.code == CaseError.RATING_LOCKED
    assert CaseRating.objects.get().score == 2
    assert CaseEvent.objects.filter(case=case, kind="rated").count() == 1


def test_a_late_first_rating_is_taken(db, agent, customer, customer_user):
    case = resolved_days_ago(make_case(customer), agent, 40)

    rating = case_rate(actor=customer_user, case=case, score=3)

    assert rating.score == 3


def test_the_database_holds_the_score_range(db, agent, customer):
    from django.db import IntegrityError, transaction

    case = case_resolve(actor=agent, case=make_case(customer))
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseRating.objects.create(case=case, customer=customer, score=9, created_at=now, updated_at=now)


# --- the portal's list ----------------------------------------------------------------------------


def test_customer_case_page_lists_own_cases_latest_activity_first(
    db, agent, customer, customer_user, other_customer
):
    older = make_case(customer, subject="Older")
    newer = make_case(customer, subject="Newer")
    make_case(other_customer, subject="Not mine")
    case_customer_reply(
        actor=customer_user, case=older, customer=customer, body="Any news?", channel="portal"
    )

    page = customer_case_page(viewer=customer_user)

    assert [c.subject for c in page.items] == ["Older", "Newer"]
    assert (page.next, page.previous) == (None, None)
    assert newer in page.items


def test_customer_case_page_walks_pages_both_ways(db, customer, customer_user):
    cases = [make_case(customer, subject=f"Case {i}") for i in range(5)]

    first = customer_case_page(viewer=customer_user, size=2)
    second = customer_case_page(viewer=customer_user, size=2, after=first.next)
    third = customer_case_page(viewer=customer_user, size=2, after=second.next)
    back = customer_case_page(viewer=customer_user, size=2, before=second.previous)

    assert [c.subject for c in first.items] == ["Case 4", "Case 3"]
    assert [c.subject for c in second.items] == ["Case 2", "Case 1"]
    assert [c.subject for c in third.items] == ["Case 0"]
    assert third.next is None
    assert [c.pk for c in back.items] == [cases[4].pk, cases[3].pk]


def test_customer_case_page_refuses_a_bad_cursor(db, customer_user):
    with pytest.raises(ValidationFailed):
        customer_case_page(viewer=customer_user, after="garbage")


def test_organisation_cases_only_when_asked_and_shared(db):
    organisation = OrganisationFactory(share_with_members=True)
    me = CustomerFactory(organisation=organisation)
    account = customer_account_ensure(actor=None, customer=me)
    mine = make_case(me, subject="Mine")
    colleagues = make_case(CustomerFactory(organisation=organisation), subject="Colleague's")
    make_case(CustomerFactory(), subject="Stranger's")

    assert [c.pk for c in customer_case_page(viewer=account).items] == [mine.pk]
    assert {c.pk for c in customer_case_page(viewer=account, organisation=True).items} == {
        mine.pk,
        colleagues.pk,
    }

    organisation.share_with_members = False
    organisation.save()
    account = type(account).objects.get(pk=account.pk)
    assert [c.pk for c in customer_case_page(viewer=account, organisation=True).items] == [mine.pk]


def test_merged_cases_are_left_out(db, agent, customer, customer_user):
    source = make_case(customer, subject="Duplicate")
    target = make_case(customer, subject="Kept")
    case_merge(actor=agent, source=source, target=target)

    page = customer_case_page(viewer=customer_user)

    assert [c.subject for c in page.items] == ["Kept"]


def test_customer_case_page_costs_one_query(db, customer, customer_user, django_assert_num_queries):
    for i in range(25):
        make_case(customer, subject=f"Case {i}")
    customer_user = (
        type(customer_user).objects.select_related("customer__organisation").get(pk=customer_user.pk)
    )

    with django_assert_num_queries(1):
        page = customer_case_page(viewer=customer_user, size=20)
        for case in page.items:
            _ = (case.product, case.unit, case.customer.name)

    assert len(page.items) == 20


def test_customer_open_cases_leave_out_resolved(db, agent, customer, customer_user):
    make_case(customer, subject="Open one")
    case_resolve(actor=agent, case=make_case(customer, subject="Done"))

    assert [c.subject for c in customer_open_cases(viewer=customer_user)] == ["Open one"]


def test_staff_get_no_customer_cases(db, agent, customer):
    make_case(customer)

    assert customer_case_page(viewer=agent).items == []
    assert customer_open_cases(viewer=agent) == []


def test_organisation_pages_merge_own_and_colleagues_cases_in_order(db):
    organisation = OrganisationFactory(share_with_members=True)
    me = CustomerFactory(organisation=organisation)
    colleague = CustomerFactory(organisation=organisation)
    account = customer_account_ensure(actor=None, customer=me)
    cases = [make_case(me if n % 3 == 0 else colleague, subject=f"Case {n}") for n in range(8)]
    newest_first = [c.pk for c in reversed(cases)]

    first = customer_case_page(viewer=account, organisation=True, size=3)
    second = customer_case_page(viewer=account, organisation=True, size=3, after=first.next)
    third = customer_case_page(viewer=account, organisation=True, size=3, after=second.next)
    back = customer_case_page(viewer=account, organisation=True, size=3, before=third.previous)
    start = customer_case_page(viewer=account, organisation=True, size=3, before=back.previous)

    assert [c.pk for c in first.items + second.items + third.items] == newest_first
    assert (first.previous, third.next) == (None, None)
    assert [c.pk for c in back.items] == newest_first[3:6]
    assert [c.pk for c in start.items] == newest_first[:3]
    assert start.previous is None


def test_organisation_page_costs_two_queries(db, django_assert_num_queries):
    organisation = OrganisationFactory(share_with_members=True)
    me = CustomerFactory(organisation=organisation)
    for n in range(6):
        make_case(me if n % 2 else CustomerFactory(organisation=organisation))
    account = (
        type(customer_account_ensure(actor=None, customer=me))
        .objects.select_related("customer__organisation")
        .get(customer=me)
    )

    with django_assert_num_queries(2):
        page = customer_case_page(viewer=account, organisation=True, size=4)
        for case in page.items:
            _ = (case.product, case.unit, case.customer.name)

    assert len(page.items) == 4
