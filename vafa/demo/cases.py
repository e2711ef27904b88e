"""The demo company's cases: who asked what, when, over which channel, and how each one went.

Each case is planned (kind, customer, unit, channel, when), then played forward as a timeline of
messages and events until it is closed or until the present, so its status is whatever the story
had reached by today.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from vafa.accounts.models import Team, User
from vafa.core.text import text_to_html
from vafa.demo import texts
from vafa.demo.planning import INSTALLABLE, CasePlanner, Plan
from vafa.demo.records import Agent, UnitRecord
from vafa.sales.selectors import unit_warranty_status
from vafa.service.models import (
    AuthorKind,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    EventKind,
    Message,
    WarrantyStatus,
)

K = CaseKind
GROUP: dict[str, str] = {
    K.QUESTION: "usage",
    K.TRAINING: "training",
    K.PROBLEM: "fault",
    K.REPAIR: "fault",
    K.WARRANTY_CLAIM: "fault",
    K.RETURN: "return",
    K.REPLACEMENT: "replacement",
    K.REFUND: "refund",
    K.INSTALLATION: "install",
    K.MAINTENANCE: "maintenance",
    K.COMPLAINT: "complaint",
    K.FEEDBACK: "feedback",
}
ONSITE = INSTALLABLE
# A customer's reply to outreach → the agent's answer to it (indexes into PROACTIVE_REPLIES / REPLIES).
PROACTIVE_ANSWERS: dict[str, list[int]] = {K.MAINTENANCE: [0, 1], K.TRAINING: [3], K.FEEDBACK: [2]}
PROACTIVE_ANSWER_FOR = {0: 0, 1: 0, 2: 1, 3: 2}
# A customer's follow-up → the agent follow-ups that answer it.
AGENT_FOLLOWUP_FOR = {0: [0], 1: [0, 1], 2: [3, 5], 3: [4], 4: [2], 5: [1, 2], 6: [5, 6], 7: [6]}
SHORT_GROUPS = {"general", "usage", "training", "feedback", "complaint"}
# Openers without a paired answer: which reply answers them, and which products they fit.
INSTALL_REPLY = [0, 0, 2, 3, 1, 0]
INSTALL_FITS = {2: {"tv"}, 4: {"washer", "dishwasher"}}
MAINTENANCE_REPLY = [0, 1, 2, 2]
MAINTENANCE_FITS = {2: {"ac"}}
FAULT_REPLIES = {"onsite": [1, 2, 3], "carry_in": [0, 1, 3, 4], "expired": [5]}
# Internal notes that only make sense for some kinds of work (index → groups); the rest fit any case.
NOTE_GROUPS = {
    2: {"refund", "return", "complaint"},
    3: {"fault", "replacement"},
    4: {"fault", "replacement", "complaint"},
    6: {"fault"},
    7: {"return", "replacement", "fault"},
}
THANKS = {
    "install": [0, 3, 4],
    "maintenance": [0, 3, 4],
    "proactive": [0, 3, 4],
    "return": [2, 3, 4],
    "replacement": [2, 3, 4],
    "refund": [2, 3, 4],
    "fault": [0, 1, 3, 4],
    "complaint": [3, 4],
    "feedback": [3, 4],
}
# Days of work between the last message and the resolution (a repair, a pick-up, a visit).
WORK_DAYS = {
    "fault": (1, 8),
    "replacement": (2, 6),
    "return": (1, 5),
    "refund": (1, 4),
    "install": (1, 4),
    "maintenance": (1, 5),
    "complaint": (0.1, 2),
}
ON_HOLD_GROUPS = {"fault", "replacement", "install", "maintenance"}
# Which resolution summary fits which opener (by index), where it matters.
RESOLUTION_FOR_OPENER = {
    "general": [1, 0, 2, 0, 0, 0],
    "complaint": [0, 1, 0, 1, 2, 0],
    "refund": [0, 1, 0, 0, 0, 0],
    "install": [0, 0, 0, 1, 0, 0],
}
WEEKEND = {"fa": {4}, "ar": {4, 5}, "en": {5, 6}, "ru": {5, 6}}


class _Cutoff(Exception):
    """The story reached today: what has not happened yet is left out."""


@dataclass
class Timeline:
    case: Case
    cutoff: dt.datetime
    t: dt.datetime
    status: str = CaseStatus.NEW
    assignee: Agent | None = None
    events: list[CaseEvent] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    reopen_count: int = 0
    summary: str = ""
    subject: str = ""
    opener: int = -1

    def wait(self, seconds: float, *, hours: tuple[str, int, int, set[int]] | None = None) -> None:
        """Move the clock on; with hours=(time zone, opens, closes, weekend days) only within those hours."""
        moment = self.t + dt.timedelta(seconds=max(1, int(seconds)))
        if hours is not None:
            moment = within_hours(moment, *hours)
        if moment >= self.cutoff:
            raise _Cutoff
        self.t = moment

    def event(self, kind: str, actor: User | None, actor_kind: str, data: dict | None = None) -> None:
        self.events.append(
            CaseEvent(
                case=self.case,
                kind=kind,
                actor=actor,
                actor_kind=actor_kind,
                data=data or {},
                created_at=self.t,
            )
        )

    def move(
        self, status: str, actor: User | None, actor_kind: str, kind: str = EventKind.STATUS_CHANGED
    ) -> None:
        if status != self.status:
            self.event(kind, actor, actor_kind, {"from": self.status, "to": status})
            self.status = status


def within_hours(moment: dt.datetime, tz: str, opens: int, closes: int, weekend: set[int]) -> dt.datetime:
    """The first moment at or after this one that falls within the opening hours."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    for _ in range(8):
        if local.weekday() not in weekend and opens <= local.hour < closes:
            break
        if local.hour >= opens and (local.hour >= closes or local.weekday() in weekend):
            local = local + dt.timedelta(days=1)
        minute = (moment.minute * 7 + moment.second) % 45
        local = dt.datetime.combine(local.date(), dt.time(opens, minute, moment.second), tzinfo=zone)
    return local.astimezone(dt.UTC)


