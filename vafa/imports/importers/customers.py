"""The customers file: upserted by (source, external id); contacts are added, organisations created by name."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vafa.core.i18n import choose_one_of, language_codes
from vafa.customers.contacts import normalize_email, normalize_phone
from vafa.customers.models import ContactPoint, Customer, Organisation, Tier
from vafa.customers.services import customer_create, customer_update, organisation_create
from vafa.imports.cells import normalise_digits, parse_bool, split_list
from vafa.imports.engine import Column, Importer, Row
from vafa.imports.importers.common import Items, by_external_id


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
        self.languages = language_codes()

    def parse(self, row: Row) -> CustomerRecord:
        fields: dict[str, Any] = {}
        external_id = row.text("external_id", required=True, max_length=100)
        name = row.text("name", required=True, max_length=200)
        if (language := row.text("language")) is not None:
            if language.lower() in self.languages:
                fields["language"] = language.lower()
            else:
                row.error(
                    "language",
                    choose_one_of(sorted(self.languages)),
                )
        if (time_zone := row.text("time_zone")) is not None:
            try:
                zoneinfo.ZoneInfo(time_zone)
                fields["time_zone"] = time_zone
            except (
                zoneinfo.ZoneInfoNotFoundError,
                ValueError,
                OSError,
            ):  # OSError: a directory, e.g. "America"
                row.error("time_zone", _("Unknown time zone; use a name such as Asia/Tehran."))
        if (tier := row.text("tier")) is not None:
            if tier.lower() in Tier.values:
                fields["tier"] = tier.lower()
            else:
                row.error("tier", choose_one_of(Tier.values))
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
        known_ids = set(
            by_external_id(Organisation, self.source, names).values_list("external_id", flat=True)
        )
        named = Counter(
            Organisation.objects.filter(name__in=names - known_ids).values_list("name", flat=True)
        )
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
                    row.error(
                        "email",
                        _("This e-mail address is also on row %(row)s.") % {"row": earlier[0]},
                        value=email,
                    )
                    continue
                self.seen_emails[email] = (row.line, record.external_id)
                owner = owners.get(email)
                if owner is not None and owner != (self.source, record.external_id):
                    row.error("email", _("This e-mail address belongs to another customer."), value=email)
            if (
                record.organisation
                and record.organisation not in known_ids
                and named[record.organisation] > 1
            ):
                row.error(
                    "organisation",
                    _("Several organisations have this name; give the organisation's external id."),
                )

    def _organisations(self, names: set[str]) -> None:
        """Load the organisations a chunk names (by external id first, then by name) into the cache."""
        wanted = names - set(self.organisations)
        if not wanted:
            return
        for organisation in by_external_id(Organisation, self.source, wanted):
            self.organisations[organisation.external_id] = organisation
        for organisation in Organisation.objects.filter(name__in=wanted - set(self.organisations)).order_by(
            "id"
        ):
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
            for customer in by_external_id(
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
                            actor=None,
                            name=record.name,
                            emails=record.emails,
                            phones=record.phones,
                            external_source=self.source,
                            external_id=record.external_id,
                            **fields,
                        )
                continue
            changes = {
                name: value
                for name, value in fields.items()
                if name != "organisation" and getattr(customer, name) != value
            }
            if "organisation" in fields and (
                fields["organisation"].pk is None or fields["organisation"].pk != customer.organisation_id
            ):
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
                    customer_update(
                        actor=None, customer=customer, emails=new_emails, phones=new_phones, **changes
                    )
