"""What the search knows about cases and their messages, and how it is kept up to date.

A case is found by its reference ("VF-123", so also by "123") and its subject; a message by its
text and the names of its attachments. Message documents carry their case, so a hit on a message
is a hit on its case and is limited by who may see that case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.conf import settings

from vafa.core.models import SearchDocument
from vafa.core.search import Doc, document_text, search_index_docs, search_move_case, search_source
from vafa.service.models import Attachment, Case, Message

CASE = SearchDocument.Kind.CASE
MESSAGE = SearchDocument.Kind.MESSAGE


def case_document(case: Case) -> Doc:
    """The search document of a case: its reference and subject."""
    return Doc(
        CASE,
        case.pk,
        document_text(f"{settings.VAFA_CASE_PREFIX}{case.number}", case.subject),
        case_id=case.pk,
        customer_id=case.customer_id,
    )


def message_document(message: Message, *, customer_id: int | None, filenames: Sequence[str] = ()) -> Doc:
    """The search document of a message: its text and its attachments' file names."""
    return Doc(
        MESSAGE,
        message.pk,
        document_text(message.body_text, *filenames),
        case_id=message.case_id,
        customer_id=customer_id,
    )


def case_search_index(case: Case) -> None:
    """Make the case findable by its current reference and subject."""
    search_index_docs([case_document(case)])


def message_search_index(message: Message, *, filenames: Sequence[str] = ()) -> None:
    """Make the message findable by its text (in its case)."""
    search_index_docs([message_document(message, customer_id=message.case.customer_id, filenames=filenames)])


def messages_search_move(*, source: Case, target: Case) -> None:
    """The messages of `source`, merged into `target`, are found under `target`."""
    search_move_case(MESSAGE, from_case_id=source.pk, to_case_id=target.pk)


@search_source(CASE)
def case_batches(size: int, after_id: int | None) -> Iterator[list[Doc]]:
    last = after_id or 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "number", "subject", "customer_id")[:size]
        )
        if not rows:
            return
        prefix = settings.VAFA_CASE_PREFIX
        yield [
            Doc(CASE, pk, document_text(f"{prefix}{number}", subject), case_id=pk, customer_id=customer_id)
            for pk, number, subject, customer_id in rows
        ]
        last = rows[-1][0]


@search_source(MESSAGE)
def message_batches(size: int, after_id: int | None) -> Iterator[list[Doc]]:
    last = after_id or 0
    while True:
        rows = list(
            Message.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "case_id", "case__customer_id", "body_text")[:size]
        )
        if not rows:
            return
        files: dict[int, list[str]] = defaultdict(list)
        for message_id, filename in Attachment.objects.filter(
            message_id__gte=rows[0][0], message_id__lte=rows[-1][0]
        ).values_list("message_id", "filename"):
            files[message_id].append(filename)
        yield [
            Doc(
                MESSAGE,
                pk,
                document_text(body, *files.get(pk, ())),
                case_id=case_id,
                customer_id=customer_id,
            )
            for pk, case_id, customer_id, body in rows
        ]
        last = rows[-1][0]
