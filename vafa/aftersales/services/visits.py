"""Field visits and maintenance schedules: book a technician, let the customer confirm, record the outcome."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import STAFF_ROLES, User
from vafa.accounts.permissions import require_staff
from vafa.aftersales.entitlement import unit_entitlement
from vafa.aftersales.errors import AftersalesError
from vafa.aftersales.events import step
from vafa.aftersales.models import CostEntry, MaintenanceSchedule, Visit
from vafa.aftersales.services.common import (
    lock,
    next_number,
    notice_send,
    refuse_transition,
    require_case_agent,
    require_case_open,
)
from vafa.aftersales.services.costs import company_currency, cost_record
from vafa.core.dates import format_date
from vafa.core.errors import Conflict, NotFound, ValidationFailed
from vafa.core.money import to_amount
from vafa.sales.models import Unit
from vafa.sales.selectors import unit_next_maintenance
from vafa.service.models import AuthorKind, Case, CaseKind, Channel, EventKind
from vafa.service.services import case_open

MAX_WINDOW = dt.timedelta(hours=12)
OPEN_STATUSES = (Visit.Status.SCHEDULED, Visit.Status.CONFIRMED)
VISIT_AUDIT_FIELDS = (
    "kind",
    "unit",
    "technician",
    "starts_at",
    "ends_at",
    "time_zone",
    "address",
    "checklist",
    "status",
    "outcome",
    "confirmed_at",
    "done_at",
    "labour_hours",
    "version",
)
SCHEDULE_BATCH_SIZE = 500


# --- helpers --------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _confirm_url(token: str) -> str:
    return settings.VAFA_BASE_URL.rstrip("/") + f"/portal/visits/confirm/{token}/"


def _new_token(visit: Visit) -> str:
    """Give `visit` a fresh confirmation token (the old link stops working); return the raw token."""
    token = secrets.token_urlsafe(32)
    visit.confirm_token_hash = _token_hash(token)
    return token


def _language(case: Case) -> str:
    return case.language or settings.LANGUAGE_CODE


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _customer_time_zone(case: Case) -> str:
    """The time zone of the customer's portal account, else the company's."""
    zone = User.objects.filter(customer_id=case.customer_id).values_list("time_zone", flat=True).first()
    if zone and _valid_zone(zone):
        return str(zone)
    return str(settings.TIME_ZONE)


def _customer_address(case: Case) -> str:
    customer = case.customer
    return "\n".join(part.strip() for part in (customer.address, customer.city) if part and part.strip())


def _window_errors(starts_at: Any, ends_at: Any) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[name] = [_("Enter a date and time with its time zone.")]
    if errors:
        return errors
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The window must end after it starts.")]
    elif ends_at - starts_at > MAX_WINDOW:
        errors["ends_at"] = [_("A visit window can last at most 12 hours.")]
    return errors


def _technician_errors(technician: Any) -> dict[str, list[Any]]:
    if not isinstance(technician, User) or not technician.is_active or technician.role not in STAFF_ROLES:
        return {"technician": [_("Choose an active member of staff.")]}
    return {}


def _checklist_items(checklist: Sequence[Any] | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """A checklist given as item texts, stored as items not yet done."""
    if checklist is None:
        return [], []
    if isinstance(checklist, str) or not isinstance(checklist, Sequence):
        return [], [_("Give the checklist as a list of items.")]
    items = []
    for entry in checklist:
        text = str(entry).strip() if isinstance(entry, str) else ""
        if not text:
            return [], [_("Each checklist item needs a text.")]
        if len(text) > 200:
            return [], [_("Keep each checklist item under 200 characters.")]
        items.append({"item": text, "done": False})
    return items, []


def _require_technician_free(
    technician: User, starts_at: dt.datetime, ends_at: dt.datetime, *, exclude: int | None = None
) -> None:
    """Refuse a window that overlaps another open visit of the technician.

    The technician's row is locked first, so two bookings for the same person are checked one
    after the other and cannot both slip into the same slot.
    """
    User.objects.select_for_update().filter(pk=technician.pk).values_list("pk", flat=True).first()
    others = Visit.objects.filter(
        technician=technician, status__in=OPEN_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    other = others.order_by("starts_at", "id").first()
    if other is not None:
        raise Conflict(
            _("%(technician)s already has visit %(visit)s at that time.")
            % {"technician": technician.full_name or technician.email, "visit": other.reference},
            code=AftersalesError.TECHNICIAN_BUSY,
        )


def _window_context(visit: Visit, language: str) -> dict[str, Any]:
    return {
        "visit": visit,
        "reference": visit.reference,
        "kind": visit.get_kind_display(),
        "starts": format_date(visit.starts_at, language=language, tz=visit.time_zone),
        "ends": format_date(visit.ends_at, language=language, tz=visit.time_zone),
        "time_zone": visit.time_zone,
        "address": visit.address,
        "checklist": [entry.get("item", "") for entry in visit.checklist or []],
        "technician": visit.technician.full_name or "",
    }


def _local_date(visit: Visit, at: dt.datetime) -> dt.date:
    """The day `at` falls on where the visit takes place."""
    if _valid_zone(visit.time_zone):
        return at.astimezone(ZoneInfo(visit.time_zone)).date()
    return timezone.localdate(at)


def _save(visit: Visit, fields: list[str]) -> None:
    visit.version += 1
    visit.save(update_fields=[*fields, "version", "updated_at"])


def _labour_hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(
            _("Enter the hours on site as a number."),
            fields={"labour_hours": [_("Enter a number of hours.")]},
        ) from exc
    if not hours.is_finite() or hours < 0 or hours >= 10000:
        raise ValidationFailed(
            _("Enter the hours on site as a number from 0."),
            fields={"labour_hours": [_("Enter a number of hours from 0.")]},
        )
    return hours.quantize(Decimal("0.01"))


def _completed_checklist(current: list[dict[str, Any]], given: Sequence[Any]) -> list[dict[str, Any]]:
    """The checklist as done: either items with their done flag, or the names of the items done."""
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise ValidationFailed(_("Give the checklist as a list."), fields={"checklist": [_("Give a list.")]})
    if all(isinstance(entry, dict) for entry in given):
        items = []
        for entry in given:
            text = str(entry.get("item") or "").strip()
            if not text or len(text) > 200:
                raise ValidationFailed(
                    _("Each checklist item needs a text under 200 characters."),
                    fields={"checklist": [_("Each item needs a text.")]},
                )
            items.append({"item": text, "done": bool(entry.get("done"))})
        return items
    if all(isinstance(entry, str) for entry in given):
        done = {entry.strip() for entry in given if entry.strip()}
        items = [{"item": entry["item"], "done": entry["item"] in done} for entry in current]
        known = {entry["item"] for entry in current}
        items.extend({"item": name, "done": True} for name in sorted(done - known))
        return items
    raise ValidationFailed(
        _("Give the checklist as items with their state, or as the names of the items done."),
        fields={"checklist": [_("Give a list of items or of names.")]},
    )


# --- maintenance schedules ------------------------------------------------------------------------


def _on_grid(day: dt.date, start: dt.date, interval: int) -> bool:
    days = (day - start).days
    return days > 0 and days % interval == 0


def _schedule_sync(
    unit: Unit, schedule: MaintenanceSchedule | None, today: dt.date
) -> tuple[MaintenanceSchedule | None, str]:
    """Bring the unit's `schedule` (None: it has none yet) in line with its product; say whether it
    was created, updated, deactivated or left as it was."""
    interval = unit.product.maintenance_interval_days
    start = unit.delivered_on or unit.purchased_on or unit.warranty_start
    last_done = schedule.last_done_on if schedule is not None else None
    if not interval or (start is None and last_done is None):
        if schedule is not None and schedule.is_active:
            schedule.is_active = False
            schedule.save(update_fields=["is_active", "updated_at"])
            return None, "deactivated"
        return None, "unchanged"
    next_due: dt.date | None
    if last_done is not None:
        next_due = last_done + dt.timedelta(days=interval)
    elif (
        schedule is not None
        and start is not None
        and schedule.interval_days == interval
        and _on_grid(schedule.next_due_on, start, interval)
    ):
        # An overdue date stays overdue until a visit is done: moving it on would hide the debt.
        next_due = schedule.next_due_on
    else:
        next_due = unit_next_maintenance(unit, today)
    assert next_due is not None  # the interval and a start day are known
    if schedule is None:
        try:
            with transaction.atomic():
                schedule = MaintenanceSchedule.objects.create(
                    unit=unit, interval_days=interval, next_due_on=next_due
                )
            return schedule, "created"
        except IntegrityError:
            # A concurrent sync created it first: update that one.
            schedule = MaintenanceSchedule.objects.get(unit=unit)
    values = {"interval_days": interval, "next_due_on": next_due, "is_active": True}
    fields = [name for name, value in values.items() if getattr(schedule, name) != value]
    if not fields:
        return schedule, "unchanged"
    for name in fields:
        setattr(schedule, name, values[name])
    schedule.save(update_fields=[*fields, "updated_at"])
    return schedule, "updated"


@transaction.atomic
def maintenance_schedule_sync(*, unit: Unit) -> MaintenanceSchedule | None:
    """Create or update the unit's maintenance schedule from its product's interval (None: no maintenance)."""
    current = MaintenanceSchedule.objects.select_for_update().filter(unit=unit).first()
    schedule, _outcome = _schedule_sync(unit, current, timezone.localdate())
    return schedule


@dataclass(frozen=True)
class SchedulesRefreshed:
    created: int = 0
    updated: int = 0
    deactivated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deactivated": self.deactivated}


def maintenance_schedules_refresh(*, batch_size: int = SCHEDULE_BATCH_SIZE) -> SchedulesRefreshed:
    """Create or update the schedules of every unit that needs maintenance, in batches; safe to rerun.

    Schedules of products that no longer need maintenance are deactivated.
    """
    today = timezone.localdate()
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    units = (
        Unit.objects.filter(Q(product__maintenance_interval_days__gt=0) | Q(maintenance__is_active=True))
        .select_related("product")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(units.filter(pk__gt=last)[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            # Locked and read afresh: a visit completed meanwhile has moved its schedule on.
            schedules = {
                schedule.unit_id: schedule
                for schedule in MaintenanceSchedule.objects.select_for_update().filter(
                    unit_id__in=[unit.pk for unit in batch]
                )
            }
            for unit in batch:
                _schedule, outcome = _schedule_sync(unit, schedules.get(unit.pk), today)
                if outcome in counts:
                    counts[outcome] += 1
        last = batch[-1].pk
        if len(batch) < batch_size:
            break
    return SchedulesRefreshed(**counts)


# --- visits ---------------------------------------------------------------------------------------


@transaction.atomic
def visit_schedule(
    *,
    actor: User | None,
    case: Case,
    technician: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    address: str,
    kind: str = Visit.Kind.MAINTENANCE,
    unit: Unit | None = None,
    checklist: Sequence[str] | None = None,
) -> Visit:
    """Book a technician's visit on a case and send the customer the window with a confirmation link."""
    require_case_agent(actor, case)
    require_case_open(case)
    errors: dict[str, list[Any]] = {}
    if kind not in Visit.Kind.values:
        errors["kind"] = [_("Choose a kind of visit.")]
    errors.update(_technician_errors(technician))
    errors.update(_window_errors(starts_at, ends_at))
    address = (address or "").strip() or _customer_address(case)
    if not address:
        errors["address"] = [_("Enter the address of the visit.")]
    if unit is None:
        unit = case.unit
    if unit is not None and unit.owner_id != case.customer_id:
        errors["unit"] = [_("This unit does not belong to the case's customer.")]
    items, checklist_errors = _checklist_items(checklist)
    if checklist_errors:
        errors["checklist"] = checklist_errors
    if errors:
        raise ValidationFailed(_("Check the visit."), fields=errors)
    _require_technician_free(technician, starts_at, ends_at)
    visit = Visit(
        number=next_number(Visit),
        case=case,
        customer_id=case.customer_id,
        created_by=actor if actor is not None and actor.pk else None,
        kind=kind,
        unit=unit,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=_customer_time_zone(case),
        address=address,
        checklist=items,
        status=Visit.Status.SCHEDULED,
    )
    token = _new_token(visit)
    visit.save()
    now = timezone.now()
    step(
        visit,
        EventKind.VISIT_SCHEDULED,
        actor,
        now,
        visit_kind=visit.kind,
        technician=technician.pk,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
    )
    audit_record(actor=actor, action="visit.schedule", obj=visit, after=snapshot(visit, VISIT_AUDIT_FIELDS))
    visit.confirm_url = _confirm_url(token)  # type: ignore[attr-defined]
    notice_send(
        case,
        "visit_scheduled",
        {**_window_context(visit, _language(case)), "confirm_url": visit.confirm_url},  # type: ignore[attr-defined]
    )
    return visit


