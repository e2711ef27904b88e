"""One importer per kind of file: how its rows are read, checked and written through the domain services.

Rows are looked up in chunks (`__in` queries), never one query per row. A row whose values equal
what the database holds is counted as unchanged and no service is called for it, so re-importing a
file writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _

from vafa.catalog.models import Category, Product, WarrantyPolicy
from vafa.catalog.services import category_upsert, product_create, product_update, warranty_policy_create
from vafa.core.dates import add_months
from vafa.core.money import is_currency
from vafa.customers.contacts import normalize_email, normalize_phone
from vafa.customers.models import ContactPoint, Customer, Organisation, Tier
from vafa.customers.services import customer_create, customer_update, organisation_create
from vafa.imports.engine import (
    CHUNK_SIZE,
    ApplyFailed,
    Column,
    Importer,
    Row,
    normalise_digits,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    split_list,
)
from vafa.sales.models import Order, OrderLine, SalesChannel, Unit
from vafa.sales.services import LineInput, order_create, order_update, unit_create, unit_update

Items = list[tuple[Row, Any]]
M = TypeVar("M", bound=Model)
_CATEGORY_CODE = re.compile(r"[-a-zA-Z0-9_]+")


def _by_external_id(model: type[M], source: str, external_ids: Iterable[str]) -> QuerySet[M]:
    """Records of `model` with these external ids from `source`, found through the unique index."""
    # The exclude repeats the partial unique index's condition: SQLite uses such an index only then.
    return model._default_manager.filter(external_source=source, external_id__in=set(external_ids)).exclude(
        external_id=""
    )


def _email(row: Row, column: str) -> str | None:
    value = row.text(column)
    if value is None:
        return None
    try:
        return normalize_email(value)
    except ValidationError as exc:
        row.error(column, "; ".join(exc.messages))
        return None


class _CustomerRefs:
    """Customers named in a chunk of rows, by external id (of the import's source) and by e-mail."""

    def __init__(self, source: str, external_ids: Iterable[str], emails: Iterable[str]) -> None:
        self.by_external_id = {
            c.external_id: c
            for c in _by_external_id(Customer, source, external_ids)
        }
        self.by_email = {
            point.value: point.customer
            for point in ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__in=set(emails))
            .select_related("customer")
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
            row.error(f"{prefix}_email", _("This e-mail address belongs to another customer than the external id."))
            return None
        return by_id or by_email


# --- customers ------------------------------------------------------------------------------------


@dataclass(slots=True)
class CustomerRecord:
    external_id: str
    name: str
    emails: list[str]
    phones: list[str]
    organisation: str | None
    fields: dict[str, Any]


class CustomerImporter(Importer):
    """Customers, upserted by external id; e-mails and phones are added to those they already have."""

    kind = "customers"
    columns = (
        Column("external_id", required=True),
        Column("name", required=True),
        Column("email", aliases=("emails", "e_mail")),
        Column("phone", aliases=("phones",)),
        Column("language"),
        Column("time_zone", aliases=("timezone",)),
        Column("tier"),
        Column("organisation", aliases=("organization", "company")),
        Column("consent_marketing"),
        Column("consent_surveys"),
        Column("address"),
        Column("city"),
        Column("country"),
        Column("notes"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[str, int] = {}
        self.seen_emails: dict[str, tuple[int, str]] = {}
        self.organisations: dict[str, Organisation] = {}
        self.languages = {code for code, _name in settings.LANGUAGES}

    def parse(self, row: Row) -> CustomerRecord:
        fields: dict[str, Any] = {}
        external_id = row.text("external_id", required=True, max_length=100)
        name = row.text("name", required=True, max_length=200)
        if (language := row.text("language")) is not None:
            if language.lower() in self.languages:
                fields["language"] = language.lower()
            else:
                row.error("language", _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(self.languages))})
        if (time_zone := row.text("time_zone")) is not None:
            try:
                zoneinfo.ZoneInfo(time_zone)
                fields["time_zone"] = time_zone
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, e.g. "America"
                row.error("time_zone", _("Unknown time zone; use a name such as Asia/Tehran."))
        if (tier := row.text("tier")) is not None:
            if tier.lower() in Tier.values:
                fields["tier"] = tier.lower()
            else:
                row.error("tier", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Tier.values)})
        if (country := row.text("country")) is not None:
            if len(country) == 2 and country.isascii() and country.isalpha():
                fields["country"] = country.upper()
            else:
                row.error("country", _("Use a two-letter country code such as IR."))
        for column in ("consent_marketing", "consent_surveys"):
            if (consent := row.parse(column, parse_bool)) is not None:
                fields[column] = consent
        for column, limit in (("address", None), ("city", 100), ("notes", None)):
            if (text := row.text(column, max_length=limit)) is not None:
                fields[column] = text
        emails: list[str] = []
        for item in split_list(row.raw("email")):
            try:
                email = normalize_email(item)
            except ValidationError as exc:
                row.error("email", "; ".join(exc.messages), value=item)
                continue
            if email not in emails:
                emails.append(email)
        phones: list[str] = []
        for item in split_list(row.raw("phone")):
            try:
                phone = normalize_phone(normalise_digits(item), fields.get("country"))
            except ValidationError as exc:
                row.error("phone", "; ".join(exc.messages), value=item)
                continue
            if phone not in phones:
                phones.append(phone)
        organisation = row.text("organisation", max_length=200)
        return CustomerRecord(external_id or "", name or "", emails, phones, organisation, fields)

    def check(self, items: Items) -> None:
        emails = {email for _row, record in items for email in record.emails}
        owners = {
            value: (source, external_id)
            for value, source, external_id in ContactPoint.objects.filter(
                kind=ContactPoint.Kind.EMAIL, value__in=emails
            ).values_list("value", "customer__external_source", "customer__external_id")
        }
        names = {record.organisation for _row, record in items if record.organisation}
        by_external_id = set(_by_external_id(Organisation, self.source, names).values_list("external_id", flat=True))
        named = Counter(Organisation.objects.filter(name__in=names - by_external_id).values_list("name", flat=True))
        for row, record in items:
            first = self.seen.get(record.external_id)
            if first is not None:
                row.error("external_id", _("The same external id is on row %(row)s.") % {"row": first})
                continue
            if record.external_id:
                self.seen[record.external_id] = row.line
            for email in record.emails:
                earlier = self.seen_emails.get(email)
                if earlier is not None:
                    row.error("email", _("This e-mail address is also on row %(row)s.") % {"row": earlier[0]}, value=email)
                    continue
                self.seen_emails[email] = (row.line, record.external_id)
                owner = owners.get(email)
                if owner is not None and owner != (self.source, record.external_id):
                    row.error("email", _("This e-mail address belongs to another customer."), value=email)
            if record.organisation and record.organisation not in by_external_id and named[record.organisation] > 1:
                row.error("organisation", _("Several organisations have this name; give the organisation's external id."))

    def _organisations(self, names: set[str]) -> None:
        """Load the organisations a chunk names (by external id first, then by name) into the cache."""
        wanted = names - set(self.organisations)
        if not wanted:
            return
        for organisation in _by_external_id(Organisation, self.source, wanted):
            self.organisations[organisation.external_id] = organisation
        for organisation in Organisation.objects.filter(name__in=wanted - set(self.organisations)).order_by("id"):
            self.organisations.setdefault(organisation.name, organisation)

    def _organisation(self, row: Row, name: str) -> Organisation:
        organisation = self.organisations.get(name)
        if organisation is None:
            # A name no organisation has yet: the shop's export names the company, so create it.
            self.count("organisations", "created")
            if self.dry_run:
                organisation = Organisation(name=name)
            else:
                with self.guard(row):
                    organisation = organisation_create(actor=None, name=name)
            self.organisations[name] = organisation
        return organisation

    def apply(self, items: Items) -> None:
        existing = {
            customer.external_id: customer
            for customer in _by_external_id(
                Customer, self.source, (record.external_id for _row, record in items)
            ).prefetch_related("contact_points")
        }
        self._organisations({record.organisation for _row, record in items if record.organisation})
        for row, record in items:
            fields = dict(record.fields)
            if record.organisation:
                fields["organisation"] = self._organisation(row, record.organisation)
            customer = existing.get(record.external_id)
            if customer is None:
                self.count("customers", "created")
                if not self.dry_run:
                    with self.guard(row):
                        customer_create(
                            actor=None, name=record.name, emails=record.emails, phones=record.phones,
                            external_source=self.source, external_id=record.external_id, **fields,
                        )
                continue
            changes = {name: value for name, value in fields.items() if name != "organisation" and getattr(customer, name) != value}
            if "organisation" in fields and (fields["organisation"].pk is None or fields["organisation"].pk != customer.organisation_id):
                changes["organisation"] = fields["organisation"]
            if record.name != customer.name:
                changes["name"] = record.name
            known = {(point.kind, point.value) for point in customer.contact_points.all()}
            new_emails = [email for email in record.emails if (ContactPoint.Kind.EMAIL, email) not in known]
            new_phones = [phone for phone in record.phones if (ContactPoint.Kind.PHONE, phone) not in known]
            if not changes and not new_emails and not new_phones:
                self.count("customers", "unchanged")
                continue
            self.count("customers", "updated")
            if not self.dry_run:
                with self.guard(row):
                    customer_update(actor=None, customer=customer, emails=new_emails, phones=new_phones, **changes)


