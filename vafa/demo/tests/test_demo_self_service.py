"""The demo's help centre and portal: articles in four languages, self-service history, the two
portal customers, known issues and registrations waiting for an agent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.test import override_settings

from vafa.accounts.models import User
from vafa.catalog.selectors import known_issues_for
from vafa.demo import builder
from vafa.demo.articles import ARTICLES, CATEGORIES, text_of
from vafa.demo.names import DEMO_EN_CUSTOMER_EMAIL
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleStatus,
    ArticleTranslation,
    DeflectionEvent,
    Visibility,
)
from vafa.knowledge.selectors import article_search
from vafa.sales.models import UnitRegistration
from vafa.service.models import Case, CaseRating, CaseStatus, Channel

NOW = dt.datetime(2026, 3, 15, 10, 30, tzinfo=dt.UTC)
LANGUAGES = {"en", "fa", "ar", "ru"}
DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_company(django_db_setup, django_db_blocker):
    """One demo company for the whole module (the tests only read it; each one's writes roll back)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        counts = builder.build_demo(seed=7, now=NOW, customers=120, cases=150)
    yield counts
    with django_db_blocker.unblock():
        builder.reset_vafa_tables()


@pytest.fixture
def demo(demo_company, db, settings) -> dict[str, int]:
    settings.PASSWORD_HASHERS = FAST_HASHER
    return demo_company


def test_the_help_centre_is_written_in_four_languages(demo):
    published = ArticleTranslation.objects.filter(status=ArticleStatus.PUBLISHED)
    per_article = dict(published.values_list("article_id").annotate(n=Count("pk")))
    internal = Article.objects.get(visibility=Visibility.INTERNAL)
    drafts = Article.objects.exclude(translations__status=ArticleStatus.PUBLISHED)

    assert sorted(ArticleCategory.objects.values_list("slug", flat=True)) == sorted(c[0] for c in CATEGORIES)
    assert all(set(c.names) == LANGUAGES for c in ArticleCategory.objects.all())
    assert Article.objects.count() == len(ARTICLES) == 21
    assert set(published.values_list("language", flat=True)) == LANGUAGES
    assert sorted(per_article.values()) == [4] * 19
    assert drafts.count() == 2
    assert set(ArticleTranslation.objects.filter(article__in=drafts).values_list("status", flat=True)) == {
        "draft"
    }
    assert internal.translations.filter(status=ArticleStatus.PUBLISHED).count() == 4
    assert internal.translations.get(language="en").title == text_of("water-damage-internal", "en")[0]
    assert not Article.objects.filter(
        pk__in=per_article, products__isnull=True, product_categories__isnull=True
    )
    assert published.get(language="fa", title=text_of("battery-drain", "fa")[0]).body_html.count("<li>") == 5


def test_articles_carry_their_history_in_the_past(demo):
    for translation in ArticleTranslation.objects.prefetch_related("revisions"):
        revisions = sorted(translation.revisions.all(), key=lambda r: r.number)
        times = [revision.created_at for revision in revisions]
        assert [r.number for r in revisions] == list(range(1, translation.revision + 1))
        assert times == sorted(times) and times[-1] < NOW, translation.pk
        assert translation.created_at == times[0] and translation.updated_at == times[-1]
        if translation.status == ArticleStatus.PUBLISHED:
            assert revisions[1].status == ArticleStatus.PUBLISHED
            assert translation.published_at == times[1]
    assert (
        ArticleTranslation.objects.filter(revision=3).count() == 16
    )  # four articles edited after publication


def test_self_service_steps_cover_every_kind_language_and_portal_request(demo):
    events = DeflectionEvent.objects.all()
    submitted = events.filter(kind="submitted").select_related("case")
    portal_cases = Case.objects.filter(channel=Channel.PORTAL)

    assert set(events.values_list("kind", flat=True)) == {"search", "view", "answered", "submitted"}
    assert set(events.values_list("language", flat=True)) == LANGUAGES
    assert set(events.values_list("source", flat=True)) == {"portal", "help", "widget"}
    assert submitted.count() == portal_cases.count() > 0
    for event in submitted:
        assert event.customer_id == event.case.customer_id
        assert event.language == event.case.language
        assert event.created_at == event.case.created_at
    assert submitted.filter(article__isnull=False).exists()
    assert events.filter(kind="search", result_count=0).exists()
    assert events.filter(kind="search", result_count__gt=0).exists()
    assert max(events.values_list("created_at", flat=True)) < NOW


def test_views_and_feedback_counters_match_the_recorded_steps(demo):
    for translation in ArticleTranslation.objects.filter(status=ArticleStatus.PUBLISHED):
        views = DeflectionEvent.objects.filter(
            kind="view", article_id=translation.article_id, language=translation.language
        ).count()
        feedback = ArticleFeedback.objects.filter(translation=translation)
        assert translation.view_count == views
        assert translation.helpful_count == feedback.filter(helpful=True).count()
        assert translation.unhelpful_count == feedback.filter(helpful=False).count()
    assert ArticleFeedback.objects.exclude(comment="").exists()


def test_a_persian_query_with_arabic_letters_finds_the_persian_demo_article(demo):
    hits = article_search(query="باتري گوشي", language="fa", viewer=None)

    assert hits[0].language == "fa"
    assert hits[0].title == text_of("battery-drain", "fa")[0]


def test_a_russian_inflected_query_finds_the_russian_demo_article(demo):
    hits = article_search(query="разрядка аккумулятора", language="ru", viewer=None)

    assert hits[0].title == text_of("battery-drain", "ru")[0]


def test_the_persian_customer_signs_in_to_the_portal_and_sees_their_units_and_requests(demo, client):
    account = User.objects.get(email=builder.CUSTOMER_EMAIL)
    units = list(account.customer.units.values_list("serial_number", flat=True))
    numbers = list(Case.objects.filter(customer=account.customer).values_list("number", flat=True))

    signed_in = client.post(
        "/portal/login/", {"email": builder.CUSTOMER_EMAIL, "password": builder.PASSWORDS["customer"]}
    )
    home = client.get("/portal/")
    requests = client.get("/portal/requests/")

    assert signed_in.status_code == 302
    assert home.status_code == 200
    assert len(units) >= 3
    assert all(serial in home.content.decode() for serial in units)
    assert requests.status_code == 200
    assert all(f"/portal/requests/{number}/" in requests.content.decode() for number in numbers)


def test_both_portal_customers_have_units_finished_and_open_requests_and_a_rating(demo):
    for email, language in ((builder.CUSTOMER_EMAIL, "fa"), (DEMO_EN_CUSTOMER_EMAIL, "en")):
        customer = User.objects.get(email=email).customer
        cases = Case.objects.filter(customer=customer)
        done = cases.filter(status__in=DONE)

        assert customer.language == language
        assert customer.units.count() >= 2
        assert done.exists() and cases.exclude(status__in=DONE).exists()
        assert CaseRating.objects.filter(case__customer=customer).exists()
        if done.count() > 1:  # the latest finished one is left for the visitor to rate
            assert not CaseRating.objects.filter(case=done.order_by("-pk").first()).exists()


def test_ratings_fall_between_resolution_and_the_end_of_the_demo(demo):
    ratings = CaseRating.objects.select_related("case")

    assert ratings.exists()
    for rating in ratings:
        assert rating.case.status in DONE
        assert rating.case.resolved_at < rating.created_at < NOW
        assert rating.case.events.filter(kind="rated", data__score=rating.score).count() == 1


def test_the_recall_notice_concerns_the_persian_customers_phone(demo):
    customer = User.objects.get(email=builder.CUSTOMER_EMAIL).customer
    phone = customer.units.select_related("product").get(product__sku="SM-A556E-256")
    washer = customer.units.select_related("product").get(product__sku="LG-F4V5VYP0W")

    recall = known_issues_for(product=phone.product, on=NOW.date(), serial_number=phone.serial_number)
    washer_notes = known_issues_for(product=washer.product, on=NOW.date(), serial_number=washer.serial_number)
    other_phone = known_issues_for(product=phone.product, on=NOW.date(), serial_number="000000000000000")

    assert [issue.severity for issue in recall] == ["recall"]
    assert set(recall[0].titles) == set(recall[0].bodies) == LANGUAGES
    assert phone.serial_number[:10] in recall[0].bodies["fa"]
    assert [issue.severity for issue in washer_notes] == ["info"]
    assert other_phone == []


def test_registrations_wait_for_an_agent(demo):
    pending = UnitRegistration.objects.filter(status=UnitRegistration.Status.PENDING)

    assert pending.count() == 3
    assert pending.filter(
        customer__contact_points__value=builder.CUSTOMER_EMAIL
    ).get().receipt_content_type == ("application/pdf")
    assert pending.filter(customer__contact_points__value=DEMO_EN_CUSTOMER_EMAIL).get().order_number
    assert all(registration.created_at < NOW for registration in pending)
