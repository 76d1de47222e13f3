"""Production security configuration: headers on every response (pages, error pages, admin), cookies,
the Host header, and membership checked on every request."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from members.models import Membership
from tests.factories import PASSWORD, UserFactory
from tests.production.conftest import HOST, load_production

pytestmark = pytest.mark.usefixtures("production_settings")


def assert_security_headers(response) -> None:
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def assert_no_inline_code(html: str) -> None:
    """What the CSP would block: inline scripts, event-handler attributes, style attributes and blocks."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", html), "style attribute"
    assert "<style" not in html


@pytest.fixture
def staff_client(db, https) -> Client:
    admin = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client = Client(**https)
    client.force_login(admin)
    return client


def test_pages_carry_the_security_headers(client, owner_client, organization, https):
    signed_out = client.get(reverse("account_login"), **https)
    signed_in = owner_client.get(reverse("members:settings", args=["acme"]), **https)
    for response in (signed_out, signed_in):
        assert response.status_code == 200
        assert_security_headers(response)
        assert response["X-Request-ID"]


def test_error_pages_carry_the_security_headers(settings, owner_client, member_client, https):
    settings.ROOT_URLCONF = "tests.production.urls"
    not_found = owner_client.get("/o/no-such-org/members/", **https)
    assert not_found.status_code == 404
    assert_security_headers(not_found)

    forbidden = member_client.get(reverse("members:project_create", args=["acme"]), **https)
    assert forbidden.status_code == 403
    assert_security_headers(forbidden)

    owner_client.raise_request_exception = False
    failed = owner_client.get("/boom/", **https)
    assert failed.status_code == 500
    assert_security_headers(failed)
    assert_no_inline_code(failed.content.decode())


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/members/organization/",
        "/admin/members/project/add/",  # organizations are created in the console
        "/admin/members/invitation/",
        "/admin/members/user/add/",
    ],
)
def test_admin_carries_the_headers_and_runs_under_the_strict_csp(staff_client, organization, https, url):
    response = staff_client.get(url, **https)
    assert response.status_code == 200
    assert_security_headers(response)
    assert_no_inline_code(response.content.decode())


def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(client, db):
    assert client.get("/accounts/login/", HTTP_HOST=HOST).status_code == 301
    assert client.get("/healthz", HTTP_HOST=HOST).status_code == 200


def test_cookies_are_host_prefixed_secure_httponly_and_samesite_lax(owner, https):
    client = Client(**https)
    page = client.get(reverse("account_login"))
    signed_in = client.post(
        reverse("account_login"),
        {"login": owner.email, "password": PASSWORD},
        HTTP_REFERER=f"https://{HOST}/accounts/login/",
    )
    assert signed_in.status_code == 302, signed_in.content
    cookies = {**page.cookies, **signed_in.cookies}
    assert "messages" not in cookies  # flash messages live in the session
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        morsel = cookies[name]
        # What browsers require of a __Host- cookie: Secure, Path=/, no Domain.
        assert morsel["path"] == "/" and not morsel["domain"], name
        assert morsel["secure"] is True, name
        assert morsel["httponly"] is True, name
        assert morsel["samesite"] == "Lax", name


def test_a_forged_host_header_is_refused(client, db):
    response = client.get(reverse("account_login"), HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 400
    assert_security_headers(response)
    assert response["X-Frame-Options"] == "DENY"


def test_a_removed_member_is_refused_on_the_next_request(member_client, member, organization, https):
    url = reverse("members:settings", args=[organization.slug])
    assert member_client.get(url, **https).status_code == 200

    Membership.objects.filter(organization=organization, user=member).delete()

    assert member_client.get(url, **https).status_code == 404


def test_deploy_checks_pass_with_the_production_settings(monkeypatch, settings, capsys, db):
    # ``db``: Django 6.1's model checks ask SQLite whether it supports JSONField (a query), unless an
    # earlier test happened to cache the answer on this connection.
    module = load_production(monkeypatch)
    for name in dir(module):
        if name.isupper() and name not in {"DATABASES", "LOGGING", "MAILERS", "CACHES", "STORAGES", "ANYMAIL"}:
            setattr(settings, name, getattr(module, name))
    call_command("check", deploy=True, fail_level="WARNING")


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    for name in ("SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS"):
        with pytest.raises(ImproperlyConfigured, match=name):
            load_production(monkeypatch, **{name: ""})


def test_invitation_links_come_from_site_url_whatever_allowed_host_the_request_used(owner_client, organization):
    from django.core import mail

    from members.models import OutboundEmail
    from members.outbox import deliver_email

    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "newcomer@example.com", "role": "member"},
        HTTP_HOST="internal.example.com",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_REFERER="https://internal.example.com/o/acme/members/",
    )
    assert response.status_code == 302
    outbound = OutboundEmail.objects.get(to_email="newcomer@example.com")
    assert deliver_email.call(outbound.pk) == "sent"

    (message,) = mail.outbox
    links = re.findall(r"https?://[^\s\"<>]+", message.body + message.alternatives[0].content)
    assert any("/invit" in link for link in links), links
    assert all(link.startswith("https://console.example.com") for link in links), links
    assert "internal.example.com" not in message.body
