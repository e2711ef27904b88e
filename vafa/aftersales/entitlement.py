"""What a customer is entitled to for a unit on a given day, and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from vafa.core.dates import format_date
from vafa.sales.models import Unit
from vafa.sales.selectors import WarrantyState, unit_warranty_status


class EntitlementKind:
    RETURN_WINDOW = "return_window"
    IN_WARRANTY = "in_warranty"
    EXTENDED = "extended"
    NONE = "none"


@dataclass(frozen=True)
class Entitlement:
    """The unit's cover on one day: the strongest right first, with every date that decided it."""

    kind: str
    on: dt.date
    covers_parts: bool
    covers_labour: bool
    covers_onsite: bool
    warranty_ends_on: dt.date | None
    extended_ends_on: dt.date | None
    return_until: dt.date | None
    policy: str

    @property
    def covered(self) -> bool:
        return self.kind in (
            EntitlementKind.RETURN_WINDOW,
            EntitlementKind.IN_WARRANTY,
            EntitlementKind.EXTENDED,
        )

    @property
    def in_warranty(self) -> bool:
        return self.covers_parts or self.covers_labour

    @property
    def within_return_window(self) -> bool:
        return self.return_until is not None and self.on <= self.return_until

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.date):
                data[key] = value.isoformat()
        return data


def unit_return_until(unit: Unit) -> dt.date | None:
    """The last day the unit may be returned: its window counts from delivery (else purchase)."""
    start = unit.delivered_on or unit.purchased_on
    days = unit.product.effective_return_window_days
    if start is None or not days:
        return None
    return start + dt.timedelta(days=days)


def unit_entitlement(unit: Unit, on: dt.date | None = None) -> Entitlement:
    """Decide what `unit` is entitled to on day `on` (today): return window, warranty, extended, or nothing.

    The warranty policy says what the base warranty covers (parts, labour, on-site); an extended
    warranty covers parts and labour in the workshop. Within the return window the customer may
    also send it back, whatever the warranty says.
    """
    day = on or timezone.localdate()
    warranty = unit_warranty_status(unit, day)
    policy = unit.product.warranty_policy
    parts = labour = onsite = False
    if warranty.status == WarrantyState.IN_WARRANTY:
        parts = policy.covers_parts if policy else True
        labour = policy.covers_labour if policy else True
        onsite = policy.covers_onsite if policy else False
    elif warranty.status == WarrantyState.EXTENDED:
        parts = labour = True
    return_until = unit_return_until(unit)
    if return_until is not None and day <= return_until:
        kind = EntitlementKind.RETURN_WINDOW
    elif warranty.status == WarrantyState.IN_WARRANTY:
        kind = EntitlementKind.IN_WARRANTY
    elif warranty.status == WarrantyState.EXTENDED:
        kind = EntitlementKind.EXTENDED
    else:
        kind = EntitlementKind.NONE
    return Entitlement(
        kind=kind,
        on=day,
        covers_parts=parts,
        covers_labour=labour,
        covers_onsite=onsite,
        warranty_ends_on=unit.warranty_end,
        extended_ends_on=unit.extended_warranty_end,
        return_until=return_until,
        policy=policy.name if policy else "",
    )


def entitlement_reasons(entitlement: Entitlement | dict[str, Any], *, language: str = "en") -> list[str]:
    """The sentences that explain an entitlement to an agent or a customer, in the active language."""
    data = entitlement.as_data() if isinstance(entitlement, Entitlement) else entitlement

    def day(key: str) -> str:
        value = data.get(key)
        return format_date(dt.date.fromisoformat(value), language=language, with_time=False) if value else ""

    reasons: list[str] = []
    kind = data.get("kind")
    on = data.get("on")
    return_until = data.get("return_until")
    if return_until and on and on <= return_until:
        reasons.append(_("Within the return window until %(date)s.") % {"date": day("return_until")})
    elif return_until:
        reasons.append(_("The return window ended on %(date)s.") % {"date": day("return_until")})
    covered = [
        label
        for key, label in (
            ("covers_parts", _("parts")),
            ("covers_labour", _("labour")),
            ("covers_onsite", _("on-site service")),
        )
        if data.get(key)
    ]
    warranty_end = data.get("warranty_ends_on")
    extended_end = data.get("extended_ends_on")
    if warranty_end and on and on <= warranty_end:
        reasons.append(
            _("In warranty until %(date)s; it covers %(cover)s.")
            % {"date": day("warranty_ends_on"), "cover": ", ".join(str(c) for c in covered)}
        )
    elif extended_end and on and on <= extended_end:
        reasons.append(
            _("In extended warranty until %(date)s; it covers %(cover)s.")
            % {"date": day("extended_ends_on"), "cover": ", ".join(str(c) for c in covered)}
        )
    elif warranty_end:
        reasons.append(
            _("The warranty ended on %(date)s.")
            % {"date": day("extended_ends_on") or day("warranty_ends_on")}
        )
    else:
        reasons.append(_("This unit has no warranty."))
    if kind == EntitlementKind.NONE:
        reasons.append(_("Any work is paid by the customer, after they accept a quote."))
    return reasons
