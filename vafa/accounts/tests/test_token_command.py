from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from vafa.accounts.models import ApiToken, AuditLog, Role, User
from vafa.accounts.services import token_authenticate, token_create
from vafa.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def token(*args: str) -> list[str]:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_for_a_staff_user_prints_the_token_last(agent):
    # when
    lines = token("create", "--user", "Agent@Staff.Vafa.test", "--name", "shop sync")
    # then
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name) == (agent, "shop sync")
    assert lines[-1].startswith(f"vafa_{stored.prefix}_")
    assert token_authenticate(lines[-1]) == agent
    assert AuditLog.objects.filter(action="token.create").values_list("via", flat=True).get() == "cli"


def test_create_for_a_customer_makes_the_portal_account_and_a_scoped_token(customer):
    # given a customer without a portal account
    assert not User.objects.filter(customer=customer).exists()
    # when
    lines = token("create", "--customer", "SARA@example.test")
    # then
    user = token_authenticate(lines[-1])
    assert (user.role, user.customer, user.email) == (Role.CUSTOMER, customer, "sara@example.test")
    assert ApiToken.objects.get().user == user


def test_create_for_a_customer_reuses_the_portal_account(customer_user):
    # when
    lines = token("create", "--customer", "sara@example.test", "--name", "app")
    # then
    assert token_authenticate(lines[-1]) == customer_user
    assert User.objects.filter(role=Role.CUSTOMER).count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "nobody@staff.vafa.test"), "No user has the e-mail address nobody@staff.vafa.test."),
        (("--customer", "nobody@example.test"), "No customer has the e-mail address nobody@example.test."),
    ],
)
def test_unknown_email_is_an_error_and_creates_nothing(agent, customer, args, message):
    # given
    users = User.objects.count()
    # when
    with pytest.raises(CommandError) as info:
        token("create", *args)
    # then
    assert str(info.value) == message
    assert (ApiToken.objects.count(), User.objects.count()) == (0, users)


def test_a_customer_account_is_refused_as_a_staff_user(customer_user):
    # when
    with pytest.raises(CommandError) as info:
        token("create", "--user", "sara@example.test")
    # then
    assert str(info.value) == "sara@example.test is not a staff user; use --customer for a customer's token."
    assert ApiToken.objects.count() == 0


def test_a_customer_whose_email_is_another_accounts_gets_no_token(db):
    # given a customer whose only e-mail belongs to another account already
    CustomerFactory(email__value="taken@example.test")
    User.objects.create_user("taken@example.test", None, role=Role.AGENT)
    users = User.objects.count()
    # when
    with pytest.raises(CommandError) as info:
        token("create", "--customer", "taken@example.test")
    # then
    assert str(info.value) == "This e-mail address already belongs to another account."
    assert (ApiToken.objects.count(), User.objects.count()) == (0, users)


def test_list_shows_tokens_and_filters_by_user(agent, manager):
    # given
    first = token_create(actor=None, user=agent, name="shop").token
    second = token_create(actor=None, user=manager, name="erp").token
    ApiToken.objects.filter(pk=second.pk).update(revoked_at=timezone.now())
    # when
    lines = token("list")
    # then
    assert lines[0].split() == ["prefix", "name", "user", "created", "last", "used", "revoked"]
    assert [line.split()[:3] for line in lines[1:]] == [
        [second.prefix, "erp", "manager@staff.vafa.test"],
        [first.prefix, "shop", "agent@staff.vafa.test"],
    ]
    assert lines[1].split()[-1] != "-"
    assert lines[2].split()[-2:] == ["-", "-"]
    # when
    lines = token("list", "--user", "manager@staff.vafa.test")
    # then
    assert [line.split()[0] for line in lines[1:]] == [second.prefix]


def test_revoke_stops_the_token(agent):
    # given
    issued = token_create(actor=None, user=agent, name="shop")
    # when
    lines = token("revoke", issued.token.prefix)
    # then
    assert lines == [f"Token {issued.token.prefix} of agent@staff.vafa.test is revoked."]
    assert token_authenticate(issued.raw) is None
    assert AuditLog.objects.filter(action="token.revoke").values_list("via", flat=True).get() == "cli"


def test_revoking_an_unknown_prefix_is_an_error(agent):
    # given
    issued = token_create(actor=None, user=agent)
    # when
    with pytest.raises(CommandError) as info:
        token("revoke", "nope")
    # then
    assert str(info.value) == "No token has the prefix nope."
    assert token_authenticate(issued.raw) == agent
