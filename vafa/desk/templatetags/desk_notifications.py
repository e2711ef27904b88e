"""The notifications badge of the desk bar: how many unread notifications the signed-in user has."""

from __future__ import annotations

from typing import Any

from django import template

from vafa.accounts.models import User
from vafa.accounts.selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: dict[str, Any]) -> int:
    """One indexed count per page view (user, read_at)."""
    user = context["request"].user
    return notification_unread_count(user=user) if isinstance(user, User) else 0
