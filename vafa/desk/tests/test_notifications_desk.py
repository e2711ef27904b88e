"""The desk's notifications page and the badge in the bar."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Notification
from vafa.accounts.services import notification_send

pytestmark = pytest.mark.django_db

TITLE = _("Case %(reference)s has breached its SLA")


def _tell(user, reference: str) -> Notification:
    notification = notification_send(
        user=user,
        kind="sla_breached",
        title=TITLE,
        params={"reference": reference},
        url="/desk/",
        email=False,
    )
    assert notification is not None
    return notification


def test_the_bar_counts_unread_and_the_page_lists_them(desk_as, agent):
    _tell(agent, "VF-1")
    _tell(agent, "VF-2")
    client = desk_as(agent)

    home = client.get("/desk/notifications/")

    html = home.content.decode()
    assert 'id="desk-nav-unread">2<' in html
    assert html.index("VF-2") < html.index("VF-1")  # newest first
    assert html.count('data-kind="sla_breached"') == 2


def test_mark_one_and_all_as_read(desk_as, agent):
    first = _tell(agent, "VF-1")
    _tell(agent, "VF-2")
    client = desk_as(agent)

    client.post("/desk/notifications/read/", {"id": [str(first.pk)]})
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 1

    response = client.post("/desk/notifications/read/", follow=True)
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 0
    assert 'id="desk-nav-unread"' not in response.content.decode()


def test_an_agent_never_sees_or_reads_anothers(desk_as, agent, other_agent):
    theirs = _tell(other_agent, "VF-9")
    client = desk_as(agent)

    page = client.get("/desk/notifications/")
    client.post("/desk/notifications/read/", {"id": [str(theirs.pk)]})

    assert "VF-9" not in page.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_customers_get_no_page(client, customer_user):
    client.force_login(customer_user)

    assert client.get("/desk/notifications/").status_code == 404
