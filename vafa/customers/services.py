"""Writes for customers, their contact points and organisations."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import User
from vafa.accounts.permissions import require_manager, require_staff
from vafa.core.errors import Conflict, NotFound, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.core.jobs import work_publish
from vafa.customers.contacts import normalize_email, normalize_phone
from vafa.customers.models import ContactPoint, Customer, Organisation, Tier
from vafa.customers.search import customer_search_index, customers_search_index
from vafa.customers.selectors import customer_find_by_email

CUSTOMER_FIELDS = (
    "name",
    "organisation",
    "language",
    "time_zone",
    "tier",
    "consent_marketing",
    "consent_surveys",
    "address",
    "city",
    "country",
    "notes",
    "external_source",
    "external_id",
)
ORGANISATION_FIELDS = (
    "name",
    "domain",
    "tier",
    "share_with_members",
    "notes",
    "external_source",
    "external_id",
)


def _check_customer_fields(values: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    languages = language_codes()
    if "name" in values and not str(values["name"] or "").strip():
        errors["name"] = [_("Enter a name.")]
    if "language" in values and values["language"] not in languages:
        errors["language"] = [choose_one_of(sorted(languages))]
    if "tier" in values and values["tier"] not in Tier.values:
        errors["tier"] = [choose_one_of(Tier.values)]
    if "time_zone" in values:
        try:
            zoneinfo.ZoneInfo(str(values["time_zone"]))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a key naming a directory of the zone database, e.g. "America".
            errors["time_zone"] = [_("Unknown time zone.")]
    if "country" in values and values["country"] and len(str(values["country"])) != 2:
        errors["country"] = [_("Use a two-letter country code.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)


def _normalise_contacts(
    emails: Iterable[str], phones: Iterable[str], region: str | None
) -> tuple[list[str], list[str]]:
    errors: dict[str, list[Any]] = {}
    clean_emails: list[str] = []
    clean_phones: list[str] = []
    for email in emails:
        try:
            value = normalize_email(email)
        except ValidationError as exc:
            errors.setdefault("emails", []).extend(exc.messages)
            continue
        if value not in clean_emails:
            clean_emails.append(value)
    for phone in phones:
        try:
            value = normalize_phone(phone, region)
        except ValidationError as exc:
            errors.setdefault("phones", []).extend(exc.messages)
            continue
        if value not in clean_phones:
            clean_phones.append(value)
    if errors:
        raise ValidationFailed(_("Some contact details are not valid."), fields=errors)
    return clean_emails, clean_phones


def _claim_emails(customer: Customer | None, emails: Sequence[str]) -> None:
    taken = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__in=emails)
    if customer is not None:
        taken = taken.exclude(customer=customer)
    owners = list(taken.values_list("value", flat=True))
    if owners:
        raise Conflict(
            _("This e-mail address belongs to another customer: %(emails)s") % {"emails": ", ".join(owners)},
            code="duplicate_email",
            fields={"emails": [_("Already used by another customer.")]},
        )


def _add_contacts(
    customer: Customer, emails: Sequence[str], phones: Sequence[str], *, new: bool = False
) -> tuple[list[str], list[str]]:
    """Add the e-mails and phones the customer does not have yet; return those added.

    `new`: the customer was created just now and has no contact points to look at.
    """
    if new:
        has_email = has_phone = False
        existing: set[tuple[str, str]] = set()
    else:
        has_email = customer.contact_points.filter(kind=ContactPoint.Kind.EMAIL, is_primary=True).exists()
        has_phone = customer.contact_points.filter(kind=ContactPoint.Kind.PHONE, is_primary=True).exists()
        existing = set(customer.contact_points.values_list("kind", "value"))
    rows = []
    for index, email in enumerate(emails):
        if (ContactPoint.Kind.EMAIL, email) not in existing:
            rows.append(
                ContactPoint(
                    customer=customer,
                    kind=ContactPoint.Kind.EMAIL,
                    value=email,
                    is_primary=not has_email and index == 0,
                )
            )
    for index, phone in enumerate(phones):
        if (ContactPoint.Kind.PHONE, phone) not in existing:
            rows.append(
                ContactPoint(
                    customer=customer,
                    kind=ContactPoint.Kind.PHONE,
                    value=phone,
                    is_primary=not has_phone and index == 0,
                )
            )
    try:
        with transaction.atomic():
            ContactPoint.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise Conflict(_("This e-mail address belongs to another customer."), code="duplicate_email") from exc
    added_emails = [r.value for r in rows if r.kind == ContactPoint.Kind.EMAIL]
    added_phones = [r.value for r in rows if r.kind == ContactPoint.Kind.PHONE]
    return added_emails, added_phones


@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    name: str,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    **fields: Any,
) -> Customer:
    """Create a customer with their e-mail addresses and phone numbers (normalised to E.164)."""
    require_staff(actor)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    values = {"name": name.strip(), **fields}
    _check_customer_fields(values)
    clean_emails, clean_phones = _normalise_contacts(emails, phones, values.get("country"))
    _claim_emails(None, clean_emails)
    # The exclude repeats the unique index's condition: SQLite uses a partial index only then.
    if (
        values.get("external_id")
        and Customer.objects.filter(
            external_source=values.get("external_source", ""), external_id=values["external_id"]
        )
        .exclude(external_id="")
        .exists()
    ):
        raise Conflict(_("A customer with this external id already exists."), code="duplicate_external_id")
    if "consent_marketing" in values or "consent_surveys" in values:
        values["consent_updated_at"] = timezone.now()
    customer = Customer.objects.create(**values)
    _add_contacts(customer, clean_emails, clean_phones, new=True)
    customer_search_index(customer)
    audit_record(
        actor=actor,
        action="customer.create",
        obj=customer,
        after={**snapshot(customer, CUSTOMER_FIELDS), "emails": clean_emails, "phones": clean_phones},
    )
    work_publish("customer.created", {"customer_id": customer.pk}, key=f"customer:{customer.pk}:created")
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: User | None,
    customer: Customer,
    emails: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    **fields: Any,
) -> Customer:
    """Change a customer's details; e-mails and phones given are added to the ones they have."""
    require_staff(actor)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    _check_customer_fields(fields)
    clean_emails, clean_phones = _normalise_contacts(
        emails or (), phones or (), fields.get("country", customer.country)
    )
    _claim_emails(customer, clean_emails)
    before = snapshot(customer, CUSTOMER_FIELDS)
    for name, value in fields.items():
        setattr(customer, name, value.strip() if name == "name" else value)
    update_fields = [
        name for name, value in snapshot(customer, CUSTOMER_FIELDS).items() if before.get(name) != value
    ]
    if "consent_marketing" in update_fields or "consent_surveys" in update_fields:
        customer.consent_updated_at = timezone.now()
        update_fields.append("consent_updated_at")
    if update_fields:
        customer.save(update_fields=[*update_fields, "updated_at"])
    added_emails, added_phones = _add_contacts(customer, clean_emails, clean_phones)
    if update_fields or added_emails or added_phones:
        customer_search_index(customer)
    old, new = changed(before, snapshot(customer, CUSTOMER_FIELDS))
    if added_emails or added_phones:
        new = {**new, "emails_added": added_emails, "phones_added": added_phones}
    if new:
        audit_record(actor=actor, action="customer.update", obj=customer, before=old, after=new)
        work_publish(
            "customer.updated",
            {"customer_id": customer.pk, "changed": sorted(new)},
            key=f"customer:{customer.pk}:updated:{timezone.now().isoformat()}",
        )
    return customer


