"""The products file: upserted by SKU; categories and warranty policies are created when the file defines them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from vafa.catalog.models import Category, Product, WarrantyPolicy
from vafa.catalog.services import category_upsert, product_create, product_update, warranty_policy_create
from vafa.core.money import is_currency
from vafa.imports.cells import parse_amount, parse_bool, parse_int
from vafa.imports.engine import Column, Importer, Row
from vafa.imports.importers.common import Items

_CATEGORY_CODE = re.compile(r"[-a-zA-Z0-9_]+")


@dataclass(slots=True)
class ProductRecord:
    sku: str
    name: str
    names: dict[str, str]
    category_code: str | None
    category_name: str | None
    policy_name: str | None
    months: int | None
    covers: dict[str, bool]
    fields: dict[str, Any]


_COVERS = ("covers_parts", "covers_labour", "covers_onsite")
_COVER_DEFAULTS = {"covers_parts": True, "covers_labour": True, "covers_onsite": False}
_COVER_WORDS = {"covers_parts": "parts", "covers_labour": "labour", "covers_onsite": "on-site"}


def policy_auto_name(months: int, covers: dict[str, bool]) -> str:
    """The name of a policy made from a products file's warranty columns, e.g. "12 months: parts, labour"."""
    covered = [_COVER_WORDS[name] for name in _COVERS if covers[name]]
    return f"{months} months: {', '.join(covered) if covered else 'no cover'}"


