"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.catalog.models import Category, Product, WarrantyPolicy
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
