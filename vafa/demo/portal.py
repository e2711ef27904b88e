"""The demo's customer portal: an English portal customer beside the Persian one, customers' ratings
of resolved requests, known-issue notices, and product registrations waiting for an agent.

Ratings are written like the demo's history (in bulk, dated within each case's life, with the
"rated" timeline event); registrations go through `unit_register`, as the portal's form does.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from vafa.accounts.models import Role, User
from vafa.accounts.services import customer_account_ensure
from vafa.catalog.models import KnownIssue, Product
from vafa.customers.models import ContactPoint
from vafa.demo import articles as content
from vafa.demo.names import DEMO_EN_CUSTOMER_EMAIL
from vafa.demo.records import CustomerRecord, weighted
from vafa.sales.models import Unit, UnitRegistration
from vafa.sales.services import ReceiptFile, unit_register
from vafa.service.models import (
    AuthorKind,
    Case,
    CaseEvent,
    CaseRating,
    CaseStatus,
    Channel,
    EventKind,
    Message,
)

if TYPE_CHECKING:
    from vafa.demo.builder import DemoBuilder

DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
SCORES = {5: 45, 4: 30, 3: 12, 2: 7, 1: 6}
RATING_COMMENTS = {
    "good": {
        "en": "Quick and friendly, thank you.",
        "fa": "سریع و محترمانه بود، از شما ممنونم.",
        "ar": "خدمة سريعة ولطيفة، شكرًا لكم.",
        "ru": "Быстро и вежливо, спасибо!",
    },
    "slow": {
        "en": "Solved, but it took a few days.",
        "fa": "مشکل حل شد، ولی چند روز طول کشید.",
        "ar": "حُلّت المشكلة، لكن ذلك استغرق بضعة أيام.",
        "ru": "Проблему решили, но на это ушло несколько дней.",
    },
    "bad": {
        "en": "I had to explain the problem twice.",
        "fa": "مجبور شدم مشکل را دو بار توضیح بدهم.",
        "ar": "اضطررت إلى شرح المشكلة مرتين.",
        "ru": "Пришлось объяснять проблему дважды.",
    },
}


def build_portal_data(demo: DemoBuilder) -> dict[str, int]:
    """The English portal customer, ratings, known issues and pending registrations; return counts."""
    return PortalBuilder(demo).build()


class PortalBuilder:
    def __init__(self, demo: DemoBuilder) -> None:
        self.d = demo
        self.rng = random.Random(f"{demo.seed}-portal")

    def build(self) -> dict[str, int]:
        self.d.log("Portal: an English customer, ratings, known issues, registrations to verify…")
        persian = self.d.customers[0]
        english = self._english_customer()
        accounts = [record for record in (persian, english) if record is not None and record.account]
        ratings = self._ratings(accounts)
        self._known_issues(persian)
        self._registrations(persian, english)
        return {
            "case ratings": ratings,
            "known issues": KnownIssue.objects.count(),
            "registrations to verify": UnitRegistration.objects.filter(status="pending").count(),
        }

    # --- the English portal customer ---------------------------------------------------------------

    def _english_customer(self) -> CustomerRecord | None:
        """An English customer with several products, requests done and one still open, given a login."""
        d = self.d
        records = {
            record.obj.pk: record
            for record in d.customers
            if record.language == "en"
            and not record.b2b
            and record.account is None
            and sum(unit.delivered_at is not None for unit in record.units) >= 2
        }
        tally = (
            Case.objects.filter(customer_id__in=records)
            .values("customer_id")
            .annotate(
                total=Count("pk"),
                done=Count("pk", filter=Q(status__in=DONE)),
                open=Count("pk", filter=~Q(status__in=DONE)),
            )
        )
        ranked = sorted(
            tally,
            key=lambda row: (
                -min(row["open"], 1),
                -min(row["done"], 3),
                -row["total"],
                -len(records[row["customer_id"]].units),
                row["customer_id"],
            ),
        )
        if not ranked:
            return None
        record = records[ranked[0]["customer_id"]]
        customer = record.obj
        joined = customer.created_at + dt.timedelta(minutes=12)
        ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.EMAIL).update(is_primary=False)
        ContactPoint.objects.create(
            customer=customer,
            kind=ContactPoint.Kind.EMAIL,
            value=DEMO_EN_CUSTOMER_EMAIL,
            is_primary=True,
            verified_at=joined,
            created_at=joined,
        )
        account = customer_account_ensure(actor=None, customer=customer)
        account.password = d.hashes[Role.CUSTOMER]
        account.date_joined = joined
        account.save(update_fields=["password", "date_joined"])
        record.account = account
        # The requests this customer sent from the portal were written by that account.
        Message.objects.filter(
            case__customer=customer, case__channel=Channel.PORTAL, author_kind=AuthorKind.CUSTOMER
        ).update(author_user=account)
        return record

    # --- ratings -------------------------------------------------------------------------------------

    def _ratings(self, accounts: list[CustomerRecord]) -> int:
        """Customers rate a third of the requests resolved for them; the portal customers rate all
        but their latest one, if they have several (left for whoever tries the demo)."""
        d, rng = self.d, self.rng
        account_of: dict[int, User] = {
            record.obj.pk: record.account for record in accounts if record.account is not None
        }
        done = (
            Case.objects.filter(status__in=DONE, resolved_at__isnull=False, merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", "customer_id", "language", "resolved_at", "closed_at", "channel")
        )
        finished: dict[int, list[int]] = {}
        for pk, customer_id, *_rest in done:
            if customer_id in account_of:
                finished.setdefault(customer_id, []).append(pk)
        # Each portal customer's latest resolved request stays unrated when there are others.
        latest = {customer_id: max(pks) for customer_id, pks in finished.items() if len(pks) > 1}
        ratings, events = [], []
        for pk, customer_id, language, resolved_at, closed_at, channel in done:
            if customer_id in account_of:
                if latest.get(customer_id) == pk:
                    continue
            elif channel not in (Channel.PORTAL, Channel.EMAIL, Channel.CHAT) or rng.random() > 0.33:
                continue
            assert resolved_at is not None  # filtered on
            score = weighted(rng, SCORES)
            until = min(closed_at or d.cutoff, d.cutoff) - dt.timedelta(minutes=1)
            at = min(resolved_at + dt.timedelta(minutes=rng.randint(20, 36 * 60)), until)
            if at <= resolved_at:
                continue
            comment = ""
            if rng.random() < 0.4:
                mood = "good" if score >= 4 and rng.random() < 0.7 else ("slow" if score >= 3 else "bad")
                comment = RATING_COMMENTS[mood][language]
            ratings.append(
                CaseRating(
                    case_id=pk,
                    customer_id=customer_id,
                    score=score,
                    comment=comment,
                    created_at=at,
                    updated_at=at,
                )
            )
            events.append(
                CaseEvent(
                    case_id=pk,
                    kind=EventKind.RATED,
                    actor=account_of.get(customer_id),
                    actor_kind=AuthorKind.CUSTOMER,
                    data={"score": score},
                    created_at=at,
                )
            )
        CaseRating.objects.bulk_create(ratings, batch_size=1000)
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        return len(ratings)

    # --- known issues ------------------------------------------------------------------------------

    def _known_issues(self, persian: CustomerRecord) -> None:
        d = self.d
        products = {record.obj.sku: record.obj for record in d.products}
        own = {unit.product.obj.sku: unit.obj.serial_number for unit in persian.units}
        issues = []
        for spec in content.KNOWN_ISSUES:
            # The batch is the portal customer's own, so the notice shows on her phone's page.
            prefix = own.get(spec.sku, "")[:10] if spec.batch else ""
            starts = d.today - dt.timedelta(days=spec.starts)
            created = d.cutoff - dt.timedelta(days=spec.starts + 1)
            issues.append(
                KnownIssue(
                    product=products[spec.sku],
                    serial_prefix=prefix,
                    title=spec.titles["en"],
                    titles=spec.titles,
                    body=spec.bodies["en"].format(prefix=prefix),
                    bodies={language: body.format(prefix=prefix) for language, body in spec.bodies.items()},
                    severity=spec.severity,
                    starts_on=starts,
                    is_published=True,
                    created_at=created,
                    updated_at=created,
                )
            )
        d.bulk(KnownIssue, issues)

    # --- registrations waiting for an agent --------------------------------------------------------

    def _registrations(self, persian: CustomerRecord, english: CustomerRecord | None) -> None:
        """Products bought elsewhere that customers registered: the agents' verification queue."""
        d, rng = self.d, self.rng
        arabic = next(
            (r for r in d.customers if r.language == "ar" and r.account is None and not r.b2b), None
        )
        claims = [
            (persian, "PK-HB-800", "PK" + "".join(str(rng.randrange(10)) for _ in range(10)), "", 6),
            (
                english,
                "XM-TV-A43",
                f"{rng.randint(10000, 99999)}/{rng.randint(10**7, 10**8 - 1)}",
                "MKT-114-2290183",
                12,
            ),
            (arabic, "GR-LOMO-18-AE", "".join(str(rng.randrange(10)) for _ in range(13)), "DXB-77812", 3),
        ]
        made = []
        for record, sku, serial, order_number, days_ago in claims:
            if record is None:
                continue
            product = Product.objects.get(sku=sku)
            if Unit.objects.filter(product=product, serial_number=serial).exists():
                continue
            receipt = None
            if not order_number:
                receipt = ReceiptFile("receipt.pdf", "application/pdf", receipt_pdf(product.name, serial))
            registration = unit_register(
                actor=record.account,
                customer=record.obj,
                serial_number=serial,
                product=product,
                order_number=order_number,
                receipt=receipt,
                purchased_on=d.today - dt.timedelta(days=days_ago + 2),
            )
            made.append(
                (registration.pk, d.cutoff - dt.timedelta(days=days_ago, minutes=rng.randint(60, 1200)))
            )
        for pk, at in made:
            UnitRegistration.objects.filter(pk=pk).update(created_at=at, updated_at=at)


def receipt_pdf(product_name: str, serial: str) -> bytes:
    """A one-page PDF receipt (what a customer photographs or downloads from a shop)."""
    lines = [
        "Pars Electric Store - sales receipt",
        f"Item: {product_name}",
        f"Serial: {serial}",
        "Paid in full",
    ]
    text = " ".join(f"({line.encode('ascii', 'replace').decode()}) '" for line in lines)
    stream = f"BT /F1 12 Tf 16 TL 72 760 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
