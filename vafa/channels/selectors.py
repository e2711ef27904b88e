"""Reads of the channels app."""

from __future__ import annotations

from collections.abc import Sequence

from vafa.channels.models import OutboundMail


def message_deliveries(message_ids: Sequence[int]) -> dict[int, OutboundMail]:
    """The latest e-mail sent for each of the messages, by message id (one query)."""
    deliveries: dict[int, OutboundMail] = {}
    if not message_ids:
        return deliveries
    # Ascending order: the last row seen for a message is its latest mail.
    for outbound in OutboundMail.objects.filter(message_id__in=list(message_ids)).order_by(
        "message_id", "created_at", "id"
    ):
        if outbound.message_id is not None:
            deliveries[outbound.message_id] = outbound
    return deliveries
