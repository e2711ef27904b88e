"""Reads of users and API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from vafa.accounts.models import ApiToken, User


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def token_list(*, user: User | None = None) -> QuerySet[ApiToken]:
    """API tokens, newest first, with their users; only `user`'s when given."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return tokens.filter(user=user) if user is not None else tokens


def token_by_prefix(prefix: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(prefix=prefix.strip()).first()