class ProductImporter(Importer):
    """Products, upserted by SKU; categories and warranty policies are created when the file defines them."""

    kind = "products"
    columns = (
        Column("sku", required=True),
        Column("name", required=True),
        Column("name_fa"),
        Column("name_ar"),
        Column("name_ru"),
        Column("category", aliases=("category_code",)),
        Column("category_name"),
        Column("price"),
        Column("currency"),
        Column("warranty_policy"),
        Column("warranty_months"),
        Column("covers_parts"),
        Column("covers_labour", aliases=("covers_labor",)),
        Column("covers_onsite", aliases=("covers_on_site",)),
        Column("return_window_days"),
        Column("maintenance_interval_days"),
        Column("active", aliases=("is_active",)),
        Column("serialised", aliases=("serialized", "is_serialised")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[str, int] = {}
        self.file_categories: set[str] = set()
        self.file_policies: dict[str, tuple[int, dict[str, bool], int]] = {}
        self.categories: dict[str, Category] = {}
        self.policies = {policy.name: policy for policy in WarrantyPolicy.objects.all()}

    def parse(self, row: Row) -> ProductRecord:
        sku = row.text("sku", required=True, max_length=64)
        name = row.text("name", required=True, max_length=200)
        names = {}
        for language in ("fa", "ar", "ru"):
            if (text := row.text(f"name_{language}", max_length=200)) is not None:
                names[language] = text
        category_code = row.text("category", max_length=50)
        if category_code is not None and not _CATEGORY_CODE.fullmatch(category_code):
            row.error("category", _("A category code has only letters, digits, hyphens and underscores."))
            category_code = None
        category_name = row.text("category_name", max_length=200)
        if category_name is not None and category_code is None:
            row.error("category_name", _("Give the category's code too."))
        fields: dict[str, Any] = {}
        if (price := row.parse("price", parse_amount)) is not None:
            fields["price"] = price
        if (currency := row.text("currency")) is not None:
            if is_currency(currency.upper()):
                fields["currency"] = currency.upper()
            else:
                row.error("currency", _("Use an ISO-4217 currency code such as IRR."))
        for column in ("return_window_days", "maintenance_interval_days"):
            if (days := row.parse(column, parse_int, minimum=0)) is not None:
                fields[column] = days
        if (active := row.parse("active", parse_bool)) is not None:
            fields["is_active"] = active
        if (serialised := row.parse("serialised", parse_bool)) is not None:
            fields["is_serialised"] = serialised
        policy_name = row.text("warranty_policy", max_length=100)
        months = row.parse("warranty_months", parse_int, minimum=0)
        covers = {}
        for column in _COVERS:
            if (covered := row.parse(column, parse_bool)) is not None:
                covers[column] = covered
        if covers and policy_name is None and months is None and row.raw("warranty_months") == "":
            row.error(
                "warranty_months", _("Give warranty_months (or warranty_policy) with the cover columns.")
            )
        return ProductRecord(
            sku or "", name or "", names, category_code, category_name, policy_name, months, covers, fields
        )

    def check(self, items: Items) -> None:
        codes = {record.category_code for _row, record in items if record.category_code}
        known_codes = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        for row, record in items:
            first = self.seen.get(record.sku)
            if first is not None:
                row.error("sku", _("The same SKU is on row %(row)s.") % {"row": first})
                continue
            if record.sku:
                self.seen[record.sku] = row.line
            if record.category_code:
                if record.category_name:
                    self.file_categories.add(record.category_code)
                elif (
                    record.category_code not in known_codes
                    and record.category_code not in self.file_categories
                ):
                    row.error("category", _("No category has this code; add category_name to create it."))
            self._check_policy(row, record)

    def _policy_name(self, record: ProductRecord, covers: dict[str, bool]) -> str:
        """The policy a row means: the one it names, else one with the same terms, else a new auto-named one."""
        if record.policy_name:
            return record.policy_name
        months = record.months or 0
        auto_name = policy_auto_name(months, covers)
        if auto_name in self.policies:
            return auto_name
        same_terms = [
            policy
            for policy in self.policies.values()
            if policy.pk is not None
            and policy.months == months
            and all(getattr(policy, column) == covered for column, covered in covers.items())
        ]
        return min(same_terms, key=lambda policy: policy.pk).name if same_terms else auto_name

    def _check_policy(self, row: Row, record: ProductRecord) -> None:
        if record.policy_name is None and record.months is None:
            return
        covers = {**_COVER_DEFAULTS, **record.covers}
        name = self._policy_name(record, covers)
        policy = self.policies.get(name)
        if policy is not None:
            if record.months is not None and policy.months != record.months:
                row.error(
                    "warranty_months",
                    _("The warranty policy %(name)s lasts %(months)s months.")
                    % {"name": name, "months": policy.months},
                )
            for column, covered in record.covers.items() if record.policy_name else covers.items():
                if getattr(policy, column) != covered:
                    row.error(
                        column,
                        _("The warranty policy %(name)s has another cover; change the policy itself.")
                        % {"name": name},
                    )
            return
        if record.months is None:
            row.error(
                "warranty_policy", _("No warranty policy has this name; add warranty_months to create it.")
            )
            return
        planned = self.file_policies.get(name)
        if planned is not None and planned[:2] != (record.months, covers):
            row.error(
                "warranty_policy",
                _("Row %(row)s defines this warranty policy differently.") % {"row": planned[2]},
            )
            return
        self.file_policies.setdefault(name, (record.months, covers, row.line))

    def _category(self, row: Row, code: str, name: str | None) -> Category:
        category = self.categories.get(code)
        if name is not None and (category is None or category.name != name):
            self.count("categories", "created" if category is None else "updated")
            if self.dry_run:
                category = Category(code=code, name=name, pk=category.pk if category else None)
            else:
                with self.guard(row):
                    category = category_upsert(actor=None, code=code, name=name)
            self.categories[code] = category
        assert category is not None  # checked: the code exists or an earlier row names it
        return category

    def _policy(self, row: Row, record: ProductRecord) -> WarrantyPolicy | None:
        if record.policy_name is None and record.months is None:
            return None
        covers = {**_COVER_DEFAULTS, **record.covers}
        name = self._policy_name(record, covers)
        policy = self.policies.get(name)
        if policy is None:
            self.count("warranty policies", "created")
            if self.dry_run:
                policy = WarrantyPolicy(name=name, months=record.months or 0, **covers)
            else:
                with self.guard(row):
                    policy = warranty_policy_create(
                        actor=None, name=name, months=record.months or 0, **covers
                    )
            self.policies[name] = policy
        return policy

    def apply(self, items: Items) -> None:
        skus = [record.sku for _row, record in items]
        existing = {p.sku: p for p in Product.objects.filter(sku__in=skus).select_related("category")}
        codes = {record.category_code for _row, record in items if record.category_code} - set(
            self.categories
        )
        self.categories.update({c.code: c for c in Category.objects.filter(code__in=codes)})
        for row, record in items:
            fields = dict(record.fields)
            if record.category_code:
                fields["category"] = self._category(row, record.category_code, record.category_name)
            policy = self._policy(row, record)
            if policy is not None:
                fields["warranty_policy"] = policy
            product = existing.get(record.sku)
            if product is None:
                self.count("products", "created")
                if not self.dry_run:
                    with self.guard(row):
                        product_create(
                            actor=None, sku=record.sku, name=record.name, names=record.names, **fields
                        )
                continue
            changes: dict[str, Any] = {}
            for name, value in fields.items():
                if name in ("category", "warranty_policy"):
                    if value.pk is None or value.pk != getattr(product, f"{name}_id"):
                        changes[name] = value
                elif getattr(product, name) != value:
                    changes[name] = value
            if record.name != product.name:
                changes["name"] = record.name
            names = {**product.names, **record.names}
            if names != product.names:
                changes["names"] = names
            if not changes:
                self.count("products", "unchanged")
                continue
            self.count("products", "updated")
            if not self.dry_run:
                with self.guard(row):
                    product_update(actor=None, product=product, **changes)
