"""The after-sales pages of the desk: the workshop's repairs, the technicians' calendar and visits,
maintenance that falls due, and the printable packing note of a return.

Each action is a plain form POST that calls one service and redirects back with a message; a refused
action shows the page again with the service's message on its form and what was typed. A repair's
forms carry the version the agent was looking at, so a stale page never overwrites a newer change.
The managers' pages (approvals, settings, stock, report) are in `aftersales_manage`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts.models import User
from vafa.aftersales.models import (
    MaintenanceSchedule,
    Part,
    RepairOrder,
    ServiceLocation,
    StockLevel,
    Visit,
)
from vafa.aftersales.selectors import (
    maintenance_due,
    parts_for_unit,
    repair_get,
    repair_list,
    return_get,
    technician_calendar,
    technicians,
    visit_get,
)
from vafa.aftersales.services import repairs as repair_services
from vafa.aftersales.services import visits as visit_services
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.desk import aftersales_forms as af
from vafa.desk.access import desk_user, desk_view
from vafa.desk.case_forms import apply_error

MAX_DB_INT = 2**63 - 1
PAGE_SIZE = 50
MAINTENANCE_DAYS = (7, 14, 30, 60, 90)


def _pk(pk: int) -> int:
    if pk > MAX_DB_INT:
        raise Http404
    return pk


def _run(form: af.ActionForm, call: Any) -> tuple[Any, int]:
    """Call the service with the form's data; on a refusal put its message on the form.

    Returns the service's result (None when refused) and the status to answer with.
    """
    try:
        with via("web"):
            return call(**form.service_kwargs()), 200
    except VafaError as exc:
        apply_error(form, exc)
        return None, exc.status


# --- repairs --------------------------------------------------------------------------------------


@desk_view
@require_GET
def repair_index(request: HttpRequest) -> HttpResponse:
    """Repairs the agent may see, newest first, filtered by status, technician and location."""
    user = desk_user(request)
    locations = ServiceLocation.objects.order_by("name")
    form = af.RepairListFilter(request.GET or None, technicians=technicians(), locations=locations)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data["status"] or None,
            "technician": form.cleaned_data["technician"],
            "location": form.cleaned_data["location"],
        }
    queryset = repair_list(viewer=user, **filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "desk/aftersales/repairs.html",
        {"nav": "aftersales", "tab": "repairs", "page": page, "form": form, "query": query.urlencode()},
    )


REPAIR_ACTIONS = ("diagnose", "part", "labour", "remove", "status", "assign", "quote")


def _part_labels(repair: RepairOrder, parts: QuerySet[Part]) -> dict[int, str]:
    language = translation.get_language() or "en"
    available = {
        level.part_id: level.available
        for level in StockLevel.objects.filter(location_id=repair.location_id, part__in=parts)
    }
    return {
        part.pk: _("%(part)s (%(sku)s), %(count)s available")
        % {"part": part.display_name(language), "sku": part.sku, "count": available.get(part.pk, 0)}
        for part in parts
    }


def _repair_form(key: str, repair: RepairOrder, data: QueryDict | None, **extra: Any) -> af.ActionForm:
    initial = {"version": repair.version}
    if key == "diagnose":
        return af.RepairDiagnoseForm(data, prefix=key, initial={**initial, "diagnosis": repair.diagnosis})
    if key == "part":
        parts = parts_for_unit(repair.unit)
        return af.RepairPartForm(
            data, prefix=key, initial=initial, parts=parts, labels=_part_labels(repair, parts)
        )
    if key == "labour":
        return af.RepairLabourForm(data, prefix=key, initial=initial)
    if key == "remove":
        return af.RepairRemoveLineForm(data, prefix=key, initial={**initial, **extra})
    if key == "status":
        return af.RepairStatusForm(data, prefix=key, initial={**initial, **extra})
    if key == "assign":
        return af.RepairAssignForm(
            data,
            prefix=key,
            technicians=technicians(),
            initial={**initial, "technician": repair.technician_id},
        )
    if key == "quote":
        return af.EmptyForm(data, prefix=key)
    raise Http404


def _repair_page(
    request: HttpRequest,
    repair: RepairOrder,
    *,
    bound: dict[str, af.ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    lines = list(repair.lines.all())
    covered = sum((line.unit_price * line.quantity for line in lines if line.covered), Decimal(0))
    forms = {
        key: bound.get(key) or _repair_form(key, repair, None)
        for key in ("diagnose", "part", "labour", "assign")
    }
    moves = [
        (value, RepairOrder.Status(value).label, _repair_form("status", repair, None, status=value))
        for value in RepairOrder.Status.values
        if value in repair_services.TRANSITIONS.get(repair.status, frozenset())
    ]
    return render(
        request,
        "desk/aftersales/repair.html",
        {
            "nav": "aftersales",
            "tab": "repairs",
            "repair": repair,
            "lines": lines,
            "customer_total": repair_services.repair_customer_total(repair),
            "covered_total": covered,
            "forms": forms,
            "moves": moves,
            "status_form": bound.get("status"),
            "remove_form": bound.get("remove"),
            "quote_form": bound.get("quote") or _repair_form("quote", repair, None),
            "can_quote": repair.status in repair_services.QUOTABLE,
            "lines_open": repair.status in repair_services.LINES_OPEN,
        },
        status=status,
    )


@desk_view
@require_GET
def repair_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One repair: its diagnosis, lines, totals, and the steps its status allows."""
    return _repair_page(request, repair_get(viewer=desk_user(request), repair_id=_pk(pk)))


