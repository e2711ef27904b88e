"""Two years of the demo company's sales: orders, their lines, and the serial-numbered units."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Callable
from decimal import Decimal

from django.db import models

from vafa.core.dates import add_months
from vafa.demo import products
from vafa.demo.people import DEMO_CUSTOMER_ORDERS
from vafa.demo.records import CustomerRecord, OrderRecord, ProductRecord, UnitRecord, weighted
from vafa.sales.models import Order, OrderLine, SalesChannel, Unit

TIER_RATE = {"standard": 1.0, "silver": 1.3, "gold": 1.8, "vip": 2.5}
# Rial prices rise with inflation: an order placed a year ago paid about a quarter less.
IRR_YEARLY_INFLATION = 1.32
SALES_CHANNELS = {
    "IR": [
        (SalesChannel.WEB, 48),
        (SalesChannel.STORE, 30),
        (SalesChannel.MARKETPLACE, 12),
        (SalesChannel.PHONE, 10),
    ],
    "export": [(SalesChannel.WEB, 60), (SalesChannel.MARKETPLACE, 25), (SalesChannel.PARTNER, 15)],
    "b2b": [(SalesChannel.PARTNER, 45), (SalesChannel.PHONE, 30), (SalesChannel.WEB, 25)],
}
DELIVERY_DAYS: dict[str, tuple[int, int]] = {
    SalesChannel.STORE: (0, 0),
    SalesChannel.WEB: (1, 5),
    SalesChannel.MARKETPLACE: (2, 6),
    SalesChannel.PHONE: (1, 4),
    SalesChannel.PARTNER: (3, 10),
}


class SalesMixin:
    """Part of DemoBuilder: orders with lines (or totals only), and one unit per serialised item."""

    rng: random.Random
    start: dt.datetime
    today: dt.date
    cutoff: dt.datetime
    customers: list[CustomerRecord]
    orders: list[OrderRecord]
    units: list[UnitRecord]
    product_by_sku: dict[str, ProductRecord]
    _serials: dict[str, set[str]]
    bulk: Callable[[type[models.Model], list], None]
    local_time: Callable[..., dt.datetime]
    catalogue_for: Callable[[str, dt.date], list[ProductRecord]]

    def _purchase_times(self, record: CustomerRecord) -> list[dt.datetime]:
        rng = self.rng
        if record.account is not None:
            times = [self.start + dt.timedelta(days=days) for days, _ in DEMO_CUSTOMER_ORDERS]
            return [
                max(
                    self.local_time(moment.date(), record.obj.time_zone),
                    record.obj.created_at + dt.timedelta(minutes=1),
                )
                for moment in times
            ]
        rate = rng.gammavariate(1.3, 1.2) * TIER_RATE[record.obj.tier] * (2 if record.b2b else 1)
        dropout = rng.betavariate(2, 4)
        times, moment = [record.start], record.start
        while len(times) < 20 and rng.random() >= dropout:
            moment += dt.timedelta(days=1 + rng.expovariate(max(rate, 0.05) / 365))
            if moment >= self.cutoff - dt.timedelta(hours=2):
                break
            times.append(moment)
        placed = []
        for moment in times:
            at = self.local_time(moment.date(), record.obj.time_zone)
            if at >= self.cutoff:
                at = self.cutoff - dt.timedelta(minutes=rng.randint(30, 600))
            placed.append(max(at, record.obj.created_at + dt.timedelta(minutes=1)))
        return placed

    def price(self, product: ProductRecord, currency: str, day: dt.date) -> Decimal:
        rng = self.rng
        discount = weighted(rng, [(1.0, 85), (0.95, 10), (0.9, 5)])
        base = float(product.obj.price) * discount
        if product.obj.currency == currency:
            if currency == "IRR":
                base /= IRR_YEARLY_INFLATION ** ((self.today - day).days / 365)
                return Decimal(max(1, round(base / 100_000)) * 100_000)
            return Decimal(str(round(base, 2)))
        value = (
            base / IRR_YEARLY_INFLATION ** ((self.today - day).days / 365) / float(products.IRR_PER[currency])
        )
        if currency == "RUB":
            return Decimal(math.ceil(value / 100) * 100 - 10)
        return Decimal(math.ceil(value)) - Decimal("0.01")

    def serial(self, product: ProductRecord) -> str:
        rng = self.rng
        used = self._serials.setdefault(product.obj.sku, set())
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

        def token(match: re.Match) -> str:
            kind, arg = match.group(1), match.group(2)
            if kind == "D":
                return "".join(str(rng.randrange(10)) for _ in range(int(arg)))
            if kind == "A":
                return "".join(rng.choice(alphabet) for _ in range(int(arg)))
            body = arg + "".join(str(rng.randrange(10)) for _ in range(14 - len(arg)))
            return body + luhn_digit(body)

        while True:
            value = re.sub(r"\{(D|A|IMEI):(\w+)\}", token, product.serial_pattern)
            if value not in used:
                used.add(value)
                return value

    def _sales(self) -> None:
        rng = self.rng
        lines: list[OrderLine] = []
        for record in self.customers:
            times = self._purchase_times(record)
            currency = products.MARKET_CURRENCY[record.market]
            for position, placed_at in enumerate(times):
                day = placed_at.date()
                channel_table = "b2b" if record.b2b else ("IR" if record.market == "IR" else "export")
                channel = weighted(rng, SALES_CHANNELS[channel_table])
                order = Order(
                    customer=record.obj,
                    placed_at=placed_at,
                    sales_channel=channel,
                    currency=currency,
                    created_at=placed_at + dt.timedelta(seconds=rng.randint(5, 90)),
                )
                order_record = OrderRecord(obj=order, customer=record, placed_at=placed_at, currency=currency)
                self.orders.append(order_record)
                record.orders.append(order_record)
                catalogue = self.catalogue_for(record.market, day)
                if record.account is not None:
                    picks = [self.product_by_sku[DEMO_CUSTOMER_ORDERS[position][1]]]
                    if position == 0:
                        picks.append(self.product_by_sku["SM-EP-T2510"])
                elif position > 0 and rng.random() < 0.04:
                    # The shop exported only the total of this order.
                    order.total_amount = self.price(rng.choice(catalogue), currency, day) * rng.randint(1, 2)
                    order.sales_channel = rng.choice([SalesChannel.PARTNER, SalesChannel.MARKETPLACE])
                    order.external_source = "erp"
                    order_record.total = order.total_amount
                    continue
                else:
                    main = [p for p in catalogue if p.kind != "accessory"]
                    picks = [weighted(rng, [(p, p.weight) for p in main])]
                    for _ in range(weighted(rng, [(0, 75), (1, 20), (2, 5)])):
                        extra = weighted(
                            rng,
                            [
                                (p, p.weight * (3 if p.kind in ("accessory", "audio", "kitchen") else 1))
                                for p in catalogue
                            ],
                        )
                        if extra not in picks:
                            picks.append(extra)
                if record.account is None and position > 0 and rng.random() < 0.02:
                    order.status = Order.Status.CANCELLED
                    order_record.cancelled = True
                total = Decimal(0)
                for product in picks:
                    if record.account is not None:
                        quantity = 1
                    elif record.b2b:
                        quantity = weighted(rng, [(1, 40), (2, 25), (3, 15), (4, 10), (5, 10)])
                    else:
                        quantity = weighted(rng, [(1, 92), (2, 7), (3, 1)])
                    unit_price = self.price(product, currency, day)
                    line = OrderLine(
                        order=order, product=product.obj, quantity=quantity, unit_price=unit_price
                    )
                    lines.append(line)
                    total += unit_price * quantity
                    if product.obj.is_serialised and not order_record.cancelled:
                        for _ in range(quantity):
                            self._unit(record, order_record, product, line, unit_price)
                order.total_amount = total
                order_record.total = total
        self.orders.sort(key=lambda o: o.placed_at)
        for number, order_record in enumerate(self.orders, start=1):
            order = order_record.obj
            order.number = f"SO{order_record.placed_at:%y}{number:06d}"
            if order.external_source == "erp":
                order.external_id = f"ERP-{number:07d}"
            elif order.sales_channel == SalesChannel.MARKETPLACE:
                order.external_source, order.external_id = "marketplace", f"MP{9_000_000 + number * 7}"
            latest = max(
                [
                    u.delivered_at
                    for u in order_record.customer.units
                    if u.order is order_record and u.delivered_at
                ]
                or [order.created_at]
            )
            order.updated_at = latest
        self.bulk(Order, [o.obj for o in self.orders])
        self.bulk(OrderLine, lines)
        self.units.sort(key=lambda u: u.obj.created_at)
        self.bulk(Unit, [u.obj for u in self.units])

    def _unit(
        self,
        record: CustomerRecord,
        order: OrderRecord,
        product: ProductRecord,
        line: OrderLine,
        price: Decimal,
    ) -> None:
        rng = self.rng
        low, high = DELIVERY_DAYS[order.obj.sales_channel]
        if record.market != "IR" and order.obj.sales_channel != SalesChannel.STORE:
            high += 4
        arrival = order.placed_at + dt.timedelta(days=rng.randint(low, high), hours=rng.uniform(1, 9))
        delivered_at = arrival if arrival < self.cutoff else None
        delivered_on = delivered_at.date() if delivered_at else None
        end = add_months(delivered_on, product.months) if delivered_on else None
        extended = None
        expensive = product.obj.price >= (300_000_000 if product.obj.currency == "IRR" else 900)
        if end is not None and rng.random() < (0.25 if expensive else 0.05):
            extended = add_months(end, weighted(rng, [(12, 70), (24, 30)]))
        created = order.placed_at + dt.timedelta(minutes=rng.randint(1, 30))
        unit = Unit(
            product=product.obj,
            serial_number=self.serial(product),
            owner=record.obj,
            order_line=line,
            purchased_on=order.placed_at.date(),
            delivered_on=delivered_on,
            warranty_start=delivered_on,
            warranty_end=end,
            extended_warranty_end=extended,
            created_at=created,
            updated_at=min(delivered_at or created, self.cutoff - dt.timedelta(minutes=1)),
        )
        unit_record = UnitRecord(
            obj=unit, product=product, order=order, price=price, delivered_at=delivered_at
        )
        self.units.append(unit_record)
        record.units.append(unit_record)


def luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)
