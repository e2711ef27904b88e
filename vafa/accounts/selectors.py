"""Reads of users and API tokens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import ApiToken, Notification, Team, User
from vafa.core.errors import NotFound


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def token_list(*, user: User | None = None) -> QuerySet[ApiToken]:
    """API tokens, newest first, with their users; only `user`'s when given."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return tokens.filter(user=user) if user is not None else tokens


def token_by_prefix(prefix: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(prefix=prefix.strip()).first()


def team_get(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team."))
    return team


def user_get(user_id: int) -> User:
    """A user by id (services decide whether that user may take the work)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
