"""What happens when a clock turns at risk or breaches: the policy's escalations, run as pending
work (durable, once per clock and trigger) after the moment was recorded."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Role, User
from vafa.accounts.services import notification_send
from vafa.core.dates import format_date
from vafa.core.errors import VafaError
from vafa.core.jobs import work_origin
from vafa.service.models import PRIORITY_RANK, Case
from vafa.service.services import case_assign, case_set_priority
from vafa.sla.models import ClockState, EscalationAction, EscalationTrigger, Metric, SlaClock, SlaEscalation
from vafa.sla.services import sla_case_refresh

logger = logging.getLogger(__name__)

NOTIFY_ACTIONS = frozenset(
    {EscalationAction.NOTIFY_ASSIGNEE, EscalationAction.NOTIFY_TEAM_LEAD, EscalationAction.NOTIFY_MANAGERS}
)
TITLES = {
    EscalationTrigger.AT_RISK: _("%(reference)s is at risk of missing its %(target)s target"),
    EscalationTrigger.BREACHED: _("%(reference)s missed its %(target)s target"),
}
BODY = _("%(subject)s — due %(due)s (%(policy)s).")
REASONS = {EscalationTrigger.AT_RISK: "SLA at risk", EscalationTrigger.BREACHED: "SLA breached"}


def _recipients(action: str, case: Case) -> list[User]:
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        return [case.assignee] if case.assignee is not None else []
    if action == EscalationAction.NOTIFY_TEAM_LEAD:
        lead = case.team.lead if case.team is not None else None
        return [lead] if lead is not None else []
    return list(User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk"))


def _notify(users: list[User], clock: SlaClock, case: Case, trigger: str) -> int:
    sent = 0
    url = reverse("desk:case", args=[case.number])
    for user in users:
        due = clock.due_at or clock.breached_at or clock.at_risk_reached_at
        notification = notification_send(
            user=user,
            kind=f"sla_{trigger}",
            # Lazy texts, rendered in each recipient's language.
            title=TITLES[EscalationTrigger(trigger)],
            body=BODY,
            url=url,
            params={
                "reference": case.reference,
                "target": Metric(clock.metric).label,
                "subject": case.subject,
                "due": format_date(due, language=user.language, tz=user.time_zone),
                "policy": clock.policy.name if clock.policy is not None else "",
            },
            # Once per clock, trigger and person, however many escalations name them.
            dedupe_key=f"sla:{clock.pk}:{trigger}:{user.pk}",
        )
        sent += notification is not None
    return sent


def _raise_priority(case: Case, clock: SlaClock) -> None:
    ranks = [str(priority) for priority in sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__)]
    index = ranks.index(case.priority) if case.priority in ranks else len(ranks) - 1
    if index + 1 < len(ranks):
        with work_origin(sla=clock.pk):
            case_set_priority(actor=None, case=case, priority=ranks[index + 1])


def sla_escalate(*, clock_id: int, trigger: str) -> int:
    """Carry out the policy's escalations for a clock that turned at risk or breached; return how
    many actions ran. A clock that stopped meanwhile (the agent answered) is left alone."""
    case_id = SlaClock.objects.filter(pk=clock_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return 0
    # The timeline may have moved on since the moment was recorded (the agent answered, and that
    # refresh has not run yet): bring the clock up to date before acting on it.
    sla_case_refresh(case_id=case_id)
    clock = (
        SlaClock.objects.select_related("policy", "case__team__lead", "case__assignee")
        .filter(pk=clock_id)
        .first()
    )
    if clock is None or clock.policy is None or clock.state not in (ClockState.RUNNING, ClockState.PAUSED):
        return 0
    case = clock.case
    escalations = (
        SlaEscalation.objects.filter(
            policy_id=clock.policy_id, trigger=trigger, metric__in=["", clock.metric]
        )
        .select_related("team")
        .order_by("position", "id")
    )
    done = 0
    for escalation in escalations:
        try:
            if escalation.action in NOTIFY_ACTIONS:
                _notify(_recipients(escalation.action, case), clock, case, trigger)
            elif escalation.action == EscalationAction.RAISE_PRIORITY:
                _raise_priority(case, clock)
                case.refresh_from_db(fields=["priority", "team", "assignee"])
            elif escalation.action == EscalationAction.REASSIGN_TEAM and escalation.team is not None:
                with work_origin(sla=clock.pk):
                    case_assign(
                        actor=None,
                        case=case,
                        team=escalation.team,
                        assignee=None,
                        reason=REASONS[EscalationTrigger(trigger)],
                    )
                case.refresh_from_db(fields=["priority", "team", "assignee"])
        except VafaError:
            # A rule of the case refused (it was merged or closed meanwhile): no retry would help.
            logger.warning("SLA escalation %s on case %s refused", escalation.pk, case.pk, exc_info=True)
            continue
        done += 1
    return done
