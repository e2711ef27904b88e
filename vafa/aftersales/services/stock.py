"""Spare-parts stock: receive deliveries and correct counts; every change leaves a movement row."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager, require_staff
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import Part, ServiceLocation, StockLevel, StockMovement
from vafa.core.errors import ValidationFailed


def _count(value: object, *, field: str, minimum: int) -> int:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if (
        isinstance(value, bool)
        or not number.is_finite()
        or number != number.to_integral_value()
        or number < minimum
    ):
        raise ValidationFailed(
            _("Check the quantity."),
            fields={field: [_("Enter a whole number of at least %(minimum)s.") % {"minimum": minimum}]},
            code=AftersalesError.QUANTITY,
        )
    return int(number)


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


@transaction.atomic
def stock_receive(
    *, actor: User | None, part: Part, location: ServiceLocation, quantity: object, note: str = ""
) -> StockLevel:
    """Put a delivery of `quantity` pieces of `part` on the shelf at `location`."""
    require_staff(actor)
    count = _count(quantity, field="quantity", minimum=1)
    StockLevel.objects.get_or_create(part=part, location=location)
    stock = StockLevel.objects.select_for_update().get(part=part, location=location)
    before = stock.on_hand
    StockLevel.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + count, updated_at=timezone.now())
    StockMovement.objects.create(
        stock=stock,
        kind=StockMovement.Kind.RECEIVED,
        quantity=count,
        actor=_actor(actor),
        note=(note or "").strip()[:250],
    )
    stock.refresh_from_db()
    audit_record(
        actor=actor,
        action="stock.receive",
        obj=stock,
        before={"on_hand": before},
        after={"on_hand": stock.on_hand, "received": count},
    )
    return stock


@transaction.atomic
def stock_adjust(
    *, actor: User | None, part: Part, location: ServiceLocation, on_hand: object, note: str
) -> StockLevel:
    """Correct the count of `part` at `location` after a stocktake, saying why (managers only)."""
    require_manager(actor)
    errors: dict[str, list[object]] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say why the count changes.")]
    try:
        count = _count(on_hand, field="on_hand", minimum=0)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        count = 0
    if errors:
        raise ValidationFailed(_("Check the stock count."), fields=errors)
    StockLevel.objects.get_or_create(part=part, location=location)
    stock = StockLevel.objects.select_for_update().get(part=part, location=location)
    if count < stock.reserved:
        raise ValidationFailed(
            _("Check the stock count."),
            fields={
                "on_hand": [
                    _("%(reserved)s are reserved for repairs; the count cannot be lower.")
                    % {"reserved": stock.reserved}
                ]
            },
            code=AftersalesError.QUANTITY,
        )
    before = stock.on_hand
    stock.on_hand = count
    stock.save(update_fields=["on_hand", "updated_at"])
    StockMovement.objects.create(
        stock=stock,
        kind=StockMovement.Kind.ADJUSTED,
        quantity=count - before,
        actor=_actor(actor),
        note=note[:250],
    )
    audit_record(
        actor=actor,
        action="stock.adjust",
        obj=stock,
        before={"on_hand": before},
        after={"on_hand": count, "note": note},
    )
    return stock
