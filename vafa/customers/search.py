"""What the search knows about customers: name, e-mail addresses, phone numbers, organisation and
the shop's customer number. Phone numbers are indexed in international and national forms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from vafa.core.models import SearchDocument
from vafa.core.search import Doc, document_text, search_index_docs, search_source
from vafa.customers.models import ContactPoint, Customer

CUSTOMER = SearchDocument.Kind.CUSTOMER


def customer_document(customer: Customer, contacts: Iterable[str]) -> Doc:
    """The search document of a customer; `contacts` are their e-mails and phones."""
    organisation = customer.organisation.name if customer.organisation is not None else ""
    return Doc(
        CUSTOMER,
        customer.pk,
        document_text(customer.name, *contacts, organisation, customer.external_id),
        customer_id=customer.pk,
    )


def customer_search_index(customer: Customer) -> None:
    """Make the customer findable by their current details and contact points."""
    contacts = list(ContactPoint.objects.filter(customer=customer).values_list("value", flat=True))
    search_index_docs([customer_document(customer, contacts)])


def _with_contacts() -> Prefetch:
    return Prefetch(
        "contact_points", queryset=ContactPoint.objects.order_by("id").only("customer_id", "value")
    )


def customers_search_index(customers: QuerySet[Customer]) -> None:
    """Re-index several customers (the members of a renamed organisation)."""
    rows = customers.select_related("organisation").prefetch_related(_with_contacts())
    search_index_docs(
        [customer_document(row, [point.value for point in row.contact_points.all()]) for row in rows]
    )


@search_source(CUSTOMER)
def customer_batches(size: int, after_id: int | None) -> Iterator[list[Doc]]:
    last = after_id or 0
    while True:
        rows = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .select_related("organisation")
            .prefetch_related(_with_contacts())[:size]
        )
        if not rows:
            return
        yield [customer_document(row, [point.value for point in row.contact_points.all()]) for row in rows]
        last = rows[-1].pk
