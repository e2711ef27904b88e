"""The clock engine: a replay of a case's timeline that says what each SLA clock is.

The clocks are never nudged event by event. Each refresh reads the case's timeline (its CaseEvent
rows, ordered by their own time) and plays it from the opening, so the answer depends only on what
happened and when — not on the order or the delay with which the background work ran, nor on how
often it ran.

The rules the replay plays by:

- The policy is matched at the opening and matched again whenever a field it matches on changes
  (priority, kind). The customer's tier, the organisation and the product category are not on the
  timeline; they are read as they are now.
- first_response starts at the opening and is met by the first public reply of an agent.
- next_response: a customer message starts a cycle when the first response was given and no cycle
  is waiting; the next public agent reply meets it. One cycle at a time.
- resolution starts at the opening and is met when the case is resolved.
- Resolving stops every clock (resolution met, the others cancelled). Reopening resumes what the
  resolve stopped: the time the case spent resolved does not count, like a pause. A merged case's
  clocks are cancelled for good.
- While the status is one of the policy's pause statuses (and while resolved or closed) no clock
  runs; business time is counted only over the spans a clock ran.
- A stopped clock is measured by the policy in force when it stopped; a running or paused clock by
  the policy in force now. A change of policy keeps the start times and recomputes the due times
  from them under the new policy's targets and calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vafa.core.businesstime import Schedule, business_add, business_between
from vafa.service.models import AuthorKind, CaseStatus, EventKind
from vafa.sla.models import ClockState, Metric, default_pause_statuses
from vafa.sla.selectors import MatchFacts, PolicyRule, policy_first_match

ZERO = dt.timedelta(0)
DEFAULT_PAUSE = frozenset(default_pause_statuses())
STOPPED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})

# The timeline events the replay reads (the refresh is subscribed to the same kinds).
REPLAYED_KINDS = (
    EventKind.OPENED,
    EventKind.REPLIED,
    EventKind.CUSTOMER_REPLIED,
    EventKind.STATUS_CHANGED,
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.MERGED,
    EventKind.PRIORITY_CHANGED,
    EventKind.UPDATED,
    EventKind.LINKED_TO_UNIT,
)


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    at: dt.datetime
    data: dict[str, Any]
    actor_kind: str = AuthorKind.AGENT


@dataclass
class Track:
    """One clock as the replay sees it: when it started, the spans it ran, and how it ended."""

    metric: str
    cycle: int
    started_at: dt.datetime
    runs: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    stopped_at: dt.datetime | None = None
    outcome: str | None = None  # ClockState.MET or CANCELLED once stopped
    # Stopped by a resolve: a reopen resumes it.
    revivable: bool = False
    # The policy in force when it stopped (measures a stopped clock).
    stop_policy: PolicyRule | None = None

    @property
    def active(self) -> bool:
        return self.outcome is None

    @property
    def running(self) -> bool:
        return bool(self.runs) and self.runs[-1][1] is None

    def run_from(self, at: dt.datetime) -> None:
        if not self.running:
            self.runs.append((at, None))

    def halt(self, at: dt.datetime) -> None:
        if self.running:
            self.runs[-1] = (self.runs[-1][0], at)

    def stop(self, at: dt.datetime, outcome: str, policy: PolicyRule | None, *, revivable: bool) -> None:
        self.halt(at)
        self.stopped_at = at
        self.outcome = outcome
        self.stop_policy = policy
        self.revivable = revivable

    def revive(self) -> None:
        self.stopped_at = None
        self.outcome = None
        self.stop_policy = None
        self.revivable = False


@dataclass
class Replay:
    """What the timeline says: the clocks, and the policy in force from each moment on."""

    tracks: list[Track]
    # (from when, policy or None); the first entry is the opening.
    policies: list[tuple[dt.datetime, PolicyRule | None]]
    status: str

    @property
    def policy(self) -> PolicyRule | None:
        return self.policies[-1][1] if self.policies else None

    @property
    def policy_since(self) -> dt.datetime | None:
        return self.policies[-1][0] if self.policies else None


def _initial_facts(events: Sequence[TimelineEvent], now_facts: MatchFacts) -> MatchFacts:
    """The matching fields at the opening: what the first change of each says it changed from."""
    priority, kind, channel = now_facts.priority, now_facts.kind, now_facts.channel
    for event in events:
        if event.kind == EventKind.OPENED:
            kind = event.data.get("kind", kind)
            channel = event.data.get("channel", channel)
            break
    for event in events:
        if event.kind == EventKind.PRIORITY_CHANGED:
            priority = event.data.get("from", priority)
            break
    for event in events:
        if event.kind == EventKind.UPDATED and "kind" in (event.data.get("from") or {}):
            kind = event.data["from"]["kind"]
            break
    return MatchFacts(
        priority=priority,
        kind=kind,
        channel=channel,
        tier=now_facts.tier,
        organisation_id=now_facts.organisation_id,
        category_id=now_facts.category_id,
    )


def replay(
    events: Sequence[TimelineEvent], *, facts_now: MatchFacts, rules: Sequence[PolicyRule]
) -> Replay | None:
    """Play a case's timeline (in time order) through the rules above; None before it opened."""
    opening = next((e for e in events if e.kind == EventKind.OPENED), None)
    if opening is None:
        return None
    facts = _initial_facts(events, facts_now)
    policy = policy_first_match(rules, facts)
    policies: list[tuple[dt.datetime, PolicyRule | None]] = [(opening.at, policy)]
    status = CaseStatus.NEW
    first = Track(Metric.FIRST_RESPONSE, 1, opening.at)
    resolution = Track(Metric.RESOLUTION, 1, opening.at)
    tracks = [first, resolution]
    latest_next: Track | None = None
    answered = False

    def sync(at: dt.datetime) -> None:
        pause = policy.pause_statuses if policy is not None else DEFAULT_PAUSE
        runs = status not in pause and status not in STOPPED_STATUSES
        for track in tracks:
            if not track.active:
                continue
            if runs:
                track.run_from(at)
            else:
                track.halt(at)

    def rematch(at: dt.datetime) -> None:
        nonlocal policy
        matched = policy_first_match(rules, facts)
        if (matched.pk if matched else None) != (policy.pk if policy else None):
            policy = matched
            policies.append((at, matched))
        sync(at)

    sync(opening.at)
    for event in events:
        if event is opening or event.kind == EventKind.OPENED:
            continue
        at, data = event.at, event.data
        if event.kind == EventKind.REPLIED:
            if event.actor_kind == AuthorKind.SYSTEM:
                # An automatic message (a rule's reminder) is not an answer from a person.
                continue
            answered = True
            if first.active:
                first.stop(at, ClockState.MET, policy, revivable=False)
            if latest_next is not None and latest_next.active:
                latest_next.stop(at, ClockState.MET, policy, revivable=False)
        elif event.kind == EventKind.CUSTOMER_REPLIED:
            if answered and (latest_next is None or not latest_next.active):
                cycle = latest_next.cycle + 1 if latest_next is not None else 1
                latest_next = Track(Metric.NEXT_RESPONSE, cycle, at)
                tracks.append(latest_next)
                sync(at)
        elif event.kind == EventKind.STATUS_CHANGED:
            status = data.get("to", status)
            sync(at)
        elif event.kind == EventKind.RESOLVED:
            status = CaseStatus.RESOLVED
            for track in tracks:
                if track.active:
                    outcome = ClockState.MET if track is resolution else ClockState.CANCELLED
                    track.stop(at, outcome, policy, revivable=True)
        elif event.kind == EventKind.CLOSED:
            status = CaseStatus.CLOSED
        elif event.kind == EventKind.REOPENED:
            status = CaseStatus.OPEN
            for track in tracks:
                if track.revivable and (track.metric != Metric.NEXT_RESPONSE or track is latest_next):
                    track.revive()
            sync(at)
        elif event.kind == EventKind.MERGED:
            status = CaseStatus.CLOSED
            for track in tracks:
                track.revivable = False
                if track.active:
                    track.stop(at, ClockState.CANCELLED, policy, revivable=False)
        elif event.kind == EventKind.PRIORITY_CHANGED:
            facts = _replace(facts, priority=data.get("to", facts.priority))
            rematch(at)
        elif event.kind == EventKind.UPDATED:
            new_kind = (data.get("to") or {}).get("kind")
            if new_kind:
                facts = _replace(facts, kind=new_kind)
                rematch(at)
        elif event.kind == EventKind.LINKED_TO_UNIT:
            rematch(at)
    return Replay(tracks=tracks, policies=policies, status=status)


