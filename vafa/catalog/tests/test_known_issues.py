import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from vafa.catalog.models import KnownIssue
from vafa.catalog.selectors import known_issues_for, known_issues_for_units
from vafa.catalog.tests.factories import CategoryFactory, KnownIssueFactory, ProductFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def test_known_issue_needs_a_product_or_a_category():
    # given / when / then
    with transaction.atomic(), pytest.raises(IntegrityError):
        KnownIssueFactory(product=None, category=None)
    assert KnownIssue.objects.count() == 0


def test_known_issue_cannot_end_before_it_starts():
    with transaction.atomic(), pytest.raises(IntegrityError):
        KnownIssueFactory(starts_on=DAY, ends_on=DAY - dt.timedelta(days=1))
    assert KnownIssue.objects.count() == 0


def test_issues_of_the_product_and_its_category_apply_recalls_first():
    # given
    category = CategoryFactory()
    product = ProductFactory(category=category)
    own = KnownIssueFactory(product=product, severity=KnownIssue.Severity.INFO, title="Own")
    of_category = KnownIssueFactory(
        product=None, category=category, severity=KnownIssue.Severity.RECALL, title="Category recall"
    )
    KnownIssueFactory(title="Another product")
    KnownIssueFactory(product=None, category=CategoryFactory(), title="Another category")
    # when
    issues = known_issues_for(product=product, on=DAY, serial_number="AB123")
    # then
    assert issues == [of_category, own]


def test_unpublished_future_and_ended_issues_do_not_apply():
    product = ProductFactory()
    KnownIssueFactory(product=product, is_published=False)
    KnownIssueFactory(product=product, starts_on=DAY + dt.timedelta(days=1))
    KnownIssueFactory(
        product=product, starts_on=DAY - dt.timedelta(days=30), ends_on=DAY - dt.timedelta(days=1)
    )
    last_day = KnownIssueFactory(product=product, starts_on=DAY - dt.timedelta(days=30), ends_on=DAY)
    starts_today = KnownIssueFactory(product=product, starts_on=DAY)
    issues = known_issues_for(product=product, on=DAY, serial_number="X1")
    assert issues == [starts_today, last_day]


def test_serial_prefix_limits_the_issue_to_a_batch():
    product = ProductFactory()
    batch = KnownIssueFactory(product=product, serial_prefix="ab24")
    everyone = KnownIssueFactory(product=product, starts_on=dt.date(2025, 12, 1))
    assert known_issues_for(product=product, on=DAY, serial_number="AB24-0001") == [batch, everyone]
    assert known_issues_for(product=product, on=DAY, serial_number="AB25-0001") == [everyone]
    assert known_issues_for(product=product, on=DAY) == [everyone]


def test_issues_for_many_units_take_one_query(django_assert_num_queries):
    category = CategoryFactory()
    first, second = ProductFactory(category=category), ProductFactory(category=category)
    on_first = KnownIssueFactory(product=first)
    on_all = KnownIssueFactory(product=None, category=category, starts_on=dt.date(2025, 12, 1))
    with django_assert_num_queries(1):
        result = known_issues_for_units(items=[(first, "S1"), (second, "S2"), (first, "S3")], on=DAY)
    assert result == [[on_first, on_all], [on_all], [on_first, on_all]]


def test_issue_text_in_the_readers_language_with_fallback():
    issue = KnownIssueFactory(
        title="Battery swelling",
        titles={"fa": "تورم باتری"},
        body="Stop using it.",
        bodies={"ru": "Не используйте."},
    )
    assert issue.display_title("fa") == "تورم باتری"
    assert issue.display_body("fa") == "Stop using it."
    assert issue.display_body("ru") == "Не используйте."
    with translation.override("fa"):
        assert issue.display_title() == "تورم باتری"
