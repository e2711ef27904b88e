"""The case page: who may open it, what it shows, the stream's pages, and how many queries it takes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from vafa.accounts.tests.factories import UserFactory
from vafa.automation.actions import action_describe
from vafa.customers.tests.factories import CustomerFactory
from vafa.sales.models import Unit
from vafa.sales.tests.factories import OrderFactory, OrderLineFactory, UnitFactory
from vafa.service import events, services
from vafa.service.models import Case, CaseEvent, Message
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _page(client: Client, case: Case) -> str:
    response = client.get(f"/desk/cases/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


# --- who may open it ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "manager", "agent"])
def test_staff_in_scope_open_the_case(request, desk_as, team, customer, who):
    case = make_case(customer, team=team, subject="Screen flickers")

    html = _page(desk_as(request.getfixturevalue(who)), case)

    assert "Screen flickers" in html
    assert f"<title>{case.reference} Screen flickers" in html


def test_agent_sees_an_unassigned_general_queue_case(desk_as, agent, customer):
    case = make_case(customer, subject="No team yet")

    assert "No team yet" in _page(desk_as(agent), case)


def test_agent_outside_the_cases_team_gets_404(desk_as, other_agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(other_agent).get(f"/desk/cases/{case.number}/")

    assert response.status_code == 404


def test_customer_account_gets_404(desk_as, customer_user, customer):
    case = make_case(customer)

    response = desk_as(customer_user).get(f"/desk/cases/{case.number}/")

    assert response.status_code == 404


@pytest.mark.parametrize("number", ["999999", "99999999999999999999999"])
def test_unknown_number_gets_404(desk_as, agent, number):
    response = desk_as(agent).get(f"/desk/cases/{number}/")

    assert response.status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(customer):
    case = make_case(customer)

    response = Client().get(f"/desk/cases/{case.number}/")

    assert response.status_code == 302
    assert response["Location"] == f"/desk/login/?next=/desk/cases/{case.number}/"


# --- what it shows --------------------------------------------------------------------------------


def test_header_shows_the_cases_fields(desk_as, admin_user, agent, team, customer):
    case = make_case(customer, team=team, assignee=agent, subject="Battery drains", kind="complaint")
    services.case_tag(actor=admin_user, case=case, names=["battery", "vip"])

    html = _page(desk_as(agent), case)

    header = html[html.index('id="case-header"') : html.index("</header>", html.index('id="case-header"'))]
    assert case.reference in header
    assert "Complaint" in header
    assert "E-mail" in header
    assert "Phones" in header
    assert "Arash Agent" in header
    assert '<span class="badge text-bg-light border case-tag">battery' in header
    assert 'aria-label="Remove the tag battery"' in header
    assert 'data-shortcut="a"' not in header  # the case is already the agent's


def test_assign_to_me_button_carries_the_a_shortcut(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    html = _page(desk_as(agent), case)

    assert re.search(r'<button[^>]*data-shortcut="a"[^>]*>Assign to me', html)


def test_internal_note_is_marked_in_colour_and_in_words(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    services.case_note(actor=agent, case=case, body="Customer called twice already.")

    html = _page(desk_as(agent), case)

    note = html[html.rindex("desk-note") : html.index("Customer called twice already.")]
    assert "case-note" in note
    assert ">Internal note</span>" in note


def test_events_read_as_sentences_with_the_names_resolved(desk_as, admin_user, agent, team, customer):
    case = make_case(customer, team=team)
    services.case_assign(actor=admin_user, case=case, assignee=agent)
    services.case_set_status(actor=admin_user, case=case, status="pending_customer")
    services.case_tag(actor=admin_user, case=case, names=["battery"])
    services.case_set_priority(actor=admin_user, case=case, priority="urgent")

    html = _page(desk_as(agent), case)

    assert "Ada Admin assigned the case to Arash Agent" in html
    assert "Ada Admin changed the status from New to Pending customer" in html
    assert "Ada Admin tagged the case: battery" in html
    assert "Ada Admin changed the priority from Normal to Urgent" in html
    assert f"{customer.name} opened the case by E-mail" in html
    assert "moved the case to team Phones" in html


def test_the_customers_rating_reads_as_a_sentence(desk_as, agent, team, customer, customer_user):
    case = make_case(customer, team=team)
    services.case_resolve(actor=agent, case=case)
    services.case_rate(actor=customer_user, case=case, score=3)
    services.case_rate(actor=customer_user, case=case, score=5, comment="Quick and kind.")

    html = _page(desk_as(agent), case)

    assert f"{customer_user} rated the service 3 out of 5" in html
    assert f"{customer_user} changed the rating from 3 to 5 out of 5" in html


def test_sla_rule_and_routing_events_read_as_sentences(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    at = case.created_at
    events.sla_applied(case, at, policy_id=None, policy_name="Gold")
    events.sla_at_risk(case, at, clock_id=1, metric="first_response", due_at=at)
    events.sla_breached(case, at, clock_id=1, metric="resolution", due_at=at)
    events.rule_applied(case, at, rule_id=1, rule_name="Complaints are urgent", actions=["Priority: Urgent"])
    services.case_assign(actor=None, case=case, assignee=agent, reason="round_robin")

    html = _page(desk_as(agent), case)

    assert "SLA policy Gold applies" in html
    assert "SLA at risk: First response" in html
    assert "SLA breached: Resolution" in html
    assert "Automation rule “Complaints are urgent” applied" in html
    assert "Priority: Urgent" in html
    assert "round robin" in html


def test_a_rules_steps_are_described_in_the_readers_language(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    steps = [{"type": "set_priority", "priority": "urgent"}, {"type": "add_tag", "tag": "vip"}]
    events.rule_applied(
        case, case.created_at, rule_id=1, rule_name="VIP", actions=["(log line)"], steps=steps
    )
    client = desk_as(agent)

    english = _page(client, case)
    agent.language = "fa"
    agent.save(update_fields=["language"])
    persian = _page(desk_as(agent), case)

    assert "Priority: Urgent; Tag added: vip" in english
    assert "(log line)" not in english
    with translation.override("fa"):
        expected = f"{action_describe(steps[0])}; {action_describe(steps[1])}"
    assert expected in persian
    assert "Priority: Urgent" not in persian


def test_reply_events_are_not_shown_twice(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    services.case_reply(actor=agent, case=case, body="We are on it.")

    html = _page(desk_as(agent), case)

    assert html.count("We are on it.") == 1
    assert 'class="case-item case-event case-event-replied' not in html


def test_customer_script_never_reaches_the_page_alive(desk_as, agent, team, customer):
    case = make_case(
        customer,
        team=team,
        subject="<script>alert('subject')</script>",
        body_html='<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>',
    )
    # Even HTML stored unsanitised (an import, an old row) is cleaned when shown.
    Message.objects.filter(case=case).update(
        body_html="<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(1)>"
    )

    html = _page(desk_as(agent), case)

    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:alert" not in html
    assert "&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt;" in html
    assert "<p>Hi</p>" in html


def test_names_and_texts_in_events_are_shown_as_text(desk_as, agent, team, customer):
    case = make_case(customer, team=team, subject="Plain")
    services.case_update(actor=agent, case=case, subject="<img src=x onerror=alert(1)>")
    services.case_tag(actor=agent, case=case, names=["<b>bold</b>"])

    html = _page(desk_as(agent), case)

    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "changed the subject from “Plain” to “&lt;img src=x onerror=alert(1)&gt;”" in html
    assert "tagged the case: &lt;b&gt;bold&lt;/b&gt;" in html


def test_message_bodies_take_their_direction_from_their_text(desk_as, agent, team, customer):
    case = make_case(customer, team=team, body="گوشی شارژ نمی‌شود")

    html = _page(desk_as(agent), case)

    assert '<div class="case-body desk-wrap" dir="auto"><p>گوشی شارژ نمی‌شود</p></div>' in html


def test_attachments_are_listed_with_name_size_and_link(desk_as, agent, team, customer):
    case = make_case(
        customer,
        team=team,
        attachments=[services.AttachmentInput("photo.jpg", "image/jpeg", b"x" * 2048)],
    )
    attachment = Message.objects.get(case=case).attachments.get()

    html = _page(desk_as(agent), case)

    assert (
        f'href="/desk/cases/{case.number}/attachments/{attachment.pk}/" download><bdi>photo.jpg</bdi>' in html
    )
    assert "(2.0\xa0KB)" in html


def test_unit_and_its_warranty_show_in_the_header(desk_as, agent, team, customer):
    today = timezone.localdate()
    unit = UnitFactory(
        owner=customer,
        serial_number="SN-HEAD-1",
        warranty_start=today - dt.timedelta(days=10),
        warranty_end=today + dt.timedelta(days=20),
    )
    case = make_case(customer, team=team, unit=unit)

    html = _page(desk_as(agent), case)

    header = html[html.index('id="case-header"') : html.index("</header>", html.index('id="case-header"'))]
    assert "SN-HEAD-1" in header
    assert "In warranty · 20 days left" in header
    assert "When opened: In warranty" in header


def test_side_panel_shows_the_customer_360(desk_as, agent, team, customer):
    UnitFactory(owner=customer, serial_number="SN-SIDE-1")
    OrderFactory(customer=customer, number="ORD-SIDE-1")
    older = make_case(customer, team=team, subject="Earlier trouble")
    case = make_case(customer, team=team)

    html = _page(desk_as(agent), case)

    side = html[html.index('class="col-12 col-xl-4 case-side"') :]
    assert customer.name in side
    assert "sara@example.test" in side
    assert "SN-SIDE-1" in side
    assert "ORD-SIDE-1" in side
    assert older.reference in side
    assert "Earlier trouble" in side
    assert f'href="/desk/cases/{case.number}/"' not in side.split('id="case-merge"')[0]


def test_next_and_previous_follow_my_open_cases(desk_as, admin_user, agent, team, customer):
    first = make_case(customer, team=team, assignee=agent, subject="First")
    middle = make_case(customer, team=team, assignee=agent, subject="Middle")
    last = make_case(customer, team=team, assignee=agent, subject="Last")
    now = timezone.now()
    for offset, case in ((3, first), (2, middle), (1, last)):
        Case.objects.filter(pk=case.pk).update(updated_at=now - dt.timedelta(minutes=offset))

    html = _page(desk_as(agent), middle)

    # Newest activity first: `last` comes before `middle`, `first` after it.
    assert re.search(rf'href="/desk/cases/{first.number}/" data-shortcut="j" rel="next"', html)
    assert re.search(rf'href="/desk/cases/{last.number}/" data-shortcut="k" rel="prev"', html)


def test_no_next_link_at_the_end_of_the_list(desk_as, agent, team, customer):
    case = make_case(customer, team=team, assignee=agent)

    html = _page(desk_as(agent), case)

    assert 'data-shortcut="j"' not in html
    assert 'data-shortcut="k"' not in html


def test_merged_case_points_to_the_case_it_went_into(desk_as, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)
    services.case_merge(actor=agent, source=source, target=target)

    html = _page(desk_as(agent), source)

    assert f"This case was merged into {target.reference} and is closed." in html
    assert 'id="case-reply"' not in html


def test_closed_case_allows_only_notes(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    services.case_resolve(actor=agent, case=case)
    services.case_close(actor=agent, case=case)

    html = _page(desk_as(agent), case)

    assert 'id="case-mode-reply" value="reply" autocomplete="off" disabled' in html
    assert "This case is closed: reopen it to reply" in html


def test_reply_box_has_both_modes_with_shortcuts_and_limits(desk_as, agent, team, customer, settings):
    settings.VAFA_ATTACHMENT_MAX_COUNT = 10
    settings.VAFA_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    case = make_case(customer, team=team)

    html = _page(desk_as(agent), case)

    assert 'for="case-mode-reply" data-shortcut="r"' in html
    assert 'for="case-mode-note" data-shortcut="n"' in html
    assert "Up to 10 files of 20 MB each." in html
    assert '<option value="pending_customer">Set to Pending customer</option>' in html
    assert 'name="reply-resolve"' in html


def test_page_in_persian_is_right_to_left(desk_as, agent, team, customer):
    agent.language = "fa"
    agent.save(update_fields=["language"])
    case = make_case(customer, team=team)

    html = _page(desk_as(agent), case)

    assert '<html lang="fa" dir="rtl">' in html


# --- the stream's pages ---------------------------------------------------------------------------


def _history(case: Case, agent, count: int) -> None:
    for index in range(count):
        if index % 2:
            services.case_note(actor=agent, case=case, body=f"note {index}")
        else:
            services.case_set_priority(actor=agent, case=case, priority="high" if index % 4 else "low")


def _items(html: str) -> list[str]:
    return re.findall(r'id="((?:message|event)-\d+)"', html)


def test_long_history_shows_the_latest_items_and_loads_the_earlier_ones(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    _history(case, agent, 70)
    client = desk_as(agent)

    html = _page(client, case)
    shown = _items(html)
    before = re.search(r'conversation/\?before=([0-9.\-]+)"', html).group(1)
    second = client.get(f"/desk/cases/{case.number}/conversation/?before={before}", HTTP_HX_REQUEST="true")
    second_items = _items(second.content.decode())
    before2 = re.search(r'conversation/\?before=([0-9.\-]+)"', second.content.decode()).group(1)
    third = client.get(f"/desk/cases/{case.number}/conversation/?before={before2}", HTTP_HX_REQUEST="true")
    third_items = _items(third.content.decode())

    assert len(shown) == 30
    assert "note 69" in html
    assert len(second_items) == 30
    assert "Show earlier" not in third.content.decode()
    everything = third_items + second_items + shown
    # 1 opened + 1 first message + 35 notes + 35 priority changes (the first is a no-op? no: low then high)
    expected_events = CaseEvent.objects.filter(case=case).exclude(
        kind__in=["replied", "customer_replied", "noted"]
    )
    expected = [f"message-{m.pk}" for m in Message.objects.filter(case=case)] + [
        f"event-{e.pk}" for e in expected_events
    ]
    assert sorted(everything) == sorted(expected)
    assert len(set(everything)) == len(everything)
    assert everything[0] == f"event-{CaseEvent.objects.get(case=case, kind='opened').pk}"


def test_broken_cursor_answers_400(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(agent).get(f"/desk/cases/{case.number}/conversation/?before=nonsense")

    assert response.status_code == 400


def test_conversation_page_without_htmx_is_a_whole_page(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(agent).get(f"/desk/cases/{case.number}/conversation/")

    assert response.status_code == 200
    assert "<html" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------------


@pytest.fixture
def page_queries():
    """`page_queries(client, case)`: how many queries the case page takes (session already warm)."""

    def count(client: Client, case: Case) -> int:
        client.get(f"/desk/cases/{case.number}/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/desk/cases/{case.number}/")
        assert response.status_code == 200
        return len(queries)

    return count


def _long_history(case: Case, admin_user, agent, other_team, team, steps: int) -> None:
    """Every kind of item: replies, notes with files, assignments, transfers, unit links, tags."""
    unit: Unit = UnitFactory.create(owner=case.customer)
    for index in range(steps):
        step = index % 6
        if step == 0:
            services.case_reply(actor=agent, case=case, body=f"reply {index}")
        elif step == 1:
            services.case_note(
                actor=agent,
                case=case,
                body=f"note {index}",
                attachments=[services.AttachmentInput(f"f{index}.txt", "text/plain", b"hello")],
            )
        elif step == 2:
            services.case_assign(
                actor=admin_user, case=case, team=team, assignee=agent if index % 12 else None
            )
        elif step == 3:
            services.case_assign(
                actor=admin_user, case=case, assignee=None, team=other_team if index % 12 == 3 else team
            )
        elif step == 4:
            services.case_link_unit(actor=admin_user, case=case, unit=unit if index % 12 == 4 else None)
        else:
            services.case_tag(actor=admin_user, case=case, names=[f"tag{index}"])


def test_case_page_queries_do_not_grow_with_the_history(
    desk_as, admin_user, agent, team, other_team, page_queries, django_assert_num_queries
):
    short = make_case(CustomerFactory())  # the stream: opening, first message, one note
    services.case_note(actor=agent, case=short, body="one note")
    long = make_case(CustomerFactory(), team=team)
    _long_history(long, admin_user, agent, other_team, team, steps=60)
    services.case_assign(actor=admin_user, case=long, team=team, assignee=agent)
    client = desk_as(agent)

    short_count = page_queries(client, short)
    long_count = page_queries(client, long)

    assert Message.objects.filter(case=short).count() + CaseEvent.objects.filter(case=short).count() == 4
    assert Message.objects.filter(case=long).count() + CaseEvent.objects.filter(case=long).count() > 90
    assert short_count == long_count
    # The figure itself, so a new query is a decision: session, user, the agent's teams (case
    # scope), the case with its last event, its tags, messages, attachments, events (with the names
    # they refer to), previous and next case, the teams again (customer 360 scope), the 360's
    # counts, contact points, units, orders, order lines, spend, past cases, presence; the e-mails the
    # public messages came from and the delivery of those e-mailed (vafa.desk.conversation); the
    # bar's unread notifications and the agent's availability; the case's SLA clocks.
    assert short_count == 24
    # "Show earlier": session, user, teams, the case, its tags, messages, attachments, events, the
    # messages' e-mails and deliveries.
    with django_assert_num_queries(10):
        client.get(
            f"/desk/cases/{long.number}/conversation/?before=9999999999999999.2.1", HTTP_HX_REQUEST="true"
        )


def test_case_page_queries_do_not_grow_with_units_and_orders(desk_as, agent, team, page_queries):
    bare_customer = CustomerFactory()
    rich_customer = CustomerFactory()
    for index in range(10):
        UnitFactory(owner=rich_customer)
        order = OrderFactory(customer=rich_customer)
        OrderLineFactory(order=order)
        make_case(rich_customer, team=team, subject=f"old {index}")
    bare = make_case(bare_customer, team=team)
    rich = make_case(rich_customer, team=team)
    client = desk_as(agent)

    assert page_queries(client, bare) == page_queries(client, rich) == 24


def test_page_of_an_admin_needs_no_team_lookups(desk_as, admin_user, team, customer, page_queries):
    case = make_case(customer, team=team)

    # The agent's figure less the two team lookups, plus the quarantine badge of the bar.
    assert page_queries(desk_as(admin_user), case) == 22


def test_other_staff_names_in_the_page_are_escaped(desk_as, admin_user, team, customer):
    sneaky = UserFactory(full_name="<b>Bold</b> Agent")
    team.members.add(sneaky)
    case = make_case(customer, team=team)
    services.case_assign(actor=admin_user, case=case, assignee=sneaky)

    html = _page(desk_as(admin_user), case)

    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; Agent" in html
