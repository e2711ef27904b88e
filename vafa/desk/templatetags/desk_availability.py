"""The availability control of the desk bar: the signed-in agent's state and the menu that changes it."""

from __future__ import annotations

from typing import Any

from django import template

from vafa.accounts.models import User
from vafa.desk.views.availability import availability_state

register = template.Library()


@register.inclusion_tag("desk/availability/_control.html", takes_context=True)
def availability_control(context: template.Context) -> dict[str, Any]:
    """One query per page view (the agent's routing profile); nothing for admins, whom routing never picks."""
    request = context["request"]
    user = request.user
    return {
        "availability": availability_state(user) if isinstance(user, User) else None,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