# --- products -------------------------------------------------------------------------------------


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
            row.error("warranty_months", _("Give warranty_months (or warranty_policy) with the cover columns."))
        return ProductRecord(sku or "", name or "", names, category_code, category_name, policy_name, months,
                             covers, fields)

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
                elif record.category_code not in known_codes and record.category_code not in self.file_categories:
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
            policy for policy in self.policies.values()
            if policy.pk is not None and policy.months == months
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
                row.error("warranty_months", _("The warranty policy %(name)s lasts %(months)s months.")
                          % {"name": name, "months": policy.months})
            for column, covered in (record.covers.items() if record.policy_name else covers.items()):
                if getattr(policy, column) != covered:
                    row.error(column, _("The warranty policy %(name)s has another cover; change the policy itself.")
                              % {"name": name})
            return
        if record.months is None:
            row.error("warranty_policy", _("No warranty policy has this name; add warranty_months to create it."))
            return
        planned = self.file_policies.get(name)
        if planned is not None and planned[:2] != (record.months, covers):
            row.error("warranty_policy", _("Row %(row)s defines this warranty policy differently.") % {"row": planned[2]})
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
                policy = WarrantyPolicy(name=name, months=record.months, **covers)
            else:
                with self.guard(row):
                    policy = warranty_policy_create(actor=None, name=name, months=record.months or 0, **covers)
            self.policies[name] = policy
        return policy

    def apply(self, items: Items) -> None:
        skus = [record.sku for _row, record in items]
        existing = {p.sku: p for p in Product.objects.filter(sku__in=skus).select_related("category")}
        codes = {record.category_code for _row, record in items if record.category_code} - set(self.categories)
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
                        product_create(actor=None, sku=record.sku, name=record.name, names=record.names, **fields)
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


