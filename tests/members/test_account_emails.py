"""allauth's own emails go through the outbox (#10.6, #10.7, issue 11): queued in the request, delivered
by the worker with retries, links built from SITE_URL (never the request's Host), no secret stored, and
the previous address hears about a changed primary address or password."""

from __future__ import annotations

import json
import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import OutboundEmail, User
from tests.factories import PASSWORD, UserFactory
from tests.helpers import make_retries_due, run_worker

SITE = "https://console.example.test"  # SITE_URL in the test settings
# Passes ALLOWED_HOSTS (a host name it lists, another port), so today it would end up in the mailed links.
OTHER_HOST = {"HTTP_HOST": "localhost:8666"}
NEW_PASSWORD = "another-long-passphrase-7"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def links(message) -> list[str]:
    bodies = [message.body, *(str(body) for body, _ in getattr(message, "alternatives", []))]
    return [link.rstrip(".") for body in bodies for link in re.findall(r"https?://[^\s\"<>]+", body)]


def only_message_to(address: str):
    run_worker()
    messages = [message for message in mail.outbox if message.to == [address]]
    assert len(messages) == 1, [(m.to, m.subject) for m in mail.outbox]
    return messages[0]


def assert_links_on_site(message) -> None:
    found = links(message)
    assert found, message.body
    assert all(link.startswith(f"{SITE}/") for link in found), found
    assert "localhost" not in message.body + "".join(str(body) for body, _ in getattr(message, "alternatives", []))


def signed_in(email: str) -> Client:
    """Signed in, and the password confirmed again just now (what address and password changes need)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def test_a_signup_queues_the_confirmation_instead_of_sending_it_in_the_request(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "nia@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )

    assert mail.outbox == []  # nothing was sent while the visitor waited
    outbound = OutboundEmail.objects.get(to_email="nia@example.com")
    assert outbound.kind == OutboundEmail.Kind.ACCOUNT and outbound.status == OutboundEmail.Status.QUEUED
    message = only_message_to("nia@example.com")
    assert "/accounts/confirm-email/" in message.body
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT


def test_a_provider_outage_delays_a_password_reset_email_but_loses_nothing(client, db):
    UserFactory(email="forgot@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})

    with mock.patch("anymail.backends.test.EmailBackend.send_messages", side_effect=ConnectionRefusedError):
        run_worker()
    outbound = OutboundEmail.objects.get(to_email="forgot@example.com")
    assert outbound.status == OutboundEmail.Status.QUEUED and outbound.attempts == 1

    make_retries_due()
    message = only_message_to("forgot@example.com")

    assert "/accounts/password/reset/key/" in message.body


def test_the_outbox_never_stores_the_reset_token_and_the_link_built_at_send_time_works(client, db):
    user = UserFactory(email="forgot@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"}, **OTHER_HOST)
    stored = json.dumps(OutboundEmail.objects.get(to_email="forgot@example.com").context)

    message = only_message_to("forgot@example.com")
    [reset_link] = {link for link in links(message) if "/password/reset/key/" in link}  # text and HTML parts
    key = reset_link.rstrip("/").rsplit("/", 1)[1]
    assert key.split("-", 1)[1] not in stored

    visitor = Client()
    set_password_url = visitor.get(reset_link.removeprefix(SITE))["Location"]
    response = visitor.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_confirmation_link_built_at_send_time_confirms_the_address(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "nia@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
        **OTHER_HOST,
    )
    stored = json.dumps(OutboundEmail.objects.get(to_email="nia@example.com").context)
    message = only_message_to("nia@example.com")
    [confirm_link] = {link for link in links(message) if "/confirm-email/" in link}  # text and HTML parts
    key = confirm_link.rstrip("/").rsplit("/", 1)[1]
    assert key not in stored

    response = Client().post(confirm_link.removeprefix(SITE))

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="nia@example.com").verified


@pytest.mark.parametrize(
    ("action", "recipient"),
    [
        ("password_reset", "forgot@example.com"),
        ("password_reset_unknown", "nobody@example.com"),
        ("signup", "nia@example.com"),
        ("signup_existing", "forgot@example.com"),
    ],
)
def test_allauth_links_come_from_site_url_whatever_host_the_request_named(client, db, action, recipient):
    UserFactory(email="forgot@example.com")
    signup = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    if action.startswith("password_reset"):
        client.post(reverse("account_reset_password"), {"email": recipient}, **OTHER_HOST)
    else:
        client.post(reverse("account_signup"), {"email": recipient, **signup}, **OTHER_HOST)

    assert_links_on_site(only_message_to(recipient))


def test_the_previous_address_hears_that_the_primary_address_changed(db):
    user = UserFactory(email="old@example.com")
    EmailAddress.objects.create(user=user, email="new@example.com", verified=True, primary=False)
    client = signed_in("old@example.com")

    response = client.post(reverse("account_email"), {"action_primary": "", "email": "new@example.com"})

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).email == "new@example.com"
    notice = only_message_to("old@example.com")
    assert "new@example.com" in notice.body
    assert OutboundEmail.objects.filter(to_email="old@example.com", kind=OutboundEmail.Kind.ACCOUNT).exists()


def test_the_account_owner_hears_that_the_password_changed(db):
    user = UserFactory(email="owner@example.com")
    client = signed_in("owner@example.com")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    notice = only_message_to("owner@example.com")
    assert "password" in notice.subject.lower()
