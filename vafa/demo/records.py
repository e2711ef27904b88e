"""In-memory records the demo builder keeps beside the unsaved model objects."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from vafa.accounts.models import User
from vafa.catalog.models import Product
from vafa.customers.models import Customer
from vafa.sales.models import Order, Unit

T = TypeVar("T")


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]] | Mapping[T, float]) -> T:
    """One item drawn from (item, weight) pairs or an {item: weight} mapping."""
    items = list(pairs.items()) if isinstance(pairs, Mapping) else list(pairs)
    return rng.choices([item for item, _ in items], weights=[weight for _, weight in items])[0]


@dataclass
class ProductRecord:
    obj: Product
    kind: str
    category: str
    months: int
    markets: tuple[str, ...]
    launched_on: dt.date
    retired_on: dt.date | None
    weight: int
    serial_pattern: str
    return_days: int


@dataclass
class CustomerRecord:
    obj: Customer
    language: str
    market: str
    first_name: str
    female: bool
    start: dt.datetime
    b2b: bool
    orders: list[OrderRecord] = field(default_factory=list)
    units: list[UnitRecord] = field(default_factory=list)
    account: User | None = None


@dataclass
class OrderRecord:
    obj: Order
    customer: CustomerRecord
    placed_at: dt.datetime
    currency: str
    total: Decimal = Decimal(0)
    cancelled: bool = False


@dataclass
class UnitRecord:
    obj: Unit
    product: ProductRecord
    order: OrderRecord
    price: Decimal
    delivered_at: dt.datetime | None


@dataclass
class Agent:
    user: User
    key: str
    language: str
    speaks: tuple[str, ...]
    names: dict[str, str]

    def display_name(self, language: str) -> str:
        return self.names.get(language) or self.user.full_name
