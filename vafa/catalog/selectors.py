"""Reads of the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.catalog.models import Category, KnownIssue, Product, WarrantyPolicy
from vafa.core.errors import NotFound


def product_list(*, viewer: User) -> QuerySet[Product]:
    """Products: staff see all, customers only those on sale."""
    queryset = Product.objects.select_related("category", "warranty_policy")
    if not viewer.is_company_staff:
        queryset = queryset.filter(is_active=True)
    return queryset


def product_get(*, viewer: User, product_id: int) -> Product:
    product = product_list(viewer=viewer).filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such product."))
    return product


def product_by_sku(sku: str) -> Product | None:
    return Product.objects.select_related("warranty_policy", "category").filter(sku=sku.strip()).first()


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code).first()


def warranty_policy_by_name(name: str) -> WarrantyPolicy | None:
    return WarrantyPolicy.objects.filter(name=name).first()


_SEVERITY_RANK: dict[str, int] = {
    KnownIssue.Severity.RECALL: 0,
    KnownIssue.Severity.WARNING: 1,
    KnownIssue.Severity.INFO: 2,
}


def known_issues_q(*, products: Sequence[Product], on: dt.date) -> Q:
    """Published issues current on day `on` for these products or their categories (prefixes aside)."""
    target = Q(product_id__in={p.pk for p in products})
    categories = {p.category_id for p in products if p.category_id is not None}
    if categories:
        target |= Q(category_id__in=categories, product__isnull=True)
    return target & Q(is_published=True, starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def known_issue_applies(issue: KnownIssue, serial_number: str) -> bool:
    """Whether an issue limited to a batch of serials covers this serial ("" covers every unit)."""
    prefix = issue.serial_prefix.strip().upper()
    return not prefix or serial_number.strip().upper().startswith(prefix)


def known_issues_for(*, product: Product, on: dt.date, serial_number: str = "") -> list[KnownIssue]:
    """The published known issues that apply on day `on` to a unit of `product` (recalls first).

    An issue with a serial prefix applies only to serials that start with it; without a serial
    (a product page, not a unit) it is left out, since it may not concern the reader's unit.
    """
    return known_issues_for_units(items=[(product, serial_number)], on=on)[0]


def known_issues_for_units(*, items: Sequence[tuple[Product, str]], on: dt.date) -> list[list[KnownIssue]]:
    """`known_issues_for` for many (product, serial) pairs in one query: one list per pair, in order."""
    if not items:
        return []
    issues = list(KnownIssue.objects.filter(known_issues_q(products=[p for p, _s in items], on=on)))
    issues.sort(key=lambda i: (_SEVERITY_RANK.get(i.severity, 3), -i.starts_on.toordinal(), -i.pk))
    return [
        [
            issue
            for issue in issues
            if (
                issue.product_id == product.pk
                or (issue.product_id is None and issue.category_id == product.category_id)
            )
            and known_issue_applies(issue, serial)
        ]
        for product, serial in items
    ]