def warranty_status(unit: UnitRecord | None, day: dt.date) -> str:
    return unit_warranty_status(unit.obj, day).status if unit is not None else ""


class CaseBuilder(CasePlanner):
    """Plays each planned case forward into its conversation and timeline."""

    def build(self) -> int:
        """Write the cases, their messages and events; return the last case number."""
        cases, messages, events = [], [], []
        for number, plan in enumerate(self.plans(), start=1):
            timeline = self._play(number, plan)
            cases.append(timeline.case)
            messages += timeline.messages
            events += timeline.events
        Case.objects.bulk_create(cases, batch_size=800)
        Message.objects.bulk_create(messages, batch_size=800)
        CaseEvent.objects.bulk_create(events, batch_size=800)
        return len(cases)

    def _context(self, plan: Plan, language: str) -> dict[str, str]:
        T = texts.LANGUAGES[language]
        unit = plan.unit
        context = {"name": plan.customer.first_name, "product": T.PRODUCT_FALLBACK}
        if unit is not None:
            name = unit.product.obj.names.get(language) or unit.product.obj.name
            name = re.sub(r"\s*\([^)]*\)$", "", name)  # "(UAE)" marks an export SKU, not what people say
            if language == "ru":
                # Brand and model do not decline; the Russian noun in front of them would have to.
                latin = re.search(r"[A-Za-z]", name)
                name = name[latin.start() :] if latin else name
            context["product"] = name
            context["serial"] = unit.obj.serial_number
            context["days"] = str(unit.product.return_days)
            context["amount"] = texts.amount_text(
                unit.price, plan.order.currency if plan.order else "IRR", language
            )
        if plan.order is not None:
            context["order"] = plan.order.obj.number
            context.setdefault("amount", texts.amount_text(plan.order.total, plan.order.currency, language))
        return context

    def _fill(
        self,
        template: str,
        context: dict[str, str],
        timeline: Timeline,
        language: str,
        *,
        agent: Agent | None = None,
        female: bool = False,
    ) -> str:
        values = dict(context)
        values["date"] = texts.visit_date(
            (timeline.t + dt.timedelta(days=self.rng.randint(2, 5))).date(), language
        )
        if agent is not None:
            values["agent"] = agent.display_name(language)
        for key in texts.fields_of(template) - values.keys():
            values[key] = ""
        return texts.render(template, values, female=female)

    def _say(self, timeline: Timeline, plan: Plan, body: str, channel: str) -> None:
        customer = plan.customer
        timeline.messages.append(
            Message(
                case=timeline.case,
                author_kind=AuthorKind.CUSTOMER,
                author_customer=customer.obj,
                author_user=customer.account if channel == Channel.PORTAL else None,
                channel=channel,
                body_text=body,
                body_html=text_to_html(body),
                created_at=timeline.t,
            )
        )

    def _reply(
        self,
        timeline: Timeline,
        plan: Plan,
        agent: Agent,
        body: str,
        channel: str,
        *,
        internal: bool = False,
        signed: bool = True,
    ) -> None:
        language = plan.customer.language
        T = texts.LANGUAGES[language]
        if not internal and signed:
            values = {"name": plan.customer.first_name, "agent": agent.display_name(language)}
            first = not any(
                m.author_kind == AuthorKind.AGENT and not m.is_internal for m in timeline.messages
            )
            if channel == Channel.CHAT and first:
                body = f"{T.CHAT_GREETING.format_map(values)}\n{body}"
            elif channel in (Channel.EMAIL, Channel.PORTAL, Channel.API, Channel.PROACTIVE):
                body = f"{T.GREETING.format_map(values)}\n\n{body}\n\n{T.SIGNATURE.format_map(values)}"
        timeline.messages.append(
            Message(
                case=timeline.case,
                author_kind=AuthorKind.AGENT,
                author_user=agent.user,
                channel=channel,
                is_internal=internal,
                body_text=body,
                body_html=text_to_html(body),
                created_at=timeline.t,
            )
        )

    def _delay(self, channel: str, who: str) -> float:
        rng = self.rng
        if channel == Channel.CHAT:
            return rng.uniform(30, 900)
        if channel in (Channel.PHONE, Channel.WALK_IN) and who == "first":
            return rng.uniform(60, 900)
        median = {"first": 3 * 3600, "agent": 4 * 3600, "customer": 8 * 3600}[who]
        return min(rng.lognormvariate(math.log(median), 1.0), 4 * 24 * 3600)

    @staticmethod
    def _agent_hours(agent: Agent) -> tuple[str, int, int, set[int]]:
        return agent.user.time_zone, 8, 20, WEEKEND[agent.language]

    @staticmethod
    def _customer_hours(plan: Plan) -> tuple[str, int, int, set[int]]:
        return plan.customer.obj.time_zone, 8, 23, set()

    def _play(self, number: int, plan: Plan) -> Timeline:
        customer = plan.customer
        language = customer.language
        unit = plan.unit
        team = self._team(plan)
        agent = self._agent(team, language)
        group = GROUP[plan.kind]
        if plan.kind == K.QUESTION and unit is None:
            group = "general"
        case = Case(
            number=number,
            customer=customer.obj,
            organisation=customer.obj.organisation,
            unit=unit.obj if unit else None,
            order=plan.order.obj if plan.order else None,
            product=unit.product.obj if unit else None,
            kind=plan.kind,
            channel=plan.channel,
            priority=self._priority(plan),
            team=team,
            language=language,
            created_at=plan.created_at,
            warranty_status_at_open=warranty_status(unit, plan.created_at.date()),
        )
        timeline = Timeline(case=case, cutoff=self.cutoff, t=plan.created_at)
        with contextlib.suppress(_Cutoff):
            self._story(timeline, plan, team, agent, group)
        final = timeline.assignee
        case.subject = timeline.subject[:250]
        case.status = timeline.status
        case.assignee = final.user if final else None
        case.first_response_at = timeline.first_response_at
        done = timeline.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        case.resolved_at = timeline.resolved_at if done else None
        case.closed_at = timeline.closed_at
        case.reopen_count = timeline.reopen_count
        case.resolution_summary = timeline.summary if done else ""
        case.updated_at = max(
            [e.created_at for e in timeline.events]
            + [m.created_at for m in timeline.messages]
            + [case.created_at]
        )
        return timeline

    def _opener(
        self, plan: Plan, group: str, language: str, context: dict[str, str]
    ) -> tuple[tuple, str | None, int]:
        """The customer's first message (subject, body), the agent's answer to it and the opener's index."""
        T = texts.LANGUAGES[language]
        rng = self.rng
        available = set(context) | {"date"}
        if plan.proactive:
            return rng.choice(texts.usable(T.PROACTIVE[plan.kind], available)), None, -1
        kind = plan.unit.product.kind if plan.unit else ""
        if group in ("install", "maintenance"):
            fits, replies = (
                (INSTALL_FITS, INSTALL_REPLY) if group == "install" else (MAINTENANCE_FITS, MAINTENANCE_REPLY)
            )
            options = [i for i in range(len(T.OPENERS[group])) if kind in fits.get(i, {kind})]
            index = rng.choice(options)
            return T.OPENERS[group][index], T.REPLIES[group][replies[index]], index
        if group == "usage":
            candidates = T.OPENERS.get(f"usage:{kind}", []) + T.OPENERS["usage:any"]
        elif group == "fault":
            candidates = T.OPENERS.get(f"fault:{kind}", []) + T.OPENERS["fault:any"]
        elif group == "return":
            candidates = T.OPENERS["return"][-1:] if plan.late_return else T.OPENERS["return"][:-1]
        else:
            candidates = T.OPENERS[group]
        opener = rng.choice(texts.usable(candidates, available))
        index = candidates.index(opener)
        if len(opener) > 2:
            return opener[:2], opener[2], index
        if group == "fault":
            if (
                plan.unit is not None
                and warranty_status(plan.unit, plan.created_at.date()) == WarrantyStatus.EXPIRED
            ):
                key = "expired"
            else:
                key = "onsite" if kind in ONSITE else "carry_in"
            return opener, T.REPLIES["fault"][rng.choice(FAULT_REPLIES[key])], index
        return opener, rng.choice(T.REPLIES[group]), index

    def _story(self, tl: Timeline, plan: Plan, team: Team, agent: Agent, group: str) -> None:
        rng = self.rng
        customer = plan.customer
        language = customer.language
        T = texts.LANGUAGES[language]
        context = self._context(plan, language)
        female = customer.female
        channel = plan.channel
        who = customer.account
        opener, first_reply, tl.opener = self._opener(plan, group, language, context)
        tl.subject = self._fill(opener[0], context, tl, language)

        if plan.proactive:
            # An agent reaches out first; the customer answers by e-mail.
            tl.assignee = agent
            tl.event(EventKind.OPENED, agent.user, AuthorKind.AGENT, {"channel": channel, "kind": plan.kind})
            tl.event(
                EventKind.ASSIGNED,
                agent.user,
                AuthorKind.AGENT,
                {"assignee_id": agent.user.pk, "team_id": team.pk},
            )
            body = self._fill(opener[1], context, tl, language, agent=agent)
            body += "\n\n" + T.SIGNATURE.format_map({"agent": agent.display_name(language)})
            self._reply(tl, plan, agent, body, channel, signed=False)
            tl.move(CaseStatus.PENDING_CUSTOMER, agent.user, AuthorKind.AGENT)
            answer = rng.choice(PROACTIVE_ANSWERS[plan.kind])
            tl.wait(self._delay(Channel.EMAIL, "customer"), hours=self._customer_hours(plan))
            self._say(
                tl,
                plan,
                self._fill(T.PROACTIVE_REPLIES[answer], context, tl, language, female=female),
                Channel.EMAIL,
            )
            tl.event(EventKind.CUSTOMER_REPLIED, who, AuthorKind.CUSTOMER, {"channel": Channel.EMAIL})
            tl.move(CaseStatus.OPEN, who, AuthorKind.CUSTOMER)
            steps = rng.choice(
                [["Aproactive"], ["Aproactive", "Cthanks"], ["Aproactive", "Cthanks", "Aclose"]]
            )
            first_reply = T.REPLIES["proactive"][PROACTIVE_ANSWER_FOR[answer]]
            channel = Channel.EMAIL
            group = "proactive"
        else:
            by_agent = channel in (Channel.PHONE, Channel.WALK_IN)
            tl.event(
                EventKind.OPENED,
                agent.user if by_agent else who,
                AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER,
                {"channel": channel, "kind": plan.kind},
            )
            self._say(tl, plan, self._fill(opener[1], context, tl, language, female=female), channel)
            assignment = {"assignee_id": agent.user.pk, "team_id": team.pk}
            if by_agent:
                tl.wait(rng.uniform(5, 60))
                tl.event(EventKind.ASSIGNED, agent.user, AuthorKind.AGENT, assignment)
            elif rng.random() < 0.04:
                tl.wait(rng.uniform(3600, 5 * 3600), hours=self._agent_hours(agent))
                tl.event(EventKind.ASSIGNED, self.manager, AuthorKind.AGENT, assignment)
            else:
                tl.wait(rng.uniform(20, 1200))
                tl.event(EventKind.ASSIGNED, None, AuthorKind.SYSTEM, assignment)
            tl.assignee = agent
            if group in SHORT_GROUPS:
                steps = rng.choice([["A1"], ["A1"], ["A1", "Cthanks"]])
            else:
                steps = rng.choices(
                    [
                        ["A1"],
                        ["A1", "Cthanks"],
                        ["A1", "Cfu", "Afu"],
                        ["A1", "Cfu", "Afu", "Cthanks"],
                        ["A1", "Cfu", "Afu", "Cthanks", "Aclose"],
                    ],
                    weights=[20, 20, 25, 15, 20],
                )[0]
            if channel in (Channel.EMAIL, Channel.PORTAL, Channel.API) and rng.random() < 0.06:
                steps = ["Cnudge", *steps]
        assert first_reply is not None
        self._conversation(tl, plan, steps, first_reply, channel, context, team, group)
        self._resolve_and_close(tl, plan, group, context, channel)

    def _note(self, tl: Timeline, plan: Plan, agent: Agent, group: str, channel: str) -> None:
        notes = texts.LANGUAGES[agent.language].NOTES
        fitting = [note for i, note in enumerate(notes) if group in NOTE_GROUPS.get(i, {group})]
        tl.wait(self.rng.uniform(300, 3 * 3600), hours=self._agent_hours(agent))
        self._reply(tl, plan, agent, self.rng.choice(fitting), channel, internal=True)
        tl.event(EventKind.NOTED, agent.user, AuthorKind.AGENT)

    def _conversation(
        self,
        tl: Timeline,
        plan: Plan,
        steps: list[str],
        first_reply: str,
        channel: str,
        context: dict[str, str],
        team: Team,
        group: str,
    ) -> None:
        rng = self.rng
        customer = plan.customer
        language = customer.language
        T = texts.LANGUAGES[language]
        who = customer.account
        last_channel = channel
        followup = -1
        replied = False
        for position, step in enumerate(steps):
            if step.startswith("A"):
                agent = tl.assignee
                assert agent is not None
                if step == "Afu" and rng.random() < 0.05:
                    agent = self._transfer(tl, plan, team)
                if followup == 4 and step == "Afu":
                    tl.wait(rng.uniform(1, 2) * 86400)  # the customer first brings the device in
                if rng.random() < 0.2:
                    self._note(tl, plan, agent, group, last_channel)
                tl.wait(
                    self._delay(last_channel, "agent" if replied else "first"), hours=self._agent_hours(agent)
                )
                if step in ("A1", "Aproactive"):
                    template = first_reply
                elif step == "Afu":
                    answers = (
                        [6]
                        if group in ("return", "refund", "complaint")
                        else AGENT_FOLLOWUP_FOR.get(followup, [6])
                    )
                    template = T.AGENT_FOLLOWUPS[rng.choice(answers)]
                else:
                    template = rng.choice(T.AGENT_CLOSING)
                self._reply(
                    tl, plan, agent, self._fill(template, context, tl, language, agent=agent), last_channel
                )
                tl.event(EventKind.REPLIED, agent.user, AuthorKind.AGENT, {"channel": last_channel})
                if tl.first_response_at is None:
                    tl.first_response_at = tl.t
                replied = True
                waiting = position + 1 < len(steps) and steps[position + 1].startswith("C")
                tl.move(
                    CaseStatus.PENDING_CUSTOMER if waiting else CaseStatus.OPEN, agent.user, AuthorKind.AGENT
                )
                if last_channel == Channel.WALK_IN:
                    last_channel = Channel.PHONE  # after the visit to the counter, the rest goes by phone
                continue
            tl.wait(self._delay(last_channel, "customer"), hours=self._customer_hours(plan))
            if step == "Cfu":
                if group in ("install", "maintenance"):
                    choices = [3]
                elif "{date}" in first_reply:
                    choices = [3, 5]
                elif group in ("return", "refund"):
                    choices = [6, 7]
                else:
                    choices = [0, 1, 2, 4, 5, 6, 7]
                followup = rng.choice(
                    [
                        i
                        for i in choices
                        if texts.fields_of(T.CUSTOMER_FOLLOWUPS[i]) <= set(context) | {"date"}
                    ]
                    or [5]
                )
                template = T.CUSTOMER_FOLLOWUPS[followup]
                if rng.random() < 0.1:
                    # A channel switch: the customer tries another way to get an answer.
                    last_channel = rng.choice(
                        [
                            c
                            for c in (Channel.PHONE, Channel.EMAIL, Channel.CHAT, Channel.PORTAL)
                            if c != last_channel
                        ]
                    )
            elif step == "Cnudge":
                template = rng.choice(T.CUSTOMER_NUDGE)
            else:
                template = T.CUSTOMER_THANKS[rng.choice(THANKS.get(group, [3, 4]))]
            self._say(
                tl, plan, self._fill(template, context, tl, language, female=customer.female), last_channel
            )
            tl.event(EventKind.CUSTOMER_REPLIED, who, AuthorKind.CUSTOMER, {"channel": last_channel})
            if tl.status == CaseStatus.PENDING_CUSTOMER:
                tl.move(CaseStatus.OPEN, who, AuthorKind.CUSTOMER)

    def _transfer(self, tl: Timeline, plan: Plan, team: Team) -> Agent:
        previous = tl.assignee
        assert previous is not None
        others = [t for t in self.d.teams if t.pk != team.pk]
        target = self.rng.choice(others)
        agent = self._agent(target, plan.customer.language, exclude=previous)
        tl.wait(self.rng.uniform(600, 4 * 3600), hours=self._agent_hours(previous))
        tl.event(
            EventKind.TRANSFERRED,
            previous.user,
            AuthorKind.AGENT,
            {
                "from_team_id": team.pk,
                "to_team_id": target.pk,
                "from_assignee_id": previous.user.pk,
                "to_assignee_id": agent.user.pk,
            },
        )
        tl.case.team = target
        tl.assignee = agent
        return agent

    def _summary(self, plan: Plan, group: str, language: str, warranty: str, opener: int) -> str:
        if group == "proactive":
            group = GROUP[plan.kind]
        options = texts.LANGUAGES[language].RESOLUTIONS[group]
        if group in RESOLUTION_FOR_OPENER and 0 <= opener < len(RESOLUTION_FOR_OPENER[group]):
            return options[RESOLUTION_FOR_OPENER[group][opener]]
        if group == "return":
            return options[2] if plan.late_return else self.rng.choice(options[:2])
        if group == "fault":
            if warranty == WarrantyStatus.EXPIRED:
                return options[3]
            onsite = plan.unit is not None and plan.unit.product.kind in ONSITE
            return options[self.rng.choice([0, 2] if onsite else [0, 1])]
        return self.rng.choice(options)

    def _resolve_and_close(
        self, tl: Timeline, plan: Plan, group: str, context: dict[str, str], channel: str
    ) -> None:
        rng = self.rng
        language = plan.customer.language
        T = texts.LANGUAGES[language]
        who = plan.customer.account
        if rng.random() < 0.015:
            # Never resolved: the agent waits for an answer that does not come. Part of every backlog.
            agent = tl.assignee
            tl.move(CaseStatus.PENDING_CUSTOMER, agent.user if agent else None, AuthorKind.AGENT)
            return
        for round_ in range(2):
            agent = tl.assignee
            assert agent is not None
            hours = self._agent_hours(agent)
            low, high = WORK_DAYS.get(group, (0, 0.2))
            if high > 0.5 and group in ON_HOLD_GROUPS and rng.random() < 0.5:
                tl.wait(rng.uniform(600, 3 * 3600), hours=hours)
                tl.move(CaseStatus.ON_HOLD, agent.user, AuthorKind.AGENT)
            last_agent = tl.messages[-1].author_kind == AuthorKind.AGENT
            tl.wait(
                rng.uniform(low, high) * 86400
                + (rng.uniform(60, 600) if last_agent else rng.uniform(600, 4 * 3600)),
                hours=hours,
            )
            tl.move(CaseStatus.RESOLVED, agent.user, AuthorKind.AGENT, kind=EventKind.RESOLVED)
            tl.resolved_at = tl.t
            tl.summary = self._summary(plan, group, language, tl.case.warranty_status_at_open, tl.opener)
            if round_ == 1 or rng.random() >= 0.06:
                break
            tl.wait(rng.uniform(1, 10) * 86400, hours=self._customer_hours(plan))
            self._say(
                tl,
                plan,
                self._fill(rng.choice(T.CUSTOMER_REOPEN), context, tl, language, female=plan.customer.female),
                channel,
            )
            tl.event(EventKind.CUSTOMER_REPLIED, who, AuthorKind.CUSTOMER, {"channel": channel})
            tl.move(CaseStatus.OPEN, who, AuthorKind.CUSTOMER, kind=EventKind.REOPENED)
            tl.reopen_count += 1
            tl.wait(self._delay(channel, "agent"), hours=hours)
            template = T.AGENT_FOLLOWUPS[rng.choice([3, 5, 6] if group in ("fault", "replacement") else [6])]
            self._reply(tl, plan, agent, self._fill(template, context, tl, language, agent=agent), channel)
            tl.event(EventKind.REPLIED, agent.user, AuthorKind.AGENT, {"channel": channel})
        tl.wait(rng.uniform(3, 7) * 86400)
        tl.move(CaseStatus.CLOSED, None, AuthorKind.SYSTEM, kind=EventKind.CLOSED)
        tl.closed_at = tl.t
