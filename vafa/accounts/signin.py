"""Customer accounts of the portal: sign-up confirmed by e-mail, one-time sign-in links, names and passwords.

Every request that sends mail answers the caller the same way whatever the address (nobody learns
which addresses have accounts); what differs is only the mail the address's owner receives.

A link's random token is made when its e-mail is sent (by the `accounts.portal_mail` work, after
the request's transaction commits) and only its SHA-256 is stored. If that work has to run again,
a new token replaces the old one, so only the last e-mail's link works. A link works once, until
it expires, and is marked used by one conditional UPDATE so two clicks cannot both succeed.

No account exists before its address is confirmed: a sign-up keeps the chosen name, language and
the password's hash on the link, and the account (and, when the address is new, the customer) is
created when the link is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record
from vafa.accounts.models import Role, SignInLink, User
from vafa.core.errors import Conflict, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.core.jobs import work_schedule
from vafa.customers.contacts import normalize_email
from vafa.customers.models import ContactPoint, Customer

logger = logging.getLogger(__name__)

PORTAL_MAIL_KIND = "accounts.portal_mail"
TEMPLATES = "portal/account/email"


class SigninError(StrEnum):
    """Why a sign-up or sign-in was refused."""

    LINK_INVALID = "link_invalid"
    NAME_REQUIRED = "name_required"
    EMAIL_TAKEN = "email_taken"


def _hash_token(raw: str) -> str:
    # Tokens are 32 random bytes: a plain SHA-256 is enough (no dictionary to resist).
    return hashlib.sha256(raw.encode()).hexdigest()


def _link_invalid() -> ValidationFailed:
    return ValidationFailed(
        _("This link has been used already or has expired. Ask for a new one."),
        code=SigninError.LINK_INVALID,
    )


def _clean_email(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={"email": exc.messages}) from exc


def _clean_language(language: str) -> str:
    if language not in language_codes():
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"language": [choose_one_of(sorted(language_codes()))]}
        )
    return language


def signup_password_check(*, email: str, password: str, full_name: str = "") -> None:
    """Raise ValidationFailed (field "password") when the password fails the configured validators."""
    try:
        validate_password(password, user=User(email=email, full_name=full_name, role=Role.CUSTOMER))
    except ValidationError as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={"password": exc.messages}) from exc


def _active_customer_account(email: str) -> User | None:
    return User.objects.filter(email=email, role=Role.CUSTOMER, is_active=True).first()


# --- sign-up ---------------------------------------------------------------------------------------


def customer_signup_request(*, email: str, password: str, full_name: str, language: str) -> None:
    """Start a sign-up: e-mail a confirmation link, or "you have an account" when the address has one."""
    email = _clean_email(email)
    full_name = full_name.strip()
    errors: dict[str, list[Any]] = {}
    if not full_name:
        errors["full_name"] = [_("Enter your name.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    language = _clean_language(language)
    signup_password_check(email=email, password=password, full_name=full_name)
    # Hashed whether or not it is kept: the answer must take as long for a known address.
    password_hash = make_password(password)
    with transaction.atomic():
        existing = User.objects.filter(email=email).first()
        if existing is not None:
            if existing.is_customer and existing.is_active:
                work_schedule(PORTAL_MAIL_KIND, {"mail": "account_exists", "user_id": existing.pk})
            # Staff addresses and closed accounts get nothing: the desk is not signed up for.
            return
        link = SignInLink.objects.create(
            purpose=SignInLink.Purpose.SIGNUP,
            email=email,
            full_name=full_name[:200],
            language=language,
            password_hash=password_hash,
            expires_at=timezone.now() + dt.timedelta(hours=settings.VAFA_PORTAL_SIGNUP_HOURS),
        )
        work_schedule(PORTAL_MAIL_KIND, {"mail": "link", "link_id": link.pk})


def _link_take(*, token: str, purpose: str) -> SignInLink:
    """Mark the unexpired, unused link of `token` used, in one statement; raise when there is none."""
    if not token or len(token) > 200:
        raise _link_invalid()
    now = timezone.now()
    found = SignInLink.objects.filter(
        token_hash=_hash_token(token), purpose=purpose, used_at__isnull=True, expires_at__gt=now
    )
    link = found.first()
    if link is None or found.filter(pk=link.pk).update(used_at=now) != 1:
        raise _link_invalid()
    link.used_at = now
    return link


def _contact_verify(*, customer: Customer, email: str) -> None:
    now = timezone.now()
    updated = ContactPoint.objects.filter(
        customer=customer, kind=ContactPoint.Kind.EMAIL, value=email, verified_at__isnull=True
    ).update(verified_at=now)
    if updated:
        audit_record(
            actor=None, action="customer.contact_verified", obj=customer, after={"email": email, "at": now}
        )


def signin_link_valid(*, token: str, purpose: str) -> bool:
    """Whether `token` is an unused, unexpired link for `purpose` (changes nothing)."""
    if not token or len(token) > 200:
        return False
    return SignInLink.objects.filter(
        token_hash=_hash_token(token), purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def customer_signup_verify(*, token: str) -> User:
    """Confirm a sign-up by its link: create the account (and the customer if the address is new)."""
    from vafa.customers.selectors import customer_find_by_email
    from vafa.customers.services import customer_create

    try:
        with transaction.atomic():
            link = _link_take(token=token, purpose=SignInLink.Purpose.SIGNUP)
            email = link.email
            # Other pending sign-ups of the address are spent: the address is proven now.
            SignInLink.objects.filter(
                purpose=SignInLink.Purpose.SIGNUP, email=email, used_at__isnull=True
            ).update(used_at=link.used_at)
            existing = User.objects.filter(email=email).first()
            if existing is not None:
                if not (existing.is_customer and existing.is_active):
                    raise _link_invalid()
                if existing.customer is not None:
                    _contact_verify(customer=existing.customer, email=email)
                return existing
            customer = customer_find_by_email(email)
            if customer is None:
                customer = customer_create(
                    actor=None, name=link.full_name or email, emails=[email], language=link.language
                )
            else:
                account = User.objects.filter(customer=customer).first()
                if account is not None:
                    # The customer signed up before under another of their addresses.
                    _contact_verify(customer=customer, email=email)
                    if not account.is_active:
                        raise _link_invalid()
                    return account
            _contact_verify(customer=customer, email=email)
            user = User.objects.create(
                email=email,
                password=link.password_hash,
                full_name=link.full_name,
                role=Role.CUSTOMER,
                customer=customer,
                language=link.language,
                time_zone=customer.time_zone,
            )
            audit_record(
                actor=user,
                action="user.signup",
                obj=user,
                after={"email": email, "customer": customer.pk, "language": link.language},
            )
            return user
    except IntegrityError as exc:
        # Another confirmation of the same address won the race; the link stays unused.
        raise Conflict(
            _("This e-mail address already belongs to another account."), code=SigninError.EMAIL_TAKEN
        ) from exc


# --- sign-in links --------------------------------------------------------------------------------


def signin_link_request(*, email: str, language: str) -> None:
    """E-mail a one-time sign-in link to the address if it is an active customer account's."""
    try:
        email = _clean_email(email)
    except ValidationFailed:
        return
    user = _active_customer_account(email)
    if user is None:
        logger.info("Sign-in link asked for an address without a customer account")
        return
    with transaction.atomic():
        link = SignInLink.objects.create(
            purpose=SignInLink.Purpose.SIGNIN,
            email=email,
            user=user,
            language=user.language if user.language in language_codes() else _clean_language(language),
            expires_at=timezone.now() + dt.timedelta(minutes=settings.VAFA_PORTAL_LINK_MINUTES),
        )
        work_schedule(PORTAL_MAIL_KIND, {"mail": "link", "link_id": link.pk})


