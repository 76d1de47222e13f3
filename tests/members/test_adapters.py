"""allauth as configured for OrgConsole (members.adapters and the account settings): email login, mandatory
verification, reset, rate limits, and the adapter's invitation hooks."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members import services
from members.adapters import AccountAdapter
from members.models import Invitation, Membership, User
from members.tokens import invitation_token_generator
from tests.factories import PASSWORD, InvitationFactory, UserFactory
from tests.helpers import run_worker


@pytest.fixture(autouse=True)
def clear_rate_limits():
    cache.clear()


def test_signup_asks_for_name_and_email_and_sends_a_verification_email(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "name": "Nia New",
            "email": "nia@example.com",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="nia@example.com")
    assert user.name == "Nia New"
    run_worker()
    assert [message.to for message in mail.outbox] == [["nia@example.com"]]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    # Not signed in until the address is verified.
    assert client.get("/").status_code == 302 and client.get("/", follow=True).redirect_chain[-1][0].startswith(
        "/accounts/login/"
    )


def test_an_unverified_user_cannot_sign_in(client, db):
    UserFactory(email="late@example.com", verified=False)

    response = client.post("/accounts/login/", {"login": "late@example.com", "password": PASSWORD})

    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/").status_code == 302


def test_sign_in_is_by_email_case_insensitively(client, db):
    UserFactory(email="case@example.com")

    response = client.post("/accounts/login/", {"login": "CASE@example.com", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"


def test_password_reset_sends_a_link_through_anymail(client, db):
    UserFactory(email="forgot@example.com")

    client.post("/accounts/password/reset/", {"email": "forgot@example.com"})
    run_worker()

    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert mail.outbox[0].anymail_test_params  # delivered by anymail's backend, not Django's locmem


def test_failed_sign_ins_are_rate_limited(client, db):
    UserFactory(email="target@example.com")

    pages = [
        client.post("/accounts/login/", {"login": "target@example.com", "password": "wrong"}).content.decode()
        for _ in range(6)
    ]

    assert not any("Too many failed login attempts" in page for page in pages[:5])
    assert "Too many failed login attempts. Try again later." in pages[5]
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": "target@example.com", "password": PASSWORD})
    assert response.status_code == 200 and client.get("/").status_code == 302


def test_the_adapter_verifies_only_the_invited_address(organization, rf):
    """Opening the link proved the visitor reads the invited mailbox: that address, and no other, counts as
    verified at signup."""
    invitation = InvitationFactory(organization=organization, email="invitee@example.com")
    client = Client()
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))
    request = rf.get("/")
    request.session = client.session
    adapter = AccountAdapter(request)

    assert adapter.is_email_verified(request, "INVITEE@example.com")
    assert not adapter.is_email_verified(request, "attacker@evil.example")
    assert not adapter.is_email_verified(request, "invit\N{LATIN SMALL LETTER DOTLESS I}ee@example.com")


def test_a_link_an_owner_copied_does_not_verify_the_address(organization, owner, rf):
    """A copied link reaches the invitee by hand, not through the mailbox: signing up from it proves nothing
    about the address, so the invitee confirms it by email first (allauth's mandatory verification)."""
    invitation = services.copy_invitation_link(
        InvitationFactory(organization=organization, email="invitee@example.com"), actor=owner
    )
    client = Client()
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))
    request = rf.get("/")
    request.session = client.session

    assert not AccountAdapter(request).is_email_verified(request, "invitee@example.com")


def test_a_copied_link_signup_needs_the_emailed_confirmation_before_joining(organization, owner):
    invitation = services.copy_invitation_link(
        InvitationFactory(organization=organization, email="invitee@example.com"), actor=owner
    )
    client = Client()
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))
    client.post(reverse("members:invitation_accept"))

    response = client.post(
        reverse("account_signup"), {"email": "invitee@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.filter(email="invitee@example.com", verified=True).exists()
    invitation.refresh_from_db()
    assert (
        invitation.status == Invitation.Status.PENDING
        and not Membership.objects.filter(user__email="invitee@example.com").exists()
    )


def test_without_an_invitation_the_adapter_redirects_as_allauth_does(rf, owner):
    request = rf.get("/")
    request.session = Client().session
    request.user = owner
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse("members:home")
