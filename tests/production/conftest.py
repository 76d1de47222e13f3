"""``production_settings``: the security settings of orgconsole/settings/production.py, loaded with a
production-like environment and applied on top of the test settings (database, mail and storage stay the
test ones)."""

from __future__ import annotations

import importlib
import sys

import pytest

PRODUCTION_ENV = {
    "SECRET_KEY": "prod-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "SITE_URL": "https://console.example.com",
    "ALLOWED_HOSTS": "console.example.com,internal.example.com",
    "BEHIND_TLS_PROXY": "true",
}
COPIED = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "CSRF_TRUSTED_ORIGINS", "ALLOWED_HOSTS", "SITE_URL")


def load_production(monkeypatch: pytest.MonkeyPatch, **env: str):
    for name, value in {**PRODUCTION_ENV, **env}.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("orgconsole.settings.production", None)
    try:
        return importlib.import_module("orgconsole.settings.production")
    finally:
        sys.modules.pop("orgconsole.settings.production", None)


@pytest.fixture
def production_settings(settings, monkeypatch):
    module = load_production(monkeypatch)
    for name in dir(module):
        if name.isupper() and name.startswith(COPIED):
            setattr(settings, name, getattr(module, name))
    settings.DEBUG = False
    return settings


HOST = "console.example.com"


@pytest.fixture
def https() -> dict[str, str]:
    """Request kwargs for a request that came through the TLS proxy."""
    return {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}