def signin_link_use(*, token: str) -> User:
    """Spend a one-time sign-in link and return the account it was sent for."""
    with transaction.atomic():
        link = _link_take(token=token, purpose=SignInLink.Purpose.SIGNIN)
        user = link.user
        # Bound to the account it was sent to: an account whose address changed since is not opened.
        if user is None or not user.is_active or not user.is_customer or user.email != link.email:
            raise _link_invalid()
        SignInLink.objects.filter(purpose=SignInLink.Purpose.SIGNIN, user=user, used_at__isnull=True).update(
            used_at=link.used_at
        )
        audit_record(actor=user, action="user.signin_link", obj=user, after={"link": link.pk})
        return user


# --- the account's own changes ----------------------------------------------------------------------


def customer_account_rename(*, actor: User, user: User, full_name: str) -> User:
    """Change the name a customer account shows."""
    if actor.pk != user.pk:
        raise ValidationFailed(_("You can only change your own account."), code="not_your_account")
    full_name = full_name.strip()
    if not full_name:
        raise ValidationFailed(_("Some fields are not valid."), fields={"full_name": [_("Enter your name.")]})
    if full_name != user.full_name:
        before = user.full_name
        user.full_name = full_name[:200]
        user.save(update_fields=["full_name"])
        audit_record(
            actor=actor,
            action="user.rename",
            obj=user,
            before={"full_name": before},
            after={"full_name": full_name},
        )
    return user


