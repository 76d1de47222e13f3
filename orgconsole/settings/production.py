"""Production: secrets and hosts must come from the environment."""

import copy

from orgconsole.env import env, env_bool, env_int, env_list

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, require

DEBUG = False
DEMO_DATA_ALLOWED = False  # its accounts' password is in the README
SECRET_KEY = require("SECRET_KEY", env("SECRET_KEY", ""))
# Links in emails are built from SITE_URL and requests are refused for any other Host: both must be real.
SITE_URL = require("SITE_URL", env("SITE_URL", "")).rstrip("/")
require("ALLOWED_HOSTS", env("ALLOWED_HOSTS", ""))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

# Persistent connections (one per worker thread), checked before reuse.
DATABASES = {
    "default": {**DATABASES["default"], "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60), "CONN_HEALTH_CHECKS": True}
}

ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", True)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Submitting a domain to browsers' preload list is a deliberate, hard-to-undo choice for the whole domain;
    # the operator opts in with SECURE_HSTS_PRELOAD=true. HSTS itself stays on.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix makes browsers accept these cookies only when Secure, for path / and without a
# Domain: no sibling subdomain (or a man in the middle over plain HTTP) can set or shadow them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# Flash messages in the session rather than in a cookie of their own.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
if env_bool("BEHIND_TLS_PROXY", False):
    # Trust the proxy's header only when we are really behind one that sets it (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON object per line on stderr, with request_id, user_id and org; one access line per request.
LOGGING = copy.deepcopy(LOGGING)
LOGGING["handlers"]["console"]["formatter"] = "json"
LOGGING["loggers"]["orgconsole.request"]["level"] = env("ACCESS_LOG_LEVEL", "INFO")
