"""The self-service figures: kb_search_ms and portal_requests_ms, with 1,000,000 cases in the database.

Seeding (`vafa bench_portal`, in the child process):

- cases: topped up to 1,000,000 with one INSERT … SELECT over a generated series (when the suites
  before this one, e.g. the SLA bench's million open cases, have not already put them there);
- a portal customer account with 200 cases of its own among them (a first message, an opening
  event, a product each; statuses from new to closed), and a signed-in session of that account;
- 10,000 published articles, each in English, Persian, Arabic and Russian (40,000 translations),
  on one shelf, each linked to a product and its category. Their texts are recombined from the
  demo help centre's articles (vafa/demo/articles) with the product's name and a situation, so a
  search matches a realistic share of them; written in bulk, then indexed by the knowledge base's
  own rebuild (`vafa.knowledge.search.article_reindex`).

Measuring (the parent, over HTTP against `vafa serve`, the server's own time from Server-Timing):

- kb_search_ms: the public help-centre search page (/help/<language>/search/?q=…), anonymous,
  over a fixed battery of queries in the four languages (a Persian one typed with Arabic letters,
  a Russian one in another grammatical case than the article's words);
- portal_requests_ms: GET /portal/requests/ (the first page of "My requests") signed in as the
  customer with 200 cases.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from importlib import import_module
from typing import Any
from urllib.parse import quote

from vafa.bench.desk import PageClient
from vafa.bench.results import Result, make_result
from vafa.bench.runner import Target, run_child, server

SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
PORTAL_CUSTOMER_EMAIL = "bench.customer@bench.vafa.test"
SHELF = "bench-articles"
FILLER_SOURCE = "bench-portal"
MINUTES_IN_TWO_YEARS = 730 * 24 * 60
LANGUAGES = ("en", "fa", "ar", "ru")
KB_QUERIES = (
    ("en", "battery drains fast"),
    ("en", "washing machine OE error"),
    ("en", "tv no signal"),
    ("fa", "باتری گوشی زود خالی می‌شود"),
    ("fa", "باتري گوشي"),  # Persian typed with Arabic yeh: must fold to the article's letters
    ("fa", "رسوب زدایی قهوه ساز"),
    ("ar", "البطارية تنفد بسرعة"),
    ("ar", "تنظيف فلتر المكيف"),
    ("ru", "разрядка аккумулятора"),  # the articles say "аккумулятор", "разряжается"
    ("ru", "ошибки стиральной машины"),
)
SITUATIONS = {
    "en": [
        "after a software update",
        "in the first week",
        "in hot weather",
        "after a repair",
        "with a new charger",
        "after moving house",
        "in a small flat",
        "for business customers",
    ],
    "fa": [
        "پس از به‌روزرسانی نرم‌افزار",
        "در هفتهٔ اول",
        "در هوای گرم",
        "پس از تعمیر",
        "با شارژر جدید",
        "پس از اسباب‌کشی",
        "در آپارتمان کوچک",
        "برای مشتریان سازمانی",
    ],
    "ar": [
        "بعد تحديث البرنامج",
        "في الأسبوع الأول",
        "في الطقس الحار",
        "بعد الإصلاح",
        "مع شاحن جديد",
        "بعد الانتقال إلى منزل جديد",
        "في شقة صغيرة",
        "لعملاء الشركات",
    ],
    "ru": [
        "после обновления ПО",
        "в первую неделю",
        "в жаркую погоду",
        "после ремонта",
        "с новым зарядным устройством",
        "после переезда",
        "в небольшой квартире",
        "для корпоративных клиентов",
    ],
}
APPLIES_TO = {
    "en": "This article applies to the {product}.",
    "fa": "این راهنما مربوط به {product} است.",
    "ar": "ينطبق هذا المقال على {product}.",
    "ru": "Статья относится к товару: {product}.",
}


# --- seeding (runs in the child process, with Django set up) --------------------------------------


def _catalogue() -> list[Any]:
    """The demo's categories and products (the bench database has none of its own)."""
    from vafa.catalog.models import Category, Product
    from vafa.demo import products as demo

    categories = {c.code: c for c in Category.objects.all()}
    missing = [
        Category(code=code, name=names["en"], names=names, return_window_days=days)
        for code, names, days in demo.CATEGORIES
        if code not in categories
    ]
    Category.objects.bulk_create(missing)
    categories = {c.code: c for c in Category.objects.all()}
    have = set(Product.objects.values_list("sku", flat=True))
    Product.objects.bulk_create(
        Product(
            sku=item["sku"],
            name=item["names"]["en"],
            names=item["names"],
            category=categories[item["category"]],
            price=item["price"],
            currency=item["currency"],
        )
        for item in demo.PRODUCTS
        if item["sku"] not in have
    )
    skus = [item["sku"] for item in demo.PRODUCTS]
    return sorted(
        Product.objects.filter(sku__in=skus).select_related("category"), key=lambda p: skus.index(p.sku)
    )


