"""Stable codes of the after-sales rules that refuse an action."""

from __future__ import annotations

from enum import StrEnum


class AftersalesError(StrEnum):
    NO_UNIT = "no_unit"
    NOT_ENTITLED = "not_entitled"
    WRONG_STATUS = "invalid_transition"
    OUTSIDE_RETURN_WINDOW = "outside_return_window"
    QUANTITY = "quantity"
    REFUND_TOO_LARGE = "refund_exceeds_paid"
    OVER_LIMIT = "over_approval_limit"
    CURRENCY = "currency_mismatch"
    NO_RATE = "no_exchange_rate"
    OUT_OF_STOCK = "out_of_stock"
    STALE = "stale_version"
    QUOTE_NEEDED = "quote_not_accepted"
    LINK_INVALID = "link_invalid"
    CASE_CLOSED = "case_closed"
    TECHNICIAN_BUSY = "technician_busy"
