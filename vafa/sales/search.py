"""What the search knows about units: the serial number, and the product's SKU and names in every
language (so "یخچال" finds a refrigerator's units as well as "refrigerator")."""

from __future__ import annotations

from collections.abc import Iterator

from vafa.catalog.models import Product
from vafa.core.models import SearchDocument
from vafa.core.search import Doc, document_text, search_index_docs, search_source
from vafa.sales.models import Unit

UNIT = SearchDocument.Kind.UNIT


def unit_document(unit: Unit, product: Product) -> Doc:
    """The search document of a unit."""
    names = dict.fromkeys([product.name, *(product.names or {}).values()])
    return Doc(
        UNIT,
        unit.pk,
        document_text(unit.serial_number, product.sku, *names),
        customer_id=unit.owner_id,
    )


def unit_search_index(unit: Unit) -> None:
    """Make the unit findable by its serial number and product (and filed under its owner)."""
    search_index_docs([unit_document(unit, unit.product)])


@search_source(UNIT)
def unit_batches(size: int, after_id: int | None) -> Iterator[list[Doc]]:
    products = {product.pk: product for product in Product.objects.only("sku", "name", "names")}
    last = after_id or 0
    while True:
        rows = list(
            Unit.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "serial_number", "owner_id", "product_id")[:size]
        )
        if not rows:
            return
        yield [unit_document(row, products[row.product_id]) for row in rows]
        last = rows[-1].pk
