import json

import pytest
from django.db.models import Count

from vafa.bench.results import make_result, results_merge, unit_of
from vafa.bench.seed import seed
from vafa.core.models import Counter
from vafa.service.models import Case, CaseEvent, Message


def test_names_carry_their_unit():
    assert [unit_of(n) for n in ("api_case_list_ms", "api_case_create_per_s", "outcome_recompute_s")] == [
        "ms",
        "per_s",
        "s",
    ]
    with pytest.raises(ValueError):
        unit_of("api_case_list")


def test_results_file_replaces_same_name_and_database_and_keeps_others(tmp_path):
    path = tmp_path / "bench" / "results.json"
    results_merge(
        path,
        [
            make_result("api_case_list_ms", 12.3456, database="sqlite", scale={"cases": 100000}),
            make_result("api_case_list_ms", 20, database="postgresql", scale={"cases": 100000}),
            make_result("kb_search_ms", 4, database="sqlite", scale={}),
        ],
    )

    results_merge(path, [make_result("api_case_list_ms", 10, database="sqlite", scale={"cases": 100000})])

    data = json.loads(path.read_text())
    rows = [(b["name"], b["database"], b["value"], b["unit"]) for b in data["benchmarks"]]
    assert rows == [
        ("api_case_list_ms", "postgresql", 20.0, "ms"),
        ("api_case_list_ms", "sqlite", 10.0, "ms"),
        ("kb_search_ms", "sqlite", 4.0, "ms"),
    ]
    assert set(data["benchmarks"][0]) == {"name", "value", "unit", "database", "scale", "measured_at"}


def test_seed_adds_cases_with_their_first_message_and_event(db):
    seeded = seed(customers=30, cases=120)
    again = seed(customers=30, cases=150)

    assert (seeded.customers, seeded.cases, again.cases) == (30, 120, 150)
    assert Message.objects.count() == 150
    assert CaseEvent.objects.filter(kind="opened").count() == 150
    assert Counter.objects.get(name="case").value == 150
    assert sorted(Case.objects.values_list("number", flat=True)) == list(range(1, 151))
    assert seeded.token.startswith("vafa_")


def test_seed_writes_conversations_indexes_them_and_signs_an_agent_in(db):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from vafa.accounts.models import Team, User
    from vafa.core.models import SearchDocument

    seeded = seed(customers=12, cases=20, messages_per_case=4)
    seed(customers=12, cases=25, messages_per_case=4)

    agent = User.objects.get(email="bench.agent@bench.vafa.test")
    assert seeded.messages == 80
    assert Message.objects.count() == 100
    assert Message.objects.filter(author_kind="agent").count() >= 25
    assert set(Case.objects.values_list("language", flat=True)) <= {"en", "fa", "ar", "ru"}
    assert len(set(Case.objects.values_list("subject", flat=True))) > 10
    assert dict(
        SearchDocument.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    ) == {
        "customer": 12,
        "case": 25,
        "message": 100,
    }
    assert SessionStore(session_key=seeded.session).load()[SESSION_KEY] == str(agent.pk)
    assert set(agent.teams.all()) == set(Team.objects.all())
    assert not agent.sees_all_cases
