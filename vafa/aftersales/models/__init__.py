"""After-sales records: what was decided, shipped, repaired, refunded and given, and what it cost.

Every record here belongs to a case, so it appears on the case's timeline and in the customer's
history; the models are split by workflow (one module each) and re-exported here.
"""

from vafa.aftersales.models.claims import ClaimReason, WarrantyClaim
from vafa.aftersales.models.costs import ApprovalLimit, CostEntry, ExchangeRate
from vafa.aftersales.models.goodwill import Goodwill
from vafa.aftersales.models.refunds import Refund
from vafa.aftersales.models.repairs import RepairLine, RepairOrder
from vafa.aftersales.models.replacements import Replacement
from vafa.aftersales.models.returns import ReturnReason, ReturnRequest
from vafa.aftersales.models.stock import Part, ServiceLocation, StockLevel, StockMovement
from vafa.aftersales.models.visits import MaintenanceSchedule, Visit

__all__ = [
    "ApprovalLimit",
    "ClaimReason",
    "CostEntry",
    "ExchangeRate",
    "Goodwill",
    "MaintenanceSchedule",
    "Part",
    "Refund",
    "RepairLine",
    "RepairOrder",
    "Replacement",
    "ReturnReason",
    "ReturnRequest",
    "ServiceLocation",
    "StockLevel",
    "StockMovement",
    "Visit",
    "WarrantyClaim",
]
