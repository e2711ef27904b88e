"""Search: one box for cases (number, subject, message text), customers (name, e-mail, phone) and
units (serial number). GET /desk/search/?q=…[&kind=cases|customers|units][&page=n]."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from vafa.core.search.backends import CANDIDATES
from vafa.desk.access import desk_user, desk_view
from vafa.desk.search import MAX_QUERY_LENGTH, Section, desk_search
from vafa.service.selectors import agent_sees_all_cases

SECTIONS = ("cases", "customers", "units")
OVERVIEW_LIMITS = {"cases": 10, "customers": 5, "units": 5}
PAGE_SIZE = 25
MAX_PAGE = CANDIDATES // PAGE_SIZE


def _page(raw: str | None) -> int:
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


@desk_view
def search(request: HttpRequest) -> HttpResponse:
    viewer = desk_user(request)
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    kind = request.GET.get("kind", "")
    kind = kind if kind in SECTIONS else ""
    page = _page(request.GET.get("page")) if kind else 1
    if kind:
        # The other sections only report their counts (for the tabs).
        limits = dict.fromkeys(SECTIONS, 1) | {kind: PAGE_SIZE}
        offsets = {kind: (page - 1) * PAGE_SIZE}
    else:
        limits, offsets = dict(OVERVIEW_LIMITS), {}
    results = desk_search(viewer=viewer, query=query, limits=limits, offsets=offsets)
    target = results.go_to
    if target is not None and not kind:
        return redirect("desk:case", number=target.number)
    sections: dict[str, Section[Any]] = {
        "cases": results.cases,
        "customers": results.customers,
        "units": results.units,
    }
    current = sections.get(kind)
    context = {
        "search_query": query,
        "query": query,
        "kind": kind,
        "results": results,
        "sections": sections,
        "page": page,
        "previous_page": page - 1 if kind and page > 1 else None,
        "next_page": page + 1
        if current is not None and page < MAX_PAGE and current.total > page * PAGE_SIZE
        else None,
        "example_reference": f"{settings.VAFA_CASE_PREFIX}123",
        "sees_all_cases": agent_sees_all_cases(viewer),
        "nav": "search",
    }
    return render(request, "desk/search/page.html", context)


urlpatterns = [path("search/", search, name="search")]
