"""REST endpoints for the product catalogue: thin, one selector or service call each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vafa.api.auth import require_manager, viewer
from vafa.api.errors import ERRORS
from vafa.api.pagination import PageParams, paginate, sort_keys
from vafa.api.schemas import In, changes
from vafa.api.types import BodyId, Currency, Days, Flag, Id, Money, Text
from vafa.catalog import selectors, services
from vafa.catalog.models import Product, WarrantyPolicy
from vafa.core.errors import ValidationFailed

router = Router(tags=["products"])

Sku = Text(64, min_length=1)
Name = Text(200, min_length=1)
CategoryCode = Text(50, min_length=1)
Source = Text(50)
ExternalId = Text(100)
Names = dict[Text(5, min_length=2), Text(200)]  # type: ignore[misc, valid-type]


class CategoryOut(Schema):
    code: str
    name: str


class WarrantyPolicyOut(Schema):
    id: int
    name: str
    months: int
    covers_parts: bool
    covers_labour: bool
    covers_onsite: bool


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    names: dict[str, str]
    display_name: str = Field(..., description="The name in the language of the request.")
    category: CategoryOut | None
    price: str
    currency: str
    warranty_policy: WarrantyPolicyOut | None
    return_window_days: int | None
    effective_return_window_days: int
    maintenance_interval_days: int | None
    is_serialised: bool
    is_active: bool
    external_source: str
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_display_name(obj: Product) -> str:
        return obj.display_name()

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return str(obj.price)

    @staticmethod
    def resolve_names(obj: Product) -> dict[str, str]:
        return {str(k): str(v) for k, v in (obj.names or {}).items()}


class ProductPage(Schema):
    items: list[ProductOut]
    next: str | None


class ProductIn(In):
    sku: Sku  # type: ignore[valid-type]
    name: Name  # type: ignore[valid-type]
    names: Names = Field(default_factory=dict, max_length=10, description="Name per language code.")  # type: ignore[valid-type]
    category: CategoryCode | None = Field(None, description="The code of an existing category.")  # type: ignore[valid-type]
    price: Money = Decimal("0.00")
    currency: Currency | None = None  # type: ignore[valid-type]
    warranty_policy_id: BodyId | None = None
    return_window_days: Days | None = None
    maintenance_interval_days: Days | None = None
    is_serialised: Flag = True
    is_active: Flag = True
    external_source: Source = ""  # type: ignore[valid-type]
    external_id: ExternalId = ""  # type: ignore[valid-type]


class ProductPatch(In):
    name: Name | None = None  # type: ignore[valid-type]
    names: Names | None = Field(None, max_length=10)  # type: ignore[valid-type]
    category: CategoryCode | None = Field(None, description="A category code; null removes the category.")  # type: ignore[valid-type]
    price: Money | None = None
    currency: Currency | None = None  # type: ignore[valid-type]
    warranty_policy_id: BodyId | None = None
    return_window_days: Days | None = None
    maintenance_interval_days: Days | None = None
    is_serialised: Flag | None = None
    is_active: Flag | None = None
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]


PRODUCT_SORTS = sort_keys(
    {"sku": ("sku", "str"), "name": ("name", "str"), "created_at": ("created_at", "datetime")}
)


class ProductFilters(PageParams):
    sku: Sku | None = None  # type: ignore[valid-type]
    category: CategoryCode | None = None  # type: ignore[valid-type]
    active: bool | None = None
    q: Text(200, min_length=1) | None = Field(None, description="Name starts with (case-insensitive).")  # type: ignore[valid-type]
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]
    sort: Literal["sku", "-sku", "name", "-name", "created_at", "-created_at"] = "sku"


def _filter_products(queryset: QuerySet[Product], f: ProductFilters) -> QuerySet[Product]:
    if f.sku is not None:
        queryset = queryset.filter(sku=f.sku.strip())
    if f.category is not None:
        queryset = queryset.filter(category__code=f.category)
    if f.active is not None:
        queryset = queryset.filter(is_active=f.active)
    if f.q is not None:
        queryset = queryset.filter(name__istartswith=f.q)
    if f.external_source is not None:
        queryset = queryset.filter(external_source=f.external_source)
    if f.external_id is not None:
        queryset = queryset.filter(external_id=f.external_id)
    return queryset


def _product_values(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Turn the category code and the policy id into records; refuse unknown ones on their field."""
    errors: dict[str, list[Any]] = {}
    if "category" in data and data["category"] is not None:
        data["category"] = selectors.category_by_code(data["category"])
        if data["category"] is None:
            errors["category"] = [_("No such category.")]
    if "warranty_policy_id" in data:
        policy_id = data.pop("warranty_policy_id")
        policy = None if policy_id is None else WarrantyPolicy.objects.filter(pk=policy_id).first()
        if policy_id is not None and policy is None:
            errors["warranty_policy_id"] = [_("No such warranty policy.")]
        data["warranty_policy"] = policy
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    nullable = {"category", "warranty_policy", "return_window_days", "maintenance_interval_days"}
    return {k: v for k, v in data.items() if v is not None or k in nullable or not partial}


@router.get("/products", response={200: ProductPage, **ERRORS})
def product_list(request: HttpRequest, filters: Query[ProductFilters]) -> Any:
    """Products by SKU; customers see only those on sale."""
    queryset = _filter_products(selectors.product_list(viewer=viewer(request)), filters)
    return paginate(queryset, sort=PRODUCT_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit)


@router.post("/products", response={201: ProductOut, **ERRORS})
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    """Add a product to the catalogue (admins and managers)."""
    user = viewer(request)
    require_manager(user)
    data = _product_values(payload.model_dump(), partial=False)
    if data.get("currency") is None:
        data.pop("currency", None)
    product = services.product_create(actor=user, sku=data.pop("sku"), name=data.pop("name"), **data)
    return Status(201, selectors.product_get(viewer=user, product_id=product.pk))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_get(request: HttpRequest, product_id: Id) -> Any:
    return selectors.product_get(viewer=viewer(request), product_id=product_id)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_update(request: HttpRequest, product_id: Id, payload: ProductPatch) -> Any:
    """Change a product's details or policies (admins and managers)."""
    user = viewer(request)
    product = selectors.product_get(viewer=user, product_id=product_id)
    require_manager(user)
    services.product_update(actor=user, product=product, **_product_values(changes(payload), partial=True))
    return selectors.product_get(viewer=user, product_id=product_id)
