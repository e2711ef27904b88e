"""The desk's one search box: cases, customers and units for what an agent typed.

- A case reference ("VF-123", "#123", "123", in any digits) is looked up exactly first.
- Cases are found by reference, subject and the text of their messages; a message hit counts for
  its case, shown with an excerpt of the message. A subject hit counts double.
- Customers by name, e-mail, phone (any way of writing it), organisation and shop number.
- Units by serial number (an exact serial first), product SKU and name.

Everything is limited by the viewer's scope through the apps' selectors; the number of queries does
not depend on how many results there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import Q
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from vafa.accounts.models import User
from vafa.core.models import SearchDocument
from vafa.core.search import Hit, Page, Query, normalize, parse_query, search_backend
from vafa.core.search.highlight import excerpt, highlight
from vafa.customers.models import Customer
from vafa.customers.selectors import customer_list
from vafa.sales.models import Unit
from vafa.sales.selectors import WarrantyInfo, unit_list, unit_warranty_status
from vafa.service.models import Case, Message
from vafa.service.selectors import case_list

MAX_QUERY_LENGTH = 200
SUBJECT_BOOST = 2.0

CASE = SearchDocument.Kind.CASE
MESSAGE = SearchDocument.Kind.MESSAGE
CUSTOMER = SearchDocument.Kind.CUSTOMER
UNIT = SearchDocument.Kind.UNIT

T = TypeVar("T")


@dataclass(frozen=True)
class CaseResult:
    case: Case
    subject: SafeString
    snippet: SafeString | None = None
    snippet_internal: bool = False
    exact: bool = False


@dataclass(frozen=True)
class CustomerResult:
    customer: Customer
    name: SafeString
    contacts: list[SafeString]
    organisation: SafeString | None


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    serial: SafeString
    product: SafeString
    warranty: WarrantyInfo
    exact: bool = False


@dataclass
class Section(Generic[T]):
    """One kind of result: the items shown, how many matched in all, whether that is a lower bound."""

    items: list[T] = field(default_factory=list)
    total: int = 0
    capped: bool = False


@dataclass
class SearchResults:
    query: str
    cases: Section[CaseResult] = field(default_factory=Section)
    customers: Section[CustomerResult] = field(default_factory=Section)
    units: Section[UnitResult] = field(default_factory=Section)
    reference: int | None = None
    """The case number the query names, if it reads as a case reference."""

    @property
    def total(self) -> int:
        return self.cases.total + self.customers.total + self.units.total

    @property
    def go_to(self) -> Case | None:
        """The case to open straight away: the query names it ("VF-123", "#123"), or it is a bare
        number of a case and nothing else matched."""
        exact = next((item.case for item in self.cases.items if item.exact), None)
        if exact is None:
            return None
        if _reference_patterns()[0].match(normalize(self.query)):
            return exact
        only_it = self.cases.total == 1 and not self.customers.total and not self.units.total
        return exact if only_it else None


def _reference_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(explicit, bare): "VF-123" / "#123", and a number alone. The prefix is a setting."""
    prefix = re.escape(normalize(settings.VAFA_CASE_PREFIX).strip().rstrip("-_#: "))
    prefixes = f"#|{prefix}[\\s\\-_#:]*" if prefix else "#"
    explicit = re.compile(rf"^\s*(?:{prefixes})\s*(\d{{1,18}})\s*$")
    bare = re.compile(r"^\s*([1-9]\d{0,17})\s*$")  # "0912" starts a phone number, not a case
    return explicit, bare


def case_reference(text: str) -> int | None:
    """The case number `text` names ("VF-123", "#123", "vf123", "۱۲۳", "123"), or None."""
    explicit, bare = _reference_patterns()
    normal = normalize(text)
    match = explicit.match(normal) or bare.match(normal)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def desk_search(
    *,
    viewer: User,
    query: str,
    limits: dict[str, int] | None = None,
    offsets: dict[str, int] | None = None,
) -> SearchResults:
    """Search cases, customers and units for `query` as `viewer` may see them.

    `limits` and `offsets` per section ("cases", "customers", "units") page through one section;
    the others still report how many they found.
    """
    text = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    results = SearchResults(query=text)
    parsed = parse_query(text)
    if not parsed:
        return results
    limits = {"cases": 10, "customers": 5, "units": 5, **(limits or {})}
    offsets = {"cases": 0, "customers": 0, "units": 0, **(offsets or {})}
    results.reference = case_reference(text)
    if results.reference is not None and _reference_patterns()[0].match(normalize(text)):
        # "VF-123" names one case: if the viewer may see it, nothing else is looked for.
        named = case_list(viewer=viewer).filter(number=results.reference).first()
        if named is not None:
            results.cases = Section(
                [CaseResult(case=named, subject=highlight(named.subject, parsed), exact=True)], 1
            )
            return results
    results.cases = _cases(viewer, parsed, results.reference, limits["cases"], offsets["cases"])
    results.customers = _customers(viewer, parsed, limits["customers"], offsets["customers"])
    results.units = _units(viewer, parsed, text, limits["units"], offsets["units"])
    return results


