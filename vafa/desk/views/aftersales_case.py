"""The After-sales panel of the case page: what the case's unit is entitled to, the case's claims,
returns, refunds, replacements, repairs, visits and goodwill, what they cost, and a small form for
each step.

The case page loads the panel by itself (htmx, on load), so the case page's own queries stay what they
are. Every step is a plain form POST that calls one service: with htmx the answer is the panel again
(and the stream refreshes), without it a redirect back to the case; a refusal shows the service's
message on the form with what was typed, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from vafa.accounts.models import Role, User
from vafa.aftersales.entitlement import EntitlementKind, entitlement_reasons
from vafa.aftersales.models import (
    CostEntry,
    Goodwill,
    Refund,
    Replacement,
    ReturnRequest,
    ServiceLocation,
    WarrantyClaim,
)
from vafa.aftersales.selectors import case_aftersales, technicians
from vafa.aftersales.services import claims, costs, goodwill, refunds, repairs, replacements, returns, visits
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.core.i18n import choice_label
from vafa.desk import aftersales_forms as af
from vafa.desk.access import desk_user, desk_view, is_htmx
from vafa.desk.case_forms import apply_error
from vafa.sales.models import OrderLine, Unit
from vafa.service.models import Case
from vafa.service.selectors import case_workspace_get

MAX_DB_INT = 2**63 - 1

ENTITLEMENT_LABELS = {
    EntitlementKind.RETURN_WINDOW: gettext_lazy("Within the return window"),
    EntitlementKind.IN_WARRANTY: gettext_lazy("In warranty"),
    EntitlementKind.EXTENDED: gettext_lazy("Extended warranty"),
    EntitlementKind.NONE: gettext_lazy("Not covered"),
}


# --- what the panel offers ------------------------------------------------------------------------


class Choices:
    """The lists the panel's forms choose from, for one case (each read only when a form needs it)."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def units(self) -> QuerySet[Unit]:
        return (
            Unit.objects.filter(owner_id=self.case.customer_id)
            .select_related("product")
            .order_by("-created_at", "-id")
        )

    @property
    def order_lines(self) -> QuerySet[OrderLine]:
        return (
            OrderLine.objects.filter(order__customer_id=self.case.customer_id)
            .select_related("order", "product")
            .order_by("-order__placed_at", "id")
        )

    @property
    def locations(self) -> QuerySet[ServiceLocation]:
        return ServiceLocation.objects.filter(is_active=True).order_by("name")

    @property
    def return_locations(self) -> QuerySet[ServiceLocation]:
        return self.locations.filter(receives_returns=True)

    @property
    def technicians(self) -> QuerySet[User]:
        return technicians()

    @property
    def claims(self) -> QuerySet[WarrantyClaim]:
        return WarrantyClaim.objects.filter(case=self.case).order_by("-created_at", "-id")

    @property
    def returns(self) -> QuerySet[ReturnRequest]:
        return ReturnRequest.objects.filter(case=self.case).order_by("-created_at", "-id")


