"""Background work of webhooks: turning published events into deliveries, and making the attempts.

Importing this module (the app's `ready`) registers the handlers and subscribes to the events.
"""

from __future__ import annotations

from typing import Any

from vafa.core.jobs import work_handler, work_subscribe
from vafa.webhooks.delivery import webhook_deliver
from vafa.webhooks.selectors import PUBLISHED_EVENTS, webhook_wanted
from vafa.webhooks.services import DELIVER_KIND, FANOUT_KIND, webhook_fanout


@work_handler(FANOUT_KIND)
def fanout(payload: dict[str, Any]) -> None:
    webhook_fanout(event=payload["event"], published=payload)


# The HTTP request must not hold a transaction (on SQLite, the write lock) while the receiver answers.
@work_handler(DELIVER_KIND, atomic=False)
def deliver(payload: dict[str, Any]) -> None:
    webhook_deliver(delivery_id=int(payload["delivery_id"]))


for _event in PUBLISHED_EVENTS:
    work_subscribe(_event, FANOUT_KIND, when=webhook_wanted)
