"""Background work of the channels: processing stored mail, sending mail, polling IMAP.

Importing this module (the app's `ready`) registers the work handlers, the subscribers to case
events and the periodic jobs of each channel module.
"""

from __future__ import annotations

from typing import Any

from vafa.channels.email import imap, outbound  # noqa: F401
from vafa.channels.email.ingest import inbound_process, inbound_process_batch
from vafa.channels.services import PROCESS_KIND
from vafa.core.jobs import work_claim_more, work_finish, work_handler, work_release

# A worker that finds more mail waiting processes up to this many in the same transaction.
BATCH_SIZE = 50


@work_handler(PROCESS_KIND)
def inbound_process_work(payload: dict[str, Any]) -> None:
    inbound_process(inbound_id=int(payload["inbound_id"]))
    more = work_claim_more(PROCESS_KIND, limit=BATCH_SIZE - 1)
    if not more:
        return
    failed = set(inbound_process_batch(inbound_ids=[int(work.payload["inbound_id"]) for work in more]))
    work_finish([work for work in more if int(work.payload["inbound_id"]) not in failed])
    for work in more:
        if int(work.payload["inbound_id"]) in failed:
            work_release(work, error="processing failed in a batch; see the worker's log")
