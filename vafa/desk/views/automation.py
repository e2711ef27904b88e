"""The desk's Automation pages (admins and managers): the rules in the order they run, with their
switch, their place in the order and how often they fired; and the run log, newest first.

Rules are written in the admin (the vocabulary is shown there); here they are switched on and off and
moved up and down, each a plain form POST that calls one rule service and comes back to the list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vafa.automation.actions import action_describe
from vafa.automation.models import Rule, RunOutcome, Trigger
from vafa.automation.selectors import RunFilters, rule_get, rule_overview, rule_run_page
from vafa.automation.services import rule_move, rule_set_active
from vafa.core.context import via
from vafa.core.errors import VafaError, ValidationFailed
from vafa.core.keyset import KeysetPage
from vafa.desk.access import desk_user, manager_view
from vafa.service.models import CaseStatus

MAX_DB_INT = 2**63 - 1


def _page_links(request: HttpRequest, page: KeysetPage[Any]) -> dict[str, str | None]:
    """The addresses of the pages before and after `page`, keeping the filters."""

    def link(direction: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        query = request.GET.copy()
        query.pop("after", None)
        query.pop("before", None)
        query[direction] = cursor
        return f"?{query.urlencode()}"

    return {"previous": link("before", page.previous), "next": link("after", page.next)}


def _trigger_text(rule: Rule) -> str:
    if rule.trigger != Trigger.TIME:
        return str(Trigger(rule.trigger).label) if rule.trigger in Trigger.values else rule.trigger
    try:
        status = str(CaseStatus(rule.time_status).label)
    except ValueError:
        status = rule.time_status
    return _("%(status)s for %(minutes)s business minutes") % {"status": status, "minutes": rule.time_minutes}


@manager_view
@require_GET
def automation_rules(request: HttpRequest) -> HttpResponse:
    """Every rule in order: trigger, on/off, last fired, runs in the last 7 days; move and switch."""
    rules = rule_overview()
    rows = [{"rule": rule, "trigger": _trigger_text(rule)} for rule in rules]
    return render(request, "desk/automation/rules.html", {"nav": "automation", "rows": rows})


def _rule(rule_id: int) -> Rule:
    if rule_id > MAX_DB_INT:
        raise Http404
    return rule_get(rule_id=rule_id)


@manager_view
@require_POST
def automation_rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Move a rule one place up or down in the order."""
    rule = _rule(rule_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404
    with via("web"):
        rule_move(actor=desk_user(request), rule=rule, offset=-1 if direction == "up" else 1)
    return HttpResponseRedirect(reverse("desk:automation") + f"#rule-{rule.pk}")


@manager_view
@require_POST
def automation_rule_active(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch a rule on or off."""
    rule = _rule(rule_id)
    active = request.POST.get("active") == "1"
    try:
        with via("web"):
            rule_set_active(actor=desk_user(request), rule=rule, active=active)
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        if active:
            messages.success(request, _("“%(name)s” is on.") % {"name": rule.name})
        else:
            messages.success(request, _("“%(name)s” is off.") % {"name": rule.name})
    return HttpResponseRedirect(reverse("desk:automation") + f"#rule-{rule.pk}")


def _run_rows(runs: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        detail = run.detail if isinstance(run.detail, dict) else {}
        errors = [
            _("%(action)s: %(error)s")
            % {"action": action_describe(error.get("action") or {}), "error": error.get("error", "")}
            for error in detail.get("errors", [])
            if isinstance(error, dict)
        ]
        rows.append({"run": run, "actions": detail.get("actions", []), "errors": errors})
    return rows


@manager_view
@require_GET
def automation_log(request: HttpRequest) -> HttpResponse:
    """What the rules did: newest first, narrowed to a rule or an outcome, in keyset pages."""
    filters = RunFilters.parse(request.GET.get("rule", ""), request.GET.get("outcome", ""))
    try:
        page = rule_run_page(
            filters=filters, after=request.GET.get("after") or None, before=request.GET.get("before") or None
        )
    except ValidationFailed:  # an edited or stale cursor: start again from the newest
        page = rule_run_page(filters=filters)
    return render(
        request,
        "desk/automation/log.html",
        {
            "nav": "automation",
            "page": page,
            "rows": _run_rows(page.items),
            "links": _page_links(request, page),
            "filters": filters,
            "rules": Rule.objects.order_by("position", "id").only("pk", "name"),
            "outcomes": RunOutcome.choices,
        },
    )


urlpatterns = [
    path("automation/", automation_rules, name="automation"),
    path("automation/log/", automation_log, name="automation_log"),
    path("automation/rules/<int:rule_id>/move/", automation_rule_move, name="automation_rule_move"),
    path("automation/rules/<int:rule_id>/active/", automation_rule_active, name="automation_rule_active"),
]
