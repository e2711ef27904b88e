"""Planning the demo cases: which kind, for whom and which unit, when, over which channel, to which team."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vafa.accounts.models import Team, User
from vafa.customers.models import Tier
from vafa.demo.records import Agent, CustomerRecord, OrderRecord, UnitRecord, weighted
from vafa.service.models import CaseKind, Channel, Priority

if TYPE_CHECKING:
    from vafa.demo.builder import DemoBuilder

K = CaseKind
KIND_WEIGHTS: dict[str, int] = {
    K.QUESTION: 18,
    K.PROBLEM: 13,
    K.COMPLAINT: 6,
    K.WARRANTY_CLAIM: 12,
    K.REPAIR: 9,
    K.RETURN: 8,
    K.REPLACEMENT: 4,
    K.REFUND: 6,
    K.INSTALLATION: 9,
    K.MAINTENANCE: 6,
    K.TRAINING: 4,
    K.FEEDBACK: 5,
}
UNIT_KINDS = {
    K.PROBLEM,
    K.WARRANTY_CLAIM,
    K.REPAIR,
    K.RETURN,
    K.REPLACEMENT,
    K.REFUND,
    K.INSTALLATION,
    K.MAINTENANCE,
}
RETURNS_TEAM_KINDS = {K.WARRANTY_CLAIM, K.RETURN, K.REPLACEMENT, K.REFUND}
INSTALLABLE = {"washer", "fridge", "dishwasher", "ac", "tv"}
DIGITAL = {"phones", "laptops"}
CHANNELS: dict[str, int] = {
    Channel.EMAIL: 30,
    Channel.PORTAL: 28,
    Channel.PHONE: 15,
    Channel.CHAT: 12,
    Channel.WALK_IN: 6,
    Channel.API: 5,
}
CHANNEL_BOOST: dict[str, dict[str, float]] = {
    K.REPAIR: {Channel.WALK_IN: 2.5},
    K.RETURN: {Channel.WALK_IN: 2.0, Channel.API: 1.5},
    K.REPLACEMENT: {Channel.WALK_IN: 2.0},
    K.WARRANTY_CLAIM: {Channel.WALK_IN: 1.5, Channel.PORTAL: 1.3},
    K.INSTALLATION: {Channel.PHONE: 1.5, Channel.API: 3.0},
    K.MAINTENANCE: {Channel.PHONE: 1.5},
    K.QUESTION: {Channel.CHAT: 1.8},
    K.COMPLAINT: {Channel.PHONE: 1.6, Channel.EMAIL: 1.2},
}
PROACTIVE_KINDS: dict[str, float] = {K.MAINTENANCE: 0.3, K.TRAINING: 0.35, K.FEEDBACK: 0.4}


@dataclass
class Plan:
    """What one case will be about: whose, which kind, which unit or order, opened when and how."""

    customer: CustomerRecord
    kind: str
    channel: str
    created_at: dt.datetime
    unit: UnitRecord | None = None
    order: OrderRecord | None = None
    proactive: bool = False
    late_return: bool = False


class CasePlanner:
    """Draws the demo's cases from its customers, orders and units."""

    def __init__(self, demo: DemoBuilder) -> None:
        self.d = demo
        self.rng = random.Random(f"{demo.seed}-cases")
        self.cutoff = demo.cutoff
        self.delivered = [u for u in demo.units if u.delivered_at is not None]
        self.installable = [u for u in self.delivered if u.product.kind in INSTALLABLE]
        self.maintainable = [u for u in self.delivered if u.product.obj.maintenance_interval_days]
        self.live_orders = [o for o in demo.orders if not o.cancelled]
        self.manager: User = demo.staff["manager"]
        self.team_by_name = {team.name: team for team in demo.teams}

    def plans(self) -> list[Plan]:
        """As many plans as cases were asked for, in the order they were opened."""
        plans = self._demo_customer_plans()
        attempts = 0
        while len(plans) < self.d.n_cases and attempts < self.d.n_cases * 30:
            attempts += 1
            plan = self._plan()
            if plan is not None:
                plans.append(plan)
        plans = plans[: self.d.n_cases]
        plans.sort(key=lambda p: p.created_at)
        return plans

    # --- planning ----------------------------------------------------------------------------------

    def _channel(self, kind: str) -> str:
        boost = CHANNEL_BOOST.get(kind, {})
        weights = [(channel, weight * boost.get(channel, 1)) for channel, weight in CHANNELS.items()]
        return self.rng.choices([c for c, _ in weights], weights=[w for _, w in weights])[0]

    def _when(self, kind: str, unit: UnitRecord) -> tuple[dt.datetime, bool] | None:
        rng = self.rng
        delivered = unit.delivered_at
        assert delivered is not None
        late = False
        if kind == K.INSTALLATION:
            days = rng.uniform(0.05, 3)
        elif kind == K.RETURN:
            late = rng.random() < 0.15
            days = (
                rng.uniform(unit.product.return_days + 3, unit.product.return_days + 45)
                if late
                else rng.uniform(0.5, unit.product.return_days)
            )
        elif kind == K.REPLACEMENT:
            days = rng.uniform(1, 25)
        elif kind == K.REFUND:
            days = rng.uniform(3, 30)
        elif kind == K.WARRANTY_CLAIM:
            days = rng.uniform(15, unit.product.months * 30.4 * 1.12)
        elif kind == K.REPAIR:
            days = rng.uniform(90, 720)
        elif kind == K.PROBLEM:
            days = rng.uniform(2, 600)
        elif kind == K.MAINTENANCE:
            interval = unit.product.obj.maintenance_interval_days or 365
            periods = int((self.cutoff - delivered).days // interval)
            if periods < 1:
                return None
            days = rng.randint(1, periods) * interval + rng.uniform(-12, 20)
        elif kind == K.TRAINING:
            days = rng.uniform(0.5, 30)
        elif kind == K.FEEDBACK:
            days = rng.uniform(10, 60)
        else:
            days = min(rng.expovariate(1 / 25), 240)
        moment = delivered + dt.timedelta(days=days)
        moment = max(
            self.d.local_time(moment.date(), unit.order.customer.obj.time_zone, earliest=7),
            delivered + dt.timedelta(minutes=30),
        )
        if moment >= self.cutoff - dt.timedelta(minutes=30):
            return None
        return moment, late

    def _plan(self) -> Plan | None:
        rng = self.rng
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        with_unit = (
            kind in UNIT_KINDS
            or kind == K.TRAINING
            or (kind == K.QUESTION and rng.random() < 0.7)
            or (kind == K.FEEDBACK and rng.random() < 0.6)
        )
        if with_unit:
            pools: dict[str, list[UnitRecord]] = {
                K.INSTALLATION: self.installable,
                K.MAINTENANCE: self.maintainable,
            }
            pool = pools.get(kind, self.delivered)
            if not pool:
                return None
            unit = rng.choice(pool)
            when = self._when(kind, unit)
            if when is None:
                return None
            proactive = rng.random() < PROACTIVE_KINDS.get(kind, 0)
            channel = Channel.PROACTIVE if proactive else self._channel(kind)
            return Plan(
                customer=unit.order.customer,
                kind=kind,
                channel=channel,
                created_at=when[0],
                unit=unit,
                order=unit.order,
                proactive=proactive,
                late_return=when[1],
            )
        if kind in (K.COMPLAINT, K.FEEDBACK):
            if not self.live_orders:
                return None
            order = rng.choice(self.live_orders)
            days = rng.uniform(1, 25) if kind == K.COMPLAINT else rng.uniform(5, 40)
            moment = self.d.local_time(
                (order.placed_at + dt.timedelta(days=days)).date(), order.customer.obj.time_zone
            )
            moment = max(moment, order.placed_at + dt.timedelta(hours=2))
            if moment >= self.cutoff - dt.timedelta(minutes=30):
                return None
            return Plan(
                customer=order.customer,
                kind=kind,
                channel=self._channel(kind),
                created_at=moment,
                order=order,
            )
        # A general question (delivery, payment, invoices) about the customer's latest order.
        customer = rng.choice(self.d.customers)
        first = customer.orders[0].placed_at if customer.orders else customer.start
        span = (self.cutoff - first).total_seconds()
        moment = first + dt.timedelta(seconds=span * rng.random())
        moment = max(self.d.local_time(moment.date(), customer.obj.time_zone), first + dt.timedelta(hours=1))
        if moment >= self.cutoff - dt.timedelta(minutes=30):
            return None
        placed = [o for o in customer.orders if o.placed_at < moment]
        return Plan(
            customer=customer,
            kind=K.QUESTION,
            channel=self._channel(K.QUESTION),
            created_at=moment,
            order=placed[-1] if placed else None,
        )

    def _demo_customer_plans(self) -> list[Plan]:
        """The portal demo account always has a few cases to look at, one of them still open."""
        record = self.d.customers[0]
        units = {u.product.kind: u for u in record.units if u.delivered_at is not None}
        plans = []
        for kind, product_kind, channel, offset in [
            (K.QUESTION, "phone", Channel.PORTAL, dt.timedelta(days=6)),
            (K.INSTALLATION, "washer", Channel.PHONE, dt.timedelta(days=1)),
            (K.WARRANTY_CLAIM, "laptop", Channel.PORTAL, None),
            (K.FEEDBACK, "kitchen", Channel.PROACTIVE, None),
        ]:
            unit = units.get(product_kind)
            if unit is None or unit.delivered_at is None:
                continue
            if offset is None:
                hours = 30 if kind == K.WARRANTY_CLAIM else 80
                moment = max(
                    self.cutoff - dt.timedelta(hours=hours), unit.delivered_at + dt.timedelta(hours=1)
                )
            else:
                moment = unit.delivered_at + offset
            if moment >= self.cutoff - dt.timedelta(minutes=30):
                continue
            plans.append(
                Plan(
                    customer=record,
                    kind=kind,
                    channel=channel,
                    created_at=moment,
                    unit=unit,
                    order=unit.order,
                    proactive=channel == Channel.PROACTIVE,
                )
            )
        return plans

    # --- routing -----------------------------------------------------------------------------------

    def _team(self, plan: Plan) -> Team:
        rng = self.rng
        tier = plan.customer.obj.tier
        if (
            tier == Tier.VIP
            or (tier == Tier.GOLD and rng.random() < 0.5)
            or (plan.customer.b2b and rng.random() < 0.3)
        ):
            return self.team_by_name["VIP desk"]
        if plan.kind in RETURNS_TEAM_KINDS:
            return self.team_by_name["Returns & warranty"]
        category = plan.unit.product.category if plan.unit else None
        if category is None:
            return self.team_by_name[rng.choice(["Phones & laptops", "Home appliances"])]
        return self.team_by_name["Phones & laptops" if category in DIGITAL else "Home appliances"]

    def _agent(self, team: Team, language: str, exclude: Agent | None = None) -> Agent:
        members = [a for a in self.d.team_members[team.pk] if a is not exclude] or self.d.team_members[
            team.pk
        ]
        weights = [3 if a.language == language else (1 if language in a.speaks else 0) for a in members]
        if not any(weights):
            weights = [1] * len(members)
        return self.rng.choices(members, weights=weights)[0]

    def _priority(self, plan: Plan) -> str:
        rng = self.rng
        tier = plan.customer.obj.tier
        if tier == Tier.VIP:
            return weighted(rng, {Priority.URGENT: 15, Priority.HIGH: 45, Priority.NORMAL: 40})
        if plan.kind in (K.FEEDBACK, K.TRAINING):
            return weighted(rng, {Priority.LOW: 70, Priority.NORMAL: 30})
        if plan.kind == K.COMPLAINT or (plan.unit and plan.unit.product.kind in ("fridge", "ac")):
            return weighted(rng, {Priority.HIGH: 40, Priority.NORMAL: 55, Priority.URGENT: 5})
        if tier == Tier.GOLD:
            return weighted(rng, {Priority.HIGH: 35, Priority.NORMAL: 65})
        return weighted(rng, {Priority.NORMAL: 80, Priority.HIGH: 12, Priority.LOW: 8})

    # --- the story of one case ---------------------------------------------------------------------
