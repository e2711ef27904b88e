"""Vafa's settings: one module, every value from an environment variable with a safe embedded default.

docs/configuration.md lists each variable. App code reads `django.conf.settings`, never the
environment, and never at import time.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# "embedded": one machine, everything under var/, secrets generated on first start.
# "production": SECRET_KEY and ALLOWED_HOSTS must be given.
VAFA_MODE = os.environ.get("VAFA_MODE", "embedded").strip().lower()
if VAFA_MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("VAFA_MODE must be 'embedded' or 'production'.")

VAR_DIR = Path(os.environ.get("VAFA_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if VAFA_MODE == "production":
        raise ImproperlyConfigured("SECRET_KEY must be set when VAFA_MODE=production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if VAFA_MODE == "production" else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if VAFA_MODE == "production" and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when VAFA_MODE=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "vafa.core",
    "vafa.accounts",
    "vafa.customers",
    "vafa.catalog",
    "vafa.sales",
    "vafa.service",
    "vafa.aftersales",
    "vafa.webhooks",
    "vafa.sla",
    "vafa.automation",
    "vafa.channels",
    "vafa.knowledge",
    "vafa.desk",
    "vafa.portal",
    "vafa.api",
    "vafa.imports",
    "vafa.demo",
]

MIDDLEWARE = [
    "vafa.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vafa.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vafa.urls"
WSGI_APPLICATION = "vafa.wsgi.application"
ASGI_APPLICATION = "vafa.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vafa.core.context_processors.vafa",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'vafa.sqlite3'}")
_db = dj_database_url.parse(
    DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
        # that two writers queue on the busy timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_S", 20),
    }
    _db.setdefault("TEST", {})
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    _db.setdefault("OPTIONS", {})
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/desk/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/desk/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", VAFA_MODE == "production")
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", VAFA_MODE == "production")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
X_FRAME_OPTIONS = "DENY"

# --- languages and time ---------------------------------------------------------------------------

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("fa", _("Persian")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
]
LANGUAGES_BIDI = ["fa", "ar"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")

# --- static and uploaded files --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Django's own request-size guard; attachment limits below are checked by the services.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 30 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- background jobs ------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TASK_BACKEND = os.environ.get("TASK_BACKEND", "database").strip().lower()
if TASK_BACKEND == "rq":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
elif TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
else:
    raise ImproperlyConfigured("TASK_BACKEND must be 'database', 'rq' or 'immediate'.")

# --- e-mail ---------------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vafa Support <support@vafa.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# --- Vafa -----------------------------------------------------------------------------------------

VAFA_COMPANY_NAME = os.environ.get("VAFA_COMPANY_NAME", "Vafa")
VAFA_CASE_PREFIX = os.environ.get("VAFA_CASE_PREFIX", "VF-")
VAFA_BASE_URL = os.environ.get("VAFA_BASE_URL", "http://127.0.0.1:8000")
# The customer portal's one-time links, and how many attempts each e-mail address and each IP
# may make: password sign-ins per window, and sign-up / sign-in link / password reset requests.
VAFA_PORTAL_LINK_MINUTES = env_int("VAFA_PORTAL_LINK_MINUTES", 30)
VAFA_PORTAL_SIGNUP_HOURS = env_int("VAFA_PORTAL_SIGNUP_HOURS", 48)
VAFA_PORTAL_SIGNIN_LIMIT = env_int("VAFA_PORTAL_SIGNIN_LIMIT", 10)
VAFA_PORTAL_SIGNIN_WINDOW_MINUTES = env_int("VAFA_PORTAL_SIGNIN_WINDOW_MINUTES", 15)
VAFA_PORTAL_MAIL_LIMIT = env_int("VAFA_PORTAL_MAIL_LIMIT", 5)
VAFA_PORTAL_MAIL_WINDOW_MINUTES = env_int("VAFA_PORTAL_MAIL_WINDOW_MINUTES", 60)
# Agents see the cases of their teams (and unteamed ones) unless this is on.
# Add a Server-Timing header to every response (read by `vafa bench`); off in production.
VAFA_SERVER_TIMING = env_bool("VAFA_SERVER_TIMING", VAFA_MODE != "production")
VAFA_AGENTS_SEE_ALL_CASES = env_bool("VAFA_AGENTS_SEE_ALL_CASES", False)
VAFA_ATTACHMENT_MAX_BYTES = env_int("VAFA_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
VAFA_ATTACHMENT_MAX_COUNT = env_int("VAFA_ATTACHMENT_MAX_COUNT", 10)
VAFA_IDEMPOTENCY_TTL_HOURS = env_int("VAFA_IDEMPOTENCY_TTL_HOURS", 48)
VAFA_TASK_RESULT_RETENTION_DAYS = env_int("VAFA_TASK_RESULT_RETENTION_DAYS", 14)
VAFA_WORK_RETENTION_DAYS = env_int("VAFA_WORK_RETENTION_DAYS", 7)
VAFA_DEFAULT_CURRENCY = os.environ.get("VAFA_DEFAULT_CURRENCY", "IRR")
# Phones written without a country code are read as numbers of this region (ISO 3166 alpha-2).
VAFA_DEFAULT_PHONE_REGION = os.environ.get("VAFA_DEFAULT_PHONE_REGION", "IR")
VAFA_API_PAGE_SIZE = env_int("VAFA_API_PAGE_SIZE", 50)
VAFA_API_MAX_PAGE_SIZE = env_int("VAFA_API_MAX_PAGE_SIZE", 200)

# --- the customer portal: requests and the help widget -------------------------------------------

# A customer may reopen (or reply to) a resolved request for this many days after it was resolved;
# after that the portal offers a new request that refers to the old one.
VAFA_PORTAL_REOPEN_DAYS = env_int("VAFA_PORTAL_REOPEN_DAYS", 14)
# After-sales: what an agent may refund or give without a manager (company currency), unless a
# manager sets another limit in the desk; how long a repair quote or a visit link stays valid.
VAFA_AGENT_REFUND_LIMIT = os.environ.get("VAFA_AGENT_REFUND_LIMIT", "0")
VAFA_AGENT_GOODWILL_LIMIT = os.environ.get("VAFA_AGENT_GOODWILL_LIMIT", "0")
VAFA_QUOTE_LINK_DAYS = env_int("VAFA_QUOTE_LINK_DAYS", 14)
VAFA_MAINTENANCE_DUE_DAYS = env_int("VAFA_MAINTENANCE_DUE_DAYS", 30)
# Requests one customer may send through the portal in an hour.
VAFA_PORTAL_REQUEST_LIMIT = env_int("VAFA_PORTAL_REQUEST_LIMIT", 20)
# Product registrations (serial number + proof of purchase) one customer may submit in an hour:
# the limit keeps serial numbers from being tried one after another.
VAFA_PORTAL_REGISTER_LIMIT = env_int("VAFA_PORTAL_REGISTER_LIMIT", 10)
# Sites that may show the help widget in a frame (Content-Security-Policy frame-ancestors), comma
# separated, e.g. "https://shop.example.com,https://www.shop.example.com"; "*" lets any site embed it
# (the embedded default); in production no other site may until they are listed.
VAFA_WIDGET_ALLOWED_ORIGINS = env_list(
    "VAFA_WIDGET_ALLOWED_ORIGINS", [] if VAFA_MODE == "production" else ["*"]
)
# Requests the widget takes in an hour from one e-mail address and from one IP address.
VAFA_WIDGET_ADDRESS_LIMIT = env_int("VAFA_WIDGET_ADDRESS_LIMIT", 5)
VAFA_WIDGET_IP_LIMIT = env_int("VAFA_WIDGET_IP_LIMIT", 30)

# --- the knowledge base: the editors' list of articles needing attention ---------------------------

# A translation has poor feedback when at least this many readers voted in the period and at least
# this share of them (0–1) found it not helpful.
VAFA_KB_POOR_FEEDBACK_SHARE = float(os.environ.get("VAFA_KB_POOR_FEEDBACK_SHARE", "0.4"))
VAFA_KB_POOR_FEEDBACK_MIN_VOTES = env_int("VAFA_KB_POOR_FEEDBACK_MIN_VOTES", 5)
# ... or when at least this many requests were sent after reading it in the period.
VAFA_KB_FOLLOW_UP_MIN_REQUESTS = env_int("VAFA_KB_FOLLOW_UP_MIN_REQUESTS", 3)

# --- the e-mail channel ---------------------------------------------------------------------------

# The largest message the listener and the HTTP endpoint take; larger ones are refused at the door
# (the sender's server tells the sender). Parts over VAFA_ATTACHMENT_MAX_BYTES inside an accepted
# message are kept out of the case but recorded.
VAFA_MAIL_MAX_BYTES = env_int("VAFA_MAIL_MAX_BYTES", 100 * 1024 * 1024)
VAFA_MAIL_LISTEN_HOST = os.environ.get("VAFA_MAIL_LISTEN_HOST", "127.0.0.1")
VAFA_MAIL_LISTEN_PORT = env_int("VAFA_MAIL_LISTEN_PORT", 2525)
# Right-hand side of the Message-IDs Vafa makes; defaults to the domain of DEFAULT_FROM_EMAIL.
VAFA_MAIL_DOMAIN = os.environ.get("VAFA_MAIL_DOMAIN", "")
VAFA_MAIL_POLL_SECONDS = env_int("VAFA_MAIL_POLL_SECONDS", 60)
# A CA bundle for IMAP servers with a private certificate authority; empty: the system's.
VAFA_IMAP_CA_FILE = os.environ.get("VAFA_IMAP_CA_FILE", "")
# How old an HTTP inbound request's signed timestamp may be before it is refused (replays).
VAFA_MAIL_HTTP_MAX_AGE_SECONDS = env_int("VAFA_MAIL_HTTP_MAX_AGE_SECONDS", 300)

# --- webhooks -------------------------------------------------------------------------------------

# Receivers on loopback or private networks are refused unless this is on (a test bench, an
# integration on the same host): a webhook URL must not reach into the company's own network.
VAFA_WEBHOOK_ALLOW_PRIVATE = env_bool("VAFA_WEBHOOK_ALLOW_PRIVATE", False)
VAFA_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("VAFA_WEBHOOK_TIMEOUT_SECONDS", "10"))

# --- logging --------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        # GNU Mailman's bounce detectors log each detector they try, for every message.
        "flufl.bounce": {"level": "WARNING"},
    },
}
