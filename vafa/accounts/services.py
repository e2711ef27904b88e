"""Writes for users, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, snapshot
from vafa.accounts.models import ApiToken, Notification, Role, Team, User
from vafa.core.errors import Conflict, Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.core.jobs import work_schedule
from vafa.customers.models import ContactPoint, Customer

TOKEN_PREFIX = "vafa"  # noqa: S105 - the public marker of Vafa tokens, not a secret
# last_used_at is written at most this often, so that each API call is not a write.
LAST_USED_RESOLUTION_S = 60


def _hash_token(secret: str) -> str:
    # Tokens are 32 random bytes: a plain SHA-256 is enough (no dictionary to resist).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str = "",
    role: str = Role.AGENT,
    password: str | None = None,
    language: str = "en",
    time_zone: str = "UTC",
) -> User:
    """Create a staff user (admin, manager or agent)."""
    if role == Role.CUSTOMER:
        raise ValidationFailed(
            _("Customer accounts are created for a customer."), fields={"role": [_("Not allowed here.")]}
        )
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise Conflict(_("A user with this e-mail address already exists."), code="duplicate_email")
    user = User.objects.create_user(
        email, password, full_name=full_name, role=role, language=language, time_zone=time_zone
    )
    audit_record(
        actor=actor, action="user.create", obj=user, after=snapshot(user, ["email", "full_name", "role"])
    )
    return user


def customer_account_ensure(*, actor: User | None, customer: Customer) -> User:
    """Return the portal account of `customer`, creating it (without a password) if needed."""
    existing = User.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    email = (
        ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.EMAIL)
        .order_by("-is_primary", "id")
        .values_list("value", flat=True)
        .first()
    )
    if not email:
        raise ValidationFailed(_("The customer has no e-mail address to sign in with."), code="no_email")
    if User.objects.filter(email=email).exists():
        raise Conflict(_("This e-mail address already belongs to another account."), code="duplicate_email")
    user = User.objects.create_user(
        email,
        None,
        full_name=customer.name,
        role=Role.CUSTOMER,
        customer=customer,
        language=customer.language,
        time_zone=customer.time_zone,
    )
    audit_record(
        actor=actor, action="user.create_customer_account", obj=user, after={"customer": customer.pk}
    )
    return user


@transaction.atomic
def token_create(*, actor: User | None, user: User, name: str = "") -> IssuedToken:
    """Issue an API token for `user`; the raw token is returned once and only its hash is kept."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix, token_hash=_hash_token(secret))
    audit_record(actor=actor, action="token.create", obj=token, after={"user": user.pk, "name": token.name})
    return IssuedToken(token=token, raw=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token; requests carrying it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", obj=token, after={"revoked_at": token.revoked_at})
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__customer__organisation")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if not secrets.compare_digest(token.token_hash, _hash_token(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def team_create(*, actor: User | None, name: str, description: str = "", lead: User | None = None) -> Team:
    """Create a team of agents."""
    if Team.objects.filter(name=name).exists():
        raise Conflict(_("A team with this name already exists."), code="duplicate_team")
    team = Team.objects.create(name=name, description=description, lead=lead)
    audit_record(actor=actor, action="team.create", obj=team, after={"name": name})
    return team


def team_add_member(*, actor: User | None, team: Team, user: User) -> Team:
    """Add an agent to a team."""
    if not user.is_company_staff:
        raise ValidationFailed(_("Only staff can join a team."), code="not_staff")
    team.members.add(user)
    audit_record(actor=actor, action="team.add_member", obj=team, after={"user": user.pk})
    return team


def user_set_preferences(
    *,
    actor: User,
    user: User,
    language: str | None = None,
    time_zone: str | None = None,
    native_digits: bool | None = None,
) -> User:
    """Change how the user reads Vafa: language, time zone, native digits. Users change their own."""
    if actor.pk != user.pk and actor.role != Role.ADMIN:
        raise Forbidden(_("You can only change your own preferences."), code="not_your_account")
    errors: dict[str, list[str]] = {}
    if language is not None and language not in language_codes():
        errors["language"] = [choose_one_of(sorted(language_codes()))]
    if time_zone is not None and time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = [str(_("Choose a time zone from the list."))]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    fields = ["language", "time_zone", "native_digits"]
    before = snapshot(user, fields)
    if language is not None:
        user.language = language
    if time_zone is not None:
        user.time_zone = time_zone
    if native_digits is not None:
        user.native_digits = native_digits
    after = snapshot(user, fields)
    if after != before:
        user.save(update_fields=fields)
        audit_record(actor=actor, action="user.preferences", obj=user, before=before, after=after)
    return user


# --- notifications --------------------------------------------------------------------------------

NOTIFICATION_EMAIL_KIND = "accounts.notification_email"


def notification_send(
    *,
    user: User,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    params: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Tell a staff user something, in their language; None when this `dedupe_key` was told already.

    `title` and `body` are lazy translations with %(name)s placeholders filled from `params`.
    """
    if not user.is_active or not user.is_company_staff:
        return None
    values = params or {}
    with translation.override(user.language):
        rendered_title = str(title) % values if values else str(title)
        rendered_body = (str(body) % values if values else str(body)) if body else ""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind[:40],
                title=rendered_title[:250],
                body=rendered_body,
                url=url[:500],
                dedupe_key=dedupe_key[:200] if dedupe_key else None,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    if email:
        work_schedule(NOTIFICATION_EMAIL_KIND, {"notification_id": notification.pk})
    return notification


def notification_read(*, user: User, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); return how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def notification_email(*, notification_id: int) -> None:
    """E-mail a notification to its user once (safe to run twice)."""
    notification = (
        Notification.objects.select_related("user")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return
    link = ""
    if notification.url:
        link = f"\n\n{settings.VAFA_BASE_URL.rstrip('/')}{notification.url}"
    send_mail(
        subject=notification.title,
        message=f"{notification.body}{link}".strip() or notification.title,
        from_email=None,
        recipient_list=[notification.user.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
