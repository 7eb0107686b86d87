"""Clientdesk settings: one file, driven by the environment.

Variables (all optional for the demo):
    SECRET_KEY        signing key; generated once into var/secret_key when unset
    DEBUG             1 to show debug pages (never in production); default 0
    ALLOWED_HOSTS     comma-separated host names; default 127.0.0.1,localhost
    DATABASE_URL      sqlite:///path or postgres://user@host:port/name; default var/clientdesk.sqlite3
    TIME_ZONE         IANA zone for display; default UTC
    CLIENTDESK_HTTPS  1 when served over HTTPS (secure cookies, HSTS, redirect); default: not DEBUG
    CLIENTDESK_PROXY_COUNT  number of reverse proxies in front (for the client IP); default 0
    CLIENTDESK_STATIC_MANIFEST  1 for hashed static names (default: once `collectstatic` has run)
    CLIENTDESK_VAR_DIR      where the SQLite file, secret key and collected static files live
    EMAIL_URL         SMTP server: smtp://[user:password@]host[:port] (plain, upgraded by STARTTLS when
                      `?starttls=1`), smtp+starttls://… (STARTTLS required) or smtps://… (TLS from the
                      start); `?timeout=SECONDS`. Default smtp://127.0.0.1:8025, the demo's mail sink
    CLIENTDESK_MAIL_FROM    From of automatic email; default "Clientdesk <desk@localhost>"
    CLIENTDESK_BASE_URL     the desk's address in email links; default http://127.0.0.1:8000
    CLIENTDESK_MAIL_LEASE   seconds a worker holds an email it is sending (default 120); past that,
                      an email still `sending` is marked `unknown`
    TASKS_URL         the background task queue: unset or db:// for the database (nothing more to run
                      than `clientdesk worker`), redis://host:port/db for Redis (RQ) with any number of
                      workers on any number of machines
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from clientdesk.core.settings_urls import email_settings, tasks_settings


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/0, true/false, yes/no)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CLIENTDESK_VAR_DIR") or PROJECT_DIR / "var")
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "bootstrap",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "django_prose_editor",
    "clientdesk.core",
    # Desk apps, each after the apps it imports (core/tests/test_layering.py checks it).
    "clientdesk.audit",
    "clientdesk.accounts",
    "clientdesk.clients",
    "clientdesk.notes",
    "clientdesk.mail",
    "clientdesk.payments",
    "clientdesk.api",  # last: the API may call every app's actions and queries
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clientdesk.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clientdesk.core.sanitize.ControlCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientdesk.core.middleware.StaffLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clientdesk.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "clientdesk.urls"
WSGI_APPLICATION = "clientdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clientdesk.core.contract.menu",
            ],
        },
    },
]
FORM_RENDERER = "clientdesk.core.forms.BootstrapRenderer"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'clientdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue for the lock up front instead of failing halfway through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so tests that use several threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "clients:client_list"
LOGOUT_REDIRECT_URL = "accounts:sign_in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["clientdesk.formats"]  # one date format across the desk

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names once `collectstatic` ran (demo, production); plain names in tests.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("CLIENTDESK_STATIC_MANIFEST", (VAR_DIR / "static" / "staticfiles.json").exists())
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve straight from the installed packages when nothing was collected (tests, first run).
WHITENOISE_USE_FINDERS = True

# --- Security -------------------------------------------------------------------------------
HTTPS = env_bool("CLIENTDESK_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("CLIENTDESK_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

CLIENTDESK_PROXY_COUNT = int(os.environ.get("CLIENTDESK_PROXY_COUNT", "0"))

# --- Product settings -----------------------------------------------------------------------
CLIENTDESK_CLIENT_ID_FORMAT = os.environ.get("CLIENTDESK_CLIENT_ID_FORMAT", "{num}")
CLIENTDESK_CLIENT_ID_START = 1500
CLIENTDESK_CLIENT_ID_INCREMENT = 1
CLIENTDESK_DEFAULT_COUNTRY = os.environ.get("CLIENTDESK_DEFAULT_COUNTRY", "US")
CLIENTDESK_DEFAULT_CURRENCY = "USD"
CLIENTDESK_CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "JPY"]
CLIENTDESK_LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French"), ("es", "Spanish"), ("nl", "Dutch")]
CLIENTDESK_PAGE_SIZE = 20
# Sign-in throttling (accounts/throttle.py): failures within LOGIN_WINDOW seconds of the first lock
# an (account, IP) pair at PAIR_LIMIT, an account from any IPs at ACCOUNT_LIMIT, an IP across accounts
# at IP_LIMIT, each for LOGIN_LOCKOUT seconds. The two-factor code step and password re-entry count too.
CLIENTDESK_LOGIN_PAIR_LIMIT = 10
CLIENTDESK_LOGIN_ACCOUNT_LIMIT = 50
CLIENTDESK_LOGIN_IP_LIMIT = 100
CLIENTDESK_LOGIN_WINDOW = 60 * 60
CLIENTDESK_LOGIN_LOCKOUT = 30 * 60
# Password reset by email: at most MAIL_LIMIT links per address and IP_LIMIT requests per IP address in
# WINDOW seconds (beyond: the same answer, nothing sent); every answer waits ANSWER_SECONDS from the
# request, so its timing does not tell whether the address belongs to a member.
CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT = 3
CLIENTDESK_PASSWORD_RESET_IP_LIMIT = 20
CLIENTDESK_PASSWORD_RESET_WINDOW = 60 * 60
CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS = 0.5

# --- Email and background tasks (clientdesk.mail) ----------------------------------------------
# The outbox row is the truth (mail/delivery.py): the queue only wakes a worker sooner.
globals().update(email_settings(os.environ.get("EMAIL_URL") or "smtp://127.0.0.1:8025"))
globals().update(tasks_settings(os.environ.get("TASKS_URL") or "db://"))
CLIENTDESK_MAIL_FROM = os.environ.get("CLIENTDESK_MAIL_FROM") or "Clientdesk <desk@localhost>"
CLIENTDESK_BASE_URL = (os.environ.get("CLIENTDESK_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
CLIENTDESK_COMPANY_NAME = os.environ.get("CLIENTDESK_COMPANY_NAME") or "Clientdesk"
# A temporary failure is tried again after BACKOFF * 2^(attempt-1) seconds (at most BACKOFF_MAX), up
# to MAX_ATTEMPTS attempts in all, then the email is failed with its error. A worker holds a claimed
# email for LEASE seconds; past that, a row still `sending` becomes `unknown` (it may have gone out).
CLIENTDESK_MAIL_MAX_ATTEMPTS = 6
CLIENTDESK_MAIL_BACKOFF = 30
CLIENTDESK_MAIL_BACKOFF_MAX = 3600
CLIENTDESK_MAIL_LEASE = int(os.environ.get("CLIENTDESK_MAIL_LEASE") or 120)
CLIENTDESK_MAIL_BATCH = 100  # emails one task run or sweep claims and sends at most
CLIENTDESK_MAIL_SINK_DIR = VAR_DIR / "mail"

# --- Payment accounts (clientdesk.payments) -----------------------------------------------------
# The vault key wraps the vault's private key when no company passphrase is set. It lives outside the
# database: CLIENTDESK_VAULT_KEY (URL-safe base64 of 32 bytes), else this file, made on first use.
# The merchant gateway that stores accounts itself ("offline_test": the built-in offline test gateway);
# empty: numbers are sealed in the local vault.
CLIENTDESK_MERCHANT_GATEWAY = os.environ.get("CLIENTDESK_MERCHANT_GATEWAY", "")
CLIENTDESK_VAULT_KEY_FILE = Path(os.environ.get("CLIENTDESK_VAULT_KEY_FILE") or VAR_DIR / "vault.key")

# --- REST API (clientdesk.api) ----------------------------------------------------------------
# Personal API tokens (`Authorization: Bearer …`) only: no session or basic auth, JSON in and out,
# errors as RFC 9457 problem details, a rate limit per token (counted in the default cache: per web
# process unless CACHES names a shared one).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["clientdesk.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["clientdesk.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["clientdesk.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": "600/min"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "clientdesk.api.problems.ProblemRenderer"],
    "DEFAULT_PARSER_CLASSES": ["clientdesk.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "clientdesk.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clientdesk API",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clientdesk.clients.models.ClientStatus",
        "PhoneTypeEnum": "clientdesk.clients.models.PhoneType",
        "ActorTypeEnum": "clientdesk.audit.models.ActorType",
        "MailStatusEnum": "clientdesk.mail.models.MailStatus",
        "TemplateActionEnum": "clientdesk.mail.models.TemplateAction",
    },
    "PREPROCESSING_HOOKS": [],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "clientdesk.api.schema.postprocess"],
}

OTP_TOTP_ISSUER = "Clientdesk"
# Our throttle counts and locks the code step (accounts/throttle.py); django-otp's own growing delay
# would refuse a correct code right after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0

# Sensitive values (card numbers, security codes, passwords) are hidden from error reports even under DEBUG.
DEFAULT_EXCEPTION_REPORTER_FILTER = "clientdesk.core.errors.AlwaysSafeExceptionReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
