"""Production: secrets and hosts must come from the environment."""

from orgconsole.env import env, env_bool, env_int

from .base import *  # noqa: F403
from .base import require

DEBUG = False
SECRET_KEY = require("SECRET_KEY", env("SECRET_KEY", ""))

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
if env_bool("BEHIND_TLS_PROXY", False):
    # Trust the proxy's header only when we are really behind one that sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
