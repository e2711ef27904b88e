"""What the importers share: finding records by external id and naming customers in a row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from vafa.customers.contacts import normalize_email
from vafa.customers.models import ContactPoint, Customer
from vafa.imports.engine import Row

Items = list[tuple[Row, Any]]
M = TypeVar("M", bound=Model)


def by_external_id(model: type[M], source: str, external_ids: Iterable[str]) -> QuerySet[M]:
    """Records of `model` with these external ids from `source`, found through the unique index."""
    # The exclude repeats the partial unique index's condition: SQLite uses such an index only then.
    return model._default_manager.filter(external_source=source, external_id__in=set(external_ids)).exclude(
        external_id=""
    )


def email_cell(row: Row, column: str) -> str | None:
    value = row.text(column)
    if value is None:
        return None
    try:
        return normalize_email(value)
    except ValidationError as exc:
        row.error(column, "; ".join(exc.messages))
        return None


class CustomerRefs:
    """Customers named in a chunk of rows, by external id (of the import's source) and by e-mail."""

    def __init__(self, source: str, external_ids: Iterable[str], emails: Iterable[str]) -> None:
        self.by_external_id = {c.external_id: c for c in by_external_id(Customer, source, external_ids)}
        self.by_email = {
            point.value: point.customer
            for point in ContactPoint.objects.filter(
                kind=ContactPoint.Kind.EMAIL, value__in=set(emails)
            ).select_related("customer")
        }

    def resolve(self, row: Row, external_id: str | None, email: str | None, prefix: str) -> Customer | None:
        """The customer a row names; an error on the row when it names none, or two different ones."""
        by_id = self.by_external_id.get(external_id) if external_id else None
        by_email = self.by_email.get(email) if email else None
        if external_id and by_id is None:
            row.error(f"{prefix}_external_id", _("No customer has this external id."))
            return None
        if email and by_email is None:
            row.error(f"{prefix}_email", _("No customer has this e-mail address."))
            return None
        if by_id is not None and by_email is not None and by_id.pk != by_email.pk:
            row.error(
                f"{prefix}_email", _("This e-mail address belongs to another customer than the external id.")
            )
            return None
        return by_id or by_email