# --- orders ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderRecord:
    external_id: str
    header: dict[str, Any]
    customer_external_id: str | None
    customer_email: str | None
    sku: str | None
    quantity: int
    unit_price: Decimal | None
    serials: list[str]


@dataclass(slots=True)
class _OrderInfo:
    first_line: int
    last_line: int
    header: dict[str, Any]
    itemised: bool


_HEADER_COLUMNS = {"number": "order_number", "placed_at": "placed_at", "sales_channel": "sales_channel",
                   "currency": "currency", "status": "status", "total_amount": "total_amount"}


class OrderImporter(Importer):
    """Orders, upserted by external id: several line rows with one order id make one order; or one total row."""

    kind = "orders"
    columns = (
        Column("order_external_id", required=True, aliases=("order_id",)),
        Column("order_number"),
        Column("customer_external_id"),
        Column("customer_email"),
        Column("placed_at", required=True),
        Column("sales_channel"),
        Column("currency"),
        Column("status"),
        Column("sku"),
        Column("quantity"),
        Column("unit_price"),
        Column("serial_numbers", aliases=("serials", "serial_number")),
        Column("total_amount", aliases=("total",)),
    )
    one_of = (("customer_external_id", "customer_email"), ("sku", "total_amount"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders: dict[str, _OrderInfo] = {}
        self.serials: dict[tuple[str, str], int] = {}
        self.buffer: dict[str, list[tuple[Row, OrderRecord]]] = {}
        self.ready: list[list[tuple[Row, OrderRecord]]] = []

    def parse(self, row: Row) -> OrderRecord:
        external_id = row.text("order_external_id", required=True, max_length=100)
        header: dict[str, Any] = {"number": row.text("order_number", max_length=64) or external_id}
        header["placed_at"] = row.parse("placed_at", parse_datetime, required=True, jalali=self.options.jalali)
        if (channel := row.text("sales_channel")) is not None:
            if channel.lower() in SalesChannel.values:
                header["sales_channel"] = channel.lower()
            else:
                row.error("sales_channel", _("Choose one of: %(choices)s.") % {"choices": ", ".join(SalesChannel.values)})
        if (currency := row.text("currency")) is not None:
            if is_currency(currency.upper()):
                header["currency"] = currency.upper()
            else:
                row.error("currency", _("Use an ISO-4217 currency code such as IRR."))
        if (status := row.text("status")) is not None:
            if status.lower() in Order.Status.values:
                header["status"] = status.lower()
            else:
                row.error("status", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Order.Status.values)})
        total = row.parse("total_amount", parse_amount)
        if total is not None:
            header["total_amount"] = total
        customer_external_id = row.text("customer_external_id", max_length=100)
        customer_email = _email(row, "customer_email")
        if customer_external_id is None and customer_email is None and not row.raw("customer_email"):
            row.error("customer_external_id", _("Give the customer's external id or e-mail address."))
        sku = row.text("sku", max_length=64)
        quantity = 1
        unit_price: Decimal | None = None
        serials: list[str] = []
        if sku is None:
            if total is None and not row.raw("total_amount"):
                row.error("sku", _("Give a SKU (a line row) or the order's total_amount (a total row)."))
            for column in ("quantity", "unit_price", "serial_numbers"):
                if row.raw(column):
                    row.error(column, _("A row without a SKU is an order total; leave this column empty."))
        else:
            quantity = row.parse("quantity", parse_int, minimum=1) or 1
            unit_price = row.parse("unit_price", parse_amount, required=True)
            serials = split_list(row.raw("serial_numbers"))
            if len(serials) > quantity:
                row.error("serial_numbers", _("More serial numbers than items on the line."))
            if len(set(serials)) != len(serials):
                row.error("serial_numbers", _("A serial number appears twice."))
            if any(len(serial) > 100 for serial in serials):
                row.error("serial_numbers", _("A serial number has at most 100 characters."))
        return OrderRecord(external_id or "", header, customer_external_id, customer_email, sku, quantity,
                           unit_price, serials)

    def check(self, items: Items) -> None:
        refs = _CustomerRefs(
            self.source,
            (r.customer_external_id for _row, r in items if r.customer_external_id),
            (r.customer_email for _row, r in items if r.customer_email),
        )
        skus = {record.sku for _row, record in items if record.sku}
        known_skus = set(Product.objects.filter(sku__in=skus).values_list("sku", flat=True))
        for row, record in items:
            readable = not row.errors
            customer = refs.resolve(row, record.customer_external_id, record.customer_email, "customer")
            header = {**record.header, "customer": customer.pk if customer else None}
            if record.sku is not None and record.sku not in known_skus:
                row.error("sku", _("No product has this SKU."))
            for serial in record.serials:
                first = self.serials.get((record.sku or "", serial))
                if first is not None:
                    row.error("serial_numbers", _("This serial number is also on row %(row)s.") % {"row": first}, value=serial)
                self.serials.setdefault((record.sku or "", serial), row.line)
            if not record.external_id:
                continue
            info = self.orders.get(record.external_id)
            if info is None:
                self.orders[record.external_id] = _OrderInfo(row.line, row.line, header, record.sku is not None)
                continue
            if not info.itemised or record.sku is None:
                row.error("order_external_id", _("The same order is on row %(row)s; an order has either line rows "
                                                  "or one total row.") % {"row": info.first_line})
                continue
            for name in sorted(set(header) | set(info.header)) if readable else ():
                if header.get(name) != info.header.get(name):
                    column = _HEADER_COLUMNS.get(name, "customer_external_id")
                    row.error(column, _("Differs from row %(row)s of the same order.") % {"row": info.first_line})
            info.last_line = row.line

    def apply(self, items: Items) -> None:
        for row, record in items:
            lines = self.buffer.setdefault(record.external_id, [])
            lines.append((row, record))
            if row.line == self.orders[record.external_id].last_line:
                self.ready.append(self.buffer.pop(record.external_id))
        if len(self.ready) >= CHUNK_SIZE:
            self._apply_orders(self.ready)
            self.ready = []

    def finish(self) -> None:
        self._apply_orders(self.ready)
        self.ready = []

    def _apply_orders(self, groups: list[list[tuple[Row, OrderRecord]]]) -> None:
        if not groups:
            return
        records = [record for group in groups for _row, record in group]
        refs = _CustomerRefs(
            self.source,
            (r.customer_external_id for r in records if r.customer_external_id),
            (r.customer_email for r in records if r.customer_email),
        )
        products = {p.sku: p for p in Product.objects.filter(sku__in={r.sku for r in records if r.sku})
                    .select_related("warranty_policy")}
        existing = {
            order.external_id: order
            for order in _by_external_id(
                Order, self.source, (group[0][1].external_id for group in groups)
            ).prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        }
        serials = {r.sku: set(r.serials) for r in records if r.serials}
        units = {
            (unit.product_id, unit.serial_number): unit
            for unit in Unit.objects.filter(
                serial_number__in={s for values in serials.values() for s in values},
                product__sku__in=set(serials),
            ).select_related("order_line")
        }
        for group in groups:
            self._apply_order(group, refs, products, existing.get(group[0][1].external_id), units)

    def _apply_order(
        self,
        group: list[tuple[Row, OrderRecord]],
        refs: _CustomerRefs,
        products: dict[str, Product],
        order: Order | None,
        units: dict[tuple[int, str], Unit],
    ) -> None:
        row, first = group[0]
        customer = refs.resolve(row, first.customer_external_id, first.customer_email, "customer")
        if customer is None:  # deleted since the file was checked
            raise ApplyFailed(row.errors)
        header = dict(first.header)
        lines = [
            LineInput(product=products[r.sku], quantity=r.quantity, unit_price=r.unit_price or Decimal("0"),
                      serial_numbers=r.serials)
            for _row, r in group if r.sku is not None
        ]
        if lines and "total_amount" not in header:
            header["total_amount"] = sum((line.quantity * Decimal(line.unit_price) for line in lines), Decimal("0.00"))
        order_line_ids = {line.pk for line in order.lines.all()} if order else set()
        for line in lines:
            for serial in line.serial_numbers:
                unit = units.get((line.product.pk, serial))
                if unit is None:
                    self.count("units", "created")
                elif unit.owner_id != customer.pk or unit.order_line_id not in order_line_ids:
                    self.count("units", "updated")
        if order is None:
            self.count("orders", "created")
            if not self.dry_run:
                with self.guard(row):
                    order_create(actor=None, customer=customer, lines=lines, external_source=self.source,
                                 external_id=first.external_id, **header)
            return
        changes = {name: value for name, value in header.items() if getattr(order, name) != value}
        if order.customer_id != customer.pk:
            changes["customer"] = customer
        same_lines = Counter((line.product_id, line.quantity, line.unit_price) for line in order.lines.all()) == Counter(
            (line.product.pk, line.quantity, Decimal(line.unit_price)) for line in lines
        )
        same_units = all(
            (unit := units.get((line.product.pk, serial))) is not None
            and unit.owner_id == customer.pk and unit.order_line_id in order_line_ids
            for line in lines for serial in line.serial_numbers
        )
        if not changes and (not lines or (same_lines and same_units)):
            self.count("orders", "unchanged")
            return
        self.count("orders", "updated")
        if not self.dry_run:
            with self.guard(row):
                if "customer" in changes or "placed_at" in changes:
                    # Units of the order take the owner and purchase day the order has when they are written.
                    order_update(actor=None, order=order, **changes)
                    changes = {}
                order_update(actor=None, order=order, lines=lines or None, **changes)