def customer_password_set(*, actor: User, user: User, password: str) -> User:
    """Give the account a new password (checked by the password validators)."""
    if actor.pk != user.pk:
        raise ValidationFailed(_("You can only change your own account."), code="not_your_account")
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"new_password1": exc.messages}
        ) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_change", obj=user)
    return user


# --- the e-mails ----------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.VAFA_BASE_URL.rstrip('/')}{path}"


def portal_mail_send(*, to: str, language: str, template: str, context: dict[str, Any]) -> None:
    """Send one of the portal's account e-mails (subject, text and HTML templates) in `language`."""
    with translation.override(language):
        values = {
            "company": settings.VAFA_COMPANY_NAME,
            "base_url": settings.VAFA_BASE_URL.rstrip("/"),
            **context,
        }
        subject = " ".join(render_to_string(f"{TEMPLATES}/{template}_subject.txt", values).split())
        text = render_to_string(f"{TEMPLATES}/{template}.txt", values)
        html = render_to_string(f"{TEMPLATES}/{template}.html", values)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def _link_mail(link_id: int) -> None:
    link = (
        SignInLink.objects.select_related("user")
        .filter(pk=link_id, used_at__isnull=True, sent_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        return
    raw = secrets.token_urlsafe(32)
    SignInLink.objects.filter(pk=link.pk).update(token_hash=_hash_token(raw))
    if link.purpose == SignInLink.Purpose.SIGNUP:
        template, url_name, name = "signup_verify", "portal:verify", link.full_name
        minutes = settings.VAFA_PORTAL_SIGNUP_HOURS * 60
    else:
        template, url_name = "signin_link", "portal:link_signin"
        name = link.user.full_name if link.user else ""
        minutes = settings.VAFA_PORTAL_LINK_MINUTES
    language = link.user.language if link.user else link.language
    portal_mail_send(
        to=link.email,
        language=language,
        template=template,
        context={
            "name": name,
            "url": _absolute(reverse(url_name, kwargs={"token": raw})),
            "hours": minutes // 60,
            "minutes": minutes,
        },
    )
    SignInLink.objects.filter(pk=link.pk).update(sent_at=timezone.now())


def _account_exists_mail(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, role=Role.CUSTOMER, is_active=True).first()
    if user is None:
        return
    portal_mail_send(
        to=user.email,
        language=user.language,
        template="signup_exists",
        context={
            "name": user.full_name,
            "login_url": _absolute(reverse("portal:login")),
            "reset_url": _absolute(reverse("portal:password_reset")),
        },
    )


def portal_mail(payload: dict[str, Any]) -> None:
    """Send the account e-mail a piece of `accounts.portal_mail` work describes."""
    kind = payload.get("mail")
    if kind == "link":
        _link_mail(int(payload["link_id"]))
    elif kind == "account_exists":
        _account_exists_mail(int(payload["user_id"]))
    else:
        logger.warning("Unknown portal mail %r", kind)


def signin_links_prune(*, now: dt.datetime | None = None, keep_days: int = 7) -> int:
    """Delete links that expired more than `keep_days` ago (with the unconfirmed sign-ups' hashes)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    deleted, _per_model = SignInLink.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