def customer_upsert(
    *,
    actor: User | None,
    external_source: str,
    external_id: str,
    name: str,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    **fields: Any,
) -> tuple[Customer, bool]:
    """Create or update the customer known by (source, external id); True when created."""
    if not external_id:
        raise ValidationFailed(_("An external id is required."), fields={"external_id": [_("Required.")]})
    existing = (
        Customer.objects.filter(external_source=external_source, external_id=external_id)
        .exclude(external_id="")
        .first()
    )
    if existing is None:
        customer = customer_create(
            actor=actor,
            name=name,
            emails=emails,
            phones=phones,
            external_source=external_source,
            external_id=external_id,
            **fields,
        )
        return customer, True
    return customer_update(
        actor=actor, customer=existing, emails=emails, phones=phones, name=name, **fields
    ), False


def customer_for_email(*, email: str, name: str = "", language: str | None = None) -> Customer:
    """Find the customer with this e-mail address, or create one as a first request from it would."""
    existing = customer_find_by_email(email)
    if existing is not None:
        return existing
    address = email.strip().lower()
    fields: dict[str, Any] = {"language": language} if language else {}
    return customer_create(
        actor=None, name=(name.strip() or address.partition("@")[0])[:200], emails=[address], **fields
    )


@transaction.atomic
def customer_remove_contact(*, actor: User | None, customer: Customer, value: str) -> Customer:
    """Take an e-mail address or phone number off a customer (a wrong or abandoned one)."""
    require_staff(actor)
    point = customer.contact_points.filter(value=value.strip()).first()
    if point is None and "@" in value:
        point = customer.contact_points.filter(value=value.strip().lower()).first()
    if point is None:
        raise NotFound(_("The customer has no such e-mail address or phone number."))
    point.delete()
    if point.is_primary:
        successor = customer.contact_points.filter(kind=point.kind).order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    customer.save(update_fields=["updated_at"])
    customer_search_index(customer)
    audit_record(
        actor=actor,
        action="customer.remove_contact",
        obj=customer,
        before={"kind": point.kind, "value": point.value},
        after={},
    )
    return customer


