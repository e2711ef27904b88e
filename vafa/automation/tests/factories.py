"""Rules and macros for tests, made through the services (so they are checked like a manager's), and a
helper that runs the pending automation work the way a worker would."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from vafa.accounts.models import Team, User
from vafa.automation import services
from vafa.automation.models import Macro, Rule
from vafa.automation.rules import EVENT_KIND, rule_triggers_forget
from vafa.core.jobs import work_execute
from vafa.core.models import PendingWork

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def rule_triggers_fresh() -> Any:
    """Imported by every test module that makes rules: a rolled-back test's rules must not leave this
    process's cached "which triggers have rules" behind, or later tests would publish rule work."""
    rule_triggers_forget()
    yield
    rule_triggers_forget()


def make_rule(
    *,
    trigger: str = "case.opened",
    actions: Sequence[dict[str, Any]] = ({"type": "add_tag", "tag": "auto"},),
    conditions: Sequence[dict[str, Any]] = (),
    name: str | None = None,
    **fields: Any,
) -> Rule:
    rule = services.rule_create(
        actor=None,
        name=name or f"Rule {next(_names)}",
        trigger=trigger,
        actions=list(actions),
        conditions=list(conditions),
        **fields,
    )
    # A test's transaction never commits, so the services' on-commit forget never runs.
    rule_triggers_forget()
    return rule


def make_macro(
    *,
    name: str = "Thanks",
    texts: Mapping[str, str] | None = None,
    actions: Sequence[dict[str, Any]] = (),
    owner: User | None = None,
    team: Team | None = None,
) -> Macro:
    return services.macro_create(
        actor=None,
        name=name,
        texts=texts or {"en": "Hello {customer_name}, about {case_number}."},
        actions=list(actions),
        owner=owner,
        team=team,
    )


def run_rules(*, rounds: int = 10) -> list[str]:
    """Run the pending rule work, and the work that rules' own changes schedule, until none is left.

    Returns the outcome of each run ("done", "skipped", …) in order.
    """
    outcomes: list[str] = []
    for _round in range(rounds):
        pending = list(
            PendingWork.objects.filter(kind=EVENT_KIND, state=PendingWork.State.PENDING)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not pending:
            return outcomes
        outcomes.extend(work_execute(pk) for pk in pending)
    return outcomes
