"""Notifications to staff: written in the recipient's language, told once per reason, e-mailed once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Notification, Role
from vafa.accounts.selectors import notification_list, notification_unread_count
from vafa.accounts.services import notification_email, notification_read, notification_send
from vafa.accounts.tests.factories import UserFactory
from vafa.core.models import PendingWork
from vafa.sla.escalation import TITLES
from vafa.sla.models import EscalationTrigger, Metric

pytestmark = pytest.mark.django_db

TITLE = _("Case %(reference)s has breached its SLA")


def test_a_notification_is_written_in_the_recipients_language(agent):
    agent.language = "fa"
    agent.save(update_fields=["language"])

    notification = notification_send(
        user=agent,
        kind="sla_breached",
        title=TITLES[EscalationTrigger.BREACHED],
        params={"reference": "VF-12", "target": Metric.RESOLUTION.label},
        url="/desk/cases/12/",
    )

    assert notification is not None
    with translation.override("fa"):
        expected = str(TITLES[EscalationTrigger.BREACHED]) % {
            "reference": "VF-12",
            "target": Metric.RESOLUTION.label,
        }
    assert notification.title == expected
    assert "VF-12" in notification.title
    assert "missed" not in notification.title  # Persian, not the English source
    assert (notification.kind, notification.url, notification.read_at) == (
        "sla_breached",
        "/desk/cases/12/",
        None,
    )


def test_the_same_reason_is_told_once(agent):
    first = notification_send(
        user=agent, kind="sla_breached", title=TITLE, params={"reference": "VF-1"}, dedupe_key="k1"
    )
    second = notification_send(
        user=agent, kind="sla_breached", title=TITLE, params={"reference": "VF-1"}, dedupe_key="k1"
    )

    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=agent).count() == 1
    assert PendingWork.objects.filter(kind="accounts.notification_email").count() == 1


def test_customers_and_inactive_users_are_never_notified(customer_user):
    inactive = UserFactory.create(role=Role.AGENT, is_active=False)

    assert notification_send(user=customer_user, kind="x", title=TITLE, params={"reference": "VF-1"}) is None
    assert notification_send(user=inactive, kind="x", title=TITLE, params={"reference": "VF-1"}) is None
    assert Notification.objects.count() == 0


def test_the_email_goes_once_with_the_link(agent, settings):
    settings.VAFA_BASE_URL = "https://desk.example.test"
    notification = notification_send(
        user=agent, kind="sla_breached", title=TITLE, params={"reference": "VF-7"}, url="/desk/cases/7/"
    )
    assert notification is not None

    notification_email(notification_id=notification.pk)
    notification_email(notification_id=notification.pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]
    assert mail.outbox[0].subject == "Case VF-7 has breached its SLA"
    assert "https://desk.example.test/desk/cases/7/" in mail.outbox[0].body


def test_reading_marks_only_the_users_own(agent, other_agent):
    mine = notification_send(user=agent, kind="k", title=TITLE, params={"reference": "VF-1"}, email=False)
    theirs = notification_send(
        user=other_agent, kind="k", title=TITLE, params={"reference": "VF-2"}, email=False
    )
    assert mine is not None and theirs is not None

    assert notification_read(user=agent, notification_ids=[mine.pk, theirs.pk]) == 1

    assert notification_unread_count(user=agent) == 0
    assert notification_unread_count(user=other_agent) == 1
    assert [n.pk for n in notification_list(user=agent)] == [mine.pk]