def seed_cases_to(total: int) -> int:
    """Top the cases up to `total` in SQL (closed requests spread over two years); return how many were added."""
    from django.db import connection, transaction
    from django.db.models import Max

    from vafa.core.models import Counter
    from vafa.customers.models import Customer
    from vafa.service.models import Case

    have = Case.objects.count()
    if have >= total:
        return 0
    if not Customer.objects.filter(external_source=FILLER_SOURCE).exists():
        Customer.objects.bulk_create(
            Customer(
                name=f"Portal bench {i}", language="fa", external_source=FILLER_SOURCE, external_id=str(i)
            )
            for i in range(1000)
        )
    ids = list(
        Customer.objects.filter(external_source=FILLER_SOURCE).order_by("pk").values_list("pk", flat=True)
    )
    if ids[-1] - ids[0] + 1 != len(ids):
        raise RuntimeError("the filler customers' ids are not contiguous")
    base = Case.objects.aggregate(top=Max("number"))["top"] or 0
    missing = total - have
    if connection.vendor == "postgresql":
        series = "SELECT n FROM generate_series(1, %s) AS n"
        at = f"now() - (n %% {MINUTES_IN_TWO_YEARS}) * interval '1 minute'"
        later = f"now() - (n %% {MINUTES_IN_TWO_YEARS}) * interval '1 minute' + interval '1 day'"
    else:
        series = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %s) SELECT n FROM seq"
        at = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || (n %% {MINUTES_IN_TWO_YEARS}) || ' minutes')"
        later = (
            f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || (n %% {MINUTES_IN_TWO_YEARS}) || ' minutes', "
            "'+1 day')"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO service_case (number, subject, customer_id, kind, channel, status, priority, language, "  # noqa: S608 - fixed SQL
            "warranty_status_at_open, created_at, updated_at, resolved_at, closed_at, reopen_count, "
            "resolution_summary, external_id) "
            f"SELECT %s + n, 'Portal bench case', %s + (n %% %s), 'question', 'email', 'closed', 'normal', 'fa', "
            f"'', {at}, {later}, {later}, {later}, 0, '', '' FROM ({series}) AS seq",
            [base, ids[0], len(ids), missing],
        )
    Counter.objects.update_or_create(name="case", defaults={"value": base + missing})
    return missing


def _signed_in(user: Any) -> str:
    """A signed-in session of `user`: its key (the cookie value)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def seed_portal_customer(count: int, *, rng: random.Random, products: list[Any]) -> tuple[Any, int]:
    """The bench's portal customer (Persian) with `count` cases of their own; return (account, cases)."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone
    from django.utils.html import escape

    from vafa.accounts.services import customer_account_ensure
    from vafa.bench import phrases
    from vafa.core.models import Counter
    from vafa.customers.models import ContactPoint, Customer
    from vafa.service.models import Case, CaseEvent, CaseStatus, Channel, Message

    customer = Customer.objects.filter(external_source="bench-portal-account").first()
    if customer is None:
        customer = Customer.objects.create(
            name="نرگس بنچ", language="fa", external_source="bench-portal-account", external_id="1"
        )
        ContactPoint.objects.create(
            customer=customer, kind=ContactPoint.Kind.EMAIL, value=PORTAL_CUSTOMER_EMAIL, is_primary=True
        )
    account = customer_account_ensure(actor=None, customer=customer)
    have = Case.objects.filter(customer=customer).count()
    statuses = [CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED]
    statuses += [CaseStatus.CLOSED] * 6
    now = timezone.now()
    with transaction.atomic():
        number = Case.objects.aggregate(top=Max("number"))["top"] or 0
        rows, talks = [], []
        for _ in range(have, count):
            number += 1
            talk = phrases.conversation(rng, "fa", messages=3)
            created = now - dt.timedelta(minutes=rng.randint(60, MINUTES_IN_TWO_YEARS))
            status = rng.choice(statuses)
            done = status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
            updated = created + dt.timedelta(hours=rng.randint(1, 240))
            rows.append(
                Case(
                    number=number,
                    subject=talk.subject,
                    customer=customer,
                    product=rng.choice(products),
                    kind=rng.choice(["question", "problem", "warranty_claim", "repair", "return"]),
                    channel=rng.choice([Channel.PORTAL, Channel.EMAIL, Channel.PHONE]),
                    status=status,
                    language="fa",
                    created_at=created,
                    updated_at=min(updated, now),
                    resolved_at=min(updated, now) if done else None,
                    closed_at=min(updated, now) if status == CaseStatus.CLOSED else None,
                )
            )
            talks.append(talk)
        cases = Case.objects.bulk_create(rows)
        Message.objects.bulk_create(
            Message(
                case=case,
                author_kind=line.author,
                author_customer=customer if line.author == "customer" else None,
                channel="portal",
                is_internal=line.internal,
                body_text=line.text,
                body_html=f"<p>{escape(line.text)}</p>",
                created_at=case.created_at + dt.timedelta(minutes=index * 30),
            )
            for case, talk in zip(cases, talks, strict=True)
            for index, line in enumerate(talk.messages)
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(case=case, kind="opened", actor_kind="customer", created_at=case.created_at)
            for case in cases
        )
        Counter.objects.update_or_create(name="case", defaults={"value": number})
    return account, Case.objects.filter(customer=customer).count()


def _paragraphs(key: str, language: str) -> list[str]:
    from vafa.demo import articles as demo

    text = demo.text_of(key, language)
    return text[2].strip().split("\n\n") if text else []


def article_texts(index: int, *, product: Any, key: str, other: str, language: str) -> tuple[str, str, str]:
    """(title, summary, body markup) of generated article `index` in `language`: the demo article
    `key` told for `product` in one situation, with a paragraph of the demo article `other`."""
    from vafa.demo import articles as demo

    title, summary, _body = demo.text_of(key, language) or demo.text_of(key, "en") or ("", "", "")
    situation = SITUATIONS[language][index % len(SITUATIONS[language])]
    name = product.names.get(language) or product.name
    paragraphs = _paragraphs(key, language)
    borrowed = _paragraphs(other, language)
    if borrowed:
        paragraphs.insert(1, borrowed[index % len(borrowed)])
    paragraphs.append(APPLIES_TO[language].format(product=name) + f" KB-{index:05d}")
    return f"{title} — {name} ({situation})"[:200], summary, "\n\n".join(paragraphs)


def seed_articles(total: int, *, rng: random.Random, products: list[Any]) -> tuple[int, int]:
    """Add published articles (four translations each) until the bench shelf holds `total`; index
    them. Return (articles added, translations indexed)."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone
    from django.utils.text import slugify

    from vafa.core.text import html_to_text
    from vafa.demo import articles as demo
    from vafa.knowledge.models import Article, ArticleCategory, ArticleStatus, ArticleTranslation
    from vafa.knowledge.search import article_reindex

    shelf, _ = ArticleCategory.objects.get_or_create(
        slug=SHELF, defaults={"names": {"en": "Bench articles"}, "position": 99}
    )
    have = Article.objects.filter(category=shelf).count()
    if have >= total:
        return 0, 0
    keys = [spec for spec in demo.ARTICLES if not spec.internal and not spec.draft]
    by_sku = {p.sku: p for p in products}
    last_translation = ArticleTranslation.objects.aggregate(top=Max("pk"))["top"] or 0
    now = timezone.now()
    batch = 500
    for start in range(have, total, batch):
        stop = min(total, start + batch)
        with transaction.atomic():
            plans = []
            for index in range(start, stop):
                spec = keys[index % len(keys)]
                other = keys[rng.randrange(len(keys))].key
                linked = [by_sku[sku] for sku in spec.products if sku in by_sku]
                product = rng.choice(linked or products)
                published = now - dt.timedelta(minutes=rng.randint(60, MINUTES_IN_TWO_YEARS))
                plans.append((index, spec.key, other, product, published))
            made = Article.objects.bulk_create(
                Article(category=shelf, created_at=published, updated_at=published)
                for _index, _key, _other, _product, published in plans
            )
            Article.products.through.objects.bulk_create(
                Article.products.through(article_id=article.pk, product_id=plan[3].pk)
                for article, plan in zip(made, plans, strict=True)
            )
            Article.product_categories.through.objects.bulk_create(
                Article.product_categories.through(article_id=article.pk, category_id=plan[3].category_id)
                for article, plan in zip(made, plans, strict=True)
                if plan[3].category_id is not None
            )
            translations = []
            for article, (index, key, other, product, published) in zip(made, plans, strict=True):
                for language in LANGUAGES:
                    title, summary, body = article_texts(
                        index, product=product, key=key, other=other, language=language
                    )
                    html = demo.body_html(body)
                    helpful, unhelpful = rng.randint(0, 40), rng.randint(0, 12)
                    translations.append(
                        ArticleTranslation(
                            article=article,
                            language=language,
                            title=title,
                            slug=(slugify(title, allow_unicode=True)[:120].strip("-") or str(article.pk)),
                            summary=summary,
                            body_html=html,
                            body_text=html_to_text(html),
                            status=ArticleStatus.PUBLISHED,
                            published_at=published,
                            created_at=published,
                            updated_at=published,
                            helpful_count=helpful,
                            unhelpful_count=unhelpful,
                            view_count=helpful + unhelpful + rng.randint(0, 400),
                        )
                    )
            ArticleTranslation.objects.bulk_create(translations, batch_size=500)
    indexed = article_reindex(2000, last_translation, None)
    return total - have, indexed


def _plan(sql_with_params: tuple[str, Any]) -> str:
    from django.db import connection

    sql, params = sql_with_params
    with connection.cursor() as cursor:
        cursor.execute(
            ("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params
        )
        return " | ".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


def seed_self_service(*, cases: int, articles: int, customer_cases: int) -> dict[str, Any]:
    """Seed the self-service bench data; return the figures the runner needs (session, counts, plan)."""
    from vafa.core.housekeeping import database_statistics_refresh
    from vafa.knowledge.models import Article, ArticleTranslation
    from vafa.service.models import Case
    from vafa.service.selectors import customer_case_page

    rng = random.Random(17)
    started = time.perf_counter()
    products = _catalogue()
    filled = seed_cases_to(max(0, cases - customer_cases))
    account, own_cases = seed_portal_customer(customer_cases, rng=rng, products=products)
    added, indexed = seed_articles(articles, rng=rng, products=products)
    database_statistics_refresh(full=True)
    page = customer_case_page(viewer=account, size=20)
    first = Case.objects.filter(customer_id=account.customer_id, merged_into__isnull=True).order_by(
        "-updated_at", "-id"
    )[:21]
    return {
        "session": _signed_in(account),
        "cases": Case.objects.count(),
        "cases_added": filled,
        "customer_cases": own_cases,
        "first_page": len(page.items),
        "articles": Article.objects.count(),
        "translations": ArticleTranslation.objects.filter(status="published").count(),
        "articles_added": added,
        "translations_indexed": indexed,
        "seed_seconds": round(time.perf_counter() - started, 1),
        "requests_plan": _plan(first.query.sql_with_params()),
    }


# --- the runner (parent process) ------------------------------------------------------------------


class VisitorClient(PageClient):
    """A keep-alive client that keeps the session cookie the site gives it, as a browser does (the
    help centre files an anonymous visitor's searches under the session's visit key)."""

    def __init__(self, port: int, session_key: str = "") -> None:
        super().__init__(port, session_key)
        if not session_key:
            self.headers = {}

    def get(self, path: str) -> tuple[int, float, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        cookie = SimpleCookie(response.getheader("Set-Cookie") or "")
        if "sessionid" in cookie:
            self.headers = {"Cookie": f"sessionid={cookie['sessionid'].value}"}
        match = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
        if match is None:
            raise RuntimeError(f"no Server-Timing header on {path} (is VAFA_SERVER_TIMING on?)")
        return response.status, float(match.group(1)), body


def kb_search_path(i: int) -> str:
    language, query = KB_QUERIES[i % len(KB_QUERIES)]
    return f"/help/{language}/search/?q={quote(query)}"


def run_portal(target: Target, *, quick: bool, log: Callable[[str], None]) -> list[Result]:
    """The self-service issue's figures on one database."""
    from vafa.bench.desk import measure_pages

    cases = 50_000 if quick else 1_000_000
    articles = 1_000 if quick else 10_000
    customer_cases = 200
    runs = 60 if quick else 300
    log(f"[{target.name}] migrating")
    run_child(target, "migrate", "--noinput", "-v", "0")
    log(
        f"[{target.name}] seeding up to {cases} cases, a portal customer with {customer_cases}, {articles} articles"
    )
    out = run_child(
        target,
        "bench_portal",
        "--cases",
        str(cases),
        "--articles",
        str(articles),
        "--customer-cases",
        str(customer_cases),
    )
    seeded = json.loads(out.strip().splitlines()[-1])
    log(
        f"[{target.name}]   {seeded['cases']} cases, {seeded['articles']} articles "
        f"({seeded['translations']} translations), seeded in {seeded['seed_seconds']} s"
    )
    results: list[Result] = []
    with server(target) as port:
        visitor = VisitorClient(port)
        search_server, search_trip = measure_pages(visitor, kb_search_path, warmup=20, runs=runs)
        results.append(
            make_result(
                "kb_search_ms",
                search_server,
                database=target.name,
                scale={
                    "articles": seeded["articles"],
                    "translations": seeded["translations"],
                    "cases": seeded["cases"],
                    "requests": runs,
                    "page": "/help/<language>/search/?q=",
                    "queries": [f"{language}: {query}" for language, query in KB_QUERIES],
                    "round_trip_ms": round(search_trip, 2),
                },
            )
        )
        log(f"[{target.name}]   kb_search_ms median {search_server:.1f} ms (round trip {search_trip:.1f})")

        customer = VisitorClient(port, seeded["session"])
        list_server, list_trip = measure_pages(customer, lambda i: "/portal/requests/", warmup=20, runs=runs)
        results.append(
            make_result(
                "portal_requests_ms",
                list_server,
                database=target.name,
                scale={
                    "cases": seeded["cases"],
                    "customer_cases": seeded["customer_cases"],
                    "page_size": seeded["first_page"],
                    "requests": runs,
                    "viewer": "customer",
                    "plan": seeded["requests_plan"][:300],
                    "round_trip_ms": round(list_trip, 2),
                },
            )
        )
        log(f"[{target.name}]   portal_requests_ms median {list_server:.1f} ms (round trip {list_trip:.1f})")
    return results
