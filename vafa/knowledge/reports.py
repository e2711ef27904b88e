"""What self-service did: the deflection report and the editors' list of articles needing attention.

Every figure is counted by the database (conditional COUNTs grouped in SQL); Python only labels the
groups, fills the days without steps and turns counts into a share. Nothing here walks event rows.

Definitions (docs/knowledge.md repeats them):

- **Searches, article views, answered, requests submitted** count `DeflectionEvent` rows of that
  kind whose time falls in the period (from the start of `since` to the end of `until`, in the
  reader's time zone). Steps recorded from the desk itself (source "desk") are not self-service and
  are left out.
- **Submitted after reading** counts the submitted requests that name an article: the customer read
  that article in the same visit and still asked.
- **Deflection rate** = answered / (answered + submitted), in percent with one decimal: of the
  customers who reached an end (their question was answered by an article, or they sent a request),
  the share self-service answered. None when neither happened.
- An article translation **needs attention** when, among the feedback given (or changed) since
  `since`, at least `VAFA_KB_POOR_FEEDBACK_MIN_VOTES` readers voted and the share of "not helpful"
  is at least `VAFA_KB_POOR_FEEDBACK_SHARE`; or when at least `VAFA_KB_FOLLOW_UP_MIN_REQUESTS`
  requests since `since` were sent after reading it (a submitted step naming the article, in that
  translation's language).

The period is read through the (kind, created_at) index: the kinds are listed in the query, so both
engines walk the index once per kind over the period instead of the whole table. The report takes
three queries (the groups, the products' names, the days; the totals are the days' sum) plus one per
other grouping. The editors' list counts the period's feedback and follow-ups once each, grouped,
and joins them to the translations (one query), then reads the latest comments (one more).

Measured with 1,000,000 steps over two years (about 123,000 in the last 90 days), 4,000
translations and 50,000 feedback rows, on a shared machine: PostgreSQL, the desk's report (by
product, by language, days) 40 / 240 / 410 ms for 7 / 30 / 90 days and the editors' list 10–50 ms;
SQLite 0.2 / 0.6 / 2.4 s and 0.1–0.3 s. SQLite reads each step's row beside the index (source,
product, language, article); a covering index would spare that, at a cost on every step written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, cast

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vafa.catalog.models import Product, translated
from vafa.knowledge.models import ArticleFeedback, ArticleStatus, ArticleTranslation, DeflectionEvent

Kind = DeflectionEvent.Kind
GroupBy = Literal["product", "language"] | None
GROUPS = ("product", "language")
REPORT_KINDS = (Kind.SEARCH, Kind.VIEW, Kind.ANSWERED, Kind.SUBMITTED)
COMMENTS_PER_ARTICLE = 3


def deflection_rate(answered: int, submitted: int) -> Decimal | None:
    """answered / (answered + submitted) in percent with one decimal; None when both are 0."""
    ended = answered + submitted
    if not ended:
        return None
    return (Decimal(answered) * 100 / Decimal(ended)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DeflectionRow:
    """One group's self-service steps over the period (or every group together)."""

    key: Any  # product id, language code, None (no product) or "all"
    label: str
    searches: int
    views: int
    answered: int
    submitted: int
    submitted_after_view: int

    @property
    def rate(self) -> Decimal | None:
        return deflection_rate(self.answered, self.submitted)


@dataclass(frozen=True)
class DeflectionDay:
    """One day of the chart: the steps of that day in the reader's time zone."""

    day: dt.date
    searches: int
    views: int
    answered: int
    submitted: int
    submitted_after_view: int

    @property
    def rate(self) -> Decimal | None:
        return deflection_rate(self.answered, self.submitted)


@dataclass(frozen=True)
class DeflectionReport:
    since: dt.date
    until: dt.date
    group_by: GroupBy
    rows: list[DeflectionRow]
    total: DeflectionRow
    days: list[DeflectionDay]


