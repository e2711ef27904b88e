"""The demo's after-sales work: service centres, spare parts and stock, exchange rates and limits,
and the open warranty claims, repairs, returns, refunds, visits and goodwill of the demo's cases.

Everything is written through the after-sales services, as agents would, so each step has its
timeline event, audit row, cost entry and customer notice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from vafa.accounts.models import Role, User
from vafa.aftersales.entitlement import unit_entitlement
from vafa.aftersales.models import (
    ApprovalLimit,
    ClaimReason,
    CostEntry,
    Goodwill,
    MaintenanceSchedule,
    Part,
    Refund,
    RepairOrder,
    ReturnReason,
    ReturnRequest,
    ServiceLocation,
    Visit,
    WarrantyClaim,
)
from vafa.aftersales.services.claims import claim_approve, claim_default, claim_open, claim_reject
from vafa.aftersales.services.costs import approval_limit_set, exchange_rate_set
from vafa.aftersales.services.goodwill import goodwill_give
from vafa.aftersales.services.refunds import refund_approve, refund_request
from vafa.aftersales.services.repairs import (
    repair_add_labour,
    repair_add_part,
    repair_diagnose,
    repair_open,
    repair_quote_accept,
    repair_quote_decline,
    repair_quote_send,
    repair_set_status,
)
from vafa.aftersales.services.returns import (
    return_approve,
    return_close,
    return_inspect,
    return_instruct,
    return_receive,
    return_refundable,
    return_reject,
    return_request,
)
from vafa.aftersales.services.stock import stock_receive
from vafa.aftersales.services.visits import maintenance_schedules_refresh, visit_complete, visit_schedule
from vafa.core.errors import VafaError
from vafa.demo.people import CUSTOMER_EMAIL
from vafa.demo.products import IRR_PER
from vafa.sales.models import Unit
from vafa.service.models import Case, CaseKind, CaseStatus, Channel
from vafa.service.services import case_open

if TYPE_CHECKING:
    from vafa.demo.builder import DemoBuilder, DemoClock

OPEN = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD)
WORK = (CaseKind.WARRANTY_CLAIM, CaseKind.REPAIR, CaseKind.RETURN, CaseKind.REFUND, CaseKind.MAINTENANCE)

LOCATIONS = [
    (
        "tehran",
        "Tehran service centre",
        {"fa": "مرکز خدمات تهران", "ar": "مركز خدمة طهران", "ru": "Сервисный центр Тегеран"},
        "No. 12, Gandhi St., Vanak, Tehran 19697, Iran",
        "Asia/Tehran",
        "IRR",
        Decimal("1500000"),
        Decimal("650000"),
    ),
    (
        "dubai",
        "Dubai service centre",
        {"fa": "مرکز خدمات دبی", "ar": "مركز خدمة دبي", "ru": "Сервисный центр Дубай"},
        "Unit 4, Al Quoz Industrial Area 3, Dubai, UAE",
        "Asia/Dubai",
        "AED",
        Decimal("180"),
        Decimal("75"),
    ),
    (
        "moscow",
        "Moscow service centre",
        {"fa": "مرکز خدمات مسکو", "ar": "مركز خدمة موسكو", "ru": "Сервисный центр Москва"},
        "ul. Bolshaya Tatarskaya 21, Moscow 115184, Russia",
        "Europe/Moscow",
        "RUB",
        Decimal("3500"),
        Decimal("1400"),
    ),
]

# Spare parts by product kind: (part number suffix, English name, {language: name}, cost, price) in IRR.
PARTS = {
    "phone": [
        ("BAT", "Battery", {"fa": "باتری", "ar": "بطارية", "ru": "Аккумулятор"}, 1_900_000, 3_400_000),
        (
            "SCR",
            "Screen assembly",
            {"fa": "مجموعه نمایشگر", "ar": "مجموعة الشاشة", "ru": "Дисплейный модуль"},
            6_500_000,
            11_800_000,
        ),
        (
            "USB",
            "Charging port",
            {"fa": "درگاه شارژ", "ar": "منفذ الشحن", "ru": "Разъём зарядки"},
            450_000,
            1_200_000,
        ),
    ],
    "laptop": [
        (
            "KBD",
            "Keyboard",
            {"fa": "صفحه‌کلید", "ar": "لوحة المفاتيح", "ru": "Клавиатура"},
            2_800_000,
            5_200_000,
        ),
        ("BAT", "Battery", {"fa": "باتری", "ar": "بطارية", "ru": "Аккумулятор"}, 3_600_000, 6_400_000),
        (
            "FAN",
            "Cooling fan",
            {"fa": "فن خنک‌کننده", "ar": "مروحة التبريد", "ru": "Вентилятор"},
            900_000,
            2_100_000,
        ),
    ],
    "tv": [
        (
            "PSU",
            "Power board",
            {"fa": "برد تغذیه", "ar": "لوحة الطاقة", "ru": "Плата питания"},
            4_200_000,
            7_900_000,
        ),
        (
            "LED",
            "Backlight strip set",
            {"fa": "نوار نور پس‌زمینه", "ar": "شرائط الإضاءة الخلفية", "ru": "Светодиодная подсветка"},
            3_100_000,
            6_000_000,
        ),
    ],
    "washer": [
        (
            "PMP",
            "Drain pump",
            {"fa": "پمپ تخلیه", "ar": "مضخة التصريف", "ru": "Сливной насос"},
            1_700_000,
            3_300_000,
        ),
        (
            "BRG",
            "Drum bearing kit",
            {"fa": "کیت بلبرینگ دیگ", "ar": "طقم محامل الحوض", "ru": "Комплект подшипников"},
            2_300_000,
            4_600_000,
        ),
    ],
    "fridge": [
        ("THM", "Thermostat", {"fa": "ترموستات", "ar": "ترموستات", "ru": "Термостат"}, 1_100_000, 2_400_000),
    ],
    "ac": [
        (
            "CAP",
            "Compressor capacitor",
            {"fa": "خازن کمپرسور", "ar": "مكثف الضاغط", "ru": "Конденсатор компрессора"},
            600_000,
            1_500_000,
        ),
        (
            "FLT",
            "Air filter set",
            {"fa": "فیلتر هوا", "ar": "مجموعة فلاتر الهواء", "ru": "Комплект фильтров"},
            350_000,
            900_000,
        ),
    ],
    "dishwasher": [
        (
            "PMP",
            "Wash pump",
            {"fa": "پمپ شستشو", "ar": "مضخة الغسيل", "ru": "Насос мойки"},
            1_900_000,
            3_700_000,
        ),
    ],
    "vacuum": [
        ("BAT", "Battery", {"fa": "باتری", "ar": "بطارية", "ru": "Аккумулятор"}, 1_400_000, 2_800_000),
    ],
}

FAULTS = {
    "en": "The unit stopped working properly; the customer describes the fault in the conversation.",
    "fa": "دستگاه درست کار نمی‌کند؛ مشتری ایراد را در گفتگو توضیح داده است.",
    "ar": "توقف الجهاز عن العمل بشكل صحيح؛ وصف العميل العطل في المحادثة.",
    "ru": "Устройство перестало нормально работать; клиент описал неисправность в переписке.",
}
DIAGNOSES = [
    "Battery cells worn: capacity at 61%. Replace the battery.",
    "Loose connector on the power board; board replaced.",
    "Fan clogged with dust and bearing noisy; fan replaced, cleaned.",
    "Drain pump blocked and motor burnt; pump replaced.",
]

CHECKLISTS = {
    Visit.Kind.MAINTENANCE: ["Clean filters", "Check seals and hoses", "Run a test cycle"],
    Visit.Kind.INSTALLATION: [
        "Level and fix the unit",
        "Connect water and power",
        "Show the customer the controls",
    ],
}
VISIT_OUTCOMES = [
    "Serviced; everything works as it should.",
    "Filters cleaned and a worn hose replaced; test cycle passed.",
    "Installed and tested with the customer.",
]


def build_aftersales(demo: DemoBuilder, clock: DemoClock) -> dict[str, int]:
    """Service centres, parts, stock, rates and limits, and after-sales work on the open cases.

    `clock` is the time the services read (see DemoClock): each case's steps fall between its
    last message and the end of the demo.
    """
    return AftersalesBuilder(demo, clock).build()


class AftersalesBuilder:
    def __init__(self, demo: DemoBuilder, clock: DemoClock) -> None:
        self.d = demo
        self.clock = clock
        self.rng = random.Random(f"{demo.seed}-aftersales")
        self.manager = demo.staff["manager"]
        self.agents = [agent.user for agent in demo.agents]
        self.kinds = {record.obj.pk: record.kind for record in demo.products}

    def build(self) -> dict[str, int]:
        self.d.log("After-sales: service centres, parts and stock, rates, claims, repairs, returns, visits…")
        self.locations = self._locations()
        self._rates_and_limits()
        self.parts = self._parts()
        maintenance_schedules_refresh()
        work = self._work()
        self._portal_story()
        return {
            "service locations": len(self.locations),
            "spare parts": Part.objects.count(),
            "maintenance schedules": MaintenanceSchedule.objects.count(),
            **work,
        }

    # --- reference data ------------------------------------------------------------------------------

    def _locations(self) -> dict[str, ServiceLocation]:
        locations = {}
        for code, name, names, address, tz, currency, rate, cost in LOCATIONS:
            locations[currency] = ServiceLocation.objects.create(
                code=code,
                name=name,
                names=names,
                address=address,
                time_zone=tz,
                currency=currency,
                labour_rate=rate,
                labour_cost=cost,
            )
        return locations

    def _rates_and_limits(self) -> None:
        since = self.d.start.date()
        for currency, rate in IRR_PER.items():
            if currency != "IRR":
                exchange_rate_set(actor=self.manager, currency=currency, rate=rate, valid_from=since)
        approval_limit_set(
            actor=self.manager, kind=ApprovalLimit.Kind.REFUND, role=Role.AGENT, amount="40000000"
        )
        approval_limit_set(
            actor=self.manager, kind=ApprovalLimit.Kind.GOODWILL, role=Role.AGENT, amount="8000000"
        )

    def _parts(self) -> dict[str, list[Part]]:
        by_kind: dict[str, list[Part]] = {}
        products_by_kind: dict[str, list] = {}
        for record in self.d.products:
            products_by_kind.setdefault(record.kind, []).append(record.obj)
        for kind, rows in PARTS.items():
            for suffix, name, names, cost, price in rows:
                part = Part.objects.create(
                    sku=f"SP-{kind.upper()}-{suffix}",
                    name=name,
                    names=names,
                    unit_cost=Decimal(cost),
                    unit_price=Decimal(price),
                    currency="IRR",
                )
                part.products.set(products_by_kind.get(kind, []))
                by_kind.setdefault(kind, []).append(part)
                for location in self.locations.values():
                    quantity = (
                        self.rng.randint(2, 25) if location.currency == "IRR" else self.rng.randint(0, 8)
                    )
                    if quantity:
                        stock_receive(
                            actor=self.manager,
                            part=part,
                            location=location,
                            quantity=quantity,
                            note="Opening stock",
                        )
        return by_kind

    # --- after-sales work on the open cases ----------------------------------------------------------

    def _agent_for(self, case: Case) -> User:
        if case.assignee is not None and case.assignee.role != Role.CUSTOMER:
            return case.assignee
        return self.manager

    def _location_for(self, case: Case) -> ServiceLocation:
        line = case.unit.order_line if case.unit else None
        currency = line.order.currency if line else "IRR"
        return self.locations.get(currency, self.locations["IRR"])

    def _work(self) -> dict[str, int]:
        cases = list(
            Case.objects.filter(status__in=OPEN, unit__isnull=False, merged_into__isnull=True)
            .filter(kind__in=[*WORK, CaseKind.INSTALLATION])
            .select_related("unit__product", "unit__order_line__order", "customer", "assignee")
            .order_by("updated_at", "id")
        )
        for case in cases:
            self._begin(case)
            try:
                if case.kind == CaseKind.WARRANTY_CLAIM:
                    self._claim(case)
                elif case.kind == CaseKind.REPAIR:
                    self._repair(case, claim=None)
                elif case.kind in (CaseKind.RETURN, CaseKind.REFUND):
                    self._return(case)
                else:
                    self._visit(case)
            except VafaError as error:  # a demo case the rules refuse stays as it is, like in real life
                self.d.log(f"  case {case.number}: {error.message}")
        return {
            "warranty claims": WarrantyClaim.objects.count(),
            "repairs": RepairOrder.objects.count(),
            "returns": ReturnRequest.objects.count(),
            "refunds": Refund.objects.count(),
            "visits": Visit.objects.count(),
            "goodwill gestures": Goodwill.objects.count(),
            "cost entries": CostEntry.objects.count(),
        }

    # Each case's work happens between its last message and the end of the demo, in that order.

    def _begin(self, case: Case) -> None:
        self._start = min(case.updated_at + dt.timedelta(minutes=20), self.d.cutoff - dt.timedelta(hours=2))
        self._span = self.d.cutoff - dt.timedelta(minutes=30) - self._start
        self._at(0)

    def _at(self, fraction: float) -> None:
        self.clock.set(self._start + self._span * fraction)

    def _claim(self, case: Case) -> None:
        agent = self._agent_for(case)
        claim = claim_open(actor=agent, case=case, fault=FAULTS.get(case.language, FAULTS["en"]))
        decision, detail = claim_default(claim)
        if self.rng.random() < 0.25:
            return  # still waiting for a decision
        self._at(0.1)
        if decision == "approve" and self.rng.random() < 0.85:
            claim = claim_approve(actor=agent, claim=claim, remedy=detail)
            self._repair(case, claim=claim)
            return
        reason = ClaimReason.OUTSIDE_PERIOD if decision != "approve" else ClaimReason.PHYSICAL_DAMAGE
        claim_reject(actor=agent, claim=claim, reason=reason)
        if self.rng.random() < 0.6:
            self._at(0.3)
            self._goodwill(
                case, agent, reason="A gesture to keep a loyal customer after the claim was refused."
            )

    def _repair(self, case: Case, *, claim: WarrantyClaim | None) -> None:
        agent = self._agent_for(case)
        self._at(0.15)
        repair = repair_open(
            actor=agent,
            case=case,
            location=self._location_for(case),
            technician=self.rng.choice(self.agents),
            fault=FAULTS.get(case.language, FAULTS["en"]),
            claim=claim,
        )
        stage = self.rng.random()
        if stage < 0.15:
            return
        self._at(0.25)
        repair = repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
        repair = repair_diagnose(actor=agent, repair=repair, diagnosis=self.rng.choice(DIAGNOSES))
        parts = self.parts.get(self.kinds.get(case.unit.product_id, ""), []) if case.unit else []
        if parts:
            # Out of stock at this centre: the repair waits for parts.
            with contextlib.suppress(VafaError):
                repair_add_part(actor=agent, repair=repair, part=self.rng.choice(parts), quantity=1)
        repair_add_labour(
            actor=agent, repair=repair, hours=Decimal(self.rng.choice(["0.5", "1", "1.5", "2"]))
        )
        repair.refresh_from_db()
        if stage < 0.3:
            return
        if not (repair.covers_parts and repair.covers_labour):
            self._at(0.35)
            link = repair_quote_send(actor=agent, repair=repair)
            if stage < 0.5:
                return  # the customer has not answered yet
            self._at(0.45)
            # The customer answers by the link in the e-mail.
            token = link.rstrip("/").rsplit("/", 1)[-1]
            if stage < 0.6:
                repair_quote_decline(repair=repair, token=token)
                return
            repair = repair_quote_accept(repair=repair, token=token)
        else:
            self._at(0.45)
            repair = repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.REPAIRING)
        if stage < 0.65:
            return
        self._at(0.7)
        repair = repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.READY)
        if stage < 0.8:
            return
        self._at(0.9)
        repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.RETURNED)
        if stage > 0.93:
            self._goodwill(case, agent, reason="The repair took longer than we promised.")

    def _return(self, case: Case) -> None:
        agent = self._agent_for(case)
        line = case.unit.order_line if case.unit else None
        if line is None:
            return
        reason = self.rng.choice(
            [
                ReturnReason.DEFECTIVE,
                ReturnReason.DEFECTIVE,
                ReturnReason.DAMAGED_IN_TRANSIT,
                ReturnReason.NOT_AS_DESCRIBED,
            ]
        )
        rma = return_request(actor=agent, case=case, order_line=line, reason=reason, unit=case.unit)
        stage = self.rng.random()
        if stage < 0.2:
            return
        self._at(0.1)
        if stage < 0.27:
            return_reject(actor=agent, rma=rma, note="The photos show the damage came after delivery.")
            return
        rma = return_approve(actor=agent, rma=rma, location=self._location_for(case))
        rma = return_instruct(actor=agent, rma=rma)
        if stage < 0.45:
            return
        self._at(0.4)
        rma = return_receive(actor=agent, rma=rma)
        if stage < 0.55:
            return
        self._at(0.5)
        condition = self.rng.choice(
            [ReturnRequest.Condition.UNOPENED, ReturnRequest.Condition.AS_NEW, ReturnRequest.Condition.USED]
        )
        rma = return_inspect(actor=agent, rma=rma, condition=condition)
        if case.kind != CaseKind.REFUND or not return_refundable(rma):
            return
        share = Decimal(self.rng.choice(["1", "1", "0.5"]))
        self._at(0.6)
        refund = refund_request(
            actor=agent,
            case=case,
            order_line=line,
            amount=(line.unit_price * share).quantize(Decimal("0.01")),
            reason="Refund after the return was received.",
            return_request=rma,
        )
        if stage < 0.7:
            return
        self._at(0.75)
        if refund.status == Refund.Status.PENDING_APPROVAL:
            refund_approve(actor=self.manager, refund=refund, reference=f"TX-{case.number:06d}")
        self._at(0.8)
        return_close(actor=agent, rma=rma, outcome=ReturnRequest.Outcome.REFUND)

    def _visit(self, case: Case) -> None:
        agent = self._agent_for(case)
        technician = self.rng.choice(self.agents)
        address = case.customer.address or case.customer.city or "—"
        kind = Visit.Kind.MAINTENANCE if case.kind == CaseKind.MAINTENANCE else Visit.Kind.INSTALLATION
        done = self._span > dt.timedelta(days=2) and self.rng.random() < 0.5
        if done:  # booked for a day in the case's life, made and written up
            day = (self._start + self._span * 0.6).date()
        else:
            day = self.d.today + dt.timedelta(days=self.rng.randint(1, 12))
        starts = self.d.local_time(day, technician.time_zone or "UTC", earliest=9, latest=16)
        # When the technician is busy then, the agent books another slot later.
        with contextlib.suppress(VafaError):
            visit = visit_schedule(
                actor=agent,
                case=case,
                technician=technician,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                address=address,
                kind=kind,
                unit=case.unit,
                checklist=CHECKLISTS[kind],
            )
            if done and starts + dt.timedelta(hours=2) < self.d.cutoff:
                self.clock.set(starts + dt.timedelta(hours=2, minutes=10))
                visit_complete(
                    actor=technician,
                    visit=visit,
                    outcome=self.rng.choice(VISIT_OUTCOMES),
                    checklist=CHECKLISTS[kind],
                    labour_hours=Decimal("1.5"),
                    cost=Decimal("900000"),
                )

    # --- what the Persian portal customer finds in "My service" -----------------------------------------

    def _portal_story(self) -> None:
        """A quote to accept for her phone out of warranty and a maintenance visit to confirm."""
        customer = User.objects.get(email=CUSTOMER_EMAIL).customer
        if customer is None:
            return
        units = list(Unit.objects.filter(owner=customer).select_related("product").order_by("id"))
        if not units:
            return
        on = self.d.today
        phone = next((unit for unit in units if unit_entitlement(unit, on).kind == "none"), units[0])
        agent = self.manager
        self.clock.set(self.d.cutoff - dt.timedelta(days=2, hours=5))
        # She phoned: the agent opens the case (portal requests are the self-service story's).
        case = case_open(
            actor=agent,
            customer=customer,
            subject="گوشی زود خاموش می‌شود",
            body="سلام، گوشی‌ام با شارژ کامل بعد از دو ساعت خاموش می‌شود. لطفاً راهنمایی کنید.",
            kind=CaseKind.REPAIR,
            channel=Channel.PHONE,
            unit=phone,
            language="fa",
        )
        self.clock.set(self.d.cutoff - dt.timedelta(days=2, hours=3))
        repair = repair_open(
            actor=agent,
            case=case,
            location=self.locations["IRR"],
            technician=self.agents[0],
            fault="Shuts down after two hours on a full charge.",
        )
        repair = repair_set_status(actor=agent, repair=repair, status=RepairOrder.Status.DIAGNOSING)
        repair = repair_diagnose(
            actor=agent, repair=repair, diagnosis="The battery holds 61% of its capacity."
        )
        battery = next(
            (
                part
                for part in self.parts.get(self.kinds.get(phone.product_id, ""), [])
                if part.sku.endswith("BAT")
            ),
            None,
        )
        if battery is not None:
            with contextlib.suppress(VafaError):  # none in stock: the quote carries the labour only
                repair_add_part(actor=agent, repair=repair, part=battery, quantity=1)
        repair_add_labour(actor=agent, repair=repair, hours=Decimal("1"))
        repair.refresh_from_db()
        if not (repair.covers_parts and repair.covers_labour):
            repair_quote_send(actor=agent, repair=repair)
        washer = next((unit for unit in units if unit != phone), None)
        if washer is None:
            return
        self.clock.set(self.d.cutoff - dt.timedelta(days=1, hours=4))
        case = case_open(
            actor=agent,
            customer=customer,
            subject="سرویس دوره‌ای",
            body="لطفاً برای سرویس سالانه وقت بدهید.",
            kind=CaseKind.MAINTENANCE,
            channel=Channel.PHONE,
            unit=washer,
            language="fa",
        )
        self.clock.set(self.d.cutoff - dt.timedelta(days=1, hours=2))
        day = self.d.today + dt.timedelta(days=3)
        starts = self.d.local_time(day, "Asia/Tehran", earliest=10, latest=11)
        with contextlib.suppress(VafaError):  # the technician is busy then: the booking is left to the desk
            visit_schedule(
                actor=agent,
                case=case,
                technician=self.agents[0],
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                address=customer.address or customer.city or "تهران",
                kind=Visit.Kind.MAINTENANCE,
                unit=washer,
                checklist=CHECKLISTS[Visit.Kind.MAINTENANCE],
            )

    def _goodwill(self, case: Case, agent: User, *, reason: str) -> None:
        kind = self.rng.choice(
            [
                Goodwill.Kind.WARRANTY_EXTENSION,
                Goodwill.Kind.DISCOUNT_CODE,
                Goodwill.Kind.STORE_CREDIT,
                Goodwill.Kind.GIFT,
            ]
        )
        goodwill_give(
            actor=agent,
            case=case,
            kind=kind,
            reason=reason,
            value=Decimal("2000000"),
            cost=Decimal("1200000"),
            currency="IRR",
            unit=case.unit,
            extension_months=3 if kind == Goodwill.Kind.WARRANTY_EXTENSION else None,
            description="Cleaning kit" if kind == Goodwill.Kind.GIFT else "",
            # The service draws a random code; the demo's own keeps one seed one company.
            code=f"THANKS-{self.rng.randrange(10**6):06d}" if kind == Goodwill.Kind.DISCOUNT_CODE else "",
        )