@transaction.atomic
def visit_book_maintenance(
    *,
    actor: User | None,
    unit: Unit,
    technician: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    address: str = "",
) -> Visit:
    """Open a maintenance case for the unit's owner and book the technician's visit on it."""
    require_staff(actor)
    owner = unit.owner
    if owner is None:
        raise ValidationFailed(
            _("This unit has no owner to visit."),
            fields={"unit": [_("The unit has no owner.")]},
            code=AftersalesError.NO_UNIT,
        )
    language = owner.language or settings.LANGUAGE_CODE
    product = unit.product.display_name(language)
    with translation.override(language):
        subject = str(_("Maintenance of %(product)s") % {"product": product})
        body = str(
            _(
                "Your %(product)s (serial number %(serial)s) is due for maintenance; "
                "a technician's visit is being booked."
            )
            % {"product": product, "serial": unit.serial_number}
        )
    case = case_open(
        actor=actor,
        customer=owner,
        subject=subject[:250],
        body=body,
        kind=CaseKind.MAINTENANCE,
        channel=Channel.PROACTIVE,
        unit=unit,
        language=language,
    )
    return visit_schedule(
        actor=actor,
        case=case,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        address=address,
        kind=Visit.Kind.MAINTENANCE,
        unit=unit,
    )


def visit_by_token(token: str) -> Visit:
    """The visit a confirmation link points to; NotFound for a link that never was or was replaced."""
    if not token:
        raise NotFound(_("No such visit."))
    visit = (
        Visit.objects.select_related("case", "customer", "technician", "unit__product")
        .filter(confirm_token_hash=_token_hash(token))
        .first()
    )
    if visit is None:
        raise NotFound(_("No such visit."))
    return visit