def _replace(facts: MatchFacts, **changes: Any) -> MatchFacts:
    return MatchFacts(**{**facts.__dict__, **changes})


# --- measuring a clock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockFigures:
    """What the SlaClock row of a track holds (everything but the at-risk/breach records)."""

    metric: str
    cycle: int
    policy: PolicyRule
    state: str
    target_minutes: int
    started_at: dt.datetime
    due_at: dt.datetime | None
    at_risk_at: dt.datetime | None
    used_seconds: int
    paused_at: dt.datetime | None
    stopped_at: dt.datetime | None
    # When the clock actually crossed the at-risk share and its target while running, if it did
    # (future instants for a running clock); the refresh records the past ones as events.
    at_risk_crossed: dt.datetime | None
    breach_crossed: dt.datetime | None
    # When the target is (or was) reached if the clock ran on from its last span; kept on the row
    # only while it runs or after it stopped (a paused clock has no due time).
    due_projected: dt.datetime | None

    @property
    def key(self) -> tuple[str, int]:
        return (self.metric, self.cycle)


def _crossing(
    schedule: Schedule,
    runs: Sequence[tuple[dt.datetime, dt.datetime | None]],
    threshold: dt.timedelta,
    *,
    open_last: bool,
) -> dt.datetime | None:
    """The instant the business time counted over `runs` reaches `threshold`.

    A closed span must pass the threshold strictly before its end: a clock met exactly at its due
    time is on time. With `open_last`, the last span is taken to run on until it gets there.
    """
    used = ZERO
    for index, (start, end) in enumerate(runs):
        last = index == len(runs) - 1
        if end is None or (open_last and last):
            return business_add(schedule, start, max(threshold - used, ZERO))
        span = business_between(schedule, start, end)
        if used + span > threshold:
            return business_add(schedule, start, threshold - used)
        used += span
    return None


