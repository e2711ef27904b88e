"""The cost ledger, exchange rates and approval limits."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, snapshot
from vafa.accounts.models import Role, User
from vafa.accounts.permissions import require_manager
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.models import ApprovalLimit, CostEntry, ExchangeRate
from vafa.aftersales.services.common import require_case_agent
from vafa.catalog.models import Product
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.money import default_currency, is_currency, to_amount
from vafa.service import events as case_events
from vafa.service.models import Case, EventKind

CENT = Decimal("0.01")


def company_currency() -> str:
    return default_currency()


def exchange_rate_on(currency: str, on: dt.date) -> Decimal:
    """Company-currency units per unit of `currency` on day `on`: the latest rate recorded by then."""
    if currency == company_currency():
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise Conflict(
            _(
                "No exchange rate from %(currency)s to %(company)s is recorded for %(day)s; a manager records it first."
            )
            % {"currency": currency, "company": company_currency(), "day": on.isoformat()},
            code=AftersalesError.NO_RATE,
        )
    return rate


def to_company(amount: Decimal, currency: str, on: dt.date) -> tuple[Decimal, Decimal]:
    """`amount` in the company's currency on day `on`, and the rate used."""
    rate = exchange_rate_on(currency, on)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP), rate


@transaction.atomic
def exchange_rate_set(
    *, actor: User | None, currency: str, rate: object, valid_from: dt.date
) -> ExchangeRate:
    """Record (or correct) what one unit of `currency` is worth in the company's currency from a day on."""
    require_manager(actor)
    currency = (currency or "").strip().upper()
    errors: dict[str, list] = {}
    if not is_currency(currency):
        errors["currency"] = [_("Enter an ISO-4217 currency code.")]
    elif currency == company_currency():
        errors["currency"] = [_("The company's own currency needs no rate.")]
    try:
        value = Decimal(str(rate).strip())
        if not value.is_finite() or value <= 0:
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["rate"] = [_("Enter a rate above zero.")]
        value = Decimal(0)
    if errors:
        raise ValidationFailed(_("Check the exchange rate."), fields=errors)
    row, _created = ExchangeRate.objects.update_or_create(
        currency=currency, valid_from=valid_from, defaults={"rate": value, "recorded_by": actor}
    )
    audit_record(
        actor=actor,
        action="exchange_rate.set",
        obj=row,
        after={"currency": currency, "rate": str(value), "valid_from": valid_from.isoformat()},
    )
    return row


def cost_record(
    *,
    actor: User | None,
    case: Case,
    kind: str,
    amount: Decimal,
    currency: str,
    source: str,
    on: dt.date | None = None,
    product: Product | None = None,
    under_warranty: bool = False,
    description: str = "",
) -> CostEntry | None:
    """Add one cost to the ledger (once per `source` and `kind`); zero costs are not written.

    Called by the after-sales services inside their transaction, after their own checks.
    """
    if amount <= 0:
        return None
    day = on or timezone.localdate()
    in_company, rate = to_company(amount, currency, day)
    try:
        with transaction.atomic():
            entry = CostEntry.objects.create(
                case=case,
                customer_id=case.customer_id,
                product=product or case.product,
                kind=kind,
                under_warranty=under_warranty,
                amount=amount,
                currency=currency,
                rate=rate,
                amount_company=in_company,
                source=source,
                description=description[:250],
                incurred_on=day,
                created_by=actor if actor is not None and actor.pk else None,
            )
    except IntegrityError:
        return CostEntry.objects.get(source=source, kind=kind)
    audit_record(
        actor=actor,
        action="cost.record",
        obj=entry,
        after=snapshot(entry, ("kind", "amount", "currency", "amount_company", "source")),
    )
    return entry