@transaction.atomic
def visit_confirm(*, visit: Visit, actor: User | None = None, token: str | None = None) -> Visit:
    """Record that the customer confirmed the appointment (through the link, or in the portal).

    A member of staff may also record a confirmation the customer gave another way (the phone).
    """
    locked = lock(visit)
    actor_kind = AuthorKind.CUSTOMER
    if token is not None:
        expected = locked.confirm_token_hash
        if not expected or not hmac.compare_digest(expected, _token_hash(token)):
            raise NotFound(_("No such visit."))
    elif actor is not None and actor.is_customer:
        if not actor.is_active or actor.customer_id != locked.customer_id:
            raise NotFound(_("No such visit."))
    else:
        require_case_agent(actor, locked.case)
        actor_kind = AuthorKind.AGENT if actor is not None else AuthorKind.SYSTEM
    if locked.status == Visit.Status.CONFIRMED:
        return locked
    now = timezone.now()
    if locked.status != Visit.Status.SCHEDULED or locked.ends_at <= now:
        raise Conflict(
            _("This confirmation link is no longer valid: the visit is %(status)s or its time has passed.")
            % {"status": locked.get_status_display().lower()},
            code=AftersalesError.LINK_INVALID,
        )
    before = snapshot(locked, VISIT_AUDIT_FIELDS)
    locked.status = Visit.Status.CONFIRMED
    locked.confirmed_at = now
    _save(locked, ["status", "confirmed_at"])
    # The customer is named as the one who acted, even through a link with no sign-in.
    step(locked, EventKind.VISIT_CONFIRMED, actor, now, actor_kind=actor_kind)
    old, new = changed(before, snapshot(locked, VISIT_AUDIT_FIELDS))
    audit_record(actor=actor, action="visit.confirm", obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def visit_reschedule(
    *, actor: User | None, visit: Visit, starts_at: dt.datetime, ends_at: dt.datetime
) -> Visit:
    """Move the visit to a new window; the customer gets a new confirmation link (the old one dies)."""
    require_case_agent(actor, visit.case)
    locked = lock(visit)
    if locked.status not in OPEN_STATUSES:
        raise refuse_transition(locked, _("rescheduled"))
    require_case_open(locked.case)
    errors = _window_errors(starts_at, ends_at)
    if errors:
        raise ValidationFailed(_("Check the visit."), fields=errors)
    _require_technician_free(locked.technician, starts_at, ends_at, exclude=locked.pk)
    before = snapshot(locked, VISIT_AUDIT_FIELDS)
    old_starts, old_ends = locked.starts_at, locked.ends_at
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.status = Visit.Status.SCHEDULED
    locked.confirmed_at = None
    token = _new_token(locked)
    _save(locked, ["starts_at", "ends_at", "status", "confirmed_at", "confirm_token_hash"])
    step(
        locked,
        EventKind.VISIT_RESCHEDULED,
        actor,
        timezone.now(),
        **{
            "from": {"starts_at": old_starts.isoformat(), "ends_at": old_ends.isoformat()},
            "to": {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
        },
    )
    old, new = changed(before, snapshot(locked, VISIT_AUDIT_FIELDS))
    audit_record(actor=actor, action="visit.reschedule", obj=locked, before=old, after=new)
    locked.confirm_url = _confirm_url(token)  # type: ignore[attr-defined]
    notice_send(
        locked.case,
        "visit_rescheduled",
        {**_window_context(locked, _language(locked.case)), "confirm_url": locked.confirm_url},  # type: ignore[attr-defined]
    )
    return locked


@transaction.atomic
def visit_complete(
    *,
    actor: User | None,
    visit: Visit,
    outcome: str,
    checklist: Sequence[Any] | None = None,
    labour_hours: Any = None,
    cost: Any = None,
) -> Visit:
    """Record that the visit was made: what came of it, the checklist, the hours and what it cost.

    A maintenance visit to a unit restarts its schedule from the day it was done; `cost` (in the
    company's currency) goes to the ledger, borne by the warranty when it covers on-site service.
    """
    require_case_agent(actor, visit.case)
    locked = lock(visit)
    if locked.status not in OPEN_STATUSES:
        raise refuse_transition(locked, _("completed"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(
            _("Say what came of the visit."), fields={"outcome": [_("Enter the outcome.")]}
        )
    items = _completed_checklist(locked.checklist or [], checklist) if checklist is not None else None
    hours = _labour_hours(labour_hours) if labour_hours not in (None, "") else None
    amount = Decimal(0)
    if cost not in (None, ""):
        try:
            amount = to_amount(cost)
        except ValidationError as exc:
            raise ValidationFailed(
                _("Enter the cost as an amount."), fields={"cost": [_("Enter a valid amount.")]}
            ) from exc
        if amount < 0:
            raise ValidationFailed(
                _("A cost cannot be negative."), fields={"cost": [_("Enter an amount from 0.")]}
            )
    now = timezone.now()
    before = snapshot(locked, VISIT_AUDIT_FIELDS)
    locked.status = Visit.Status.DONE
    locked.outcome = outcome
    locked.done_at = now
    fields = ["status", "outcome", "done_at"]
    if items is not None:
        locked.checklist = items
        fields.append("checklist")
    if hours is not None:
        locked.labour_hours = hours
        fields.append("labour_hours")
    _save(locked, fields)
    done_on = _local_date(locked, now)
    unit = locked.unit
    if unit is not None and locked.kind == Visit.Kind.MAINTENANCE:
        schedule = MaintenanceSchedule.objects.select_for_update().filter(unit=unit).first()
        if schedule is None:
            schedule, _outcome = _schedule_sync(unit, None, done_on)
        if schedule is not None:
            schedule.last_done_on = done_on
            schedule.next_due_on = done_on + dt.timedelta(days=schedule.interval_days)
            schedule.save(update_fields=["last_done_on", "next_due_on", "updated_at"])
    if amount > 0:
        cost_record(
            actor=actor,
            case=locked.case,
            kind=CostEntry.Kind.VISIT,
            amount=amount,
            currency=company_currency(),
            source=f"visit:{locked.pk}",
            on=done_on,
            product=unit.product if unit is not None else None,
            under_warranty=unit is not None and unit_entitlement(unit, done_on).covers_onsite,
            description=locked.reference,
        )
    step(
        locked,
        EventKind.VISIT_DONE,
        actor,
        now,
        labour_hours=str(hours) if hours is not None else None,
        cost=str(amount) if amount > 0 else None,
    )
    old, new = changed(before, snapshot(locked, VISIT_AUDIT_FIELDS))
    audit_record(actor=actor, action="visit.complete", obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def visit_miss(*, actor: User | None, visit: Visit, note: str = "") -> Visit:
    """Record that the visit did not happen (nobody home, no access); only once its window has begun."""
    require_case_agent(actor, visit.case)
    locked = lock(visit)
    if locked.status not in OPEN_STATUSES:
        raise refuse_transition(locked, _("marked as missed"))
    now = timezone.now()
    if now < locked.starts_at:
        raise Conflict(
            _("%(record)s has not started yet: it cannot be marked as missed.")
            % {"record": locked.reference},
            code=AftersalesError.WRONG_STATUS,
        )
    note = (note or "").strip()
    before = snapshot(locked, VISIT_AUDIT_FIELDS)
    locked.status = Visit.Status.MISSED
    locked.outcome = note
    _save(locked, ["status", "outcome"])
    step(locked, EventKind.VISIT_MISSED, actor, now, note=note)
    old, new = changed(before, snapshot(locked, VISIT_AUDIT_FIELDS))
    audit_record(actor=actor, action="visit.miss", obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def visit_cancel(*, actor: User | None, visit: Visit, note: str = "") -> Visit:
    """Call the visit off and tell the customer."""
    require_case_agent(actor, visit.case)
    locked = lock(visit)
    if locked.status not in OPEN_STATUSES:
        raise refuse_transition(locked, _("cancelled"))
    now = timezone.now()
    note = (note or "").strip()
    before = snapshot(locked, VISIT_AUDIT_FIELDS)
    locked.status = Visit.Status.CANCELLED
    locked.outcome = note
    _save(locked, ["status", "outcome"])
    step(locked, EventKind.VISIT_CANCELLED, actor, now, note=note)
    old, new = changed(before, snapshot(locked, VISIT_AUDIT_FIELDS))
    audit_record(actor=actor, action="visit.cancel", obj=locked, before=old, after=new)
    notice_send(locked.case, "visit_cancelled", _window_context(locked, _language(locked.case)))
    return locked


__all__ = [
    "SchedulesRefreshed",
    "maintenance_schedule_sync",
    "maintenance_schedules_refresh",
    "visit_book_maintenance",
    "visit_by_token",
    "visit_cancel",
    "visit_complete",
    "visit_confirm",
    "visit_miss",
    "visit_reschedule",
    "visit_schedule",
]