def _used(schedule: Schedule, runs: Sequence[tuple[dt.datetime, dt.datetime | None]]) -> dt.timedelta:
    return sum((business_between(schedule, start, end) for start, end in runs if end is not None), start=ZERO)


def measure(track: Track, policy: PolicyRule | None) -> ClockFigures | None:
    """The row a track becomes under `policy` (the stop policy for a stopped track, else the
    current one); None when that policy sets no target for the track's metric."""
    if policy is None:
        return None
    target_minutes = policy.target(track.metric)
    if not target_minutes:
        return None
    schedule = policy.schedule
    target = dt.timedelta(minutes=target_minutes)
    at_risk = target * policy.policy.at_risk_percent / 100
    runs = track.runs
    running = track.active and track.running
    used = _used(schedule, runs)
    projected = _crossing(schedule, runs, target, open_last=True) if runs else None
    risk_projected = _crossing(schedule, runs, at_risk, open_last=True) if runs else None
    if running:
        # The last span is open: the moments it will cross are the ones it crosses.
        at_risk_crossed, breach_crossed = risk_projected, projected
    else:
        at_risk_crossed = _crossing(schedule, runs, at_risk, open_last=False)
        breach_crossed = _crossing(schedule, runs, target, open_last=False)
    due_at = at_risk_at = None
    if running or (not track.active and runs):
        # A stopped clock keeps the due time it had while it last ran, to tell on time from late.
        due_at, at_risk_at = projected, risk_projected
    if not track.active:
        state = track.outcome or ClockState.CANCELLED
    elif running:
        state = ClockState.RUNNING
    else:
        state = ClockState.PAUSED
    return ClockFigures(
        metric=track.metric,
        cycle=track.cycle,
        policy=policy,
        state=state,
        target_minutes=target_minutes,
        started_at=track.started_at,
        due_at=due_at,
        at_risk_at=at_risk_at,
        used_seconds=int(used.total_seconds()),
        paused_at=runs[-1][1] if state == ClockState.PAUSED and runs else None,
        stopped_at=track.stopped_at,
        at_risk_crossed=at_risk_crossed,
        breach_crossed=breach_crossed,
        due_projected=projected,
    )


def figures(result: Replay) -> list[ClockFigures]:
    """Every clock the replay's policies set a target for, measured."""
    measured = []
    for track in result.tracks:
        policy = result.policy if track.active else track.stop_policy
        row = measure(track, policy)
        if row is not None:
            measured.append(row)
    return measured


def next_check(row: ClockFigures, *, at_risk_recorded: bool, breach_recorded: bool) -> dt.datetime | None:
    """The next moment the periodic check must look at a running clock: the earlier of the at-risk
    instant not yet recorded and the due time not yet recorded as breached."""
    if row.state != ClockState.RUNNING:
        return None
    moments = []
    if not at_risk_recorded and row.at_risk_crossed is not None:
        moments.append(row.at_risk_crossed)
    if not breach_recorded and row.breach_crossed is not None:
        moments.append(row.breach_crossed)
    return min(moments) if moments else None
