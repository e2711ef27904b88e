"""The demo's help centre and two years of self-service.

The shelves and articles are written, published and edited through the knowledge base's services
(so revisions, audit rows and search documents are what an editor's work leaves), then dated back
to when the demo company wrote them. Searches, reads, "this answered my question", requests sent
after reading, and readers' feedback are written in bulk, shaped like what the portal's services
record: a portal request is preceded by its customer's search (and often a read) in the same visit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vafa.catalog.models import Category
from vafa.demo import articles as content
from vafa.demo.records import weighted
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleTranslation,
    DeflectionEvent,
    Visibility,
)
from vafa.knowledge.selectors import article_search
from vafa.knowledge.services import article_create, article_publish, article_translation_save
from vafa.service.models import Case, Channel

if TYPE_CHECKING:
    from vafa.demo.builder import DemoBuilder

LANGUAGES = ("en", "fa", "ar", "ru")
TRANSLATORS = {"en": "john", "fa": "sara", "ar": "layla", "ru": "olga"}
ZONES = {"en": "Europe/London", "fa": "Asia/Tehran", "ar": "Asia/Dubai", "ru": "Europe/Moscow"}
# Days after the English text that each translation was written.
DELAY = {"en": (0, 0), "fa": (1, 3), "ar": (3, 10), "ru": (5, 14)}
NOTES = {
    "first": {"en": "First version", "fa": "نسخهٔ اول", "ar": "النسخة الأولى", "ru": "Первая версия"},
    "published": {"en": "Published", "fa": "منتشر شد", "ar": "نُشر", "ru": "Опубликовано"},
    "edited": {
        "en": "Added a paragraph at the end",
        "fa": "یک بند به پایان راهنما اضافه شد",
        "ar": "أُضيفت فقرة في النهاية",
        "ru": "Добавлен абзац в конце",
    },
}
SOURCES = {
    DeflectionEvent.Source.PORTAL: 55,
    DeflectionEvent.Source.HELP_CENTRE: 35,
    DeflectionEvent.Source.WIDGET: 10,
}
VISIT_LANGUAGES = {"fa": 50, "en": 30, "ar": 12, "ru": 8}
# How often customers look for each article (the rest weigh 1).
POPULAR = {"battery-drain": 5, "washer-error-codes": 4, "tv-no-picture": 3, "slow-charging": 3, "returns": 3}


@dataclass
class Published:
    """An article as the self-service steps see it: when each language went live, what it is about."""

    key: str
    article_id: int
    spec: content.ArticleSpec
    live: dict[str, dt.datetime] = field(default_factory=dict)  # language -> published at
    translations: dict[str, int] = field(default_factory=dict)  # language -> translation id


def build_help_centre(demo: DemoBuilder) -> dict[str, int]:
    """Write the help centre and its two years of self-service steps; return what was made."""
    return HelpCentreBuilder(demo).build()


class HelpCentreBuilder:
    def __init__(self, demo: DemoBuilder) -> None:
        self.d = demo
        self.rng = random.Random(f"{demo.seed}-help-centre")
        self.published: dict[str, Published] = {}
        self._hits: dict[tuple[str, str], int] = {}
        self.product_records = {record.obj.pk: record for record in demo.products}

    def build(self) -> dict[str, int]:
        self.d.log("Help centre: shelves and articles in four languages…")
        self._articles()
        self.d.log("Self-service: searches, reads, answers and feedback…")
        events, feedback = self._steps()
        return {
            "articles": Article.objects.count(),
            "article translations": ArticleTranslation.objects.count(),
            "self-service steps": events,
            "article feedback": feedback,
        }

    # --- articles ----------------------------------------------------------------------------------

    def _articles(self) -> None:
        d, rng = self.d, self.rng
        shelves = {
            slug: ArticleCategory(
                slug=slug,
                names=names,
                descriptions=descriptions,
                position=position,
                created_at=d.start + dt.timedelta(days=5),
            )
            for position, (slug, names, descriptions) in enumerate(content.CATEGORIES)
        }
        d.bulk(ArticleCategory, list(shelves.values()))
        products = {record.obj.sku: record.obj for record in d.products}
        categories = {category.code: category for category in Category.objects.all()}
        editor = d.staff["manager"]
        moments: dict[int, list[dt.datetime]] = {}  # translation id -> the time of each revision
        published_at: dict[int, dt.datetime] = {}
        for spec in content.ARTICLES:
            written = d.start + dt.timedelta(days=spec.written)
            article = article_create(
                actor=editor if spec.internal else d.staff[TRANSLATORS["en"]],
                category=shelves[spec.shelf],
                visibility=Visibility.INTERNAL if spec.internal else Visibility.PUBLIC,
                products=[products[sku] for sku in spec.products],
                product_categories=[categories[code] for code in spec.product_categories],
            )
            entry = Published(spec.key, article.pk, spec)
            # Every language's first version, then the publications, then the edits: the search
            # index is rebuilt for the whole article at each step, and drafts cost it nothing.
            texts = {
                language: text
                for language in LANGUAGES
                if (text := content.text_of(spec.key, language)) is not None
            }
            translations: dict[str, ArticleTranslation] = {}
            for language, (title, summary, body) in texts.items():
                low, high = DELAY[language]
                day = (written + dt.timedelta(days=rng.randint(low, high))).date()
                translations[language] = article_translation_save(
                    actor=d.staff[TRANSLATORS[language]],
                    article=article,
                    language=language,
                    title=title,
                    summary=summary,
                    body_html=content.body_html(content.first_version(body) if spec.edited else body),
                    note=NOTES["first"][language],
                )
                entry.translations[language] = translations[language].pk
                moments[translations[language].pk] = [
                    d.local_time(day, ZONES[language], earliest=9, latest=18)
                ]
            if not spec.draft:
                for language, translation in translations.items():
                    article_publish(actor=editor, translation=translation, note=NOTES["published"][language])
                    times = moments[translation.pk]
                    times.append(times[0] + dt.timedelta(hours=rng.randint(3, 40)))
                    published_at[translation.pk] = entry.live[language] = times[-1]
            if spec.edited is not None and not spec.draft:
                for language, (title, summary, body) in texts.items():
                    article_translation_save(
                        actor=d.staff[TRANSLATORS[language]],
                        article=article,
                        language=language,
                        title=title,
                        summary=summary,
                        body_html=content.body_html(body),
                        note=NOTES["edited"][language],
                    )
                    low, high = DELAY[language]
                    edited = d.start + dt.timedelta(days=spec.edited + rng.randint(low, high))
                    moments[translations[language].pk].append(
                        d.local_time(edited.date(), ZONES[language], earliest=9, latest=18)
                    )
            self.published[spec.key] = entry
        for times in moments.values():
            times[:] = [min(moment, d.cutoff - dt.timedelta(hours=1)) for moment in times]
        self._date_back(moments, published_at)

    def _date_back(self, moments: dict[int, list[dt.datetime]], published_at: dict[int, dt.datetime]) -> None:
        """Give the articles, translations and revisions the times the demo company wrote them."""
        revisions = list(ArticleRevision.objects.filter(translation_id__in=moments).order_by("pk"))
        for revision in revisions:
            revision.created_at = moments[revision.translation_id][revision.number - 1]
        ArticleRevision.objects.bulk_update(revisions, ["created_at"], batch_size=500)
        translations = list(ArticleTranslation.objects.filter(pk__in=moments).order_by("pk"))
        spans: dict[int, list[dt.datetime]] = {}
        for translation in translations:
            times = moments[translation.pk]
            translation.created_at, translation.updated_at = times[0], times[-1]
            translation.published_at = published_at.get(translation.pk)
            spans.setdefault(translation.article_id, []).extend(times)
        ArticleTranslation.objects.bulk_update(translations, ["created_at", "updated_at", "published_at"])
        rows = list(Article.objects.filter(pk__in=spans).order_by("pk"))
        for article in rows:
            article.created_at, article.updated_at = min(spans[article.pk]), max(spans[article.pk])
        Article.objects.bulk_update(rows, ["created_at", "updated_at"])

    # --- self-service steps ------------------------------------------------------------------------

    def _hit_count(self, query: str, language: str) -> int:
        key = (query, language)
        if key not in self._hits:
            self._hits[key] = len(article_search(query=query, language=language, viewer=None))
        return self._hits[key]

    def _about(self, product_id: int | None, language: str, at: dt.datetime) -> list[Published]:
        """Public articles live in `language` at `at`, about the product (or general ones without one)."""
        record = self.product_records.get(product_id) if product_id else None
        found = []
        for entry in self.published.values():
            if entry.spec.internal or entry.live.get(language, self.d.cutoff) > at:
                continue
            if record is None:
                linked = bool(entry.spec.product_categories)
            else:
                linked = (
                    record.obj.sku in entry.spec.products or record.category in entry.spec.product_categories
                )
            if linked:
                found.append(entry)
        return found

    @staticmethod
    def _weight(entry: Published) -> int:
        """How often customers look for the article: about a product more than general help."""
        return POPULAR.get(entry.key, 1) * (2 if entry.spec.products else 1)

    def _visit(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _steps(self) -> tuple[int, int]:
        d, rng = self.d, self.rng
        events: list[DeflectionEvent] = []
        feedback: list[ArticleFeedback] = []
        views: Counter[int] = Counter()
        votes: dict[int, list[bool]] = {}

        def read(entry: Published, language: str, visit: str, at: dt.datetime, **who: Any) -> None:
            events.append(
                DeflectionEvent(
                    kind="view",
                    visit=visit,
                    language=language,
                    article_id=entry.article_id,
                    created_at=at,
                    **who,
                )
            )
            translation_id = entry.translations[language]
            views[translation_id] += 1
            if rng.random() < 0.3:
                helpful = rng.random() < entry.spec.helpful
                comment = rng.choice(content.COMMENTS[helpful][language]) if rng.random() < 0.35 else ""
                feedback.append(
                    ArticleFeedback(
                        translation_id=translation_id,
                        helpful=helpful,
                        comment=comment,
                        customer_id=who.get("customer_id"),
                        reader_key=visit,
                        created_at=at + dt.timedelta(minutes=2),
                        updated_at=at + dt.timedelta(minutes=2),
                    )
                )
                votes.setdefault(translation_id, []).append(helpful)

        def search(entry: Published | None, language: str, visit: str, at: dt.datetime, **who: Any) -> None:
            query = rng.choice(
                content.QUERIES[entry.key][language] if entry else content.UNANSWERED[language]
            )
            events.append(
                DeflectionEvent(
                    kind="search",
                    visit=visit,
                    language=language,
                    query=query,
                    result_count=self._hit_count(query, language),
                    created_at=at,
                    **who,
                )
            )

        # Requests sent from the portal: the customer searched first, and often read an article.
        portal_cases = Case.objects.filter(channel=Channel.PORTAL).order_by("pk")
        for case_id, at, language, case_product_id, customer_id in portal_cases.values_list(
            "pk", "created_at", "language", "product_id", "customer_id"
        ):
            who = {"source": "portal", "product_id": case_product_id, "customer_id": customer_id}
            candidates = self._about(case_product_id, language, at)
            visit = self._visit()
            entry = rng.choice(candidates) if candidates else None
            search(entry, language, visit, at - dt.timedelta(minutes=rng.randint(4, 15)), **who)
            viewed = None
            if entry is not None and rng.random() < 0.6:
                read(entry, language, visit, at - dt.timedelta(minutes=rng.randint(1, 3)), **who)
                viewed = entry.article_id
            events.append(
                DeflectionEvent(
                    kind="submitted",
                    visit=visit,
                    language=language,
                    article_id=viewed,
                    case_id=case_id,
                    created_at=at,
                    **who,
                )
            )

        # Visits that ended without a request: most found their answer.
        owners = [
            (unit.obj.product_id, unit.order.customer, unit.delivered_at)
            for unit in d.units
            if unit.delivered_at is not None
        ]
        span = (d.cutoff - d.start - dt.timedelta(days=40)).total_seconds()
        for _ in range(int(portal_cases.count() * 1.4) + 40):
            at = d.start + dt.timedelta(days=40, seconds=rng.random() * span)
            source = weighted(rng, SOURCES)
            visit = self._visit()
            product_id: int | None = None
            if source == "portal":
                product_id, customer, delivered = rng.choice(owners)
                language = customer.language
                if delivered > at:
                    at = delivered + (d.cutoff - delivered) * rng.random()
                who = {"source": source, "product_id": product_id, "customer_id": customer.obj.pk}
            else:
                language = weighted(rng, VISIT_LANGUAGES)
                who = {"source": source, "product_id": None, "customer_id": None}
            candidates = self._about(product_id, language, at) or self._about(None, language, at)
            if not candidates or rng.random() < 0.07:
                search(None, language, visit, at, **who)
                continue
            entry = rng.choices(candidates, weights=[self._weight(c) for c in candidates])[0]
            search(entry, language, visit, at, **who)
            if rng.random() < 0.85:
                read(entry, language, visit, at + dt.timedelta(minutes=1), **who)
                if rng.random() < 0.6:
                    events.append(
                        DeflectionEvent(
                            kind="answered",
                            visit=visit,
                            language=language,
                            article_id=entry.article_id,
                            created_at=at + dt.timedelta(minutes=rng.randint(2, 6)),
                            **who,
                        )
                    )
        for event in events:
            event.created_at = min(event.created_at, d.cutoff - dt.timedelta(seconds=1))
        DeflectionEvent.objects.bulk_create(events, batch_size=1000)
        ArticleFeedback.objects.bulk_create(feedback, batch_size=1000)
        self._counters(views, votes)
        return len(events), len(feedback)

    def _counters(self, views: Counter[int], votes: dict[int, list[bool]]) -> None:
        """Set the counters the ranking reads, as the feedback and view services keep them."""
        translations = list(ArticleTranslation.objects.filter(pk__in=set(views) | set(votes)).order_by("pk"))
        for translation in translations:
            answers = votes.get(translation.pk, [])
            translation.view_count = views[translation.pk]
            translation.helpful_count = sum(answers)
            translation.unhelpful_count = len(answers) - sum(answers)
        ArticleTranslation.objects.bulk_update(
            translations, ["view_count", "helpful_count", "unhelpful_count"], batch_size=500
        )
