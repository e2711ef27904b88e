"""REST endpoints for customers and organisations: thin, one selector or service call each."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vafa.api.auth import require_manager, require_staff, viewer
from vafa.api.errors import ERRORS
from vafa.api.pagination import PageParams, paginate, sort_keys
from vafa.api.schemas import In, Ref, changes, referenced
from vafa.api.types import BodyId, Flag, Id, Language, Text
from vafa.customers import selectors, services
from vafa.customers.contacts import normalize_email, normalize_phone
from vafa.customers.models import ContactPoint, Customer, Organisation, Tier

router = Router(tags=["customers"])

Name = Text(200, min_length=1)
Email = Text(254)
Phone = Text(50)
TimeZone = Text(64)
Notes = Text(10_000)
Source = Text(50)
ExternalId = Text(100)


# --- customers ------------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    name: str
    organisation: Ref | None
    emails: list[str]
    phones: list[str]
    language: str
    time_zone: str
    tier: Tier
    consent_marketing: bool
    consent_surveys: bool
    consent_updated_at: dt.datetime | None
    address: str
    city: str
    country: str
    notes: str | None = Field(None, description="Staff only; null for customers.")
    external_source: str
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_emails(obj: Customer) -> list[str]:
        return [point.value for point in obj.contact_points.all() if point.kind == ContactPoint.Kind.EMAIL]

    @staticmethod
    def resolve_phones(obj: Customer) -> list[str]:
        return [point.value for point in obj.contact_points.all() if point.kind == ContactPoint.Kind.PHONE]

    @staticmethod
    def resolve_notes(obj: Customer, context: dict[str, Any]) -> str | None:
        return obj.notes if viewer(context["request"]).is_company_staff else None


class CustomerPage(Schema):
    items: list[CustomerOut]
    next: str | None


class CustomerIn(In):
    name: Name  # type: ignore[valid-type]
    email: Email | None = Field(None, description="The primary e-mail address; added before `emails`.")  # type: ignore[valid-type]
    emails: list[Email] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    phones: list[Phone] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    language: Language = "en"  # type: ignore[valid-type]
    time_zone: TimeZone | None = None  # type: ignore[valid-type]
    tier: Tier | None = None
    organisation_id: BodyId | None = None
    consent_marketing: Flag | None = None
    consent_surveys: Flag | None = None
    address: Text(2000) | None = None  # type: ignore[valid-type]
    city: Text(100) | None = None  # type: ignore[valid-type]
    country: Text(2) | None = None  # type: ignore[valid-type]
    notes: Notes | None = None  # type: ignore[valid-type]
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]


class CustomerPatch(In):
    name: Name | None = None  # type: ignore[valid-type]
    emails: list[Email] | None = Field(None, max_length=20, description="Added to the customer's addresses.")  # type: ignore[valid-type]
    phones: list[Phone] | None = Field(None, max_length=20, description="Added to the customer's numbers.")  # type: ignore[valid-type]
    language: Language | None = None  # type: ignore[valid-type]
    time_zone: TimeZone | None = None  # type: ignore[valid-type]
    tier: Tier | None = None
    organisation_id: BodyId | None = None
    consent_marketing: Flag | None = None
    consent_surveys: Flag | None = None
    address: Text(2000) | None = None  # type: ignore[valid-type]
    city: Text(100) | None = None  # type: ignore[valid-type]
    country: Text(2) | None = None  # type: ignore[valid-type]
    notes: Notes | None = None  # type: ignore[valid-type]
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]


CUSTOMER_SORTS = sort_keys({"created_at": ("created_at", "datetime"), "name": ("name", "str")})


class CustomerFilters(PageParams):
    email: Email | None = None  # type: ignore[valid-type]
    phone: Phone | None = None  # type: ignore[valid-type]
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]
    language: Language | None = None  # type: ignore[valid-type]
    tier: Tier | None = None
    organisation_id: Id | None = None
    q: Text(200, min_length=1) | None = Field(None, description="Name starts with (case-insensitive).")  # type: ignore[valid-type]
    sort: Literal["-created_at", "created_at", "name", "-name"] = "-created_at"


def _filter_customers(queryset: QuerySet[Customer], f: CustomerFilters) -> QuerySet[Customer]:
    if f.email is not None:
        try:
            email = normalize_email(f.email)
        except ValidationError:
            return queryset.none()
        queryset = queryset.filter(contact_points__kind=ContactPoint.Kind.EMAIL, contact_points__value=email)
    if f.phone is not None:
        try:
            phone = normalize_phone(f.phone)
        except ValidationError:
            return queryset.none()
        queryset = queryset.filter(contact_points__kind=ContactPoint.Kind.PHONE, contact_points__value=phone)
    if f.external_source is not None:
        queryset = queryset.filter(external_source=f.external_source)
    if f.external_id is not None:
        queryset = queryset.filter(external_id=f.external_id)
    if f.language is not None:
        queryset = queryset.filter(language=f.language)
    if f.tier is not None:
        queryset = queryset.filter(tier=f.tier)
    if f.organisation_id is not None:
        queryset = queryset.filter(organisation_id=f.organisation_id)
    if f.q is not None:
        queryset = queryset.filter(name__istartswith=f.q)
    return queryset


def _customer_values(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "organisation_id" in data:
        organisation_id = data.pop("organisation_id")
        data["organisation"] = (
            None
            if organisation_id is None
            else referenced(
                "organisation_id",
                lambda: selectors.organisation_get(viewer=viewer(request), organisation_id=organisation_id),
            )
        )
    # A null sent for a plain field means "leave it": the model has no empty value for these.
    return {k: v for k, v in data.items() if v is not None or k == "organisation"}


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> Any:
    """Customers you may see, newest first; staff see all, a customer sees their own record."""
    queryset = _filter_customers(selectors.customer_list(viewer=viewer(request)), filters)
    return paginate(queryset, sort=CUSTOMER_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit)


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    """Create a customer with their e-mail addresses and phone numbers (staff)."""
    user = viewer(request)
    require_staff(user)
    data = _customer_values(request, changes(payload))
    emails = ([data.pop("email")] if "email" in data else []) + data.pop("emails", [])
    customer = services.customer_create(
        actor=user,
        emails=emails,
        phones=data.pop("phones", []),
        **data,
    )
    return Status(201, selectors.customer_get(viewer=user, customer_id=customer.pk))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def customer_get(request: HttpRequest, customer_id: Id) -> Any:
    return selectors.customer_get(viewer=viewer(request), customer_id=customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def customer_update(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> Any:
    """Change a customer's details; e-mails and phones sent are added (staff)."""
    user = viewer(request)
    customer = selectors.customer_get(viewer=user, customer_id=customer_id)
    require_staff(user)
    data = _customer_values(request, changes(payload))
    services.customer_update(
        actor=user,
        customer=customer,
        emails=data.pop("emails", None),
        phones=data.pop("phones", None),
        **data,
    )
    return selectors.customer_get(viewer=user, customer_id=customer_id)


