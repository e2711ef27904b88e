"""Merging a case into another from the case page: a confirmation, then the merge; refusals inline."""

from __future__ import annotations

import pytest

from vafa.service import services
from vafa.service.models import Case, Message
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _merge(client, source: Case, target: str, *, confirm: bool = False, htmx: bool = True):
    data = {"merge-target": target}
    if confirm:
        data["merge-confirm"] = "on"
    return client.post(f"/desk/cases/{source.number}/merge/", data, **(HTMX if htmx else {}))


def test_first_post_asks_to_confirm_and_changes_nothing(desk_as, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team, subject="The one that stays")

    response = _merge(desk_as(agent), source, target.reference)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Merge {source.reference} into {target.reference}?" in html
    assert "The one that stays" in html
    assert f'name="merge-target" value="{target.number}"' in html
    assert Case.objects.get(pk=source.pk).merged_into is None


@pytest.mark.parametrize("typed", ["{n}", "VF-{n}", "vf-{n}", "#{n}", " {n} "])
def test_case_number_may_be_typed_in_any_usual_form(desk_as, agent, team, customer, typed):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)

    response = _merge(desk_as(agent), source, typed.format(n=target.number))

    assert f"Merge {source.reference} into {target.reference}?" in response.content.decode()


def test_confirmed_merge_moves_the_messages_and_opens_the_target(desk_as, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)
    client = desk_as(agent)

    response = _merge(client, source, str(target.number), confirm=True)

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/desk/cases/{target.number}/"
    source = Case.objects.get(pk=source.pk)
    assert (source.status, source.merged_into) == ("closed", target)
    assert Message.objects.filter(case=target).count() == 2
    assert (
        f"{source.reference} was merged into {target.reference}."
        in client.get(f"/desk/cases/{target.number}/").content.decode()
    )


def test_merge_without_htmx_redirects_to_the_target(desk_as, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)

    response = _merge(desk_as(agent), source, str(target.number), confirm=True, htmx=False)

    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{target.number}/"


def test_merge_into_itself_is_refused(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = _merge(desk_as(agent), case, str(case.number))

    assert "A case cannot be merged into itself." in response.content.decode()
    assert Case.objects.get(pk=case.pk).merged_into is None


def test_merge_with_another_customers_case_is_refused(desk_as, agent, team, customer, other_customer):
    source = make_case(customer, team=team)
    target = make_case(other_customer, team=team)

    response = _merge(desk_as(agent), source, str(target.number), confirm=True)

    assert "Only cases of the same customer can be merged." in response.content.decode()
    assert Case.objects.get(pk=source.pk).merged_into is None
    assert Message.objects.filter(case=target).count() == 1


def test_merge_into_a_closed_case_is_refused(desk_as, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)
    services.case_resolve(actor=agent, case=target)
    services.case_close(actor=agent, case=target)

    response = _merge(desk_as(agent), source, str(target.number), confirm=True)

    assert "A case cannot be merged into a closed case." in response.content.decode()
    assert Case.objects.get(pk=source.pk).merged_into is None


def test_merge_into_a_case_the_agent_cannot_see_is_refused_as_missing(
    desk_as, agent, other_team, team, customer
):
    source = make_case(customer, team=team)
    hidden = make_case(customer, team=other_team)

    response = _merge(desk_as(agent), source, str(hidden.number), confirm=True)

    assert f"There is no case {hidden.reference} that you can see." in response.content.decode()
    assert Case.objects.get(pk=source.pk).merged_into is None


def test_nonsense_case_number_is_refused(desk_as, agent, team, customer):
    source = make_case(customer, team=team)

    response = _merge(desk_as(agent), source, "yesterday's case")

    assert "Enter a case number, e.g. 1234." in response.content.decode()


def test_refused_merge_without_htmx_shows_the_page_with_the_error(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = _merge(desk_as(agent), case, str(case.number), htmx=False)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "A case cannot be merged into itself." in html


def test_merge_refuses_forged_posts(csrf_client, agent, team, customer):
    source = make_case(customer, team=team)
    target = make_case(customer, team=team)

    response = _merge(csrf_client(agent), source, str(target.number), confirm=True)

    assert response.status_code == 403
    assert Case.objects.get(pk=source.pk).merged_into is None
