"""Next and previous case: the agent's own open cases, newest activity first, ties broken by id."""

from __future__ import annotations

import datetime as dt

import pytest

from vafa.service.models import Case
from vafa.service.selectors import case_neighbours
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

T = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _mine(agent, updated_at, **fields):
    case = make_case(**fields)
    Case.objects.filter(pk=case.pk).update(assignee=agent, updated_at=updated_at)
    case.refresh_from_db()
    return case


def test_neighbours_walk_the_agents_open_cases_newest_first_with_ties_by_id(agent, other_agent):
    newest = _mine(agent, T + dt.timedelta(hours=2))
    tie_low = _mine(agent, T + dt.timedelta(hours=1))
    tie_high = _mine(agent, T + dt.timedelta(hours=1))
    oldest = _mine(agent, T)
    _mine(other_agent, T + dt.timedelta(minutes=90))  # someone else's: never a neighbour
    closed = _mine(agent, T + dt.timedelta(minutes=30))
    Case.objects.filter(pk=closed.pk).update(status="closed", resolved_at=T, closed_at=T)

    # The list reads: newest, tie_high, tie_low, oldest.
    assert case_neighbours(viewer=agent, case=newest) == (None, tie_high)
    assert case_neighbours(viewer=agent, case=tie_high) == (newest, tie_low)
    assert case_neighbours(viewer=agent, case=tie_low) == (tie_high, oldest)
    assert case_neighbours(viewer=agent, case=oldest) == (tie_low, None)


def test_a_case_outside_the_list_still_has_its_place_in_it(agent):
    newer = _mine(agent, T + dt.timedelta(hours=2))
    older = _mine(agent, T)
    unassigned = make_case()
    Case.objects.filter(pk=unassigned.pk).update(updated_at=T + dt.timedelta(hours=1))
    unassigned.refresh_from_db()

    assert case_neighbours(viewer=agent, case=unassigned) == (newer, older)