@desk_view
@require_POST
def repair_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One change to a repair, made against the version the page showed."""
    if action not in REPAIR_ACTIONS:
        raise Http404
    user = desk_user(request)
    repair = repair_get(viewer=user, repair_id=_pk(pk))
    form = _repair_form(action, repair, request.POST)
    if not form.is_valid():
        return _repair_page(request, repair, bound={action: form}, status=422)
    data = form.cleaned_data
    services = repair_services
    if action == "diagnose":
        result, status = _run(form, lambda **kw: services.repair_diagnose(actor=user, repair=repair, **kw))
    elif action == "part":
        result, status = _run(form, lambda **kw: services.repair_add_part(actor=user, repair=repair, **kw))
    elif action == "labour":
        result, status = _run(form, lambda **kw: services.repair_add_labour(actor=user, repair=repair, **kw))
    elif action == "remove":
        line = next((line for line in repair.lines.all() if line.pk == data["line"]), None)
        if line is None:
            raise Http404
        result, status = _run(
            form, lambda **kw: services.repair_remove_line(actor=user, line=line, version=kw["version"])
        )
    elif action == "status":
        result, status = _run(form, lambda **kw: services.repair_set_status(actor=user, repair=repair, **kw))
    elif action == "assign":
        result, status = _run(form, lambda **kw: services.repair_assign(actor=user, repair=repair, **kw))
    else:
        result, status = _run(form, lambda **kw: services.repair_quote_send(actor=user, repair=repair))
    if result is None:
        fresh = repair_get(viewer=user, repair_id=repair.pk)
        # The page now shows the repair as it is; what was typed is kept, against the version shown.
        if "version" in form.fields:
            posted = request.POST.copy()
            posted[form.add_prefix("version")] = str(fresh.version)
            form.data = posted
        return _repair_page(request, fresh, bound={action: form}, status=status)
    done = {
        "diagnose": _("Diagnosis saved."),
        "part": _("Part added."),
        "labour": _("Labour added."),
        "remove": _("Line removed."),
        "status": _("Status changed."),
        "assign": _("Technician assigned."),
        "quote": _("Quote sent to the customer."),
    }[action]
    messages.success(request, done)
    return HttpResponseRedirect(reverse("desk:aftersales_repair", args=[repair.pk]))


# --- calendar and visits --------------------------------------------------------------------------


def _week_start(day: dt.date, language: str) -> dt.date:
    """The first day of `day`'s week: Saturday for Persian and Arabic readers, Monday for others."""
    first = 5 if language in ("fa", "ar") else 0
    return day - dt.timedelta(days=(day.weekday() - first) % 7)


