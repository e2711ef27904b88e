"""The search backend of the database in use (the suite runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from vafa.core.models import SearchDocument
from vafa.core.search import (
    Doc,
    document_text,
    parse_query,
    search_backend,
    search_index,
    search_index_docs,
    search_move_case,
    search_remove,
    tokens,
)
from vafa.core.search import backends as search_backends
from vafa.core.search.backends import PostgresBackend, SqliteFts5Backend

pytestmark = pytest.mark.django_db


def _doc(kind: str, object_id: int, text: str, **scope: int) -> Doc:
    return Doc(kind, object_id, document_text(text), **scope)


def _ids(query: str, kind: str = "message", **options) -> list[int]:
    page = search_backend().search(parse_query(query), kinds=[kind], **options)
    return [hit.object_id for hit in page.hits]


def test_the_backend_follows_the_database():
    expected = {"sqlite": SqliteFts5Backend, "postgresql": PostgresBackend}[connection.vendor]
    assert type(search_backend()) is expected


def test_every_word_must_match_and_the_last_may_be_unfinished():
    search_index_docs(
        [
            _doc("message", 1, "The battery of my phone is dead"),
            _doc("message", 2, "The phone screen is cracked"),
            _doc("message", 3, "Battery replaced, thank you"),
        ]
    )

    assert sorted(_ids("battery")) == [1, 3]
    assert _ids("phone batt") == [1]
    assert _ids("phone bat", kind="customer") == []
    assert sorted(_ids("the")) == [1, 2]
    assert _ids("screen battery") == []


def test_persian_and_arabic_spellings_find_each_other():
    search_index_docs(
        [
            _doc("message", 1, "كيف يمكنني شحن الهاتف"),  # Arabic kaf and yeh
            _doc("message", 2, "گوشی من شارژ نمی‌شود"),  # ZWNJ
            _doc("message", 3, "شماره ۰۹۱۲۳۴۵۶۷۸۹"),  # Persian digits
        ]
    )

    assert _ids("کیف یمکننی") == [1]
    assert _ids("نمیشود") == [2]
    assert _ids("نمی شود") == [2]
    assert _ids("نمی‌شود") == [2]
    assert _ids("0912345") == [3]


def test_a_phone_number_is_found_however_it_is_typed():
    search_index(
        "customer", 7, document_text("Sara Ahmadi", "sara@example.test", "+989123456789"), customer_id=7
    )

    for typed in ("+98 912 345 6789", "09123456789", "0912 345 67", "912-345-6789", "sara@exam", "SARA"):
        assert _ids(typed, kind="customer") == [7], typed


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '""battery',
        "*",
        "battery*",
        "NEAR(battery phone)",
        "battery OR phone",
        "battery AND",
        "NOT battery",
        "-battery",
        "text:battery",
        "{kind}: customer",
        "^battery",
        "battery & phone | !x",
        "'battery':*",
        "battery\\",
        "(((",
        "\x00",
        "a" * 500,
        "🔋 🔋",
    ],
)
def test_query_syntax_in_input_is_just_text(typed):
    search_index_docs([_doc("message", 1, "battery phone NEAR OR AND NOT text kind customer")])

    page = search_backend().search(parse_query(typed), kinds=["message", "case"])

    assert page.total == len(page.hits) <= 1


def test_restrict_keeps_only_what_the_viewer_may_see(admin_user, agent):
    from vafa.accounts.models import User

    search_index_docs(
        [
            Doc("message", 1, document_text("battery"), case_id=admin_user.pk),
            Doc("message", 2, document_text("battery"), case_id=agent.pk),
        ]
    )

    everyone = _ids("battery", restrict=User.objects.all(), restrict_field="case_id")
    only_agent = _ids("battery", restrict=User.objects.filter(pk=agent.pk), restrict_field="case_id")
    nobody = _ids("battery", restrict=User.objects.filter(pk__in=[]), restrict_field="case_id")

    assert sorted(everyone) == [1, 2]
    assert only_agent == [2]
    assert nobody == []


def test_grouping_gives_one_hit_per_case_with_the_best_document():
    search_index_docs(
        [
            Doc("case", 10, document_text("VF-10", "Battery drains overnight"), case_id=10),
            Doc("message", 1, document_text("my battery drains, battery is old, battery!"), case_id=10),
            Doc("message", 2, document_text("battery"), case_id=20),
            Doc(
                "message", 3, document_text("something about a battery and a charger and a cable"), case_id=20
            ),
        ]
    )

    page = search_backend().search(
        parse_query("battery"), kinds=["case", "message"], group_by="case_id", boost={"case": 2.0}
    )

    assert page.total == 2
    assert sorted(hit.case_id for hit in page.hits) == [10, 20]
    assert [(hit.case_id, hit.kind) for hit in page.hits if hit.case_id == 10] == [(10, "case")]
    assert [(hit.case_id, hit.object_id) for hit in page.hits if hit.case_id == 20] == [(20, 2)]


def test_paging_through_hits():
    search_index_docs([_doc("customer", n, f"Customer number {n}") for n in range(1, 8)])
    backend = search_backend()

    first = backend.search(parse_query("customer"), kinds=["customer"], limit=3)
    third = backend.search(parse_query("customer"), kinds=["customer"], limit=3, offset=6)

    assert (first.total, len(first.hits), third.total, len(third.hits)) == (7, 3, 7, 1)
    assert first.capped is False


def test_many_matches_rank_the_newest_and_say_so(monkeypatch):
    monkeypatch.setattr(search_backends, "CANDIDATES", 5)
    search_index_docs([_doc("message", n, "warranty") for n in range(1, 12)])

    page = search_backend().search(parse_query("warranty"), kinds=["message"], limit=20)

    assert page.capped is True
    assert page.total == 5
    assert sorted(hit.object_id for hit in page.hits) == [7, 8, 9, 10, 11]


def test_reindexing_replaces_the_text_and_removing_forgets():
    search_index("unit", 5, document_text("SN-111"), customer_id=1)
    search_index("unit", 5, document_text("SN-222"), customer_id=2)

    assert _ids("SN-111", kind="unit") == []
    assert _ids("SN-222", kind="unit") == [5]
    assert SearchDocument.objects.get(kind="unit", object_id=5).customer_id == 2

    search_remove("unit", [5])

    assert _ids("SN-222", kind="unit") == []
    assert not SearchDocument.objects.filter(kind="unit").exists()


def test_moving_documents_to_another_case():
    search_index_docs([Doc("message", 1, document_text("hello"), case_id=1)])

    moved = search_move_case("message", from_case_id=1, to_case_id=2)

    assert moved == 1
    assert SearchDocument.objects.get(kind="message", object_id=1).case_id == 2


def test_kinds_must_be_known():
    with pytest.raises(ValueError):
        search_backend().search(parse_query("x"), kinds=["case; DROP TABLE x"])
    with pytest.raises(ValueError):
        search_backend().search(parse_query("x"), kinds=["case"], boost={"evil'": 2.0})


def test_the_full_text_index_answers_the_match():
    search_index_docs([_doc("message", n, f"message number {n}") for n in range(1, 300)])
    search_index_docs([_doc("message", 300, "the needle")])
    backend = search_backend()
    sql, params = backend.candidates_sql(
        parse_query("needle"), kinds=["message"], where=[], params=[], score_factor="1.0"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a small table the planner prefers other indexes; with those ruled out it shows the
            # GIN index answers the match itself (at scale it picks it unaided: see decision 0006).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(
                "EXPLAIN SELECT d.id FROM core_searchdocument d WHERE d.search_vector @@ %s::tsquery",
                [PostgresBackend().ts_query(parse_query("needle"))],
            )
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    if connection.vendor == "postgresql":
        assert "core_search_vector_gin" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and "core_search_fts" in plan
    assert "LIKE" not in sql.upper()


def test_the_database_reads_the_same_tokens_as_python():
    """The index's own tokenizer (PostgreSQL's 'simple' parser, SQLite's unicode61) must split the
    normalised text exactly where Python did, or a query token could miss its document."""
    samples = [
        "Sara Ahmadi sara@example.test +989123456789",
        "VF-123 the battery (2nd) don't 3.5mm 1e5 v2 ab12cd",
        "می‌خواهم كتاب ها مُحَمَّد ۰۹۱۲",
        "Ёлка не включается, экран 1080p",
        "الشاشة لا تعمل مدرسة",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sample in samples:
                cursor.execute("SELECT tsvector_to_array(to_tsvector('simple', %s))", [document_text(sample)])
                assert set(cursor.fetchone()[0]) == set(tokens(sample)), sample
        else:
            # fts5vocab lists the terms the FTS5 table holds, as its tokenizer cut them.
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, core_search_fts, 'col')"
            )
            for number, sample in enumerate(samples):
                SearchDocument.objects.all().delete()
                SearchDocument.objects.create(kind="case", object_id=number + 1, text=document_text(sample))
                cursor.execute("SELECT term FROM temp.search_vocab WHERE col = 'text'")
                assert {row[0] for row in cursor.fetchall()} == set(tokens(sample)), sample
            cursor.execute("DROP TABLE temp.search_vocab")


def test_reindex_command_rebuilds_from_the_tables(customer, capsys):
    SearchDocument.objects.all().delete()

    call_command("search", "reindex", "--kind", "customer", "--batch-size", "1")

    out = capsys.readouterr().out
    assert "customer: 1 in" in out
    assert _ids("Sara Ahmadi", kind="customer") == [customer.pk]
