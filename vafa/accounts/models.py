"""People who sign in (staff and customers), teams, API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
MANAGER_DENIED_PERMISSIONS = frozenset(
    f"accounts.{action}_{model}" for action in ("add", "change", "delete") for model in ("user", "apitoken")
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        extra.setdefault("full_name", email.split("@")[0])
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in: an admin, manager or agent of the company, or a customer's portal account."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True, default="")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    native_digits = models.BooleanField(
        _("native digits"), default=False, help_text=_("Show Persian or Arabic digits instead of 0-9.")
    )
    sees_all_cases = models.BooleanField(
        _("sees all cases"),
        default=False,
        help_text=_("An agent who sees every case, not only their teams'."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]  # Django declares it a ClassVar

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="customer", customer__isnull=False)
                    | (~Q(role="customer") & Q(customer__isnull=True))
                ),
                name="accounts_user_customer_role",
                violation_error_message=_("A customer account must be linked to exactly one customer."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:  # Django admin access
        return self.is_active and self.role in (Role.ADMIN, Role.MANAGER)

    @property
    def is_company_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        if not self.is_active:
            return False
        if self.role == Role.ADMIN:
            return True
        if self.role == Role.MANAGER:
            # Managers run the business, not the system: users and tokens are the admins'.
            return perm not in MANAGER_DENIED_PERMISSIONS
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.role in (Role.ADMIN, Role.MANAGER)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Team(models.Model):
    """A group of agents who share a queue of cases (e.g. "Mobile phones", "Field service")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    lead = models.ForeignKey(
        User, verbose_name=_("team lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), related_name="teams", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for an integration or a script; only its hash is stored, the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name or self.prefix} ({self.user})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditLog(models.Model):
    """One row for every write made through a service: who did what to which record, when and how."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True, default="")
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=20, default="system")

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="accounts_audit_object")]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )


class Notification(models.Model):
    """A message from the system to a staff user: a case about to breach its SLA, a webhook paused.

    Written in the recipient's language when it is sent; shown in the desk and, when asked, e-mailed.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=250)
    body = models.TextField(_("body"), blank=True, default="")
    url = models.CharField(_("link"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # The same reason to tell the same person (one breach of one case) is told once.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="accounts_notif_user_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class SignInLink(models.Model):
    """A one-time link e-mailed to a customer: to confirm a sign-up, or to sign in without a password.

    Only the SHA-256 of the random token is kept; the token itself exists only in the e-mail. A
    sign-up keeps what the person chose (name, language, the password's hash) until the address is
    confirmed, so no account exists for an address nobody has proven to own. A sign-in link is
    bound to the account it was sent for.
    """

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        SIGNIN = "signin", _("sign-in")

    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    email = models.EmailField(_("e-mail address"))
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signin_links",
    )
    # Set when the e-mail is sent (the token is made then); null until.
    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    password_hash = models.CharField(_("password hash"), max_length=128, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="signup") | Q(user__isnull=False),
                name="accounts_signinlink_signin_has_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.email}"