@desk_view
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """A technician's week: their visits per day, at the times of the technician's time zone."""
    user = desk_user(request)
    language = translation.get_language() or "en"
    people = list(technicians())
    chosen = request.GET.get("technician", "")
    technician = next((p for p in people if str(p.pk) == chosen), None)
    if technician is None:
        technician = next((p for p in people if p.pk == user.pk), people[0] if people else None)
    try:
        start = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        zone = ZoneInfo(technician.time_zone if technician else "UTC")
        start = timezone.now().astimezone(zone).date()
    start = _week_start(start, language)
    days = technician_calendar(technician=technician, start=start) if technician is not None else []
    return render(
        request,
        "desk/aftersales/calendar.html",
        {
            "nav": "aftersales",
            "tab": "calendar",
            "technicians": people,
            "technician": technician,
            "days": [(day, WEEKDAYS[day.day.weekday()]) for day in days],
            "start": start,
            "previous": (start - dt.timedelta(days=7)).isoformat(),
            "next": (start + dt.timedelta(days=7)).isoformat(),
        },
    )


VISIT_ACTIONS = ("complete", "miss", "cancel", "reschedule")
OPEN_VISIT = (Visit.Status.SCHEDULED, Visit.Status.CONFIRMED)


def _visit_form(key: str, visit: Visit, data: QueryDict | None) -> af.ActionForm:
    if key == "complete":
        items = [str(entry.get("item", "")) for entry in visit.checklist or [] if isinstance(entry, dict)]
        ticked = [
            str(i)
            for i, entry in enumerate(visit.checklist or [])
            if isinstance(entry, dict) and entry.get("done")
        ]
        return af.VisitCompleteForm(data, prefix=key, items=items, initial={"ticked": ticked})
    if key in ("miss", "cancel"):
        return af.NoteForm(data, prefix=key)
    if key == "reschedule":
        zone = ZoneInfo(visit.time_zone or "UTC")
        local_start, local_end = visit.starts_at.astimezone(zone), visit.ends_at.astimezone(zone)
        return af.VisitWindowForm(
            data,
            prefix=key,
            time_zone=visit.time_zone,
            initial={
                "day": local_start.date().isoformat(),
                "start": local_start.time().strftime("%H:%M"),
                "end": local_end.time().strftime("%H:%M"),
            },
        )
    raise Http404