@transaction.atomic
def shipping_cost_add(
    *, actor: User | None, case: Case, amount: object, currency: str = "", description: str = ""
) -> CostEntry:
    """Record what shipping on a case cost (a courier, a return label)."""
    require_case_agent(actor, case)
    value = to_amount(amount)
    currency = (currency or company_currency()).upper()
    if value <= 0:
        raise ValidationFailed(
            _("Enter an amount above zero."), fields={"amount": [_("Enter an amount above zero.")]}
        )
    if not is_currency(currency):
        raise ValidationFailed(
            _("Enter an ISO-4217 currency code."),
            fields={"currency": [_("Enter an ISO-4217 currency code.")]},
        )
    count = CostEntry.objects.filter(case=case, kind=CostEntry.Kind.SHIPPING).count()
    entry = cost_record(
        actor=actor,
        case=case,
        kind=CostEntry.Kind.SHIPPING,
        amount=value,
        currency=currency,
        source=f"case:{case.pk}:shipping:{count + 1}:{timezone.now().timestamp()}",
        description=description,
    )
    assert entry is not None  # noqa: S101 - value > 0 was checked
    case_events.aftersales_step(
        case,
        EventKind.COST_RECORDED,
        actor,
        timezone.now(),
        data={"kind": entry.kind, "amount": str(entry.amount), "currency": entry.currency},
    )
    return entry


def approval_limit_for(user: User | None, kind: str) -> Decimal | None:
    """Up to how much `user` may approve alone, in the company's currency; None means no limit.

    Managers, admins and the system have no limit; an agent's own row wins over their role's; with
    no row the setting `VAFA_AGENT_<KIND>_LIMIT` applies.
    """
    if user is None or user.role in (Role.ADMIN, Role.MANAGER):
        return None
    rows = {
        ("user" if row.user_id else "role"): row.amount
        for row in ApprovalLimit.objects.filter(kind=kind).filter(
            Q(user=user) | Q(user__isnull=True, role=user.role)
        )
    }
    if "user" in rows:
        return rows["user"]
    if "role" in rows:
        return rows["role"]
    default = (
        settings.VAFA_AGENT_REFUND_LIMIT
        if kind == ApprovalLimit.Kind.REFUND
        else settings.VAFA_AGENT_GOODWILL_LIMIT
    )
    return to_amount(default)


@transaction.atomic
def approval_limit_set(
    *, actor: User | None, kind: str, amount: object, role: str = "", user: User | None = None
) -> ApprovalLimit:
    """Set up to how much agents (a role, or one user) may refund or give without a manager."""
    require_manager(actor)
    if kind not in ApprovalLimit.Kind.values:
        raise ValidationFailed(
            _("Choose refunds or goodwill."), fields={"kind": [_("Choose refunds or goodwill.")]}
        )
    value = to_amount(amount)
    if value < 0:
        raise ValidationFailed(
            _("A limit cannot be negative."), fields={"amount": [_("A limit cannot be negative.")]}
        )
    if (user is None) == (not role):
        raise ValidationFailed(_("Set the limit for a role or for one user."))
    if user is not None:
        row, _created = ApprovalLimit.objects.update_or_create(
            kind=kind, user=user, defaults={"amount": value, "role": "", "updated_by": actor}
        )
    else:
        if role not in (Role.AGENT,):
            raise ValidationFailed(
                _("Only agents have limits; managers approve any amount."),
                fields={"role": [_("Choose agents.")]},
            )
        row, _created = ApprovalLimit.objects.update_or_create(
            kind=kind, role=role, user=None, defaults={"amount": value, "updated_by": actor}
        )
    audit_record(
        actor=actor,
        action="approval_limit.set",
        obj=row,
        after={"kind": kind, "role": role, "user": user.pk if user else None, "amount": str(value)},
    )
    return row


def over_limit(actor: User | None, kind: str, amount: Decimal, currency: str) -> bool:
    """Whether `amount` (in `currency`) is above what `actor` may approve alone."""
    limit = approval_limit_for(actor, kind)
    if limit is None:
        return False
    in_company, _rate = to_company(amount, currency, timezone.localdate())
    return in_company > limit


__all__ = [
    "approval_limit_for",
    "approval_limit_set",
    "company_currency",
    "cost_record",
    "exchange_rate_on",
    "exchange_rate_set",
    "over_limit",
    "shipping_cost_add",
    "to_company",
]
