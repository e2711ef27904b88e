"""Measure `article_search` with many articles beside many message documents (decision record 0011).

Not a test: run it against a scratch database, e.g.

    export DATABASE_URL=sqlite:////tmp/kb.sqlite3
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python manage.py shell -c "from vafa.knowledge.tests.measure_search import main; main()"

Articles are written as bulk rows shaped like the services' (titles and bodies from the demo's
conversations in four languages), message documents straight into `core.SearchDocument`.
"""

from __future__ import annotations

import random
import statistics
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from vafa.bench.phrases import conversation
from vafa.catalog.models import Category, Product
from vafa.core.models import SearchDocument
from vafa.core.search import document_text
from vafa.knowledge.models import (
    Article,
    ArticleSearchDocument,
    ArticleStatus,
    ArticleTranslation,
    Visibility,
)
from vafa.knowledge.search import search_document
from vafa.knowledge.selectors import article_search

LANGUAGES = ["en", "fa", "ar", "ru"]
QUERIES = [
    ("battery", "en"),
    ("the phone does not charge", "en"),
    ("warranty repair", "en"),
    ("باتری", "fa"),
    ("گارانتي تعمیر", "fa"),
    ("شارژ نمیشود", "fa"),
    ("البطارية", "ar"),
    ("الشاشة مكسورة", "ar"),
    ("батарея", "ru"),
    ("экран не работает", "ru"),
    ("гарантийный ремонт", "ru"),
    ("zzyzx nothing", "en"),
]


def seed(*, articles: int = 10_000, messages: int = 300_000, rng_seed: int = 6) -> None:
    """Add `articles` published articles (1–4 languages each) and `messages` message documents."""
    rng = random.Random(rng_seed)
    category, _ = Category.objects.get_or_create(code="kb-bench", defaults={"name": "Bench"})
    products = [
        Product.objects.get_or_create(
            sku=f"KB-{n:03d}", defaults={"name": f"Bench product {n}", "category": category, "price": "1"}
        )[0]
        for n in range(50)
    ]
    now = timezone.now()
    for start in range(0, articles, 1000):
        with transaction.atomic():
            rows = Article.objects.bulk_create(
                [
                    Article(visibility=Visibility.INTERNAL if rng.random() < 0.05 else Visibility.PUBLIC)
                    for _ in range(min(1000, articles - start))
                ]
            )
            translations = []
            for article in rows:
                for language in rng.sample(LANGUAGES, rng.randint(1, 4)):
                    talk = conversation(rng, language, messages=6)
                    body = " ".join(line.text for line in talk.messages[1::2])
                    translations.append(
                        ArticleTranslation(
                            article=article,
                            language=language,
                            title=talk.subject[:200],
                            slug=slugify(talk.subject, allow_unicode=True)[:120] or "a",
                            body_html=f"<p>{body}</p>",
                            body_text=body,
                            status=ArticleStatus.PUBLISHED,
                            published_at=now,
                            helpful_count=rng.randrange(20),
                            unhelpful_count=rng.randrange(10),
                        )
                    )
            ArticleTranslation.objects.bulk_create(translations)
            ArticleSearchDocument.objects.bulk_create(
                [search_document(t, t.article.visibility) for t in translations], batch_size=500
            )
            Article.products.through.objects.bulk_create(
                [
                    Article.products.through(article_id=article.pk, product_id=rng.choice(products).pk)
                    for article in rows
                    if rng.random() < 0.3
                ]
            )
    first_id = (
        SearchDocument.objects.order_by("-object_id").values_list("object_id", flat=True).first() or 0
    ) + 1
    for start in range(0, messages, 5000):
        docs = []
        for n in range(start, min(messages, start + 5000)):
            talk = conversation(rng, rng.choice(LANGUAGES), messages=2)
            docs.append(
                SearchDocument(
                    kind=SearchDocument.Kind.MESSAGE,
                    object_id=first_id + n,
                    case_id=first_id + n // 5,
                    text=document_text(talk.messages[n % 2].text),
                )
            )
        with transaction.atomic():
            SearchDocument.objects.bulk_create(docs, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(*, repeat: int = 30, product_id: int | None = None) -> dict[str, float]:
    """Median milliseconds of `article_search` per query (public reader), and over all queries."""
    timings: dict[str, list[float]] = {}
    for _ in range(repeat):
        for query, language in QUERIES:
            began = time.perf_counter()
            article_search(query=query, language=language, viewer=None, product_id=product_id)
            timings.setdefault(f"{language}: {query}", []).append((time.perf_counter() - began) * 1000)
    medians = {key: statistics.median(values) for key, values in timings.items()}
    medians["all"] = statistics.median([v for values in timings.values() for v in values])
    return medians


def main(*, articles: int = 10_000, messages: int = 300_000) -> None:
    """Seed (unless already seeded) and print the medians."""
    if not ArticleSearchDocument.objects.exists():
        began = time.perf_counter()
        seed(articles=articles, messages=messages)
        print(f"seeded in {time.perf_counter() - began:.0f} s")  # noqa: T201
    print(  # noqa: T201
        connection.vendor,
        ArticleSearchDocument.objects.count(),
        "article documents,",
        SearchDocument.objects.count(),
        "core documents",
    )
    product = Product.objects.filter(sku="KB-007").first()
    for label, product_id in (("no product", None), ("with a product", product.pk if product else None)):
        for key, value in measure(product_id=product_id).items():
            print(f"{label:15} {key:32} {value:7.2f} ms")  # noqa: T201
