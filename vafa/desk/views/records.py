"""Record pages of the desk: a customer (the 360 in full), an organisation, a product and a unit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vafa.core.keyset import KeysetPage
from vafa.desk import records
from vafa.desk.access import desk_user, desk_view


def _cursors(request: HttpRequest, prefix: str = "") -> records.Cursors:
    return records.Cursors(
        after=request.GET.get(f"{prefix}after") or None, before=request.GET.get(f"{prefix}before") or None
    )


def _page_links(request: HttpRequest, page: KeysetPage[Any], prefix: str = "") -> dict[str, str | None]:
    """The addresses of the pages before and after `page`, keeping the page's other parameters."""

    def link(direction: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        query = request.GET.copy()
        query.pop(f"{prefix}after", None)
        query.pop(f"{prefix}before", None)
        query[f"{prefix}{direction}"] = cursor
        return f"?{query.urlencode()}"

    return {"previous": link("before", page.previous), "next": link("after", page.next)}


@desk_view
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    record = records.customer_record(
        viewer=desk_user(request),
        customer_id=pk,
        cases_filter=request.GET.get("cases", "all"),
        cases=_cursors(request),
        units=_cursors(request, "units_"),
        orders=_cursors(request, "orders_"),
    )
    pages = {
        "cases": _page_links(request, record.cases),
        "units": _page_links(request, record.units, "units_"),
        "orders": _page_links(request, record.orders, "orders_"),
    }
    return render(request, "desk/records/customer.html", {"record": record, "pages": pages})


@desk_view
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    cursors = _cursors(request)
    record = records.organisation_record(
        viewer=desk_user(request), organisation_id=pk, after=cursors.after, before=cursors.before
    )
    pages = {"members": _page_links(request, record.members)}
    return render(request, "desk/records/organisation.html", {"record": record, "pages": pages})


@desk_view
def product(request: HttpRequest, pk: int) -> HttpResponse:
    cursors = _cursors(request)
    record = records.product_record(
        viewer=desk_user(request), product_id=pk, after=cursors.after, before=cursors.before
    )
    pages = {"open": _page_links(request, record.open_page)}
    return render(request, "desk/records/product.html", {"record": record, "pages": pages})


@desk_view
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    record = records.unit_record(viewer=desk_user(request), unit_id=pk)
    return render(request, "desk/records/unit.html", {"record": record})


urlpatterns = [
    path("customers/<int:pk>/", customer, name="customer"),
    path("organisations/<int:pk>/", organisation, name="organisation"),
    path("products/<int:pk>/", product, name="product"),
    path("units/<int:pk>/", unit, name="unit"),
]
