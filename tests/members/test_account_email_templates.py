"""allauth's emails look like the console's own notification emails: an HTML part in the same frame with a
text alternative, branded OrgConsole, never "Hello from <host>"; every kind allauth sends has both parts."""

from __future__ import annotations

import re
from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import run_worker

SITE = "https://console.example.test"  # SITE_URL in the test settings
OURS = Path(__file__).resolve().parents[2] / "templates" / "account" / "email"
ALLAUTH_KINDS = sorted(
    path.name.removesuffix("_message.txt")
    for path in (Path(allauth.__file__).parent / "templates" / "account" / "email").glob("*_message.txt")
    if not path.name.startswith("base_")
)
BRAND = '<p style="margin:0 0 16px;font-weight:bold;font-size:18px;">OrgConsole</p>'
CONTEXT = {
    "email": "ada@example.com",
    "user": None,
    "activate_url": f"{SITE}/accounts/confirm-email/key/",
    "password_reset_url": f"{SITE}/accounts/password/reset/key/x/",
    "signup_url": f"{SITE}/accounts/signup/",
    "code": "ABC123",
    "from_email": "old@example.com",
    "to_email": "ada@example.com",
    "deleted_email": "old@example.com",
    "ip": "203.0.113.9",
    "user_agent": "Firefox",
    "timestamp": "Nov. 28, 2026",
    "current_site": {"name": "127.0.0.1:8000", "domain": "127.0.0.1:8000"},
}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def test_allauth_sends_the_kinds_this_test_knows():
    assert "email_confirmation" in ALLAUTH_KINDS and "password_reset_key" in ALLAUTH_KINDS


@pytest.mark.parametrize("kind", ALLAUTH_KINDS)
def test_every_allauth_email_is_ours_in_text_and_html(kind, db):
    for part in ("txt", "html"):
        template = get_template(f"account/email/{kind}_message.{part}")
        assert Path(template.origin.name).parent == OURS, f"{kind}.{part} falls back to {template.origin.name}"
        body = render_to_string(f"account/email/{kind}_message.{part}", CONTEXT)
        assert "OrgConsole" in body
        assert "Hello from" not in body and "127.0.0.1" not in body  # never the request's host as the name
        assert "None" not in body
    html = render_to_string(f"account/email/{kind}_message.html", CONTEXT)
    assert BRAND in html  # the notification emails' frame


def test_the_sign_up_confirmation_is_html_with_a_text_alternative_and_the_same_link(client, db):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "name": "New Person",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    message = delivered_to("new@example.com")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert BRAND in html
    [link] = re.findall(rf"{SITE}/accounts/confirm-email/[^\s\"<]+", message.body)
    assert f'href="{link}"' in html
    assert "Hello New Person," in message.body
    assert "Confirm that new@example.com is your email address" in message.body
    assert "Hello from" not in message.body + html and "testserver" not in message.body + html


def test_the_password_reset_email_is_html_with_a_text_alternative_and_the_same_link(client, db):
    UserFactory(email="forgot@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})
    message = delivered_to("forgot@example.com")
    [(html, _)] = message.alternatives
    [link] = re.findall(rf"{SITE}/accounts/password/reset/key/[^\s\"<]+", message.body)
    assert f'href="{link}"' in html
    assert "Choose a new password" in html
    assert "This email was sent to forgot@example.com by OrgConsole." in message.body


def delivered_to(address: str):
    run_worker()
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message
