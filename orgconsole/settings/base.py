"""Settings shared by every environment; each value comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from orgconsole.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env("SECRET_KEY", "")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Every link the console puts in an email starts here; never the request's Host.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "members",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "orgconsole.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that can refuse a request (a forged Host is refused in CommonMiddleware), so
    # every response carries the CSP and X-Frame-Options, error responses included.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "orgconsole.middleware.SessionTimeoutMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Around allauth's middleware and every view: a redirect answering htmx moves the whole page.
    "orgconsole.middleware.HtmxRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.http.HtmxReauthenticationMiddleware",
    "orgconsole.middleware.NoStoreMiddleware",
    # Records each signed-in browser (address, device, last activity) for the Sessions page.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # A signed-in user's last-active time, written at most once an hour.
    "members.last_active.LastActiveMiddleware",
]

ROOT_URLCONF = "orgconsole.urls"
WSGI_APPLICATION = "orgconsole.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "members.context_processors.navigation",
            ],
        },
    },
    {
        # Fragments rendered many times a page (the Members page's rows): README, "Performance".
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "orgconsole.jinja2.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # allauth's backend (and Django's model permissions), signing in by verified addresses only.
    "members.backends.VerifiedEmailBackend",
    "members.backends.OrganizationRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:home"

# A cache every process shares, so allauth's rate limits hold across workers.
if REDIS_URL := env("REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "orgconsole_cache",
        }
    }

# django-allauth: email is the login, verified before first sign-in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.signup_fields.SignupNameForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Only the address an account has verified is counted as its own (see members.adapters), and an
# account holds a bounded number of addresses.
ACCOUNT_MAX_EMAIL_ADDRESSES = env_int("MAX_EMAIL_ADDRESSES", 5)
# A signup with an address that already has an account answers like any other (an email is sent).
ACCOUNT_PREVENT_ENUMERATION = True
# Adding, removing or making primary an address, changing the password (and, in members, owner
# changes) need a sign-in at most this many seconds old.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 600)
# The previous address hears about a changed primary address or password.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Confirmation keys are signed, not stored: the outbox builds the link when it sends (members.emails).
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OrgConsole] "
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
# While an invitation is open in the session, signup offers only the invited address.
ACCOUNT_FORMS = {
    "signup": "members.forms.InvitationSignupForm",
    # No reset email for an account through an address it has not verified.
    "reset_password": "members.forms.VerifiedResetPasswordForm",
}

# The client's address (rate limits, audit rows, logs: members.http.client_ip). Behind N proxies of
# ours, the entry N places from the right of X-Forwarded-For; or a header a proxy of ours sets. With
# neither, the direct peer: a header a client can forge is never read.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", "") or None

# Sessions end after this many idle seconds, and in any case this many seconds after signing in.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 12 * 60 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 60 * 60)

# Two-factor authentication (allauth.mfa): an authenticator app, security keys / passkeys, recovery codes.
MFA_ADAPTER = "members.mfa_adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "OrgConsole"
# Recovery codes are shown once (with a download of that same list) and can be regenerated.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# Staff need two-factor authentication before any admin page (on in production; see production.py).
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", False)
# The Sessions page shows each browser's last activity and address.
USERSESSIONS_TRACK_ACTIVITY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# EMAIL_BACKEND names the mailer's dotted path (Django 6.1 configures mailers via MAILERS).
MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", "anymail.backends.console.EmailBackend")}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "OrgConsole <no-reply@orgconsole.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# Content-Security-Policy (Django's built-in support): nothing inline, nothing third-party.

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Django's 403 page, and an audit row when a signed-in user's write is refused for its token (#11.6).
CSRF_FAILURE_VIEW = "orgconsole.views.csrf_failure"
# No script reads the CSRF cookie: htmx takes the token from <body hx-headers>.
CSRF_COOKIE_HTTPONLY = True
# Load balancers probe /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Invitations (hours until a link expires; daily sending limits).
# INVITATION_EXPIRY is the variable's older name, still read when the new one is not set.
INVITATION_EXPIRY_HOURS = env_int("INVITATION_EXPIRY_HOURS", env_int("INVITATION_EXPIRY", 48))
INVITATIONS_PER_ORGANIZATION_PER_DAY = env_int("INVITATIONS_PER_ORGANIZATION_PER_DAY", 100)
INVITATIONS_PER_INVITER_PER_DAY = env_int("INVITATIONS_PER_INVITER_PER_DAY", 50)
INVITATIONS_PER_REQUEST = 50
# Ask for a new invitation (expired and revoked links): at most once per this many hours per invitation.
NEW_INVITATION_REQUEST_INTERVAL_HOURS = env_int("NEW_INVITATION_REQUEST_INTERVAL_HOURS", 24)
# API and SCIM: requests each organization API token may make per minute (429 with Retry-After beyond it).
API_REQUESTS_PER_MINUTE = int(env("API_REQUESTS_PER_MINUTE", "300"))
# An API Idempotency-Key is honoured this long (like Stripe's 24 hours); older keys are forgotten (a request
# reusing one is a new request) and deleted by the worker's sweep.
IDEMPOTENCY_KEY_RETENTION_HOURS = env_int("IDEMPOTENCY_KEY_RETENTION_HOURS", 24)
# Emails one address may receive from one organization per 24 hours: invitations, resends and revocations.
EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = int(env("EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY", "5"))
# `manage.py demo_data` creates accounts with a published password; production turns it off.
DEMO_DATA_ALLOWED = True

# A queued email with no pending delivery task this long after it was due (a worker died while
# sending it) is queued again by the worker's sweep (`manage.py run_worker` / `requeue_emails`).
EMAIL_REQUEUE_AFTER_SECONDS = env_int("EMAIL_REQUEUE_AFTER_SECONDS", 300)

# Days the audit log (the Activity page) keeps an event; empty keeps every event forever. Enforced by
# `manage.py purge_activity` (run it daily from cron or a timer); the console never edits or deletes events.
ACTIVITY_RETENTION_DAYS = int(env("ACTIVITY_RETENTION_DAYS", "0") or "0") or None
# Days a deleted organization's audit trail is kept for staff (Django admin) after the deletion; then
# `manage.py purge_activity` deletes it with the organization's tombstone.
DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS = env_int("DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS", 365)

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "orgconsole.log.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "orgconsole.log.JsonLogFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_context"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # One line per request (route pattern, status, duration); runserver already prints its own in development.
    "loggers": {"orgconsole.request": {"level": env("ACCESS_LOG_LEVEL", "WARNING")}},
}


def require(name: str, value: str) -> str:
    """Refuse to start when a setting production cannot do without is missing."""
    if not value:
        raise ImproperlyConfigured(f"The {name} environment variable is required in production.")
    return value
