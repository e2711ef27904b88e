"""Cases are made through `case_open`, so every test case has its first message and events."""

from __future__ import annotations

from typing import Any

from vafa.customers.models import Customer
from vafa.customers.tests.factories import CustomerFactory
from vafa.service.models import Case
from vafa.service.services import case_open


def make_case(customer: Customer | None = None, *, actor: Any = None, **fields: Any) -> Case:
    fields.setdefault("subject", "The phone does not charge")
    fields.setdefault("body", "Since yesterday it does not charge at all.")
    fields.setdefault("kind", "problem")
    fields.setdefault("channel", "email")
    return case_open(actor=actor, customer=customer or CustomerFactory.create(), **fields)
