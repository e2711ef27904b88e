"""Service levels in the desk for managers and admins: compliance at /desk/sla/ and the order of
the policies at /desk/sla/policies/ (creating and editing policies happens in the admin)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vafa.core.context import via
from vafa.core.errors import ValidationFailed
from vafa.desk.access import desk_user, manager_view
from vafa.desk.services import error_text
from vafa.desk.sla import (
    PERIODS,
    compliance_page,
    grouping_choices,
    metric_choices,
    parse_compliance_filters,
    policy_lines,
)
from vafa.sla.models import SlaPolicy
from vafa.sla.selectors import sla_policy_list
from vafa.sla.services import sla_policy_move

MAX_DB_INT = 2**63 - 1


def _reader(request: HttpRequest) -> tuple[str, bool]:
    return translation.get_language() or "en", bool(desk_user(request).native_digits)


@manager_view
def compliance(request: HttpRequest) -> HttpResponse:
    filters = parse_compliance_filters(
        period=request.GET.get("period"),
        group_by=request.GET.get("group_by"),
        metric=request.GET.get("metric"),
    )
    page = compliance_page(filters=filters)
    language, native = _reader(request)
    return render(
        request,
        "desk/sla/compliance.html",
        {
            "nav": "sla",
            "page": page,
            "chart_data": page.chart_data(language, native_digits=native),
            "periods": PERIODS,
            "groupings": grouping_choices(),
            "metrics": metric_choices(),
        },
    )


@manager_view
def policies(request: HttpRequest) -> HttpResponse:
    language, native = _reader(request)
    rows = sla_policy_list().prefetch_related("organisations", "product_categories")
    in_admin = admin.site.is_registered(SlaPolicy)
    return render(
        request,
        "desk/sla/policies.html",
        {
            "nav": "sla",
            "lines": policy_lines(list(rows), language, native_digits=native),
            "admin_add": reverse("admin:sla_slapolicy_add") if in_admin else "",
            "admin_change": "admin:sla_slapolicy_change" if in_admin else "",
        },
    )


@require_POST
@manager_view
def policy_move(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Move a policy one place up or down: the first policy that matches a case applies to it."""
    if policy_id > MAX_DB_INT:
        raise Http404
    try:
        with via("web"):
            sla_policy_move(
                actor=desk_user(request), policy_id=policy_id, direction=request.POST.get("direction", "")
            )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The order of the policies was saved."))
    return HttpResponseRedirect(reverse("desk:sla_policies"))


urlpatterns = [
    path("sla/", compliance, name="sla"),
    path("sla/policies/", policies, name="sla_policies"),
    path("sla/policies/<int:policy_id>/move/", policy_move, name="sla_policy_move"),
]