# --- units ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class UnitRecord:
    sku: str
    serial_number: str
    owner_external_id: str | None
    owner_email: str | None
    order_external_id: str | None
    dates: dict[str, dt.date] = field(default_factory=dict)


_UNIT_DATES = ("purchased_on", "delivered_on", "warranty_start", "warranty_end", "extended_warranty_end")


def unit_target(product: Product, given: dict[str, Any], current: Unit | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The unit's values after an import row, with warranty dates filled from the product's policy.

    Follows the rules of `vafa.sales.services.unit_create`/`unit_update`, so that a row can be
    checked (and found unchanged) before anything is written; returns (values, errors by column).
    """
    merged: dict[str, Any] = {name: getattr(current, name) for name in (*_UNIT_DATES, "owner_id", "order_line_id")} if current else {}
    merged.update(given)
    if "warranty_start" not in given and (current is None or current.warranty_start is None):
        merged["warranty_start"] = merged.get("delivered_on") or merged.get("purchased_on")
    if ("warranty_end" not in given and (current is None or current.warranty_end is None)
            and merged.get("warranty_start") and product.warranty_policy_id):
        merged["warranty_end"] = add_months(merged["warranty_start"], product.warranty_policy.months)
    errors: dict[str, str] = {}
    start, end, extended = merged.get("warranty_start"), merged.get("warranty_end"), merged.get("extended_warranty_end")
    if start and end and end < start:
        errors["warranty_end"] = _("The warranty must end after it starts.")
    if extended and (not end or extended < end):
        errors["extended_warranty_end"] = _("An extended warranty must end after the warranty.")
    purchased, delivered = merged.get("purchased_on"), merged.get("delivered_on")
    if purchased and delivered and delivered < purchased:
        errors["delivered_on"] = _("A unit cannot be delivered before it was bought.")
    return merged, errors


class UnitImporter(Importer):
    """Serial-numbered units, upserted by (SKU, serial number); warranty ends follow the product's policy."""

    kind = "units"
    columns = (
        Column("serial_number", required=True, aliases=("serial",)),
        Column("sku", required=True),
        Column("owner_external_id", aliases=("customer_external_id",)),
        Column("owner_email", aliases=("customer_email",)),
        Column("purchased_on"),
        Column("delivered_on"),
        Column("warranty_start"),
        Column("warranty_end"),
        Column("extended_warranty_end"),
        Column("order_external_id", aliases=("order_id",)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[tuple[str, str], int] = {}

    def parse(self, row: Row) -> UnitRecord:
        serial = row.text("serial_number", required=True, max_length=100)
        sku = row.text("sku", required=True, max_length=64)
        dates = {}
        for column in _UNIT_DATES:
            if (day := row.parse(column, parse_date, jalali=self.options.jalali)) is not None:
                dates[column] = day
        return UnitRecord(sku or "", serial or "", row.text("owner_external_id", max_length=100),
                          _email(row, "owner_email"), row.text("order_external_id", max_length=100), dates)

    def _load(self, items: Items) -> tuple[_CustomerRefs, dict[str, Product], dict[str, Order], dict[tuple[int, str], Unit]]:
        records = [record for _row, record in items]
        refs = _CustomerRefs(self.source, (r.owner_external_id for r in records if r.owner_external_id),
                             (r.owner_email for r in records if r.owner_email))
        products = {p.sku: p for p in Product.objects.filter(sku__in={r.sku for r in records})
                    .select_related("warranty_policy")}
        orders = {
            o.external_id: o
            for o in _by_external_id(Order, self.source, (r.order_external_id for r in records if r.order_external_id))
            .select_related("customer").prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        }
        units = {
            (u.product_id, u.serial_number): u
            for u in Unit.objects.filter(
                product__sku__in=set(products), serial_number__in={r.serial_number for r in records}
            ).select_related("product__warranty_policy")
        }
        return refs, products, orders, units

    def _values(self, row: Row, record: UnitRecord, refs: _CustomerRefs, product: Product,
                orders: dict[str, Order], current: Unit | None) -> dict[str, Any]:
        """The fields the row gives (owner, order line, dates), with errors noted on the row."""
        given: dict[str, Any] = dict(record.dates)
        owner = None
        if record.owner_external_id or record.owner_email:
            owner = refs.resolve(row, record.owner_external_id, record.owner_email, "owner")
        if record.order_external_id:
            order = orders.get(record.order_external_id)
            line = next((li for li in order.lines.all() if li.product_id == product.pk), None) if order else None
            if order is None:
                row.error("order_external_id", _("No order has this external id."))
            elif line is None:
                row.error("order_external_id", _("The order has no line with this SKU."))
            else:
                given["order_line"] = line
                owner = owner or order.customer
                if current is None and "purchased_on" not in given:
                    given["purchased_on"] = order.placed_at.date()
        if owner is not None:
            given["owner"] = owner
        return given

    def check(self, items: Items) -> None:
        refs, products, orders, units = self._load(items)
        for row, record in items:
            if not record.sku or not record.serial_number:
                continue
            key = (record.sku, record.serial_number)
            first = self.seen.get(key)
            if first is not None:
                row.error("serial_number", _("The same SKU and serial number are on row %(row)s.") % {"row": first})
                continue
            self.seen[key] = row.line
            product = products.get(record.sku)
            if product is None:
                row.error("sku", _("No product has this SKU."))
                continue
            current = units.get((product.pk, record.serial_number))
            given = self._values(row, record, refs, product, orders, current)
            _merged, errors = unit_target(product, given, current)
            for column, message in errors.items():
                row.error(column, message)

    def apply(self, items: Items) -> None:
        refs, products, orders, units = self._load(items)
        for row, record in items:
            product = products[record.sku]
            current = units.get((product.pk, record.serial_number))
            given = self._values(row, record, refs, product, orders, current)
            if current is None:
                self.count("units", "created")
                if not self.dry_run:
                    with self.guard(row):
                        unit_create(actor=None, product=product, serial_number=record.serial_number, **given)
                continue
            merged, _errors = unit_target(product, _as_ids(given), current)
            if all(getattr(current, name) == merged.get(name) for name in (*_UNIT_DATES, "owner_id", "order_line_id")):
                self.count("units", "unchanged")
                continue
            self.count("units", "updated")
            if not self.dry_run:
                with self.guard(row):
                    unit_update(actor=None, unit=current, **given)


def _as_ids(given: dict[str, Any]) -> dict[str, Any]:
    values = {name: value for name, value in given.items() if name not in ("owner", "order_line")}
    if "owner" in given:
        values["owner_id"] = given["owner"].pk
    if "order_line" in given:
        values["order_line_id"] = given["order_line"].pk
    return values


IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer for importer in (CustomerImporter, ProductImporter, OrderImporter, UnitImporter)
}