FormMaker = Callable[[Choices, Any, "QueryDict | None", str], af.ActionForm]
Runner = Callable[[User, Case, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Spec:
    """One step the panel offers: its button, its form, its service call and what it says when done."""

    label: Promise
    form: FormMaker
    run: Runner
    done: Promise
    records: str = ""  # the CaseAftersales list the record comes from; "" for steps on the case
    tone: str = "outline-primary"
    fields: bool = True  # False: a button alone


def _empty(choices: Choices, record: Any, data: QueryDict | None, prefix: str) -> af.ActionForm:
    return af.EmptyForm(data, prefix=prefix)


def _note(choices: Choices, record: Any, data: QueryDict | None, prefix: str) -> af.ActionForm:
    return af.NoteForm(data, prefix=prefix)


def _required_note(choices: Choices, record: Any, data: QueryDict | None, prefix: str) -> af.ActionForm:
    return af.RequiredNoteForm(data, prefix=prefix)


def _claim_initial(record: WarrantyClaim) -> tuple[str, str]:
    decision, value = claims.claim_default(record)
    return decision, value


def _claim_approve_form(choices: Choices, record: Any, data: QueryDict | None, prefix: str) -> af.ActionForm:
    decision, value = _claim_initial(record)
    initial = {"remedy": value if decision == "approve" else WarrantyClaim.Remedy.REPAIR}
    return af.ClaimApproveForm(data, prefix=prefix, initial=initial)


def _claim_reject_form(choices: Choices, record: Any, data: QueryDict | None, prefix: str) -> af.ActionForm:
    decision, value = _claim_initial(record)
    return af.ClaimRejectForm(data, prefix=prefix, initial={"reason": value if decision == "reject" else ""})


def _unit_of(choices: Choices) -> dict[str, Any]:
    return {"unit": choices.case.unit_id} if choices.case.unit_id else {}


SPECS: dict[str, Spec] = {
    # steps on the case
    "claim_open": Spec(
        gettext_lazy("Open a warranty claim"),
        lambda c, r, d, p: af.ClaimOpenForm(d, prefix=p, units=c.units, initial=_unit_of(c)),
        lambda actor, case, r, kw: claims.claim_open(actor=actor, case=case, **kw),
        gettext_lazy("Warranty claim %(reference)s opened."),
    ),
    "return_request": Spec(
        gettext_lazy("Request a return"),
        lambda c, r, d, p: af.ReturnRequestForm(d, prefix=p, order_lines=c.order_lines),
        lambda actor, case, r, kw: returns.return_request(actor=actor, case=case, **kw),
        gettext_lazy("Return %(reference)s requested."),
    ),
    "replacement_issue": Spec(
        gettext_lazy("Issue a replacement"),
        lambda c, r, d, p: af.ReplacementIssueForm(
            d,
            prefix=p,
            units=c.units,
            claims=c.claims,
            returns=c.returns,
            initial={"original_unit": c.case.unit_id} if c.case.unit_id else {},
        ),
        lambda actor, case, r, kw: replacements.replacement_issue(actor=actor, case=case, **kw),
        gettext_lazy("Replacement %(reference)s issued."),
    ),
    "refund_request": Spec(
        gettext_lazy("Request a refund"),
        lambda c, r, d, p: af.RefundRequestForm(
            d, prefix=p, order_lines=c.order_lines, claims=c.claims, returns=c.returns
        ),
        lambda actor, case, r, kw: refunds.refund_request(actor=actor, case=case, **kw),
        gettext_lazy("Refund %(reference)s recorded."),
    ),
    "repair_open": Spec(
        gettext_lazy("Open a repair"),
        lambda c, r, d, p: af.RepairOpenForm(
            d,
            prefix=p,
            locations=c.locations,
            technicians=c.technicians,
            units=c.units,
            claims=c.claims,
            returns=c.returns,
            initial=_unit_of(c),
        ),
        lambda actor, case, r, kw: repairs.repair_open(actor=actor, case=case, **kw),
        gettext_lazy("Repair %(reference)s opened."),
    ),
    "goodwill_give": Spec(
        gettext_lazy("Give goodwill"),
        lambda c, r, d, p: af.GoodwillGiveForm(d, prefix=p, units=c.units, initial=_unit_of(c)),
        lambda actor, case, r, kw: goodwill.goodwill_give(actor=actor, case=case, **kw),
        gettext_lazy("Goodwill %(reference)s recorded."),
    ),
    "visit_schedule": Spec(
        gettext_lazy("Schedule a visit"),
        lambda c, r, d, p: af.VisitScheduleForm(
            d,
            prefix=p,
            technicians=c.technicians,
            units=c.units,
            time_zone=c.case.customer.time_zone,
            initial={**_unit_of(c), "address": c.case.customer.address},
        ),
        lambda actor, case, r, kw: visits.visit_schedule(actor=actor, case=case, **kw),
        gettext_lazy("Visit %(reference)s scheduled."),
    ),
    "shipping_cost": Spec(
        gettext_lazy("Record a shipping cost"),
        lambda c, r, d, p: af.ShippingCostForm(d, prefix=p),
        lambda actor, case, r, kw: costs.shipping_cost_add(actor=actor, case=case, **kw),
        gettext_lazy("Shipping cost recorded."),
    ),
    # claims
    "claim_approve": Spec(
        gettext_lazy("Approve"),
        _claim_approve_form,
        lambda actor, case, claim, kw: claims.claim_approve(actor=actor, claim=claim, **kw),
        gettext_lazy("%(reference)s approved."),
        records="claims",
        tone="outline-success",
    ),
    "claim_reject": Spec(
        gettext_lazy("Reject"),
        _claim_reject_form,
        lambda actor, case, claim, kw: claims.claim_reject(actor=actor, claim=claim, **kw),
        gettext_lazy("%(reference)s rejected."),
        records="claims",
        tone="outline-danger",
    ),
    "claim_cancel": Spec(
        gettext_lazy("Cancel"),
        _note,
        lambda actor, case, claim, kw: claims.claim_cancel(actor=actor, claim=claim, **kw),
        gettext_lazy("%(reference)s cancelled."),
        records="claims",
        tone="outline-secondary",
    ),
    # returns
    "return_approve": Spec(
        gettext_lazy("Approve"),
        lambda c, r, d, p: af.ReturnApproveForm(d, prefix=p, locations=c.return_locations),
        lambda actor, case, rma, kw: returns.return_approve(actor=actor, rma=rma, **kw),
        gettext_lazy("%(reference)s approved."),
        records="returns",
        tone="outline-success",
    ),
    "return_reject": Spec(
        gettext_lazy("Refuse"),
        _required_note,
        lambda actor, case, rma, kw: returns.return_reject(actor=actor, rma=rma, **kw),
        gettext_lazy("%(reference)s refused."),
        records="returns",
        tone="outline-danger",
    ),
    "return_instruct": Spec(
        gettext_lazy("Send instructions"),
        _empty,
        lambda actor, case, rma, kw: returns.return_instruct(actor=actor, rma=rma),
        gettext_lazy("Instructions for %(reference)s sent."),
        records="returns",
        fields=False,
    ),
    "return_receive": Spec(
        gettext_lazy("Item received"),
        _empty,
        lambda actor, case, rma, kw: returns.return_receive(actor=actor, rma=rma),
        gettext_lazy("%(reference)s received."),
        records="returns",
        fields=False,
    ),
    "return_inspect": Spec(
        gettext_lazy("Inspect"),
        lambda c, r, d, p: af.ReturnInspectForm(d, prefix=p),
        lambda actor, case, rma, kw: returns.return_inspect(actor=actor, rma=rma, **kw),
        gettext_lazy("%(reference)s inspected."),
        records="returns",
    ),
    "return_close": Spec(
        gettext_lazy("Close"),
        lambda c, r, d, p: af.ReturnCloseForm(d, prefix=p),
        lambda actor, case, rma, kw: returns.return_close(actor=actor, rma=rma, **kw),
        gettext_lazy("%(reference)s closed."),
        records="returns",
    ),
    "return_cancel": Spec(
        gettext_lazy("Cancel"),
        _note,
        lambda actor, case, rma, kw: returns.return_cancel(actor=actor, rma=rma, **kw),
        gettext_lazy("%(reference)s cancelled."),
        records="returns",
        tone="outline-secondary",
    ),
    # replacements
    "replacement_ship": Spec(
        gettext_lazy("Shipped"),
        lambda c, r, d, p: af.ReplacementShipForm(d, prefix=p),
        lambda actor, case, rpl, kw: replacements.replacement_ship(actor=actor, replacement=rpl, **kw),
        gettext_lazy("%(reference)s shipped."),
        records="replacements",
    ),
    "replacement_deliver": Spec(
        gettext_lazy("Delivered"),
        _empty,
        lambda actor, case, rpl, kw: replacements.replacement_deliver(actor=actor, replacement=rpl),
        gettext_lazy("%(reference)s delivered."),
        records="replacements",
        fields=False,
    ),
    # refunds and goodwill waiting for a manager
    "refund_approve": Spec(
        gettext_lazy("Approve"),
        lambda c, r, d, p: af.RefundApproveForm(d, prefix=p),
        lambda actor, case, refund, kw: refunds.refund_approve(actor=actor, refund=refund, **kw),
        gettext_lazy("%(reference)s issued."),
        records="refunds",
        tone="outline-success",
    ),
    "refund_reject": Spec(
        gettext_lazy("Refuse"),
        _required_note,
        lambda actor, case, refund, kw: refunds.refund_reject(actor=actor, refund=refund, **kw),
        gettext_lazy("%(reference)s refused."),
        records="refunds",
        tone="outline-danger",
    ),
    "goodwill_approve": Spec(
        gettext_lazy("Approve"),
        _empty,
        lambda actor, case, gift, kw: goodwill.goodwill_approve(actor=actor, goodwill=gift),
        gettext_lazy("%(reference)s given."),
        records="goodwill",
        tone="outline-success",
        fields=False,
    ),
    "goodwill_reject": Spec(
        gettext_lazy("Refuse"),
        _required_note,
        lambda actor, case, gift, kw: goodwill.goodwill_reject(actor=actor, goodwill=gift, **kw),
        gettext_lazy("%(reference)s refused."),
        records="goodwill",
        tone="outline-danger",
    ),
}

CASE_ACTIONS = (
    "claim_open",
    "return_request",
    "refund_request",
    "replacement_issue",
    "repair_open",
    "visit_schedule",
    "goodwill_give",
    "shipping_cost",
)


def _is_manager(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.MANAGER)


def record_actions(record: Any, user: User) -> list[str]:
    """The steps the panel offers on `record` in its current status (the services decide the rest)."""
    if isinstance(record, WarrantyClaim):
        if record.status == WarrantyClaim.Status.OPEN:
            return ["claim_approve", "claim_reject", "claim_cancel"]
        return []
    if isinstance(record, ReturnRequest):
        status = ReturnRequest.Status
        steps: dict[str, list[str]] = {
            status.REQUESTED: ["return_approve", "return_reject", "return_cancel"],
            status.APPROVED: ["return_instruct", "return_cancel"],
            status.INSTRUCTED: ["return_receive", "return_cancel"],
            status.RECEIVED: ["return_inspect"],
            status.INSPECTED: ["return_close"],
        }
        return steps.get(record.status, [])
    if isinstance(record, Replacement):
        if record.status == Replacement.Status.ISSUED:
            return ["replacement_ship"]
        if record.status == Replacement.Status.SHIPPED:
            return ["replacement_deliver"]
        return []
    if isinstance(record, Refund):
        if record.status == Refund.Status.PENDING_APPROVAL and _is_manager(user):
            return ["refund_approve", "refund_reject"]
        return []
    if isinstance(record, Goodwill):
        if record.status == Goodwill.Status.PENDING_APPROVAL and _is_manager(user):
            return ["goodwill_approve", "goodwill_reject"]
        return []
    return []


# --- the panel ------------------------------------------------------------------------------------


@dataclass
class ActionView:
    key: str
    label: str
    url: str
    form: af.ActionForm
    tone: str
    fields: bool
    is_open: bool = False


@dataclass
class RecordRow:
    record: Any
    actions: list[ActionView] = field(default_factory=list)
    link: str = ""
    extra: str = ""


@dataclass
class Bound:
    """A posted form that the service refused, to show again with its message."""

    key: str
    record_id: int | None
    form: af.ActionForm


def _action_url(case: Case, key: str, record_id: int | None) -> str:
    if record_id is None:
        return reverse("desk:aftersales_case_action", args=[case.number, key])
    return reverse("desk:aftersales_record_action", args=[case.number, key, record_id])


def _prefix(key: str, record_id: int | None) -> str:
    return f"{key}-{record_id or 'case'}"


def _action(choices: Choices, key: str, record: Any, bound: Bound | None) -> ActionView:
    spec = SPECS[key]
    record_id = record.pk if record is not None else None
    if bound is not None and bound.key == key and bound.record_id == record_id:
        form, is_open = bound.form, True
    else:
        form, is_open = spec.form(choices, record, None, _prefix(key, record_id)), False
    return ActionView(
        key=key,
        label=str(spec.label),
        url=_action_url(choices.case, key, record_id),
        form=form,
        tone=spec.tone,
        fields=spec.fields,
        is_open=is_open,
    )


def _rows(
    choices: Choices, name: str, records: list[Any], user: User, bound: Bound | None
) -> list[RecordRow]:
    rows = []
    for record in records:
        keys = record_actions(record, user)
        # A refused step stays on screen with its message, even when the record has moved on since.
        if (
            bound is not None
            and bound.record_id == record.pk
            and SPECS[bound.key].records == name
            and bound.key not in keys
        ):
            keys = [*keys, bound.key]
        rows.append(RecordRow(record, [_action(choices, key, record, bound) for key in keys]))
    return rows


def panel_context(
    request: HttpRequest, case: Case, *, bound: Bound | None = None, done: str = ""
) -> dict[str, Any]:
    """Everything the panel shows for `case`, with `bound` (a refused form) in its place."""
    user = desk_user(request)
    language = translation.get_language() or "en"
    data = case_aftersales(case=case, viewer=user)
    choices = Choices(case)
    entitlement = data.entitlement
    repairs_rows = [RecordRow(r, link=reverse("desk:aftersales_repair", args=[r.pk])) for r in data.repairs]
    visit_rows = [RecordRow(v, link=reverse("desk:aftersales_visit", args=[v.pk])) for v in data.visits]
    return_rows = _rows(choices, "returns", list(data.returns), user, bound)
    for row in return_rows:
        if row.record.status not in (ReturnRequest.Status.REQUESTED, ReturnRequest.Status.REJECTED):
            row.link = reverse("desk:aftersales_packing_note", args=[row.record.pk])
    return {
        "case": case,
        "entitlement": entitlement,
        "entitlement_label": ENTITLEMENT_LABELS.get(entitlement.kind, "") if entitlement else "",
        "entitlement_reasons": entitlement_reasons(entitlement, language=language) if entitlement else [],
        "claims": _rows(choices, "claims", list(data.claims), user, bound),
        "returns": return_rows,
        "refunds": _rows(choices, "refunds", list(data.refunds), user, bound),
        "replacements": _rows(choices, "replacements", list(data.replacements), user, bound),
        "repairs": repairs_rows,
        "visits": visit_rows,
        "goodwill": _rows(choices, "goodwill", list(data.goodwill), user, bound),
        "cost_total": data.cost_total,
        "cost_currency": costs.company_currency(),
        "cost_rows": [
            (kind, choice_label(CostEntry.Kind, kind), amount) for kind, amount in data.costs_by_kind.items()
        ],
        "case_actions": [_action(choices, key, None, bound) for key in CASE_ACTIONS],
        "done": done,
    }


def _case(request: HttpRequest, number: int) -> Case:
    if number > MAX_DB_INT:
        raise Http404
    return case_workspace_get(viewer=desk_user(request), number=number)


def _render_panel(
    request: HttpRequest, case: Case, *, status: int = 200, bound: Bound | None = None, done: str = ""
) -> HttpResponse:
    context = panel_context(request, case, bound=bound, done=done)
    if is_htmx(request):
        return render(request, "desk/aftersales/_panel.html", context)
    context["nav"] = "inbox"
    return render(request, "desk/aftersales/case.html", context, status=status)


@desk_view
@require_GET
def aftersales_panel(request: HttpRequest, number: int) -> HttpResponse:
    """The panel alone (htmx, loaded by the case page), or on a page of its own without JavaScript."""
    return _render_panel(request, _case(request, number))


def _find(records: Any, record_id: int) -> Any:
    for record in records:
        if record.pk == record_id:
            return record
    raise Http404


@desk_view
@require_POST
def aftersales_action(
    request: HttpRequest, number: int, action: str, record_id: int | None = None
) -> HttpResponse:
    """Do one step of the panel: parse its form, call its one service, show the panel again."""
    spec = SPECS.get(action)
    if spec is None or bool(spec.records) != (record_id is not None):
        raise Http404
    if record_id is not None and record_id > MAX_DB_INT:
        raise Http404
    case = _case(request, number)
    user = desk_user(request)
    record = None
    if record_id is not None:
        record = _find(getattr(case_aftersales(case=case, viewer=user), spec.records), record_id)
    form = spec.form(Choices(case), record, request.POST, _prefix(action, record_id))
    status = 422
    if form.is_valid():
        try:
            with via("web"):
                result = spec.run(user, case, record, form.service_kwargs())
        except VafaError as exc:
            apply_error(form, exc)
            status = exc.status
        else:
            reference = getattr(result, "reference", "") or getattr(record, "reference", "")
            done = str(spec.done) % {"reference": reference}
            if is_htmx(request):
                response = _render_panel(request, case, done=done)
                response["HX-Trigger"] = "case-changed"
                return response
            messages.success(request, done)
            return HttpResponseRedirect(reverse("desk:case", args=[case.number]) + "#case-aftersales")
    return _render_panel(request, case, status=status, bound=Bound(action, record_id, form))


urlpatterns = [
    path("cases/<int:number>/aftersales/", aftersales_panel, name="aftersales_case"),
    path("cases/<int:number>/aftersales/<slug:action>/", aftersales_action, name="aftersales_case_action"),
    path(
        "cases/<int:number>/aftersales/<slug:action>/<int:record_id>/",
        aftersales_action,
        name="aftersales_record_action",
    ),
]
