"""Who may open desk pages: signed-in staff. Anything else a page refuses looks like a missing page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from vafa.accounts.models import Role, User
from vafa.core.errors import Forbidden, NotFound

View = Callable[..., HttpResponse]


def desk_view(view: View) -> View:
    """Require a signed-in, active staff user; turn NotFound and Forbidden into 404.

    A customer who finds a desk address gets the same answer as for a page that does not exist, and
    an agent asking for a case outside their teams learns nothing about it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_active or not user.is_company_staff:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Forbidden) as exc:
            raise Http404 from exc

    return wrapper


def desk_user(request: HttpRequest) -> User:
    """The signed-in staff member of a request that `desk_view` let through."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


def manager_view(view: View) -> View:
    """A desk page for admins and managers only (404 for agents)."""

    @wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if desk_user(request).role not in (Role.ADMIN, Role.MANAGER):
            raise Http404
        return view(request, *args, **kwargs)

    return desk_view(inner)


def next_url(request: HttpRequest, default: str, *, within: str = "") -> str:
    """The `next` address a form posted, if it is on this site (and under `within`); else `default`."""
    target = request.POST.get("next", "")
    if (
        target.startswith(within)
        and len(target) < 4000
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
