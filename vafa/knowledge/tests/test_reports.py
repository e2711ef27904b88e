"""The deflection report and the editors' list: exact figures, counted in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone, translation

from vafa.catalog.tests.factories import ProductFactory
from vafa.knowledge.models import Article, ArticleFeedback, ArticleTranslation, DeflectionEvent
from vafa.knowledge.reports import (
    articles_needing_attention,
    deflection_rate,
    deflection_report,
    deflection_rows,
)

pytestmark = pytest.mark.django_db

K = DeflectionEvent.Kind
UTC = dt.UTC
DAY1 = dt.date(2026, 3, 2)
DAY2 = dt.date(2026, 3, 3)
_readers = count()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def step(kind: str, when: dt.datetime, *, language: str = "en", product=None, article=None, source="portal"):
    return DeflectionEvent.objects.create(
        kind=kind,
        source=source,
        visit="v",
        language=language,
        product=product,
        article=article,
        created_at=when,
    )


def article_in(*languages: str, status: str = "published") -> Article:
    article = Article.objects.create()
    for language in languages:
        ArticleTranslation.objects.create(
            article=article,
            language=language,
            title=f"Descaling ({language})",
            slug="descaling",
            status=status,
            published_at=timezone.now() if status == "published" else None,
        )
    return article


def votes(translation: ArticleTranslation, *, helpful: int, unhelpful: int, when: dt.datetime, comments=()):
    texts = list(comments)
    for index in range(helpful + unhelpful):
        ArticleFeedback.objects.create(
            translation=translation,
            helpful=index < helpful,
            comment=texts.pop(0) if texts and index >= helpful else "",
            reader_key=f"reader-{next(_readers)}",
            created_at=when,
            updated_at=when,
        )


@pytest.fixture
def world():
    kettle = ProductFactory(name="Kettle", names={"fa": "کتری"})
    phone = ProductFactory(name="Phone", names={})
    article = article_in("en", "fa")
    # Day 1: English kettle readers.
    for _ in range(4):
        step(K.SEARCH, at(DAY1), product=kettle)
    for _ in range(3):
        step(K.VIEW, at(DAY1), product=kettle, article=article)
    step(K.ANSWERED, at(DAY1), product=kettle, article=article)
    step(K.ANSWERED, at(DAY1), product=kettle, article=article)
    step(K.SUBMITTED, at(DAY1), product=kettle, article=article)  # read it and still asked
    # Day 2: Persian phone and product-less steps.
    step(K.SEARCH, at(DAY2), language="fa", product=phone)
    step(K.SEARCH, at(DAY2), language="fa")
    step(K.SUBMITTED, at(DAY2), language="fa", product=phone)  # asked straight away
    step(K.SUBMITTED, at(DAY2), language="fa")
    step(K.ANSWERED, at(DAY2), language="fa")
    # Outside the period, and the desk's own steps: never counted.
    step(K.SEARCH, at(DAY1 - dt.timedelta(days=1)), product=kettle)
    step(K.SUBMITTED, at(DAY2 + dt.timedelta(days=1)), product=kettle)
    step(K.SUBMITTED, at(DAY2), product=kettle, source="desk")
    return {"kettle": kettle, "phone": phone, "article": article}


# --- the deflection report ------------------------------------------------------------------------


def test_rate_is_answered_among_answered_and_submitted():
    assert deflection_rate(3, 1) == Decimal("75.0")
    assert deflection_rate(1, 2) == Decimal("33.3")
    assert deflection_rate(0, 0) is None
    assert deflection_rate(0, 4) == Decimal("0.0")


def test_totals_count_each_kind_of_step_in_the_period(world):
    report = deflection_report(since=DAY1, until=DAY2, zone=UTC)

    total = report.total
    assert (total.searches, total.views, total.answered, total.submitted) == (6, 3, 3, 3)
    assert total.submitted_after_view == 1
    assert total.rate == Decimal("50.0")
    assert report.rows == []


def test_rows_by_product_name_the_product_in_the_readers_language(world):
    with translation.override("fa"):
        report = deflection_report(since=DAY1, until=DAY2, group_by="product", zone=UTC)

    by_key = {row.key: row for row in report.rows}
    assert [row.key for row in report.rows] == [world["kettle"].pk, None, world["phone"].pk]
    kettle = by_key[world["kettle"].pk]
    assert kettle.label == "کتری"
    assert (
        kettle.searches,
        kettle.views,
        kettle.answered,
        kettle.submitted,
        kettle.submitted_after_view,
    ) == (
        4,
        3,
        2,
        1,
        1,
    )
    assert kettle.rate == Decimal("66.7")
    phone = by_key[world["phone"].pk]
    assert phone.label == "Phone"  # no Persian name: the product's own
    assert (phone.searches, phone.submitted, phone.rate) == (1, 1, Decimal("0.0"))
    no_product = by_key[None]
    assert (no_product.searches, no_product.answered, no_product.submitted) == (1, 1, 1)
    assert no_product.rate == Decimal("50.0")


def test_rows_by_language(world):
    rows = deflection_rows(since=DAY1, until=DAY2, group_by="language", zone=UTC)

    assert [(row.key, row.label) for row in rows] == [("en", "English"), ("fa", "Persian")]
    english, persian = rows
    assert (english.searches, english.views, english.answered, english.submitted) == (4, 3, 2, 1)
    assert (persian.searches, persian.views, persian.answered, persian.submitted) == (2, 0, 1, 2)
    assert persian.rate == Decimal("33.3")


def test_days_cover_the_whole_period_with_empty_days(world):
    report = deflection_report(since=DAY1 - dt.timedelta(days=2), until=DAY2, zone=UTC)

    assert [(d.day, d.searches, d.views, d.answered, d.submitted) for d in report.days] == [
        (dt.date(2026, 2, 28), 0, 0, 0, 0),
        (dt.date(2026, 3, 1), 1, 0, 0, 0),
        (DAY1, 4, 3, 2, 1),
        (DAY2, 2, 0, 1, 2),
    ]
    assert report.days[0].rate is None


def test_days_are_the_readers_days():
    # 22:00 UTC on 2 March is already 3 March in Tehran (UTC+3:30).
    step(K.SEARCH, dt.datetime(2026, 3, 2, 22, 0, tzinfo=UTC))
    tehran = zoneinfo.ZoneInfo("Asia/Tehran")

    report = deflection_report(since=DAY1, until=DAY2, zone=tehran)

    assert [(d.day, d.searches) for d in report.days] == [(DAY1, 0), (DAY2, 1)]


def test_days_follow_daylight_saving_time():
    # Berlin moves from UTC+1 to UTC+2 on 29 March 2026; both steps are at 00:30 local time.
    step(K.SEARCH, dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    step(K.VIEW, dt.datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")

    report = deflection_report(since=dt.date(2026, 3, 28), until=dt.date(2026, 3, 30), zone=berlin)

    assert [(d.day, d.searches, d.views) for d in report.days] == [
        (dt.date(2026, 3, 28), 0, 0),
        (dt.date(2026, 3, 29), 1, 0),
        (dt.date(2026, 3, 30), 0, 1),
    ]
    assert (report.total.searches, report.total.views) == (1, 1)


def test_an_empty_period_has_no_rate(db):
    report = deflection_report(since=DAY1, until=DAY2, group_by="language", zone=UTC)

    assert report.rows == []
    assert (report.total.searches, report.total.submitted, report.total.rate) == (0, 0, None)


def test_report_takes_three_queries_whatever_the_volume(world, django_assert_num_queries):
    # the grouped rows, the products' names, the days (the totals are the days' sum)
    with django_assert_num_queries(3):
        deflection_report(since=DAY1, until=DAY2, group_by="product", zone=UTC)
    for _ in range(20):
        step(K.SEARCH, at(DAY1), product=ProductFactory())
    with django_assert_num_queries(3):
        report = deflection_report(since=DAY1, until=DAY2, group_by="product", zone=UTC)
    assert len(report.rows) == 23


# --- articles needing attention -------------------------------------------------------------------


def test_poor_feedback_needs_at_least_the_votes_and_the_share(settings):
    settings.VAFA_KB_POOR_FEEDBACK_SHARE = 0.4
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 5
    poor = article_in("en").translations.get()
    votes(poor, helpful=3, unhelpful=2, when=at(DAY1), comments=["Step 3 is wrong", "Too long"])
    few = article_in("en").translations.get()
    votes(few, helpful=0, unhelpful=4, when=at(DAY1))  # 4 votes only
    liked = article_in("en").translations.get()
    votes(liked, helpful=4, unhelpful=2, when=at(DAY1))  # 33 % unhelpful
    old = article_in("en").translations.get()
    votes(old, helpful=0, unhelpful=9, when=at(DAY1 - dt.timedelta(days=40)))  # before `since`

    rows = articles_needing_attention(since=DAY1 - dt.timedelta(days=30), limit=10, zone=UTC)

    assert [row.translation_id for row in rows] == [poor.pk]
    row = rows[0]
    assert (row.votes, row.helpful, row.unhelpful, row.unhelpful_share) == (5, 3, 2, Decimal("40.0"))
    assert (row.poor_feedback, row.many_follow_ups, row.follow_ups) == (True, False, 0)
    assert sorted(comment.text for comment in row.comments) == ["Step 3 is wrong", "Too long"]
    assert all(comment.helpful is False for comment in row.comments)


def test_follow_up_requests_count_per_translation_language(settings):
    settings.VAFA_KB_FOLLOW_UP_MIN_REQUESTS = 3
    article = article_in("en", "fa")
    quiet = article_in("en")
    for _ in range(3):
        step(K.SUBMITTED, at(DAY1), language="fa", article=article)
    step(K.SUBMITTED, at(DAY1), language="en", article=article)
    step(K.SUBMITTED, at(DAY1), language="fa", article=article, source="desk")  # not self-service
    for _ in range(2):
        step(K.SUBMITTED, at(DAY1), article=quiet)
    step(K.VIEW, at(DAY1), language="fa", article=article)

    rows = articles_needing_attention(since=DAY1, limit=10, zone=UTC)

    assert [(row.article_id, row.language, row.follow_ups) for row in rows] == [(article.pk, "fa", 3)]
    assert (rows[0].many_follow_ups, rows[0].poor_feedback, rows[0].votes) == (True, False, 0)


def test_most_unhappy_first_and_limited(settings):
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 2
    settings.VAFA_KB_FOLLOW_UP_MIN_REQUESTS = 2
    worst = article_in("en").translations.get()
    votes(worst, helpful=0, unhelpful=3, when=at(DAY1))
    step(K.SUBMITTED, at(DAY1), article=worst.article)
    step(K.SUBMITTED, at(DAY1), article=worst.article)  # 3 unhelpful + 2 follow-ups = 5
    middle = article_in("en").translations.get()
    votes(middle, helpful=1, unhelpful=3, when=at(DAY1))  # 3
    least = article_in("en").translations.get()
    step(K.SUBMITTED, at(DAY1), article=least.article)
    step(K.SUBMITTED, at(DAY1), article=least.article)  # 2

    everything = articles_needing_attention(since=DAY1, limit=10, zone=UTC)
    top_two = articles_needing_attention(since=DAY1, limit=2, zone=UTC)

    assert [row.translation_id for row in everything] == [worst.pk, middle.pk, least.pk]
    assert (everything[0].poor_feedback, everything[0].many_follow_ups) == (True, True)
    assert [row.translation_id for row in top_two] == [worst.pk, middle.pk]


def test_only_published_translations_are_listed(settings):
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 1
    draft = article_in("en", status="draft").translations.get()
    votes(draft, helpful=0, unhelpful=3, when=at(DAY1))

    assert articles_needing_attention(since=DAY1, limit=10, zone=UTC) == []


def test_only_the_three_latest_comments_are_kept(settings):
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 1
    translation_ = article_in("en").translations.get()
    for hour in range(5):
        ArticleFeedback.objects.create(
            translation=translation_,
            helpful=False,
            comment=f"comment {hour}",
            reader_key=f"r{hour}",
            created_at=at(DAY1, hour),
            updated_at=at(DAY1, hour),
        )

    rows = articles_needing_attention(since=DAY1, limit=10, zone=UTC)

    assert [comment.text for comment in rows[0].comments] == ["comment 4", "comment 3", "comment 2"]


def test_editors_list_takes_two_queries(settings, django_assert_num_queries):
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 1
    for _ in range(5):
        votes(article_in("en").translations.get(), helpful=0, unhelpful=2, when=at(DAY1), comments=["no"])

    with django_assert_num_queries(2):
        rows = articles_needing_attention(since=DAY1, limit=10, zone=UTC)

    assert len(rows) == 5
