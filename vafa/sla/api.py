"""Read-only SLA endpoints: a case's clocks (staff who may see the case) and compliance (managers).

A customer asking for a case's clocks gets the same 404 as for a case that does not exist: the
company's promises and how it keeps them are internal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from vafa.api.auth import require_manager, viewer
from vafa.api.errors import ERRORS
from vafa.api.types import DateTime, Id
from vafa.core.errors import NotFound, ValidationFailed
from vafa.service.selectors import case_get
from vafa.sla.selectors import case_clocks, case_sla_policy_name, compliance_total, sla_compliance

router = Router(tags=["service levels"])

DEFAULT_PERIOD = dt.timedelta(days=30)
MAX_PERIOD = dt.timedelta(days=3660)


class ClockOut(Schema):
    metric: str
    label: str
    cycle: int
    state: Literal["on_track", "at_risk", "breached", "paused", "met", "met_late"]
    state_label: str
    target_minutes: int
    due_at: dt.datetime | None
    at_risk_at: dt.datetime | None
    stopped_at: dt.datetime | None
    minutes_left: int | None = Field(
        description="Business minutes to the due time; negative when overdue; for a paused clock, "
        "what is left of the target; null once stopped."
    )


class CaseSlaOut(Schema):
    case_id: int
    number: int
    policy: str = Field(description="The policy the case is measured by, or empty.")
    clocks: list[ClockOut]


class ComplianceRowOut(Schema):
    key: str | int | None
    label: str
    met: int
    breached: int
    pending: int
    compliance: Decimal | None = Field(description="Met on time out of met and breached, in percent.")


class ComplianceOut(Schema):
    group_by: str
    metric: str | None
    since: dt.datetime
    until: dt.datetime
    rows: list[ComplianceRowOut]
    total: ComplianceRowOut


class ComplianceParams(Schema):
    group_by: Literal["policy", "team", "agent", "channel", "kind"] = "policy"
    metric: Literal["first_response", "next_response", "resolution"] | None = None
    since: DateTime | None = None
    until: DateTime | None = None


@router.get("/cases/{case_id}/sla", response={200: CaseSlaOut, **ERRORS})
def case_sla(request: HttpRequest, case_id: Id) -> Any:
    """The case's service-level clocks: each target's state, due time and business time left."""
    user = viewer(request)
    if not user.is_company_staff:
        raise NotFound(_("No such case."))
    case = case_get(viewer=user, case_id=case_id)
    clocks = case_clocks(case)
    return {
        "case_id": case.pk,
        "number": case.number,
        "policy": case_sla_policy_name(clocks),
        "clocks": [{**view.__dict__, "state_label": view.state_label} for view in clocks],
    }


@router.get("/sla/compliance", response={200: ComplianceOut, **ERRORS})
def compliance(request: HttpRequest, params: Query[ComplianceParams]) -> Any:
    """Managers: the share of targets met on time among clocks started in [since, until) (the last
    30 days by default), by policy, team, agent, channel or kind."""
    require_manager(viewer(request))
    until = params.until or timezone.now()
    since = params.since or until - DEFAULT_PERIOD
    if since >= until or until - since > MAX_PERIOD:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"since": [_("Choose a start before the end, at most ten years apart.")]},
        )
    rows = sla_compliance(since=since, until=until, group_by=params.group_by, metric=params.metric)
    return {
        "group_by": params.group_by,
        "metric": params.metric,
        "since": since,
        "until": until,
        "rows": rows,
        "total": compliance_total(rows),
    }
