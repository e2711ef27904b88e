"""Signing in and out, password reset by e-mail, and each user's own preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vafa.accounts.services import user_set_preferences
from vafa.core.errors import ValidationFailed
from vafa.desk.access import desk_user, desk_view, next_url
from vafa.desk.forms import LanguageForm, PreferencesForm


class LoginView(auth_views.LoginView):
    template_name = "desk/auth/login.html"
    redirect_authenticated_user = True
    extra_context = {"nav": "login"}


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


@desk_view
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk:inbox")


@desk_view
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = desk_user(request)
    form = PreferencesForm(
        request.POST or None,
        initial={"language": user.language, "time_zone": user.time_zone, "native_digits": user.native_digits},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_set_preferences(actor=user, user=user, **form.cleaned_data)
        except ValidationFailed as exc:
            for field, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, str(error))
        else:
            translation.activate(user.language)
            messages.success(request, _("Your preferences are saved."))
            response = redirect("desk:preferences")
            _remember_language(response, user.language)
            return response
    return render(request, "desk/auth/preferences.html", {"form": form, "nav": "preferences"})


@desk_view
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the page language and keep it as the user's preference."""
    form = LanguageForm(request.POST)
    target = next_url(request, reverse("desk:home"))
    if form.is_valid():
        user = desk_user(request)
        user_set_preferences(actor=user, user=user, language=form.cleaned_data["language"])
        response: HttpResponse = HttpResponseRedirect(target)
        _remember_language(response, form.cleaned_data["language"])
        return response
    messages.error(request, _("Choose one of the languages in the list."))
    return HttpResponseRedirect(target)


urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="desk/auth/password_reset.html",
            email_template_name="desk/auth/password_reset_email.txt",
            subject_template_name="desk/auth/password_reset_subject.txt",
            success_url=reverse_lazy("desk:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="desk/auth/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="desk/auth/password_reset_confirm.html",
            success_url=reverse_lazy("desk:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="desk/auth/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("preferences/", preferences, name="preferences"),
    path("language/", language, name="language"),
]