def _visit_page(
    request: HttpRequest, visit: Visit, *, bound: dict[str, af.ActionForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    return render(
        request,
        "desk/aftersales/visit.html",
        {
            "nav": "aftersales",
            "tab": "calendar",
            "visit": visit,
            "is_open": visit.status in OPEN_VISIT,
            "forms": {key: bound.get(key) or _visit_form(key, visit, None) for key in VISIT_ACTIONS},
            "opened": next(iter(bound), ""),
        },
        status=status,
    )


@desk_view
@require_GET
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One visit: when and where (in the customer's time zone), the checklist, and its outcome."""
    return _visit_page(request, visit_get(viewer=desk_user(request), visit_id=_pk(pk)))


@desk_view
@require_POST
def visit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in VISIT_ACTIONS:
        raise Http404
    user = desk_user(request)
    visit = visit_get(viewer=user, visit_id=_pk(pk))
    form = _visit_form(action, visit, request.POST)
    if not form.is_valid():
        return _visit_page(request, visit, bound={action: form}, status=422)
    calls: dict[str, Any] = {
        "complete": visit_services.visit_complete,
        "miss": visit_services.visit_miss,
        "cancel": visit_services.visit_cancel,
        "reschedule": visit_services.visit_reschedule,
    }
    result, status = _run(form, lambda **kw: calls[action](actor=user, visit=visit, **kw))
    if result is None:
        return _visit_page(
            request, visit_get(viewer=user, visit_id=visit.pk), bound={action: form}, status=status
        )
    done = {
        "complete": _("Visit recorded as done."),
        "miss": _("Visit recorded as missed."),
        "cancel": _("Visit cancelled."),
        "reschedule": _("Visit moved."),
    }[action]
    messages.success(request, done)
    return HttpResponseRedirect(reverse("desk:aftersales_visit", args=[visit.pk]))


# --- maintenance ----------------------------------------------------------------------------------


def _book_form(
    schedule: MaintenanceSchedule, data: QueryDict | None, people: QuerySet[User]
) -> af.ActionForm:
    owner = schedule.unit.owner
    return af.VisitBookForm(
        data,
        prefix=f"book-{schedule.pk}",
        technicians=people,
        time_zone=owner.time_zone if owner else "UTC",
        initial={"address": owner.address if owner else ""},
    )


def _maintenance_page(
    request: HttpRequest, *, bound: tuple[int, af.ActionForm] | None = None, status: int = 200
) -> HttpResponse:
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and int(raw) in MAINTENANCE_DAYS else None
    page = Paginator(maintenance_due(within_days=days), PAGE_SIZE).get_page(request.GET.get("page"))
    people = technicians()
    rows = [
        (schedule, bound[1] if bound and bound[0] == schedule.pk else _book_form(schedule, None, people))
        for schedule in page.object_list
    ]
    return render(
        request,
        "desk/aftersales/maintenance.html",
        {
            "nav": "aftersales",
            "tab": "maintenance",
            "page": page,
            "rows": rows,
            "days": days,
            "day_choices": MAINTENANCE_DAYS,
            "opened": bound[0] if bound else None,
            "query": f"days={days}" if days else "",
        },
        status=status,
    )


@desk_view
@require_GET
def maintenance_page(request: HttpRequest) -> HttpResponse:
    """Units whose maintenance falls due with no visit booked, soonest first."""
    return _maintenance_page(request)


@desk_view
@require_POST
def maintenance_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the maintenance visit of one due schedule (this opens a maintenance case)."""
    user = desk_user(request)
    schedule = maintenance_due().filter(pk=_pk(pk)).first()
    if schedule is None:
        raise Http404
    form = _book_form(schedule, request.POST, technicians())
    if not form.is_valid():
        return _maintenance_page(request, bound=(schedule.pk, form), status=422)
    visit, status = _run(
        form, lambda **kw: visit_services.visit_book_maintenance(actor=user, unit=schedule.unit, **kw)
    )
    if visit is None:
        return _maintenance_page(request, bound=(schedule.pk, form), status=status)
    messages.success(request, _("Visit %(reference)s booked.") % {"reference": visit.reference})
    return HttpResponseRedirect(reverse("desk:aftersales_visit", args=[visit.pk]))


# --- packing note ---------------------------------------------------------------------------------


@desk_view
@require_GET
def packing_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The page that goes in the parcel: RMA number, customer, item, serial, reason, where it goes."""
    rma = return_get(viewer=desk_user(request), rma_id=_pk(pk))
    return render(request, "desk/aftersales/packing_note.html", {"rma": rma})


urlpatterns = [
    path("aftersales/repairs/", repair_index, name="aftersales_repairs"),
    path("aftersales/repairs/<int:pk>/", repair_page, name="aftersales_repair"),
    path("aftersales/repairs/<int:pk>/<slug:action>/", repair_action, name="aftersales_repair_action"),
    path("aftersales/calendar/", calendar_page, name="aftersales_calendar"),
    path("aftersales/visits/<int:pk>/", visit_page, name="aftersales_visit"),
    path("aftersales/visits/<int:pk>/<slug:action>/", visit_action, name="aftersales_visit_action"),
    path("aftersales/maintenance/", maintenance_page, name="aftersales_maintenance"),
    path("aftersales/maintenance/<int:pk>/book/", maintenance_book, name="aftersales_maintenance_book"),
    path("aftersales/returns/<int:pk>/packing-note/", packing_note, name="aftersales_packing_note"),
]
