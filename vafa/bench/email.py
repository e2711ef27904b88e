"""The e-mail channel's figure: email_ingest_per_s.

Realistic mail (four languages, HTML and plain, quoted history, some attachments; new requests from
known and unknown senders, replies threaded by In-Reply-To and by the subject's case token) is
stored as the listener stores it, then one worker processes the queue through the real work path
(`work_execute`: claim, parse, thread, write the case, mark done). The figure is messages per second
of that worker, on top of the 100,000 cases the desk benchmark seeds.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from vafa.bench import phrases
from vafa.bench.results import Result, make_result
from vafa.bench.runner import Target, run_child

BENCH_MAILBOX = "support@bench.vafa.test"
LANGUAGES = ("fa", "fa", "en", "en", "ar", "ru")
ATTACHMENT = b"%PDF-1.4\n" + b"0" * 40_000


def _new_request(rng: random.Random, *, sender: str, name: str, language: str) -> EmailMessage:
    talk = phrases.conversation(rng, language, messages=1)
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = BENCH_MAILBOX
    mail["Subject"] = talk.subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = make_msgid(domain="client.bench.vafa.test")
    body = talk.messages[0].text
    mail.set_content(body)
    mail.add_alternative(f'<div dir="auto"><p>{body}</p></div>', subtype="html")
    if rng.random() < 0.1:
        mail.add_attachment(ATTACHMENT, maintype="application", subtype="pdf", filename="invoice.pdf")
    return mail


def _reply(rng: random.Random, parent: EmailMessage, *, by_token: str = "") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = parent["From"]
    mail["To"] = BENCH_MAILBOX
    subject = str(parent["Subject"])
    mail["Subject"] = f"Re: {by_token} {subject}" if by_token else f"Re: {subject}"
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = make_msgid(domain="client.bench.vafa.test")
    if not by_token:
        mail["In-Reply-To"] = parent["Message-ID"]
        mail["References"] = parent["Message-ID"]
    quoted = "\n".join("> " + line for line in parent.get_body(("plain",)).get_content().splitlines())  # type: ignore[union-attr]
    mail.set_content(
        f"{rng.choice(('Thanks, still broken.', 'ممنون، هنوز خراب است.', 'Спасибо.'))}\n\n{quoted}"
    )
    return mail


def build_mail(count: int, *, seed: int = 5, known_customers: int) -> list[bytes]:
    """`count` raw messages: 45% new requests from customers, 15% from new senders, 30% replies by
    headers, 10% replies by the subject's token to cases already in the database."""
    rng = random.Random(seed)
    sent: list[EmailMessage] = []
    raws: list[bytes] = []
    for i in range(count):
        roll = rng.random()
        language = rng.choice(LANGUAGES)
        if roll < 0.30 and sent:
            mail = _reply(rng, rng.choice(sent[-200:]))
        elif roll < 0.40:
            number = rng.randrange(1, 90_000)
            parent = _new_request(
                rng,
                sender=f"bench{rng.randrange(known_customers)}@bench.vafa.test",
                name="Bench",
                language=language,
            )
            mail = _reply(rng, parent, by_token=f"[VF-{number}]")
        elif roll < 0.55:
            mail = _new_request(
                rng,
                sender=f"new{seed}-{i}@mail.bench.vafa.test",
                name=phrases.person_name(i),
                language=language,
            )
        else:
            index = rng.randrange(known_customers)
            mail = _new_request(
                rng,
                sender=f"bench{index}@bench.vafa.test",
                name=phrases.person_name(index),
                language=language,
            )
        sent.append(mail)
        raws.append(mail.as_bytes())
    return raws


def measure_ingest(count: int) -> dict[str, float | int]:
    """Store `count` messages as the listener does, then process them with one worker; return the rates."""
    from vafa.channels.models import InboundMail, InboundState, Mailbox
    from vafa.channels.services import PROCESS_KIND, inbound_store
    from vafa.core.jobs import work_execute
    from vafa.core.models import PendingWork
    from vafa.customers.models import Customer

    mailbox, _ = Mailbox.objects.get_or_create(
        address=BENCH_MAILBOX, defaults={"name": "Bench support", "method": Mailbox.Method.SMTP}
    )
    known = Customer.objects.filter(external_source="bench").count() or 1
    raws = build_mail(count, seed=int(time.time()) % 100_000, known_customers=known)
    started = time.perf_counter()
    stored = [
        inbound_store(raw=raw, via="smtp", mailbox=mailbox, envelope_to=[BENCH_MAILBOX]).pk for raw in raws
    ]
    store_seconds = time.perf_counter() - started
    work_ids = list(
        PendingWork.objects.filter(kind=PROCESS_KIND, payload__inbound_id__in=stored)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    started = time.perf_counter()
    for work_id in work_ids:
        work_execute(work_id)
    process_seconds = time.perf_counter() - started
    states = dict.fromkeys(InboundState.values, 0)
    for state in InboundMail.objects.filter(pk__in=stored).values_list("state", flat=True):
        states[state] += 1
    return {
        "messages": count,
        "process_per_s": count / process_seconds,
        "store_per_s": count / store_seconds,
        "end_to_end_per_s": count / (store_seconds + process_seconds),
        **{f"state_{name}": value for name, value in states.items()},
    }


def run_email(target: Target, *, quick: bool, log: Callable[[str], None]) -> list[Result]:
    """The e-mail channel issue's figure, with 100,000 cases in the database (10,000 with --quick)."""
    cases = 10_000 if quick else 100_000
    customers = 2_000 if quick else 20_000
    count = 300 if quick else 2_000
    log(f"[{target.name}] migrating")
    run_child(target, "migrate", "--noinput", "-v", "0")
    log(f"[{target.name}] seeding {cases} cases")
    run_child(target, "bench_seed", "--customers", str(customers), "--cases", str(cases))
    log(f"[{target.name}] ingesting {count} e-mails")
    out = run_child(target, "bench_email", "--messages", str(count))
    figures = json.loads(out.strip().splitlines()[-1])
    if figures["state_processed"] + figures["state_duplicate"] != count:
        raise RuntimeError(f"not every bench e-mail was processed: {figures}")
    log(
        f"[{target.name}]   email_ingest_per_s {figures['process_per_s']:.1f} (stored {figures['store_per_s']:.1f}/s)"
    )
    return [
        make_result(
            "email_ingest_per_s",
            figures["process_per_s"],
            database=target.name,
            scale={
                "cases_before": cases,
                "customers_before": customers,
                "messages": count,
                "workers": 1,
                "store_per_s": round(figures["store_per_s"], 1),
                "end_to_end_per_s": round(figures["end_to_end_per_s"], 1),
                "mix": "45% new from customers, 15% new senders, 30% replies by headers, 10% by subject token",
            },
        )
    ]
