"""Reads of customers and organisations, and who may see which customer's records."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.core.errors import NotFound
from vafa.customers.models import ContactPoint, Customer, Organisation


def shared_organisation_id(viewer: User) -> int | None:
    """The organisation whose records a customer account sees too: theirs, if it shares with members."""
    customer = viewer.customer if viewer.customer_id is not None else None
    if customer is None or customer.organisation is None or not customer.organisation.share_with_members:
        return None
    return customer.organisation_id


def customer_scope(viewer: User, *, customer_field: str, organisation_field: str | None = None) -> Q:
    """A filter limiting records to what `viewer` may see by their customer link.

    Staff see every customer's records. A customer sees their own and, when their organisation
    shares with members, the organisation's. `organisation_field` names the record's own
    organisation column (cases capture it); by default the customer's current organisation is used.
    """
    if viewer.is_company_staff and viewer.is_active:
        return Q()
    if not viewer.is_active or viewer.customer_id is None:
        return Q(pk__in=[])
    scope = Q(**{f"{customer_field}_id": viewer.customer_id})
    organisation_id = shared_organisation_id(viewer)
    if organisation_id is not None:
        org_path = organisation_field or f"{customer_field}__organisation"
        scope |= Q(**{f"{org_path}_id": organisation_id})
    return scope


def _contacts_prefetch() -> Prefetch:
    return Prefetch("contact_points", queryset=ContactPoint.objects.order_by("-is_primary", "id"))


def customer_list(*, viewer: User) -> QuerySet[Customer]:
    """Customers `viewer` may see, with their contact points and organisation loaded."""
    if viewer.is_company_staff and viewer.is_active:
        queryset = Customer.objects.all()
    elif viewer.is_active and viewer.customer_id is not None:
        organisation_id = shared_organisation_id(viewer)
        scope = Q(pk=viewer.customer_id)
        if organisation_id is not None:
            scope |= Q(organisation_id=organisation_id)
        queryset = Customer.objects.filter(scope)
    else:
        queryset = Customer.objects.none()
    return queryset.select_related("organisation").prefetch_related(_contacts_prefetch())


def customer_get(*, viewer: User, customer_id: int) -> Customer:
    customer = customer_list(viewer=viewer).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    return customer


def customer_find_by_email(email: str) -> Customer | None:
    point = (
        ContactPoint.objects.select_related("customer")
        .filter(kind=ContactPoint.Kind.EMAIL, value=email.strip().lower())
        .first()
    )
    return point.customer if point else None


def organisation_list(*, viewer: User) -> QuerySet[Organisation]:
    if viewer.is_company_staff:
        return Organisation.objects.all()
    customer = viewer.customer
    if customer is None or customer.organisation_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=customer.organisation_id)


def organisation_get(*, viewer: User, organisation_id: int) -> Organisation:
    organisation = organisation_list(viewer=viewer).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation
