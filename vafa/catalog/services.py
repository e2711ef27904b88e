"""Writes for categories, warranty policies and products."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager
from vafa.catalog.models import Category, Product, WarrantyPolicy
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.money import is_currency, to_amount

PRODUCT_FIELDS = (
    "name",
    "names",
    "category",
    "price",
    "currency",
    "warranty_policy",
    "return_window_days",
    "maintenance_interval_days",
    "is_serialised",
    "is_active",
    "external_source",
    "external_id",
)


def _check_product_fields(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    clean = dict(values)
    if "name" in clean:
        clean["name"] = str(clean["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = [_("Enter a name.")]
    if "price" in clean:
        try:
            clean["price"] = to_amount(clean["price"])
            if clean["price"] < 0:
                errors["price"] = [_("The price cannot be negative.")]
        except ValidationError as exc:
            errors["price"] = exc.messages
    if "currency" in clean:
        clean["currency"] = str(clean["currency"]).upper()
        if not is_currency(clean["currency"]):
            errors["currency"] = [_("Use an ISO-4217 currency code.")]
    if "names" in clean and not isinstance(clean["names"], dict):
        errors["names"] = [_("Give names as a mapping from language to name.")]
    for name in ("return_window_days", "maintenance_interval_days"):
        if clean.get(name) is not None and int(clean[name]) < 0:
            errors[name] = [_("Enter zero or more days.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return clean


@transaction.atomic
def category_upsert(
    *,
    actor: User | None,
    code: str,
    name: str,
    names: dict[str, str] | None = None,
    return_window_days: int | None = None,
) -> Category:
    """Create or rename the category with `code`."""
    require_manager(actor)
    category, created = Category.objects.get_or_create(
        code=code, defaults={"name": name, "names": names or {}}
    )
    fields: list[str] = []
    if not created:
        if category.name != name:
            category.name = name
            fields.append("name")
        if names is not None and category.names != names:
            category.names = names
            fields.append("names")
    if return_window_days is not None and category.return_window_days != return_window_days:
        category.return_window_days = return_window_days
        fields.append("return_window_days")
    if fields:
        category.save(update_fields=fields)
    if created or fields:
        audit_record(
            actor=actor,
            action="category.create" if created else "category.update",
            obj=category,
            after=snapshot(category, ["code", "name", "return_window_days"]),
        )
    return category


@transaction.atomic
def warranty_policy_create(*, actor: User | None, name: str, months: int, **fields: Any) -> WarrantyPolicy:
    """Create a warranty policy: its length in months and what it covers."""
    require_manager(actor)
    if months < 0:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"months": [_("Enter zero or more months.")]}
        )
    if WarrantyPolicy.objects.filter(name=name).exists():
        raise Conflict(_("A warranty policy with this name already exists."), code="duplicate_policy")
    policy = WarrantyPolicy.objects.create(name=name, months=months, **fields)
    audit_record(
        actor=actor,
        action="warranty_policy.create",
        obj=policy,
        after=snapshot(policy, ["name", "months", "covers_parts", "covers_labour", "covers_onsite"]),
    )
    return policy


@transaction.atomic
def product_create(*, actor: User | None, sku: str, name: str, **fields: Any) -> Product:
    """Add a product to the catalogue."""
    require_manager(actor)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown product fields: {sorted(unknown)}")
    sku = sku.strip()
    if not sku:
        raise ValidationFailed(_("Some fields are not valid."), fields={"sku": [_("Enter a SKU.")]})
    values = _check_product_fields({"name": name, **fields})
    if Product.objects.filter(sku=sku).exists():
        raise Conflict(_("A product with this SKU already exists."), code="duplicate_sku")
    product = Product.objects.create(sku=sku, **values)
    audit_record(
        actor=actor, action="product.create", obj=product, after=snapshot(product, ("sku", *PRODUCT_FIELDS))
    )
    return product


@transaction.atomic
def product_update(*, actor: User | None, product: Product, **fields: Any) -> Product:
    """Change a product's details or policies."""
    require_manager(actor)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown product fields: {sorted(unknown)}")
    values = _check_product_fields(fields)
    before = snapshot(product, PRODUCT_FIELDS)
    for name, value in values.items():
        setattr(product, name, value)
    if values:
        product.save(update_fields=[*values, "updated_at"])
    old, new = changed(before, snapshot(product, PRODUCT_FIELDS))
    if new:
        audit_record(actor=actor, action="product.update", obj=product, before=old, after=new)
    return product


def product_upsert(*, actor: User | None, sku: str, name: str, **fields: Any) -> tuple[Product, bool]:
    """Create or update the product with `sku`; True when created."""
    existing = Product.objects.filter(sku=sku.strip()).first()
    if existing is None:
        return product_create(actor=actor, sku=sku, name=name, **fields), True
    return product_update(actor=actor, product=existing, name=name, **fields), False
