"""Background work of the channels: processing stored mail, sending mail, polling IMAP.

Importing this module (the app's `ready`) registers the work handlers, the subscribers to case
events and the periodic jobs of each channel module.
"""

from __future__ import annotations

from typing import Any

from vafa.channels.email import imap, outbound  # noqa: F401
from vafa.channels.email.ingest import inbound_process
from vafa.channels.services import PROCESS_KIND
from vafa.core.jobs import work_handler


@work_handler(PROCESS_KIND)
def inbound_process_work(payload: dict[str, Any]) -> None:
    inbound_process(inbound_id=int(payload["inbound_id"]))