def _counts() -> dict[str, Count]:
    return {
        "searches": Count("pk", filter=Q(kind=Kind.SEARCH)),
        "views": Count("pk", filter=Q(kind=Kind.VIEW)),
        "answered": Count("pk", filter=Q(kind=Kind.ANSWERED)),
        "submitted": Count("pk", filter=Q(kind=Kind.SUBMITTED)),
        "submitted_after_view": Count("pk", filter=Q(kind=Kind.SUBMITTED, article__isnull=False)),
    }


def _zone(zone: dt.tzinfo | None) -> dt.tzinfo:
    return zone or timezone.get_current_timezone()


def _as_date(day: dt.date) -> dt.date:
    return day.date() if isinstance(day, dt.datetime) else day


def _start_of(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day, zone)
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _steps(since: dt.date, until: dt.date, zone: dt.tzinfo) -> QuerySet[DeflectionEvent]:
    """The self-service steps of the period: from the start of `since` to the end of `until`."""
    return (
        DeflectionEvent.objects.filter(
            kind__in=REPORT_KINDS,
            created_at__gte=_start_of(since, zone),
            created_at__lt=_start_of(until + dt.timedelta(days=1), zone),
        )
        .exclude(source=DeflectionEvent.Source.DESK)
        .order_by()
    )


def _row(key: Any, label: str, counts: dict[str, Any]) -> DeflectionRow:
    return DeflectionRow(
        key=key,
        label=label,
        searches=counts["searches"] or 0,
        views=counts["views"] or 0,
        answered=counts["answered"] or 0,
        submitted=counts["submitted"] or 0,
        submitted_after_view=counts["submitted_after_view"] or 0,
    )