def _check_organisation_fields(values: dict[str, Any]) -> None:
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationFailed(_("Some fields are not valid."), fields={"name": [_("Enter a name.")]})
    if "tier" in values and values["tier"] not in Tier.values:
        raise ValidationFailed(_("Some fields are not valid."), fields={"tier": [_("Unknown tier.")]})


@transaction.atomic
def organisation_create(*, actor: User | None, name: str, **fields: Any) -> Organisation:
    """Create a business customer (organisation)."""
    require_manager(actor)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    values = {"name": name.strip(), **fields}
    _check_organisation_fields(values)
    if (
        values.get("external_id")
        and Organisation.objects.filter(
            external_source=values.get("external_source", ""), external_id=values["external_id"]
        )
        .exclude(external_id="")
        .exists()
    ):
        raise Conflict(
            _("An organisation with this external id already exists."), code="duplicate_external_id"
        )
    organisation = Organisation.objects.create(**values)
    audit_record(
        actor=actor,
        action="organisation.create",
        obj=organisation,
        after=snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: User | None, organisation: Organisation, **fields: Any) -> Organisation:
    """Change an organisation's details, including whether members see each other's requests."""
    require_manager(actor)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    _check_organisation_fields(fields)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    for name, value in fields.items():
        setattr(organisation, name, value)
    if fields:
        organisation.save(update_fields=[*fields, "updated_at"])
    old, new = changed(before, snapshot(organisation, ORGANISATION_FIELDS))
    if "name" in new:
        customers_search_index(organisation.members.all())
    if new:
        audit_record(actor=actor, action="organisation.update", obj=organisation, before=old, after=new)
    return organisation


def contact_email_failing(*, address: str, at: dt.datetime, reason: str = "") -> int:
    """Mark a customer's e-mail address as failing (a bounce); return how many addresses changed."""
    points = list(
        ContactPoint.objects.select_related("customer").filter(
            kind=ContactPoint.Kind.EMAIL, value=address.strip().lower(), failing_since__isnull=True
        )
    )
    for point in points:
        ContactPoint.objects.filter(pk=point.pk).update(failing_since=at)
        audit_record(
            actor=None,
            action="customer.contact_failing",
            obj=point.customer,
            after={"address": point.value, "reason": reason[:200]},
        )
    return len(points)


def contact_email_working(*, address: str) -> int:
    """Clear the failing mark of an address the customer has just written from."""
    return ContactPoint.objects.filter(
        kind=ContactPoint.Kind.EMAIL, value=address.strip().lower(), failing_since__isnull=False
    ).update(failing_since=None)
