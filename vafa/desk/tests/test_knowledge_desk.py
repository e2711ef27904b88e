"""The knowledge base in the desk: the article list, the self-service report, suggestions beside the
reply box, links to articles in a sent reply, and a reply turned into a draft article."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from vafa.catalog.tests.factories import ProductFactory
from vafa.desk.views.knowledge import reply_html_with_article_links
from vafa.knowledge.models import Article, ArticleFeedback, ArticleStatus, DeflectionEvent, Visibility
from vafa.knowledge.tests.factories import ArticleCategoryFactory, published_article, translation
from vafa.service import services
from vafa.service.models import Message
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

BASE = "http://vafa.example"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.VAFA_BASE_URL = BASE


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> list[str]:
    return re.findall(r'data-kb-row="(\d+)"', html)


# --- the article list -----------------------------------------------------------------------------


@pytest.fixture
def shelf():
    return ArticleCategoryFactory(slug="kettles", names={"en": "Kettles", "fa": "کتری‌ها"})


@pytest.fixture
def library(shelf):
    descale = published_article(
        texts={"en": ("Descale the kettle", "Use vinegar and water."), "fa": ("جرم‌گیری کتری", "سرکه و آب")},
        category=shelf,
    )
    draft = published_article(texts={"en": ("Replace the filter", "Open the lid.")}, drafts=["en"])
    internal = published_article(
        texts={"en": ("Kettle refund rules", "Refund within the return window.")},
        visibility=Visibility.INTERNAL,
    )
    return {"descale": descale, "draft": draft, "internal": internal}


def test_agent_sees_every_translation_in_every_state(desk_as, agent, library):
    html = _html(desk_as(agent).get("/desk/knowledge/"))

    assert sorted(_rows(html)) == sorted(
        str(t.pk)
        for t in (
            translation(library["descale"], "en"),
            translation(library["descale"], "fa"),
            translation(library["draft"], "en"),
            translation(library["internal"], "en"),
        )
    )
    assert "Replace the filter" in html and "Draft" in html
    assert 'id="desk-nav-knowledge"' in html
    # Agents do not edit in the administration and do not see the report.
    assert 'id="kb-new"' not in html
    assert 'id="kb-report-link"' not in html


def test_filters_narrow_the_list(desk_as, agent, library, shelf):
    client = desk_as(agent)
    descale_fa = translation(library["descale"], "fa")

    by_language = _rows(_html(client.get("/desk/knowledge/?language=fa")))
    drafts = _rows(_html(client.get("/desk/knowledge/?state=draft")))
    on_shelf = _rows(_html(client.get(f"/desk/knowledge/?category={shelf.pk}")))
    nonsense = _rows(_html(client.get("/desk/knowledge/?language=xx&state=gone&category=abc")))

    assert by_language == [str(descale_fa.pk)]
    assert drafts == [str(translation(library["draft"], "en").pk)]
    assert sorted(on_shelf) == sorted([str(descale_fa.pk), str(translation(library["descale"], "en").pk)])
    assert len(nonsense) == 4


def test_search_lists_published_matches_only(desk_as, agent, library):
    html = _html(desk_as(agent).get("/desk/knowledge/?q=kettle&language=en"))

    assert sorted(_rows(html)) == sorted(
        [str(translation(library["descale"], "en").pk), str(translation(library["internal"], "en").pk)]
    )


def test_managers_get_the_admin_links_and_the_report_link(desk_as, manager, library):
    html = _html(desk_as(manager).get("/desk/knowledge/"))

    assert 'id="kb-report-link"' in html
    if admin.site.is_registered(Article):
        assert 'href="/admin/knowledge/article/add/"' in html
        assert f'href="/admin/knowledge/article/{library["descale"].pk}/change/"' in html


def test_customer_gets_404_and_visitors_sign_in(desk_as, customer_user):
    assert desk_as(customer_user).get("/desk/knowledge/").status_code == 404
    assert desk_as(customer_user).get("/desk/knowledge/report/").status_code == 404
    response = Client().get("/desk/knowledge/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/login/?next=/desk/knowledge/"


def test_list_pages_and_its_queries_do_not_grow(desk_as, agent, django_assert_num_queries):
    for index in range(35):
        published_article(texts={"en": (f"Article {index}", "Text.")})
    client = desk_as(agent)
    client.get("/desk/knowledge/")

    # session, user, the nav's unread notifications and availability, the categories, the page
    with django_assert_num_queries(6):
        first = client.get("/desk/knowledge/")
    html = _html(first)
    assert len(_rows(html)) == 30
    after = re.search(r'href="\?after=([^"]+)"', html)
    assert after is not None
    second = _html(client.get(f"/desk/knowledge/?after={after.group(1)}"))
    assert len(_rows(second)) == 5
    assert set(_rows(second)).isdisjoint(_rows(html))
    # an edited cursor starts again at the top
    assert len(_rows(_html(client.get("/desk/knowledge/?after=bogus")))) == 30


# --- the report -----------------------------------------------------------------------------------


def _step(kind, when, **fields):
    return DeflectionEvent.objects.create(kind=kind, visit="v", language="en", created_at=when, **fields)


def test_agent_gets_404_on_the_report(desk_as, agent):
    assert desk_as(agent).get("/desk/knowledge/report/").status_code == 404


def test_manager_reads_the_report(desk_as, manager, settings):
    settings.VAFA_KB_FOLLOW_UP_MIN_REQUESTS = 2
    kettle = ProductFactory(name="Kettle")
    article = published_article(texts={"en": ("Descale the kettle", "Use vinegar.")})
    now = timezone.now()
    for kind in ["search", "search", "view", "answered", "answered", "answered"]:
        _step(kind, now, product=kettle)
    _step("submitted", now, product=kettle, article=article)
    _step("submitted", now, product=kettle, article=article)
    _step("search", now - dt.timedelta(days=40))

    html = _html(desk_as(manager).get("/desk/knowledge/report/?period=30"))

    assert re.search(r'data-kb-total="searches">2<', html)
    assert re.search(r'data-kb-total="answered">3<', html)
    assert re.search(r'data-kb-total="submitted">2<', html)
    assert re.search(r'data-kb-total="after_view">2<', html)
    assert re.search(r'data-kb-total="rate">\s*60\.0%', html)
    assert f'data-kb-group="{kettle.pk}"' in html
    assert 'data-kb-group="en"' in html
    assert f'data-kb-attention="{translation(article, "en").pk}"' in html
    assert "Many follow-up requests" in html
    assert 'id="kb-data"' in html
    # No inline code: every script is a file, but for the chart's figures (JSON).
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(" src=" in tag or 'type="application/json"' in tag for tag in scripts)
    assert '<script id="kb-data" type="application/json">' in html


def test_report_in_persian_has_persian_digits_and_the_period_choice(desk_as, manager):
    manager.language = "fa"
    manager.native_digits = True
    manager.save()
    _step("search", timezone.now())

    html = _html(desk_as(manager).get("/desk/knowledge/report/?period=7", HTTP_ACCEPT_LANGUAGE="fa"))

    assert re.search(r'data-kb-total="searches">۱<', html)
    assert '<option value="7" selected>' in html


def test_report_queries_do_not_grow(desk_as, manager, django_assert_num_queries, settings):
    settings.VAFA_KB_POOR_FEEDBACK_MIN_VOTES = 1
    client = desk_as(manager)
    client.get("/desk/knowledge/report/")

    def fill(count: int) -> None:
        for index in range(count):
            product = ProductFactory()
            article = published_article(texts={"en": (f"Guide {index}", "Text.")})
            _step("search", timezone.now(), product=product)
            _step("submitted", timezone.now(), product=product, article=article)
            ArticleFeedback.objects.create(
                translation=translation(article, "en"), helpful=False, comment="no", reader_key=f"r{index}"
            )

    fill(1)
    # session, user, nav (notifications, availability, quarantined mail); the report's rows by
    # product, the products' names, days (the totals are their sum); rows by language; attention
    # list and comments
    with django_assert_num_queries(11) as few:
        client.get("/desk/knowledge/report/")
    fill(10)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/desk/knowledge/report/")


# --- suggestions beside the reply box -------------------------------------------------------------


def _suggested(client: Client, case, query: str = "") -> str:
    url = f"/desk/cases/{case.number}/articles/" + (f"?q={query}" if query else "")
    return _html(client.get(url, HTTP_HX_REQUEST="true"))


def _article_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-kb-article="(\d+)"', html)]


def test_the_cases_product_article_comes_first(desk_as, agent, team, other_customer):
    kettle = ProductFactory(name="Kettle")
    general = published_article(texts={"en": ("Descale any kettle", "Descale with vinegar, descale often.")})
    own = published_article(texts={"en": ("Descale your kettle", "Descale with vinegar.")}, products=[kettle])
    case = make_case(
        other_customer, team=team, subject="How to descale", body="Scale in the kettle", product=kettle
    )

    html = _suggested(desk_as(agent), case)

    assert _article_ids(html) == [own.pk, general.pk]
    assert f'data-kb-url="{BASE}/help/en/articles/{own.pk}-descale-your-kettle/"' in html


def test_the_link_is_in_the_customers_language(desk_as, agent, team, customer):
    # The English text matches; the Persian version exists, so the Persian one is sent.
    both = published_article(
        texts={"en": ("Descale the kettle", "Use vinegar."), "fa": ("جرم‌گیری کتری", "سرکه")}
    )
    only_english = published_article(texts={"en": ("Descale the iron", "Use vinegar too.")})
    case = make_case(customer, team=team, subject="Question")  # customer writes Persian
    assert case.language == "fa"

    html = _suggested(desk_as(agent), case, "descale vinegar")

    fa = translation(both, "fa")
    assert f'data-kb-url="{BASE}/help/fa/articles/{both.pk}-{fa.slug}/"' in html
    assert f'data-kb-url="{BASE}/help/en/articles/{only_english.pk}-descale-the-iron/"' in html
    assert html.count("data-kb-other-language") == 1
    assert "No Persian version: the link opens the English one." in html


def test_internal_articles_are_shown_but_cannot_be_inserted(desk_as, agent, team, other_customer):
    internal = published_article(
        texts={"en": ("Refund rules for kettles", "Refund within the window.")},
        visibility=Visibility.INTERNAL,
    )
    case = make_case(other_customer, team=team, subject="Refund for my kettle")

    html = _suggested(desk_as(agent), case)

    assert _article_ids(html) == [internal.pk]
    button = re.search(r"<button[^>]*data-kb-insert[^>]*>", html)
    assert button is not None and " disabled" in button.group(0)
    assert "customers cannot open it" in html


def test_suggestions_outside_the_agents_teams_are_404(desk_as, other_agent, customer_user, team, customer):
    case = make_case(customer, team=team)

    assert desk_as(other_agent).get(f"/desk/cases/{case.number}/articles/").status_code == 404
    assert desk_as(customer_user).get(f"/desk/cases/{case.number}/articles/").status_code == 404
    assert desk_as(other_agent).get("/desk/cases/99999999999999999999/articles/").status_code == 404


def test_without_htmx_the_suggestions_are_a_page(desk_as, agent, team, other_customer):
    published_article(texts={"en": ("Charge the phone", "Use the cable.")})
    case = make_case(other_customer, team=team, subject="The phone does not charge")

    html = _html(desk_as(agent).get(f"/desk/cases/{case.number}/articles/?q=charge"))

    assert "<html" in html and "Charge the phone" in html


def test_suggestions_take_a_fixed_number_of_queries(
    desk_as, agent, team, other_customer, django_assert_num_queries
):
    for index in range(5):
        published_article(texts={"en": (f"Charge the phone {index}", "Use the cable.")})
    case = make_case(other_customer, team=team, subject="The phone does not charge")
    client = desk_as(agent)
    _suggested(client, case)

    # session, user, the agent's teams, the case, the customer's last message, the search (no
    # article has all the words of subject and message: a second look for any of them), the
    # translations in the customer's language
    with django_assert_num_queries(8):
        html = _suggested(client, case)
    assert len(_article_ids(html)) == 5


def test_the_case_page_loads_the_suggestions_separately(desk_as, agent, team, other_customer):
    case = make_case(other_customer, team=team)

    html = _html(desk_as(agent).get(f"/desk/cases/{case.number}/"))

    assert f'hx-get="/desk/cases/{case.number}/articles/" hx-trigger="load"' in html
    assert "/static/desk/knowledge.js" in html


# --- links in a sent reply ------------------------------------------------------------------------


def test_article_addresses_become_links_and_nothing_else_does():
    text = (
        "See Descale <b>it</b>: http://vafa.example/help/fa/articles/12-جرم-گیری/\n"
        "and http://evil.example/help/fa/articles/1-x/ and http://vafa.example/portal/"
    )

    body = reply_html_with_article_links(text)

    assert body == (
        "<p>See Descale &lt;b&gt;it&lt;/b&gt;: "
        '<a href="http://vafa.example/help/fa/articles/12-%D8%AC%D8%B1%D9%85-%DA%AF%DB%8C%D8%B1%DB%8C/">'
        "http://vafa.example/help/fa/articles/12-جرم-گیری/</a><br>"
        "and http://evil.example/help/fa/articles/1-x/ and http://vafa.example/portal/</p>"
    )
    assert reply_html_with_article_links("No link here.") is None


def test_a_sent_reply_keeps_the_article_link(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    link = f"{BASE}/help/fa/articles/7-descale/"

    response = desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/", {"reply-mode": "reply", "reply-body": f"Read this:\n{link}"}
    )

    assert response.status_code == 302
    message = Message.objects.filter(case=case, author_kind="agent").get()
    assert f'<a href="{link}" rel="noopener noreferrer nofollow">{link}</a>' in message.body_html
    assert message.body_text == f"Read this:\n{link}"


# --- a reply becomes a draft article --------------------------------------------------------------


def test_agent_turns_a_public_reply_into_a_draft(desk_as, agent, team, other_customer):
    kettle = ProductFactory(name="Kettle")
    case = make_case(other_customer, team=team, subject="Descaling the kettle", product=kettle)
    reply = services.case_reply(actor=agent, case=case, body="Boil vinegar and water, then rinse twice.")

    response = desk_as(agent).post(f"/desk/cases/{case.number}/messages/{reply.pk}/article/")

    article = Article.objects.get()
    assert article.source_message_id == reply.pk
    assert list(article.products.all()) == [kettle]
    draft = article.translations.get()
    assert (draft.language, draft.status, draft.title) == ("en", ArticleStatus.DRAFT, "Descaling the kettle")
    assert "Boil vinegar" in draft.body_text
    # Agents have no administration: back to the reply, with a word about the draft.
    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{case.number}/#message-{reply.pk}"


def test_manager_lands_on_the_drafts_editor(desk_as, manager, other_customer):
    case = make_case(other_customer, subject="Pairing the headset")
    reply = services.case_reply(actor=manager, case=case, body="Hold the button for five seconds.")

    response = desk_as(manager).post(f"/desk/cases/{case.number}/messages/{reply.pk}/article/")

    article = Article.objects.get()
    assert response.status_code == 302
    if admin.site.is_registered(Article):
        assert response["Location"] == f"/admin/knowledge/article/{article.pk}/change/"


@pytest.mark.parametrize("which", ["customer", "note"])
def test_customer_messages_and_notes_are_refused(desk_as, agent, team, other_customer, which):
    case = make_case(other_customer, team=team)
    if which == "customer":
        message = Message.objects.get(case=case)
    else:
        message = services.case_note(actor=agent, case=case, body="Internal: call the warehouse.")
    client = desk_as(agent)

    response = client.post(f"/desk/cases/{case.number}/messages/{message.pk}/article/", follow=True)

    assert Article.objects.count() == 0
    assert "Only an agent&#x27;s public reply can become an article." in response.content.decode()


def test_drafting_from_another_teams_case_or_by_get_is_refused(
    desk_as, agent, other_agent, team, other_customer
):
    case = make_case(other_customer, team=team)
    reply = services.case_reply(actor=agent, case=case, body="Try another cable.")
    other_case = make_case(other_customer, team=team)

    assert (
        desk_as(other_agent).post(f"/desk/cases/{case.number}/messages/{reply.pk}/article/").status_code
        == 404
    )
    assert (
        desk_as(agent).post(f"/desk/cases/{other_case.number}/messages/{reply.pk}/article/").status_code
        == 404
    )
    assert desk_as(agent).get(f"/desk/cases/{case.number}/messages/{reply.pk}/article/").status_code == 405
    assert Article.objects.count() == 0


def test_only_agents_public_replies_offer_turn_into_article(desk_as, agent, team, other_customer):
    case = make_case(other_customer, team=team)
    reply = services.case_reply(actor=agent, case=case, body="Try another cable.")
    services.case_note(actor=agent, case=case, body="Note.")

    html = _html(desk_as(agent).get(f"/desk/cases/{case.number}/"))

    assert re.findall(r"/messages/(\d+)/article/", html) == [str(reply.pk)]