def _language_label(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def deflection_rows(
    *,
    since: dt.date,
    until: dt.date,
    group_by: str,
    zone: dt.tzinfo | None = None,
    language: str | None = None,
) -> list[DeflectionRow]:
    """The period's steps grouped by product or by language, busiest group first (one query; the
    products' names in `language` take one more)."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    column = "product_id" if group_by == "product" else "language"
    grouped = list(
        _steps(since, until, _zone(zone))
        .values(column)
        .annotate(**_counts(), steps=Count("pk"))
        .order_by("-steps", F(column).asc(nulls_last=True))
    )
    if group_by == "language":
        return [_row(row[column], _language_label(row[column]), row) for row in grouped]
    ids = [row[column] for row in grouped if row[column] is not None]
    names = {
        pk: translated(names or {}, name, language)
        for pk, name, names in Product.objects.filter(pk__in=ids).values_list("pk", "name", "names")
    }
    return [
        _row(
            row[column],
            names.get(row[column], str(row[column])) if row[column] is not None else _("No product"),
            row,
        )
        for row in grouped
    ]


def _day_of(since: dt.date, until: dt.date, zone: dt.tzinfo) -> Any:
    """The reader's day of each step, as the database can tell it fast.

    PostgreSQL converts the time zone itself. On SQLite Django's TruncDate is a Python function
    called once per row, so the day is found instead as the number of the period's local midnights
    (turned into UTC here, daylight saving included) that the step is past: a CASE of plain
    comparisons the database does in C.
    """
    if connection.vendor != "sqlite":
        return TruncDate("created_at", tzinfo=zone)
    count = (until - since).days + 1
    return Case(
        *(
            When(created_at__lt=_start_of(since + dt.timedelta(days=offset + 1), zone), then=Value(offset))
            for offset in range(count)
        ),
        default=Value(count - 1),
        output_field=IntegerField(),
    )


def deflection_days(*, since: dt.date, until: dt.date, zone: dt.tzinfo | None = None) -> list[DeflectionDay]:
    """The steps per day of the period, days without steps included (one query)."""
    since, until = _as_date(since), _as_date(until)
    zone = _zone(zone)
    grouped = (
        _steps(since, until, zone)
        .annotate(day=_day_of(since, until, zone))
        .values("day")
        .annotate(**_counts())
    )
    counts: dict[dt.date, dict[str, Any]] = {}
    for found in cast(list[dict[str, Any]], list(grouped)):
        number_or_day = found["day"]
        key = since + dt.timedelta(days=number_or_day) if isinstance(number_or_day, int) else number_or_day
        counts[key] = found
    empty: dict[str, Any] = dict.fromkeys(_counts(), 0)
    days = []
    for offset in range((until - since).days + 1):
        day = since + dt.timedelta(days=offset)
        row = counts.get(day, empty)
        days.append(
            DeflectionDay(
                day=day,
                searches=row["searches"],
                views=row["views"],
                answered=row["answered"],
                submitted=row["submitted"],
                submitted_after_view=row["submitted_after_view"],
            )
        )
    return days


def deflection_total(days: list[DeflectionDay]) -> DeflectionRow:
    """The period's figures together: the sum of its days (no query)."""
    return DeflectionRow(
        key="all",
        label=_("All"),
        searches=sum(day.searches for day in days),
        views=sum(day.views for day in days),
        answered=sum(day.answered for day in days),
        submitted=sum(day.submitted for day in days),
        submitted_after_view=sum(day.submitted_after_view for day in days),
    )


def deflection_report(
    *,
    since: dt.date,
    until: dt.date,
    group_by: GroupBy = None,
    zone: dt.tzinfo | None = None,
    language: str | None = None,
) -> DeflectionReport:
    """Searches, article views, answers and requests from `since` to `until` (both included), by
    product or language (or not grouped), with the totals and the days for a chart."""
    since, until = sorted((_as_date(since), _as_date(until)))
    language = language or translation.get_language() or "en"
    rows = (
        deflection_rows(since=since, until=until, group_by=group_by, zone=zone, language=language)
        if group_by
        else []
    )
    days = deflection_days(since=since, until=until, zone=zone)
    return DeflectionReport(
        since=since, until=until, group_by=group_by, rows=rows, total=deflection_total(days), days=days
    )


# --- the editors' list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackComment:
    text: str
    helpful: bool
    at: dt.datetime


@dataclass(frozen=True)
class AttentionRow:
    """A published translation readers were not happy with, and why."""

    translation_id: int
    article_id: int
    language: str
    title: str
    views: int  # all time (the translation's counter)
    votes: int
    unhelpful: int
    follow_ups: int
    poor_feedback: bool
    many_follow_ups: bool
    comments: list[FeedbackComment] = field(default_factory=list)

    @property
    def helpful(self) -> int:
        return self.votes - self.unhelpful

    @property
    def unhelpful_share(self) -> Decimal | None:
        """Not helpful among the votes, in percent with one decimal."""
        if not self.votes:
            return None
        return (Decimal(self.unhelpful) * 100 / Decimal(self.votes)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def attention_thresholds() -> tuple[float, int, int]:
    """(poor feedback share, its minimum votes, minimum follow-up requests) from the settings."""
    return (
        float(settings.VAFA_KB_POOR_FEEDBACK_SHARE),
        int(settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES),
        int(settings.VAFA_KB_FOLLOW_UP_MIN_REQUESTS),
    )


_ATTENTION_SQL = """
WITH votes AS (
    SELECT translation_id, COUNT(*) AS votes,
           SUM(CASE WHEN helpful THEN 0 ELSE 1 END) AS unhelpful
    FROM {feedback}
    WHERE updated_at >= %(start)s
    GROUP BY translation_id
),
follow_ups AS (
    SELECT article_id, language, COUNT(*) AS follow_ups
    FROM {events}
    WHERE kind = %(submitted)s AND created_at >= %(start)s AND source <> %(desk)s
    GROUP BY article_id, language
),
counted AS (
    SELECT t.id, t.article_id, t.language, t.title, t.view_count,
           COALESCE(v.votes, 0) AS votes, COALESCE(v.unhelpful, 0) AS unhelpful,
           COALESCE(f.follow_ups, 0) AS follow_ups
    FROM {translations} t
    LEFT JOIN votes v ON v.translation_id = t.id
    LEFT JOIN follow_ups f ON f.article_id = t.article_id AND f.language = t.language
    WHERE t.status = %(published)s AND (v.translation_id IS NOT NULL OR f.article_id IS NOT NULL)
)
SELECT id, article_id, language, title, view_count, votes, unhelpful, follow_ups,
       CASE WHEN votes >= %(min_votes)s AND unhelpful * 1000 >= votes * %(permille)s THEN 1 ELSE 0 END,
       CASE WHEN follow_ups >= %(min_follow_ups)s THEN 1 ELSE 0 END
FROM counted
WHERE (votes >= %(min_votes)s AND unhelpful * 1000 >= votes * %(permille)s)
   OR follow_ups >= %(min_follow_ups)s
ORDER BY unhelpful + follow_ups DESC, votes DESC, article_id, language
LIMIT %(limit)s
"""


def articles_needing_attention(
    *, since: dt.date | dt.datetime, limit: int = 20, zone: dt.tzinfo | None = None
) -> list[AttentionRow]:
    """Published translations with poor feedback or many follow-up requests since `since`, the
    most unhappy readers first (not helpful + follow-ups), each with its latest comments. Two queries.

    The feedback and the follow-ups of the period are each counted once, grouped (the follow-ups
    through the (kind, created_at) index), and joined to the translations: correlated counts per
    translation made PostgreSQL repeat them for every candidate row and in every clause.
    """
    share, min_votes, min_follow_ups = attention_thresholds()
    start = _start_of(since, _zone(zone))
    sql = _ATTENTION_SQL.format(
        feedback=ArticleFeedback._meta.db_table,
        events=DeflectionEvent._meta.db_table,
        translations=ArticleTranslation._meta.db_table,
    )
    params = {
        "start": connection.ops.adapt_datetimefield_value(start),
        "submitted": Kind.SUBMITTED.value,
        "desk": DeflectionEvent.Source.DESK.value,
        "published": ArticleStatus.PUBLISHED.value,
        "min_votes": min_votes,
        # In whole numbers (per mille), so 2 of 5 is exactly 40 %.
        "permille": round(share * 1000),
        "min_follow_ups": min_follow_ups,
        "limit": max(1, min(limit, 200)),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    comments = _latest_comments([row[0] for row in rows], start)
    return [
        AttentionRow(
            translation_id=pk,
            article_id=article_id,
            language=language,
            title=title,
            views=views,
            votes=votes,
            unhelpful=unhelpful,
            follow_ups=follow_ups,
            poor_feedback=bool(poor),
            many_follow_ups=bool(many),
            comments=comments.get(pk, []),
        )
        for pk, article_id, language, title, views, votes, unhelpful, follow_ups, poor, many in rows
    ]


def _latest_comments(translation_ids: list[int], start: dt.datetime) -> dict[int, list[FeedbackComment]]:
    """The newest few comments of each translation since `start` (one query, numbered by the database)."""
    if not translation_ids:
        return {}
    numbered = (
        ArticleFeedback.objects.filter(translation_id__in=translation_ids, updated_at__gte=start)
        .exclude(comment="")
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("translation_id")],
                order_by=[F("updated_at").desc(), F("pk").desc()],
            )
        )
        .filter(place__lte=COMMENTS_PER_ARTICLE)
        .order_by("translation_id", "place")
        .values_list("translation_id", "comment", "helpful", "updated_at")
    )
    result: dict[int, list[FeedbackComment]] = {}
    for translation_id, text, helpful, at in numbered:
        result.setdefault(translation_id, []).append(FeedbackComment(text=text, helpful=helpful, at=at))
    return result
