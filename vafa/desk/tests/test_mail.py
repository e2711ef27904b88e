"""The desk's mail pages: the log and quarantine, one e-mail and its actions, the block list, and the
e-mail facts on a case's messages (original, Cc, delivery, inline images, follow-ups)."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vafa.channels.email.ingest import inbound_process
from vafa.channels.models import (
    BlockedSender,
    InboundMail,
    InboundState,
    Mailbox,
    OutboundMail,
    QuarantineReason,
)
from vafa.channels.services import PROCESS_KIND, inbound_store, sender_block
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork
from vafa.customers.models import ContactPoint
from vafa.desk import mail as rm
from vafa.service import services
from vafa.service.models import Case, CaseStatus, Message

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "channels" / "tests" / "corpus"


@pytest.fixture
def mailbox(db, team) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@shop.test", team=team, language="en")


def mail(
    *,
    sender: str = "Maryam Ahmadi <maryam@example.ir>",
    subject: str = "Battery does not charge",
    body: str = "My phone stopped charging yesterday.",
    message_id: str = "<m1@example.ir>",
    to: str = "support@shop.test",
    cc: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def deliver(raw: bytes, mailbox: Mailbox | None) -> InboundMail:
    inbound = inbound_store(raw=raw, via="file", mailbox=mailbox)
    return inbound_process(inbound_id=inbound.pk)


def run_pending_processing() -> None:
    for work in PendingWork.objects.filter(kind=PROCESS_KIND, state=PendingWork.State.PENDING):
        work_execute(work.pk)


def blocked_mail(mailbox: Mailbox, manager, number: int = 1) -> InboundMail:
    if not BlockedSender.objects.filter(pattern="spam@junk.test").exists():
        sender_block(actor=manager, pattern="spam@junk.test", reason="storm")
    return deliver(
        mail(
            sender="Spammer <spam@junk.test>",
            subject=f"Buy now {number}",
            message_id=f"<spam{number}@junk.test>",
        ),
        mailbox,
    )


@pytest.fixture
def log(mailbox, manager):
    """One e-mail in each state: 2 quarantined (blocked, no mailbox), 1 waiting, 1 processed,
    1 duplicate, 1 dismissed."""
    blocked = blocked_mail(mailbox, manager)
    nowhere = deliver(mail(to="someone@else.test", message_id="<n1@example.ir>"), None)
    waiting = inbound_store(
        raw=mail(message_id="<w1@example.ir>", subject="Waiting"), via="file", mailbox=mailbox
    )
    processed = deliver(mail(), mailbox)
    duplicate = deliver(mail(), mailbox)
    dismissed = blocked_mail(mailbox, manager, 2)
    dismissed.state = InboundState.DISMISSED
    dismissed.save(update_fields=["state"])
    return {
        "blocked": blocked,
        "nowhere": nowhere,
        "waiting": waiting,
        "processed": processed,
        "duplicate": duplicate,
        "dismissed": dismissed,
    }


def rows_of(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-mail="(\d+)"', response.content.decode())]


# --- who may open what ----------------------------------------------------------------------------


def test_agents_get_not_found_on_every_mail_address(desk_as, agent, log):
    client = desk_as(agent)
    pk = log["blocked"].pk
    blocked = BlockedSender.objects.get()

    gets = ["/desk/mail/", f"/desk/mail/{pk}/", f"/desk/mail/{pk}/original/", "/desk/mail/blocked/"]
    posts = [
        f"/desk/mail/{pk}/reprocess/",
        f"/desk/mail/{pk}/release/",
        f"/desk/mail/{pk}/dismiss/",
        f"/desk/mail/{pk}/block/",
        "/desk/mail/blocked/",
        f"/desk/mail/blocked/{blocked.pk}/remove/",
    ]

    assert [client.get(url).status_code for url in gets] == [404] * 4
    assert [client.post(url, {"add-pattern": "x@y.test"}).status_code for url in posts] == [404] * 6
    assert InboundMail.objects.get(pk=pk).state == InboundState.QUARANTINED
    assert list(BlockedSender.objects.values_list("pattern", flat=True)) == ["spam@junk.test"]


def test_managers_and_admins_open_the_mail_pages(desk_as, manager, admin_user, log):
    pk = log["blocked"].pk
    for user in (manager, admin_user):
        client = desk_as(user)
        for url in ("/desk/mail/", f"/desk/mail/{pk}/", f"/desk/mail/{pk}/original/", "/desk/mail/blocked/"):
            assert client.get(url).status_code == 200, url


def test_the_bar_shows_managers_the_quarantine_count_and_agents_no_mail_item(desk_as, manager, agent, log):
    page = desk_as(manager).get("/desk/inbox/").content.decode()
    agent_page = desk_as(agent).get("/desk/inbox/").content.decode()

    assert re.search(r'id="desk-nav-quarantined"[^>]*>2<', page)
    assert 'id="desk-nav-mail"' not in agent_page


# --- the log --------------------------------------------------------------------------------------


def test_tabs_count_each_state_and_quarantined_is_the_default(desk_as, manager, log):
    response = desk_as(manager).get("/desk/mail/")
    html = response.content.decode()

    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {
        "quarantined": "2",
        "received": "1",
        "processed": "1",
        "duplicate": "1",
        "dismissed": "1",
        "all": "6",
    }
    assert rows_of(response) == [log["nowhere"].pk, log["blocked"].pk]  # newest first
    assert "The sender is on the block list" in html
    assert "No active mailbox takes mail for this address" in html


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("received", ["waiting"]),
        ("processed", ["processed"]),
        ("duplicate", ["duplicate"]),
        ("dismissed", ["dismissed"]),
        ("all", ["dismissed", "duplicate", "processed", "waiting", "nowhere", "blocked"]),
    ],
)
def test_each_tab_lists_its_state(desk_as, manager, log, tab, expected):
    response = desk_as(manager).get(f"/desk/mail/?tab={tab}")

    assert rows_of(response) == [log[name].pk for name in expected]


def test_filters_by_reason_mailbox_and_sender(desk_as, manager, mailbox, log):
    client = desk_as(manager)

    by_reason = client.get("/desk/mail/?tab=all&reason=blocked")
    by_mailbox = client.get(f"/desk/mail/?tab=quarantined&mailbox={mailbox.pk}")
    by_sender = client.get("/desk/mail/?tab=all&sender=%20Spam@JUNK.test%20")
    nobody = client.get("/desk/mail/?tab=all&sender=spam@junk")

    assert rows_of(by_reason) == [log["dismissed"].pk, log["blocked"].pk]
    assert rows_of(by_mailbox) == [log["blocked"].pk]
    assert rows_of(by_sender) == [log["dismissed"].pk, log["blocked"].pk]
    assert rows_of(nobody) == []
    # The counts follow the filters.
    assert dict(re.findall(r'data-count="(\w+)">(\d+)<', by_reason.content.decode())) == {
        "quarantined": "1",
        "received": "0",
        "processed": "0",
        "duplicate": "0",
        "dismissed": "1",
        "all": "2",
    }


def test_keyset_pages_walk_the_log_without_repeats(desk_as, manager, mailbox, monkeypatch):
    monkeypatch.setattr(rm, "PAGE_SIZE", 2)
    mails = [blocked_mail(mailbox, manager, number) for number in range(5)]
    client = desk_as(manager)
    newest_first = [m.pk for m in reversed(mails)]

    first = client.get("/desk/mail/")
    next_link = (
        re.search(r'rel="next" href="\?([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    )
    second = client.get(f"/desk/mail/?{next_link}")
    broken = client.get("/desk/mail/?after=not-a-cursor")

    assert rows_of(first) == newest_first[:2]
    assert rows_of(second) == newest_first[2:4]
    assert rows_of(broken) == newest_first[:2]


def test_the_log_takes_the_same_queries_for_a_few_rows_or_many(
    desk_as, manager, mailbox, django_assert_num_queries
):
    blocked_mail(mailbox, manager, 0)
    client = desk_as(manager)
    client.get("/desk/mail/")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/mail/")
    for number in range(1, 12):
        blocked_mail(mailbox, manager, number)
    Mailbox.objects.create(name="Sales", address="sales@shop.test")

    # session, user, the page of rows (with mailbox and case), the tab counts, the mailboxes, the
    # quarantine badge, the unread notifications and the manager's availability in the bar.
    with django_assert_num_queries(8):
        response = client.get("/desk/mail/?tab=all")
    assert len(few.captured_queries) == 8
    assert len(rows_of(response)) == 12


def test_the_mailboxes_panel_shows_how_mail_arrives_and_polling(desk_as, manager, mailbox, team):
    polled = timezone.now() - dt.timedelta(minutes=5)
    Mailbox.objects.create(
        name="Sales",
        address="sales@shop.test",
        method=Mailbox.Method.IMAP,
        polled_at=polled,
        poll_error="LOGIN failed",
    )

    html = desk_as(manager).get("/desk/mail/").content.decode()

    assert "support@shop.test" in html and "sales@shop.test" in html
    assert "IMAP account (polled)" in html and "Built-in SMTP/LMTP listener" in html
    assert "Last error: LOGIN failed" in html
    assert f'datetime="{polled.isoformat()}"' in html
    assert f"/admin/channels/mailbox/{mailbox.pk}/change/" in html


# --- one e-mail -----------------------------------------------------------------------------------


def test_the_detail_shows_headers_envelope_body_and_reason(desk_as, manager, mailbox):
    raw = (CORPUS / "reply-gmail.eml").read_bytes()
    sender_block(actor=manager, pattern="@example.com", reason="test")
    inbound = deliver(raw, mailbox)
    assert inbound.state == InboundState.QUARANTINED

    html = desk_as(manager).get(f"/desk/mail/{inbound.pk}/").content.decode()

    assert "The sender is on the block list" in html
    assert inbound.from_address in html
    assert inbound.rfc_message_id and inbound.rfc_message_id in html
    assert 'id="mail-reprocess"' in html and 'id="mail-release"' in html and 'id="mail-dismiss"' in html
    assert 'class="vafa-quoted"' in html  # the quoted history is folded


def test_an_unreadable_mail_says_so_and_can_still_be_downloaded(desk_as, manager, mailbox):
    inbound = deliver((CORPUS / "broken-binary-junk.eml").read_bytes(), mailbox)
    assert inbound.reason == QuarantineReason.UNREADABLE
    client = desk_as(manager)

    html = client.get(f"/desk/mail/{inbound.pk}/").content.decode()
    original = client.get(f"/desk/mail/{inbound.pk}/original/")

    assert 'id="mail-unreadable"' in html
    assert "The message could not be read" in html
    assert f'href="/desk/mail/{inbound.pk}/original/"' in html
    assert original.status_code == 200


def test_skipped_parts_are_listed_with_their_reason(desk_as, manager, mailbox):
    inbound = deliver((CORPUS / "too-many-attachments.eml").read_bytes(), mailbox)

    html = desk_as(manager).get(f"/desk/mail/{inbound.pk}/").content.decode()

    assert inbound.skipped_parts
    assert 'data-reason="too_many"' in html
    assert "Beyond the number of attachments allowed" in html


def test_the_original_downloads_as_it_arrived(desk_as, manager, mailbox):
    raw = mail(subject="Байт в байт")
    inbound = inbound_store(raw=raw, via="file", mailbox=mailbox)

    response = desk_as(manager).get(f"/desk/mail/{inbound.pk}/original/")

    assert response.status_code == 200
    assert response.content == raw
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="{inbound.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_mail_is_not_found(desk_as, manager):
    client = desk_as(manager)

    assert client.get("/desk/mail/999999/").status_code == 404
    assert client.get("/desk/mail/999999/original/").status_code == 404
    assert client.post("/desk/mail/999999/dismiss/").status_code == 404
    assert client.post("/desk/mail/1/explode/").status_code == 404


# --- actions --------------------------------------------------------------------------------------


def test_process_again_queues_the_mail_and_the_worker_processes_it(desk_as, manager, mailbox):
    inbound = deliver(mail(to="nobody@else.test"), None)
    assert inbound.reason == QuarantineReason.NO_MAILBOX
    Mailbox.objects.create(name="Else", address="nobody@else.test")
    client = desk_as(manager)

    response = client.post(f"/desk/mail/{inbound.pk}/reprocess/", follow=True)
    inbound.refresh_from_db()

    assert response.redirect_chain == [(f"/desk/mail/{inbound.pk}/", 302)]
    assert inbound.state == InboundState.RECEIVED
    assert "Queued for processing" in response.content.decode()
    run_pending_processing()
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED
    html = client.get(f"/desk/mail/{inbound.pk}/").content.decode()
    assert f'href="/desk/cases/{inbound.case.number}/"' in html


def test_release_lets_a_blocked_sender_through(desk_as, manager, mailbox):
    inbound = blocked_mail(mailbox, manager)
    client = desk_as(manager)

    response = client.post(f"/desk/mail/{inbound.pk}/release/", follow=True)
    inbound.refresh_from_db()

    assert inbound.state == InboundState.RECEIVED
    assert inbound.detail == "release"
    assert "Queued for processing" in response.content.decode()
    run_pending_processing()
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED
    assert inbound.case is not None


def test_dismiss_marks_a_quarantined_mail_dismissed(desk_as, manager, mailbox):
    inbound = blocked_mail(mailbox, manager)

    response = desk_as(manager).post(f"/desk/mail/{inbound.pk}/dismiss/", follow=True)
    inbound.refresh_from_db()

    assert inbound.state == InboundState.DISMISSED
    assert "The e-mail was dismissed." in response.content.decode()


def test_dismissing_a_processed_mail_is_refused_and_changes_nothing(desk_as, manager, mailbox):
    inbound = deliver(mail(), mailbox)
    before = InboundMail.objects.values().get(pk=inbound.pk)

    response = desk_as(manager).post(f"/desk/mail/{inbound.pk}/dismiss/", follow=True)

    assert "Only quarantined messages can be handled here." in response.content.decode()
    assert InboundMail.objects.values().get(pk=inbound.pk) == before
    assert (
        not PendingWork.objects.filter(kind=PROCESS_KIND, state=PendingWork.State.PENDING)
        .exclude(payload={"inbound_id": inbound.pk})
        .exists()
    )


def test_actions_need_the_csrf_token(csrf_client, manager, mailbox):
    inbound = blocked_mail(mailbox, manager)

    response = csrf_client(manager).post(f"/desk/mail/{inbound.pk}/dismiss/")

    assert response.status_code == 403
    inbound.refresh_from_db()
    assert inbound.state == InboundState.QUARANTINED


def test_block_this_sender_by_address_or_domain(desk_as, manager, mailbox):
    inbound = deliver(mail(sender="Ali <Ali@Mail.Example.ir>"), mailbox)
    client = desk_as(manager)

    client.post(f"/desk/mail/{inbound.pk}/block/", {"block-scope": "address", "block-reason": "abuse"})
    response = client.post(f"/desk/mail/{inbound.pk}/block/", {"block-scope": "domain"}, follow=True)
    again = client.post(f"/desk/mail/{inbound.pk}/block/", {"block-scope": "domain"}, follow=True)

    assert list(BlockedSender.objects.order_by("pattern").values_list("pattern", "reason")) == [
        ("@mail.example.ir", ""),
        ("ali@mail.example.ir", "abuse"),
    ]
    assert "@mail.example.ir is now blocked." in response.content.decode()
    assert "@mail.example.ir is already blocked." in again.content.decode()


# --- the block list -------------------------------------------------------------------------------


def test_the_block_list_adds_and_removes(desk_as, manager):
    client = desk_as(manager)

    added = client.post(
        "/desk/mail/blocked/", {"add-pattern": " @Spam.Example ", "add-reason": "storms"}, follow=True
    )
    entry = BlockedSender.objects.get()
    listed = added.content.decode()
    removed = client.post(f"/desk/mail/blocked/{entry.pk}/remove/", follow=True)

    assert (entry.pattern, entry.reason, entry.created_by) == ("@spam.example", "storms", manager)
    assert 'data-blocked="@spam.example"' in listed
    assert "@spam.example is now blocked." in listed
    assert "@spam.example is no longer blocked." in removed.content.decode()
    assert not BlockedSender.objects.exists()


def test_a_bad_pattern_is_refused_with_the_reason(desk_as, manager):
    response = desk_as(manager).post("/desk/mail/blocked/", {"add-pattern": "not an address"})

    assert response.status_code == 422
    assert "Enter an e-mail address or a domain written as @example.com." in response.content.decode()
    assert not BlockedSender.objects.exists()


# --- the case workspace ---------------------------------------------------------------------------


@pytest.fixture
def mailed_case(mailbox):
    inbound = deliver(
        mail(sender="Maryam <maryam@example.ir>", cc="Reza <reza@example.ir>, support@shop.test"), mailbox
    )
    return inbound


def test_a_message_that_came_by_mail_shows_sender_cc_and_original(desk_as, agent, mailed_case):
    case = mailed_case.case
    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    assert "By e-mail from maryam@example.ir" in html
    assert "reza@example.ir, support@shop.test" in html
    assert f'href="/desk/cases/{case.number}/messages/{mailed_case.message_id}/original/"' in html


def test_the_original_of_a_message_is_for_agents_who_see_the_case(desk_as, agent, other_agent, mailed_case):
    url = f"/desk/cases/{mailed_case.case.number}/messages/{mailed_case.message_id}/original/"
    raw = Path(mailed_case.raw.path).read_bytes()

    mine = desk_as(agent).get(url)
    theirs = desk_as(other_agent).get(url)

    assert mine.status_code == 200
    assert mine.content == raw
    assert mine["Content-Type"] == "message/rfc822"
    assert theirs.status_code == 404


def test_a_message_that_did_not_come_by_mail_has_no_original(desk_as, agent, mailed_case):
    case = mailed_case.case
    note = services.case_note(actor=agent, case=case, body="checked")

    response = desk_as(agent).get(f"/desk/cases/{case.number}/messages/{note.pk}/original/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("state", "error", "badge"),
    [
        (OutboundMail.State.QUEUED, "", "E-mail: Queued"),
        (OutboundMail.State.SENT, "", "E-mail: Sent"),
        (OutboundMail.State.FAILED, "550 mailbox unavailable", "E-mail: Failed"),
        (OutboundMail.State.BOUNCED, "", "E-mail: Bounced"),
    ],
)
def test_an_emailed_reply_shows_its_delivery(desk_as, agent, mailed_case, state, error, badge):
    case = mailed_case.case
    reply = services.case_reply(actor=agent, case=case, body="We will call you.")
    OutboundMail.objects.create(
        case=case,
        message=reply,
        kind=OutboundMail.Kind.REPLY,
        language="en",
        from_address="support@shop.test",
        to_addresses=["maryam@example.ir"],
        subject="Re: Battery",
        rfc_message_id=f"out-{state}@shop.test",
        state=state,
        last_error=error,
        created_at=timezone.now(),
    )

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    found = re.search(
        r'<span class="badge case-delivery case-delivery-(\w+)"( title="([^"]*)")?>([^<]+)<', html
    )
    assert found is not None
    assert (found.group(1), found.group(4)) == (state, badge)
    if error:
        assert found.group(3) == error


def test_an_inline_image_is_shown_from_the_case_and_others_stay_links(desk_as, agent, mailbox):
    inbound = deliver((CORPUS / "inline-cid-image.eml").read_bytes(), mailbox)
    case = inbound.case
    attachment = Message.objects.get(pk=inbound.message_id).attachments.get(
        content_id="screen-error@example.ir"
    )

    html = desk_as(agent).get(f"/desk/cases/{case.number}/").content.decode()

    assert (
        f'<img src="/desk/cases/{case.number}/attachments/{attachment.pk}/" alt="screen" class="case-inline-image"'
        in html
    )
    assert "cid:" not in html


def test_a_remote_image_next_to_an_inline_one_stays_a_link(agent):
    from vafa.desk.conversation import safe_body

    message = Message(
        body_html='<p><img src="cid:a@x" alt="a"><img src="https://tracker.test/p.gif" alt="p"><img src="cid:b@x"></p>'
    )

    shown = str(safe_body(message, {"a@x": "/desk/cases/1/attachments/7/"}))

    assert (
        '<img src="/desk/cases/1/attachments/7/" alt="a" class="case-inline-image" loading="lazy">' in shown
    )
    assert 'href="https://tracker.test/p.gif"' in shown
    assert shown.count("<img") == 1


def test_a_follow_up_links_to_the_case_it_follows_and_back(desk_as, manager, customer):
    old = services.case_open(actor=manager, customer=customer, subject="Old", body="first", channel="email")
    services.case_resolve(actor=manager, case=old, summary="done")
    services.case_close(actor=manager, case=old)
    new = services.case_open(
        actor=None, customer=customer, subject="Again", body="again", channel="email", follow_up_of=old
    )
    client = desk_as(manager)

    new_page = client.get(f"/desk/cases/{new.number}/").content.decode()
    old_page = client.get(f"/desk/cases/{old.number}/").content.decode()

    assert f'<a href="/desk/cases/{old.number}/">Follow-up of {old.reference}</a>' in new_page
    assert re.search(
        rf'Follow-up case opened</span> <a href="/desk/cases/{new.number}/">{new.reference}</a>', old_page
    )
    assert Case.objects.get(pk=old.pk).status == CaseStatus.CLOSED


def test_the_customer_360_shows_a_failing_address_with_its_date(desk_as, agent, customer):
    since = timezone.now() - dt.timedelta(days=3)
    ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.EMAIL).update(failing_since=since)

    html = desk_as(agent).get(f"/desk/customers/{customer.pk}/").content.decode()

    assert (
        f'class="badge text-bg-danger c360-failing">failing since <time datetime="{since.isoformat()}">'
        in html
    )


# --- the Django admin of the channels -------------------------------------------------------------


def test_the_admin_shows_mailboxes_with_the_endpoint_and_the_mail_read_only(
    desk_as, admin_user, mailbox, log
):
    client = desk_as(admin_user)
    mailbox.method = Mailbox.Method.HTTP
    mailbox.save(update_fields=["method"])

    change = client.get(f"/admin/channels/mailbox/{mailbox.pk}/change/").content.decode()
    inbound_list = client.get("/admin/channels/inboundmail/?q=spam@junk.test")
    inbound_page = client.get(f"/admin/channels/inboundmail/{log['blocked'].pk}/change/")

    assert f"<code>POST /api/v1/mail/inbound/{mailbox.pk}</code>" in change
    assert mailbox.inbound_secret in change
    assert 'name="inbound_secret"' not in change  # shown, never editable
    for title in ("Address and routing", "How mail arrives", "IMAP", "HTTP inbound"):
        assert title in change
    assert inbound_list.status_code == 200
    assert inbound_list.content.decode().count("spam@junk.test") >= 2  # the blocked and the dismissed
    assert inbound_page.status_code == 200
    assert 'name="state"' not in inbound_page.content.decode()
    assert client.get("/admin/channels/outboundmail/?q=maryam@example.ir").status_code == 200
    assert client.get("/admin/channels/inboundmail/add/").status_code == 403


def test_the_admin_keeps_the_imap_password_when_left_empty(desk_as, admin_user, mailbox):
    mailbox.imap_password = "s3cret"
    mailbox.save(update_fields=["imap_password"])
    client = desk_as(admin_user)
    page = client.get(f"/admin/channels/mailbox/{mailbox.pk}/change/").content.decode()
    data = {
        "name": "Support desk",
        "address": "support@shop.test",
        "from_name": "",
        "team": str(mailbox.team_id),
        "language": "en",
        "signature": "",
        "is_active": "on",
        "create_customers": "on",
        "send_acknowledgement": "on",
        "closed_case_policy": "follow_up",
        "sender_rate_limit": "30",
        "method": "imap",
        "imap_host": "imap.shop.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "support",
        "imap_password": "",
        "imap_folder": "INBOX",
        "imap_mark_seen": "on",
    }

    response = client.post(f"/admin/channels/mailbox/{mailbox.pk}/change/", data)
    mailbox.refresh_from_db()

    assert "s3cret" not in page
    assert response.status_code == 302
    assert (mailbox.name, mailbox.imap_host, mailbox.imap_password) == (
        "Support desk",
        "imap.shop.test",
        "s3cret",
    )