def _page_info(page: Page, extra: int = 0) -> tuple[int, bool]:
    return page.total + extra, page.capped


def _cases(viewer: User, query: Query, reference: int | None, limit: int, offset: int) -> Section[CaseResult]:
    visible = case_list(viewer=viewer)
    page = search_backend().search(
        query,
        kinds=[CASE, MESSAGE],
        restrict=visible,
        restrict_field="case_id",
        group_by="case_id",
        limit=limit,
        offset=offset,
        boost={CASE: SUBJECT_BOOST},
    )
    hits: dict[int, Hit] = {hit.case_id: hit for hit in page.hits if hit.case_id is not None}
    lookup = Q(pk__in=list(hits))
    if reference is not None and offset == 0:
        lookup |= Q(number=reference)
    cases = {case.pk: case for case in visible.filter(lookup)} if hits or reference else {}
    exact = next((case for case in cases.values() if case.number == reference), None)
    message_ids = [hit.object_id for hit in hits.values() if hit.kind == MESSAGE]
    messages = (
        {m.pk: m for m in Message.objects.filter(pk__in=message_ids).only("id", "body_text", "is_internal")}
        if message_ids
        else {}
    )
    items: list[CaseResult] = []
    if exact is not None:
        items.append(CaseResult(case=exact, subject=highlight(exact.subject, query), exact=True))
    for case_id, hit in hits.items():
        case = cases.get(case_id)
        if case is None or case is exact:
            continue
        message = messages.get(hit.object_id) if hit.kind == MESSAGE else None
        items.append(
            CaseResult(
                case=case,
                subject=highlight(case.subject, query),
                snippet=excerpt(message.body_text, query) if message is not None else None,
                snippet_internal=bool(message and message.is_internal),
            )
        )
    total, capped = _page_info(page, 1 if exact is not None and exact.pk not in hits else 0)
    return Section(items, total, capped)


def _customers(viewer: User, query: Query, limit: int, offset: int) -> Section[CustomerResult]:
    visible = customer_list(viewer=viewer)
    page = search_backend().search(query, kinds=[CUSTOMER], restrict=visible, limit=limit, offset=offset)
    ids = [hit.object_id for hit in page.hits]
    found = {customer.pk: customer for customer in visible.filter(pk__in=ids)} if ids else {}
    items = []
    for pk in ids:
        customer = found.get(pk)
        if customer is None:
            continue
        organisation = customer.organisation
        items.append(
            CustomerResult(
                customer=customer,
                name=highlight(customer.name, query),
                contacts=[highlight(point.value, query) for point in customer.contact_points.all()],
                organisation=highlight(organisation.name, query) if organisation is not None else None,
            )
        )
    return Section(items, *_page_info(page))


def _units(viewer: User, query: Query, text: str, limit: int, offset: int) -> Section[UnitResult]:
    visible = unit_list(viewer=viewer)
    page = search_backend().search(query, kinds=[UNIT], restrict=visible, limit=limit, offset=offset)
    ids = [hit.object_id for hit in page.hits]
    serials = sorted({text.strip(), text.strip().upper()}) if offset == 0 and " " not in text.strip() else []
    lookup = Q(pk__in=ids) | Q(serial_number__in=serials) if serials else Q(pk__in=ids)
    found = list(visible.filter(lookup)) if ids or serials else []
    exact = [unit for unit in found if unit.serial_number in serials]
    by_id = {unit.pk: unit for unit in found}
    ordered = exact + [by_id[pk] for pk in ids if pk in by_id and by_id[pk] not in exact]
    language = get_language() or settings.LANGUAGE_CODE
    items = [
        UnitResult(
            unit=unit,
            serial=highlight(unit.serial_number, query),
            product=highlight(unit.product.display_name(language), query),
            warranty=unit_warranty_status(unit),
            exact=unit in exact,
        )
        for unit in ordered
    ]
    extra = sum(1 for unit in exact if unit.pk not in ids)
    return Section(items, *_page_info(page, extra))
