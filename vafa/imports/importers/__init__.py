"""One importer per kind of file: how its rows are read, checked and written through the domain services.

Rows are looked up in chunks (`__in` queries), never one query per row. A row whose values equal
what the database holds is counted as unchanged and no service is called for it, so re-importing a
file writes nothing at all.
"""

from __future__ import annotations

from vafa.imports.engine import Importer
from vafa.imports.importers.customers import CustomerImporter
from vafa.imports.importers.orders import OrderImporter
from vafa.imports.importers.products import ProductImporter
from vafa.imports.importers.units import UnitImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer for importer in (CustomerImporter, ProductImporter, OrderImporter, UnitImporter)
}

__all__ = ["IMPORTERS", "CustomerImporter", "OrderImporter", "ProductImporter", "UnitImporter"]
