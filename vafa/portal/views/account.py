"""The customer's account in the portal: sign-in (password or e-mailed link), sign-up, password reset, profile.

Pages that send mail answer the same whatever the address; a filled honeypot gets the success answer
and nothing happens; too many attempts from one address or IP get 429 and nothing happens. Links
from e-mails open a page with a button, and only the POST spends the link: mail scanners that fetch
every link they see do not burn it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from vafa.accounts.models import SignInLink, User
from vafa.accounts.services import user_set_preferences
from vafa.accounts.signin import (
    customer_account_rename,
    customer_password_set,
    customer_signup_request,
    customer_signup_verify,
    signin_link_request,
    signin_link_use,
    signin_link_valid,
)
from vafa.core.errors import VafaError
from vafa.core.throttle import throttle_clear, throttle_hit
from vafa.portal.access import portal_user, portal_view
from vafa.portal.forms_account import (
    LanguageForm,
    LinkRequestForm,
    LoginForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ProfileForm,
    SignupForm,
)
from vafa.portal.spam import client_ip, honeypot_tripped

TEMPLATES = "portal/account"
BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- helpers ----------------------------------------------------------------------------------------


def _next(request: HttpRequest, default: str) -> str:
    """The `next` address asked for (POST, else GET) if it is on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target
        and len(target) < 2000
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def _signed_in_customer(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_customer", False))


def _over_limit(request: HttpRequest, *, scope: str, email: str) -> bool:
    """Count one attempt for the client's IP and for `email`; True when either is over its limit."""
    if scope == "signin":
        limit = settings.VAFA_PORTAL_SIGNIN_LIMIT
        window = settings.VAFA_PORTAL_SIGNIN_WINDOW_MINUTES * 60
    else:
        limit = settings.VAFA_PORTAL_MAIL_LIMIT
        window = settings.VAFA_PORTAL_MAIL_WINDOW_MINUTES * 60
    allowed = [
        throttle_hit(f"portal:{scope}:ip:{client_ip(request)}", limit=limit, window_seconds=window),
        throttle_hit(f"portal:{scope}:email:{email}", limit=limit, window_seconds=window),
    ]
    return not all(allowed)


def _throttled(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context = {
        **context,
        "throttled": _("Too many attempts. Wait a while and try again."),
    }
    return render(request, f"{TEMPLATES}/{template}", context, status=429)


def _apply_errors(form: BaseForm, exc: VafaError) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for field, errors in exc.fields.items():
        for error in errors if isinstance(errors, list | tuple) else [errors]:
            form.add_error(field if field in form.fields else None, str(error))


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


# --- sign-in and out ---------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    target = _next(request, reverse("portal:home"))
    if _signed_in_customer(request):
        return HttpResponseRedirect(target)
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": target}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if _over_limit(request, scope="signin", email=email):
            return _throttled(request, "login.html", context)
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        # Staff get the same answer as a wrong password: the portal does not confirm staff addresses.
        if isinstance(user, User) and user.is_customer:
            login(request, user, backend=BACKEND)
            throttle_clear(f"portal:signin:email:{email}")
            return HttpResponseRedirect(target)
        form.add_error(
            None, _("The e-mail address or the password is not right. Passwords are case-sensitive.")
        )
    return render(request, f"{TEMPLATES}/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:login")


# --- sign-up ------------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if _signed_in_customer(request):
        return redirect("portal:home")
    form = SignupForm(request.POST or None, initial={"language": translation.get_language()})
    context = {"form": form}
    if request.method == "POST":
        if honeypot_tripped(request.POST):
            return redirect("portal:signup_done")
        if form.is_valid():
            data = form.cleaned_data
            if _over_limit(request, scope="mail", email=data["email"]):
                return _throttled(request, "signup.html", context)
            try:
                customer_signup_request(
                    email=data["email"],
                    password=data["password"],
                    full_name=data["full_name"],
                    language=data["language"],
                )
            except VafaError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("portal:signup_done")
    return render(request, f"{TEMPLATES}/signup.html", context)


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/signup_done.html")


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm a sign-up: the e-mailed link shows a button, the button's POST creates the account."""
    if request.method == "POST":
        try:
            user = customer_signup_verify(token=token)
        except VafaError as exc:
            return render(request, f"{TEMPLATES}/verify.html", {"error": exc.message}, status=400)
        login(request, user, backend=BACKEND)
        translation.activate(user.language)
        messages.success(
            request, _("Welcome, %(name)s! Your account is ready.") % {"name": user.full_name or user.email}
        )
        response = redirect("portal:home")
        _remember_language(response, user.language)
        return response
    valid = signin_link_valid(token=token, purpose=SignInLink.Purpose.SIGNUP)
    return render(request, f"{TEMPLATES}/verify.html", {"valid": valid})


# --- one-time sign-in links ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST or None, initial={"email": request.GET.get("email", "")[:254]})
    context = {"form": form}
    if request.method == "POST":
        if honeypot_tripped(request.POST):
            return redirect("portal:link_sent")
        if form.is_valid():
            email = form.cleaned_data["email"]
            if _over_limit(request, scope="mail", email=email):
                return _throttled(request, "link_request.html", context)
            signin_link_request(email=email, language=translation.get_language() or settings.LANGUAGE_CODE)
            return redirect("portal:link_sent")
    return render(request, f"{TEMPLATES}/link_request.html", context)


def link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/link_sent.html")


@never_cache
@require_http_methods(["GET", "POST"])
def link_signin(request: HttpRequest, token: str) -> HttpResponse:
    """Sign in with an e-mailed link: GET shows a button, the button's POST signs in."""
    if request.method == "POST":
        try:
            user = signin_link_use(token=token)
        except VafaError as exc:
            return render(request, f"{TEMPLATES}/link_signin.html", {"error": exc.message}, status=400)
        login(request, user, backend=BACKEND)
        return redirect("portal:home")
    valid = signin_link_valid(token=token, purpose=SignInLink.Purpose.SIGNIN)
    return render(request, f"{TEMPLATES}/link_signin.html", {"valid": valid})


# --- password reset -----------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = f"{TEMPLATES}/password_reset.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if honeypot_tripped(self.request.POST):
            return HttpResponseRedirect(str(self.success_url))
        email = str(form.cleaned_data["email"]).strip().lower()
        if _over_limit(self.request, scope="mail", email=email):
            return _throttled(self.request, "password_reset.html", self.get_context_data(form=form))
        return super().form_valid(form)


# --- the account ---------------------------------------------------------------------------------------


@portal_view
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    which = request.POST.get("form") if request.method == "POST" else None
    form = ProfileForm(
        request.POST if which == "profile" else None,
        initial={
            "full_name": user.full_name,
            "language": user.language,
            "time_zone": user.time_zone,
            "native_digits": user.native_digits,
        },
    )
    password_form = PortalPasswordChangeForm(user, request.POST if which == "password" else None)
    if which == "profile" and form.is_valid():
        data = form.cleaned_data
        try:
            customer_account_rename(actor=user, user=user, full_name=data["full_name"])
            user_set_preferences(
                actor=user,
                user=user,
                language=data["language"],
                time_zone=data["time_zone"],
                native_digits=data["native_digits"],
            )
        except VafaError as exc:
            _apply_errors(form, exc)
        else:
            translation.activate(user.language)
            messages.success(request, _("Your details are saved."))
            response = redirect("portal:profile")
            _remember_language(response, user.language)
            return response
    if which == "password" and password_form.is_valid():
        try:
            customer_password_set(actor=user, user=user, password=password_form.cleaned_data["new_password1"])
        except VafaError as exc:
            _apply_errors(password_form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your new password is set."))
            return redirect("portal:profile")
    return render(
        request,
        f"{TEMPLATES}/profile.html",
        {"form": form, "password_form": password_form, "account": user},
    )


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the portal's language; a signed-in customer keeps it as their preference."""
    default = reverse("portal:home") if _signed_in_customer(request) else reverse("help:home")
    target = _next(request, default)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages in the list."))
        return HttpResponseRedirect(target)
    chosen = form.cleaned_data["language"]
    if _signed_in_customer(request):
        user = portal_user(request)
        user_set_preferences(actor=user, user=user, language=chosen)
    response = HttpResponseRedirect(target)
    _remember_language(response, chosen)
    return response


urlpatterns: list[URLPattern] = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("signup/", signup, name="signup"),
    path("signup/sent/", signup_done, name="signup_done"),
    path("signup/confirm/<str:token>/", verify, name="verify"),
    path("link/", link_request, name="link_request"),
    path("link/sent/", link_sent, name="link_sent"),
    path("link/<str:token>/", link_signin, name="link_signin"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=f"{TEMPLATES}/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=f"{TEMPLATES}/password_reset_confirm.html",
            form_class=PortalSetPasswordForm,
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=f"{TEMPLATES}/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("account/", profile, name="profile"),
    path("language/", language, name="language"),
]
