"""``production_settings``: the security settings of orgconsole/settings/production.py, loaded with a
production-like environment and applied on top of the test settings (database, mail and storage stay the
test ones)."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys

import pytest

from orgconsole.log import JsonLogFormatter, RequestContextFilter

PRODUCTION_ENV = {
    "SECRET_KEY": "prod-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "SITE_URL": "https://console.example.com",
    "ALLOWED_HOSTS": "console.example.com,internal.example.com",
    "BEHIND_TLS_PROXY": "true",
}
COPIED = (
    "SECURE_",
    "SESSION_",
    "CSRF_COOKIE_",
    "CSRF_TRUSTED_ORIGINS",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "ALLAUTH_",
    "ACCOUNT_",
    "MIDDLEWARE",
    "MESSAGE_STORAGE",
)


def load_production(monkeypatch: pytest.MonkeyPatch, **env: str):
    for name, value in {**PRODUCTION_ENV, **env}.items():
        monkeypatch.setenv(name, value)
    # base.py too: it reads the environment when imported (and must not keep this test's values).
    modules = ("orgconsole.settings.production", "orgconsole.settings.base")
    saved = {name: sys.modules.pop(name, None) for name in modules}
    try:
        return importlib.import_module("orgconsole.settings.production")
    finally:
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


def apply_production(settings, monkeypatch, **env: str):
    module = load_production(monkeypatch, **env)
    for name in dir(module):
        if name.isupper() and name.startswith(COPIED):
            setattr(settings, name, getattr(module, name))
    settings.DEBUG = False
    return settings


@pytest.fixture
def production_settings(settings, monkeypatch):
    return apply_production(settings, monkeypatch)


HOST = "console.example.com"


@pytest.fixture
def https() -> dict[str, str]:
    """Request kwargs for a request that came through the TLS proxy."""
    return {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture
def json_log():
    """The production handler (JSON formatter + request context filter) on the root logger; yields the lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("orgconsole.request").setLevel(logging.INFO)
    lines: list[dict] = []
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()] or lines
    root.removeHandler(handler)
    root.setLevel(old_level)
    logging.getLogger("orgconsole.request").setLevel(logging.NOTSET)