# --- organisations --------------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    domain: str
    tier: Tier
    share_with_members: bool
    notes: str | None = Field(None, description="Staff only; null for customers.")
    external_source: str
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_notes(obj: Organisation, context: dict[str, Any]) -> str | None:
        return obj.notes if viewer(context["request"]).is_company_staff else None


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next: str | None


class OrganisationIn(In):
    name: Name  # type: ignore[valid-type]
    domain: Text(200) = ""  # type: ignore[valid-type]
    tier: Tier = Tier.STANDARD
    share_with_members: Flag = False
    notes: Notes = ""  # type: ignore[valid-type]
    external_source: Source = ""  # type: ignore[valid-type]
    external_id: ExternalId = ""  # type: ignore[valid-type]


class OrganisationPatch(In):
    name: Name | None = None  # type: ignore[valid-type]
    domain: Text(200) | None = None  # type: ignore[valid-type]
    tier: Tier | None = None
    share_with_members: Flag | None = None
    notes: Notes | None = None  # type: ignore[valid-type]
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]


ORGANISATION_SORTS = sort_keys({"name": ("name", "str"), "created_at": ("created_at", "datetime")})


class OrganisationFilters(PageParams):
    q: Text(200, min_length=1) | None = Field(None, description="Name starts with (case-insensitive).")  # type: ignore[valid-type]
    tier: Tier | None = None
    external_source: Source | None = None  # type: ignore[valid-type]
    external_id: ExternalId | None = None  # type: ignore[valid-type]
    sort: Literal["name", "-name", "created_at", "-created_at"] = "name"


@router.get("/organisations", response={200: OrganisationPage, **ERRORS})
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    queryset = selectors.organisation_list(viewer=viewer(request))
    if filters.q is not None:
        queryset = queryset.filter(name__istartswith=filters.q)
    if filters.tier is not None:
        queryset = queryset.filter(tier=filters.tier)
    if filters.external_source is not None:
        queryset = queryset.filter(external_source=filters.external_source)
    if filters.external_id is not None:
        queryset = queryset.filter(external_id=filters.external_id)
    return paginate(
        queryset, sort=ORGANISATION_SORTS[filters.sort], cursor=filters.cursor, limit=filters.limit
    )


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Any:
    """Create a business customer (admins and managers)."""
    user = viewer(request)
    require_manager(user)
    data = payload.model_dump()
    organisation = services.organisation_create(actor=user, name=data.pop("name"), **data)
    return Status(201, organisation)


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def organisation_get(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.organisation_get(viewer=viewer(request), organisation_id=organisation_id)


@router.patch("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def organisation_update(request: HttpRequest, organisation_id: Id, payload: OrganisationPatch) -> Any:
    """Change an organisation, including whether its members see each other's requests (admins and managers)."""
    user = viewer(request)
    organisation = selectors.organisation_get(viewer=user, organisation_id=organisation_id)
    require_manager(user)
    data = {k: v for k, v in changes(payload).items() if v is not None}
    return services.organisation_update(actor=user, organisation=organisation, **data)
