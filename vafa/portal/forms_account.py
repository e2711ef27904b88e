"""Forms of the portal's account pages: sign-in, sign-up, one-time links, password reset, profile."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Role, User
from vafa.accounts.signin import portal_mail_send, signup_password_check
from vafa.core.errors import ValidationFailed


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class BootstrapMixin:
    """Give the widgets Bootstrap's classes, and `is-invalid` to those whose field has an error."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class PortalForm(BootstrapMixin, forms.Form):
    """A form whose widgets carry Bootstrap's classes, so templates render fields plainly."""


def _email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LoginForm(PortalForm):
    email = _email_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class SignupForm(PortalForm):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = _email_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, and not a common password."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("email") and data.get("password"):
            try:
                signup_password_check(
                    email=data["email"], password=data["password"], full_name=data.get("full_name", "")
                )
            except ValidationFailed as exc:
                for error in exc.fields.get("password", []):
                    self.add_error("password", error)
        return data


class LinkRequestForm(PortalForm):
    email = _email_field()

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class ProfileForm(PortalForm):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)
    native_digits = forms.BooleanField(
        label=_("Show Persian or Arabic digits"),
        required=False,
        help_text=_(
            "Numbers and dates use ۰۱۲۳ or ٠١٢٣ instead of 0123 when the page is in Persian or Arabic."
        ),
    )


class PortalPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PortalSetPasswordForm(BootstrapMixin, SetPasswordForm):
    pass


class PortalPasswordResetForm(BootstrapMixin, PasswordResetForm):
    """Django's reset form, for customer accounts only, mailed in the account's language.

    Unlike Django's, it also mails accounts without a usable password: a customer account made by
    staff has none, and proving the address is how its owner sets the first one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.pop("autofocus", None)

    def get_users(self, email: str) -> Iterator[User]:
        yield from User.objects.filter(email=email.strip().lower(), role=Role.CUSTOMER, is_active=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        portal_mail_send(to=to_email, language=user.language, template="password_reset", context=context)
