"""Who may do what, by role: services call these before they change anything.

`actor=None` is the system itself (imports, the CLI, background jobs) and is always allowed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Role, User
from vafa.core.errors import Forbidden


def require_manager(actor: User | None) -> None:
    """Refuse unless the actor runs the business (admin or manager)."""
    if actor is not None and (not actor.is_active or actor.role not in (Role.ADMIN, Role.MANAGER)):
        raise Forbidden(_("Only administrators and managers can do this."), code="managers_only")


def require_staff(actor: User | None) -> None:
    """Refuse unless the actor works for the company (admin, manager or agent)."""
    if actor is not None and (not actor.is_active or not actor.is_company_staff):
        raise Forbidden(_("Only the company's staff can do this."), code="staff_only")
