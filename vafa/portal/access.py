"""Who may open portal pages: a signed-in customer account. Anything outside their reach is "not found"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from vafa.accounts.models import User
from vafa.core.errors import Forbidden, NotFound
from vafa.customers.models import Customer

View = Callable[..., HttpResponse]


def portal_view(view: View) -> View:
    """Require a signed-in, active customer account; turn NotFound and Forbidden into 404.

    Staff who open the portal are sent to the desk (the portal shows a customer's own records, and
    staff have none); a request for another customer's unit or case looks like a missing page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
        if not user.is_active:
            raise Http404
        if not user.is_customer:
            return redirect("desk:home")
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Forbidden) as exc:
            raise Http404 from exc

    return wrapper


def portal_user(request: HttpRequest) -> User:
    """The signed-in customer account of a request that `portal_view` let through."""
    user = request.user
    if not isinstance(user, User) or not user.is_customer or user.customer_id is None:
        raise Http404
    return user


def portal_customer(request: HttpRequest) -> Customer:
    """The customer behind the signed-in account."""
    customer = portal_user(request).customer
    if customer is None:
        raise Http404
    return customer
