"""Tags on cases: cleaned names, created on first use, events and audit rows, role rules."""

from __future__ import annotations

import pytest

from vafa.accounts.models import AuditLog
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.service.models import CaseEvent, EventKind, Tag
from vafa.service.services import case_tag, case_untag, tag_names_split
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_split_accepts_latin_and_arabic_commas():
    assert tag_names_split(" battery, باتری ،vip ,, ") == ["battery", "باتری", "vip"]


def test_tagging_cleans_names_creates_tags_once_and_records_one_event(agent):
    case = make_case()

    case_tag(actor=agent, case=case, names=["  Battery ", "battery", "VIP  customer"])
    case_tag(actor=agent, case=case, names=["battery"])

    assert sorted(case.tags.values_list("name", flat=True)) == ["battery", "vip customer"]
    assert Tag.objects.count() == 2
    events = CaseEvent.objects.filter(case=case, kind=EventKind.TAGGED)
    assert [e.data for e in events] == [{"tags": ["battery", "vip customer"]}]
    assert AuditLog.objects.filter(action="case.tag").count() == 1


def test_a_tag_with_a_comma_or_too_long_is_refused_and_nothing_changes(agent):
    case = make_case()

    for bad in ("a،b", "x" * 51):
        with pytest.raises(ValidationFailed):
            case_tag(actor=agent, case=case, names=["fine", bad])

    assert case.tags.count() == 0
    assert Tag.objects.count() == 0


def test_untag_removes_the_tag_and_records_it(agent):
    case = make_case()
    case_tag(actor=agent, case=case, names=["battery", "screen"])

    case_untag(actor=agent, case=case, name="Battery")

    assert list(case.tags.values_list("name", flat=True)) == ["screen"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.UNTAGGED).get().data == {"tags": ["battery"]}


def test_customers_cannot_tag(customer_user):
    case = make_case(customer_user.customer)

    with pytest.raises(Forbidden):
        case_tag(actor=customer_user, case=case, names=["mine"])

    assert case.tags.count() == 0
