"""Following an invitation link, through the real views and allauth's signup, login and password reset."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from members import exceptions, services
from members.invitation_session import SESSION_KEY
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, ProjectMembership, User, new_nonce
from members.roles import OrgRole, ProjectRole
from members.tokens import invitation_token_generator
from members.views.invitations import render_invitation_error
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    InvitationFactory,
    InvitationProjectFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.helpers import db_snapshot, db_snapshot_without_refusals, run_worker

pytestmark = pytest.mark.django_db

JOIN = reverse("members:invitation_join")
ACCEPT = reverse("members:invitation_accept")
DECLINE = reverse("members:invitation_decline")
SWITCH = reverse("members:invitation_switch_account")
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
EMAIL = "invitee@example.com"
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
ATTACKS = ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(document.domain)"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts signups and failed logins in the cache; each test starts from zero."""
    cache.clear()


@pytest.fixture
def invitation(organization):
    invitation = InvitationFactory(organization=organization, email=EMAIL)
    project = ProjectFactory(organization=organization, name="Production")
    InvitationProjectFactory(invitation=invitation, project=project, role=ProjectRole.READ_WRITE)
    return invitation


@pytest.fixture
def token(invitation) -> str:
    return invitation_token_generator.make_token(invitation)


@pytest.fixture
def invitee(db) -> User:
    return UserFactory(email=EMAIL, name="Ivy Invitee")


def link(token: str) -> str:
    return reverse("members:invitation_open", args=[token])


def opened(client: Client, token: str) -> Client:
    response = client.get(link(token))
    assert response.status_code == 302 and response["Location"] == JOIN
    return client


def joined(user: User, invitation: Invitation) -> bool:
    return Membership.objects.filter(organization=invitation.organization, user=user).exists()


def assert_nothing_changed(before, *, outbox: int = 0):
    assert db_snapshot() == before
    assert len(mail.outbox) == outbox


# --- opening the link --------------------------------------------------------------------------


def test_opening_the_link_without_cookies_changes_nothing_and_hides_the_token(invitation, token):
    before = db_snapshot()
    client = Client()

    response = client.get(link(token))

    assert response.status_code == 302
    assert response["Location"] == JOIN and token not in response["Location"]
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert_nothing_changed(before)
    assert client.session[SESSION_KEY]["id"] == invitation.pk
    assert token not in str(dict(client.session)), "the session keeps a proof, never the link token"


def test_a_head_request_from_a_mail_scanner_changes_nothing(token):
    before = db_snapshot()

    assert Client().head(link(token)).status_code == 302
    assert Client().post(link(token)).status_code == 405
    assert_nothing_changed(before)


def test_the_join_page_says_who_invited_whom_to_what(invitation, token):
    client = opened(Client(), token)
    before = db_snapshot()

    response = client.get(JOIN)

    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Olivia Owner",
        "owner@example.com",
        EMAIL,
        "Acme Corp",
        "Organization Member",
        "Production",
        "Project Read-Write",
        "Accept invitation",
        "Decline",
    ]:
        assert text in html, text
    assert token not in html
    assert_nothing_changed(before)


def test_the_join_page_without_an_opened_invitation_is_a_404():
    response = Client().get(JOIN)

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


# --- links that no longer work -----------------------------------------------------------------


def refused(token: str, status: int, text: str) -> None:
    before = db_snapshot()
    client = Client()

    response = client.get(link(token))

    assert response.status_code == status
    assert text in response.content.decode()
    assert SESSION_KEY not in client.session
    assert_nothing_changed(before)


def test_an_expired_link_says_who_to_ask(invitation, token, monkeypatch):
    monkeypatch.setattr(invitation_token_generator, "_now", lambda: invitation.expires_at + timedelta(seconds=1))

    refused(
        token,
        410,
        "This invitation has expired. Ask Olivia Owner or another Organization Owner of Acme Corp to resend it.",
    )


def test_a_link_works_at_exactly_the_expiry_limit(invitation, token, monkeypatch):
    monkeypatch.setattr(invitation_token_generator, "_now", lambda: invitation.expires_at)

    opened(Client(), token)


def test_a_revoked_link_is_gone(invitation, token, owner):
    services.revoke_invitation(invitation, actor=owner)
    mail.outbox.clear()

    refused(token, 410, "This invitation was revoked.")


def test_a_used_link_is_gone(invitation, token, invitee):
    services.accept_invitation(invitation, actor=invitee)

    refused(token, 410, "already been accepted")


def test_a_declined_link_is_gone(invitation, token):
    services.decline_invitation(invitation, actor=None)

    refused(token, 410, "was declined")


def test_after_a_resend_only_the_new_link_works(invitation, token, owner):
    services.resend_invitation(invitation, actor=owner)
    invitation.refresh_from_db()

    refused(token, 410, "replaced by a newer invitation email")
    opened(Client(), invitation_token_generator.make_token(invitation))


@pytest.mark.parametrize(
    "bad",
    ["nonsense", "a:b", "x" * 2000, "eyJvIjoxfQ:AAAA", "%00", "..%2F..%2Fetc"],
)
def test_a_malformed_link_is_a_404(invitation, bad):
    refused(bad, 404, "This invitation link is not valid")


def test_tokens_of_other_flows_are_refused(invitation, owner):
    from allauth.account.models import EmailConfirmationHMAC

    address = EmailAddress.objects.get(user=owner)
    refused(EmailConfirmationHMAC(address).key, 404, "not valid")
    refused(default_token_generator.make_token(owner), 404, "not valid")


def test_a_link_opened_then_revoked_stops_on_the_join_page(invitation, token, owner):
    client = opened(Client(), token)
    services.revoke_invitation(invitation, actor=owner)
    before = db_snapshot()

    assert client.post(ACCEPT).status_code == 410
    assert client.get(JOIN).status_code == 404, "the dead invitation left the session"
    assert_nothing_changed(before, outbox=len(mail.outbox))


def test_a_resend_after_opening_kills_the_opened_session_too(invitation, token, owner, invitee):
    client = opened(client_for(invitee), token)
    services.resend_invitation(invitation, actor=owner)
    before = db_snapshot()

    response = client.post(ACCEPT)

    assert response.status_code == 410
    assert not joined(invitee, invitation)
    assert db_snapshot() == before


# --- no account: sign up -----------------------------------------------------------------------


def signup(client: Client, email: str = EMAIL, **extra) -> object:
    data = {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "name": "Ivy Invitee", **extra}
    return client.post(SIGNUP + extra.pop("query", ""), data)


def test_accept_without_an_account_goes_to_signup_with_the_address_fixed(invitation, token):
    client = opened(Client(), token)

    response = client.post(ACCEPT)

    assert response.status_code == 302
    assert response["Location"] == f"{SIGNUP}?next=%2Finvitations%2Fjoin%2F"
    page = client.get(response["Location"]).content.decode()
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert f'value="{EMAIL}"' in field and "disabled" in field


def test_signing_up_after_accept_joins_straight_away(invitation, token, owner):
    client = opened(Client(), token)
    client.post(ACCEPT)

    response = signup(client)

    user = User.objects.get(email=EMAIL)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:members", args=["acme"])
    assert joined(user, invitation)
    assert EmailAddress.objects.get(user=user).verified
    assert ProjectMembership.objects.get(user=user).role == ProjectRole.READ_WRITE
    assert client.get(response["Location"]).status_code == 200, "signed in"
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.ACCEPTED
    assert SESSION_KEY not in client.session
    run_worker()
    assert [m.to for m in mail.outbox] == [[owner.email]], "only the inviter's joined email, no verification email"


def test_signing_up_without_accepting_lands_on_the_join_page_signed_in(invitation, token):
    client = opened(Client(), token)

    response = signup(client)

    assert response["Location"] == JOIN
    user = User.objects.get(email=EMAIL)
    assert not joined(user, invitation)
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(JOIN).status_code == 200
    client.post(ACCEPT)
    assert joined(user, invitation)


def test_a_forged_signup_email_is_ignored_and_never_verified(invitation, token):
    client = opened(Client(), token)

    signup(client, email="attacker@evil.example")

    assert not User.objects.filter(email__iexact="attacker@evil.example").exists()
    assert not EmailAddress.objects.filter(email__iexact="attacker@evil.example").exists()
    assert User.objects.filter(email=EMAIL).exists()


def test_signup_without_an_invitation_still_needs_email_verification(db):
    client = Client()

    response = signup(client, email="walk-in@example.com")

    assert response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.get(email="walk-in@example.com").verified


def test_a_revoked_invitation_in_the_session_verifies_nothing(invitation, token, owner):
    client = opened(Client(), token)
    services.revoke_invitation(invitation, actor=owner)

    signup(client)

    assert not EmailAddress.objects.get(email=EMAIL).verified


# --- an account, signed out: sign in -----------------------------------------------------------


def login(client: Client, email: str = EMAIL, query: str = "") -> object:
    return client.post(LOGIN + query, {"login": email, "password": PASSWORD})


def test_accept_with_an_account_goes_to_login_then_joins(invitation, token, invitee):
    client = opened(Client(), token)

    response = client.post(ACCEPT)
    assert response["Location"] == f"{LOGIN}?next=%2Finvitations%2Fjoin%2F"
    response = login(client, query="?next=%2Finvitations%2Fjoin%2F")

    assert response["Location"] == reverse("members:members", args=["acme"])
    assert Membership.objects.get(organization=invitation.organization, user=invitee).role == OrgRole.MEMBER


def test_signing_in_brings_you_back_to_the_join_page(invitation, token, invitee):
    client = opened(Client(), token)

    response = login(client)

    assert response["Location"] == JOIN
    assert client.get(JOIN).status_code == 200
    assert not joined(invitee, invitation)


def test_the_invitation_survives_a_password_reset(invitation, token, invitee):
    client = opened(Client(), token)
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    run_worker()
    [message] = mail.outbox
    reset_url = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+/)", message.body).group(1)

    set_password_url = client.get(reset_url)["Location"]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    response = client.post(LOGIN, {"login": EMAIL, "password": NEW_PASSWORD})

    assert response["Location"] == JOIN
    assert client.post(ACCEPT)["Location"] == reverse("members:members", args=["acme"])
    assert joined(invitee, invitation)


# --- signed in ---------------------------------------------------------------------------------


def test_signed_in_as_the_invited_address_accept_joins_at_once(invitation, token, owner):
    user = UserFactory(email="Invitee@Example.com")
    client = opened(client_for(user), token)

    response = client.post(ACCEPT)

    assert response["Location"] == reverse("members:members", args=["acme"])
    assert joined(user, invitation)
    assert MembershipEvent.objects.filter(action="invitation_accepted", actor=user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "You joined Acme Corp as Organization Member." in page


def test_signed_in_as_someone_else_nothing_is_consumed(invitation, token, stranger):
    client = opened(client_for(stranger), token)
    before = db_snapshot()

    page = client.get(JOIN)
    accept = client.post(ACCEPT)
    decline = client.post(DECLINE)

    assert page.status_code == 403
    html = page.content.decode()
    assert EMAIL in html and stranger.email in html and "Sign out and continue" in html
    assert accept["Location"] == JOIN and decline["Location"] == JOIN
    assert db_snapshot_without_refusals() == before and mail.outbox == []
    refused = MembershipEvent.objects.filter(action=MembershipEvent.Action.REFUSED).order_by("pk")
    assert [(e.actor, e.target_email, e.detail) for e in refused] == [
        (stranger, EMAIL, "accept invitation: signed in as another account"),
        (stranger, EMAIL, "decline invitation: signed in as another account"),
    ]
    assert all(e.request_id for e in refused)  # stamped from the request (members.audit)


def test_sign_out_and_continue_keeps_the_invitation_for_the_right_account(invitation, token, stranger, invitee):
    client = opened(client_for(stranger), token)

    response = client.post(SWITCH)

    assert response["Location"] == f"{LOGIN}?next=%2Finvitations%2Fjoin%2F"
    assert "_auth_user_id" not in client.session
    assert client.session[SESSION_KEY]["id"] == invitation.pk
    assert login(client)["Location"] == JOIN
    client.post(ACCEPT)
    assert joined(invitee, invitation) and not joined(stranger, invitation)


def test_sign_out_and_continue_offers_signup_when_the_address_has_no_account(invitation, token, stranger):
    client = opened(client_for(stranger), token)

    assert client.post(SWITCH)["Location"] == f"{SIGNUP}?next=%2Finvitations%2Fjoin%2F"
    assert client.get(SIGNUP).status_code == 200


def test_a_look_alike_account_is_someone_else(organization):
    invitation = InvitationFactory(organization=organization, email="mike@example.com")
    impostor = UserFactory(email="m\N{LATIN SMALL LETTER DOTLESS I}ke@example.com")
    client = opened(client_for(impostor), invitation_token_generator.make_token(invitation))
    before = db_snapshot()

    assert client.get(JOIN).status_code == 403
    client.post(ACCEPT)

    assert db_snapshot_without_refusals() == before and mail.outbox == []
    assert MembershipEvent.objects.get(action=MembershipEvent.Action.REFUSED).actor == impostor


def test_signing_in_with_a_look_alike_after_accept_joins_nothing(organization):
    invitation = InvitationFactory(organization=organization, email="mike@example.com")
    impostor = UserFactory(email="m\N{LATIN SMALL LETTER DOTLESS I}ke@example.com")
    client = opened(Client(), invitation_token_generator.make_token(invitation))
    client.post(ACCEPT)

    response = login(client, email=impostor.email)

    assert response["Location"] == JOIN
    assert client.get(JOIN).status_code == 403
    assert not Membership.objects.filter(user=impostor).exists()
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING
    assert not MembershipEvent.objects.filter(action="invitation_accepted").exists()
    assert not OutboundEmail.objects.exists() and mail.outbox == []


def test_an_existing_member_gets_a_friendly_message_and_the_invitation_closes(organization, member):
    invitation = InvitationFactory(organization=organization, email=member.email, owner=True)
    client = opened(client_for(member), invitation_token_generator.make_token(invitation))

    assert "You are already a member of Acme Corp" in client.get(JOIN).content.decode()
    response = client.post(ACCEPT)

    assert response["Location"] == reverse("members:members", args=["acme"])
    assert "You are already a member of Acme Corp." in client.get(response["Location"]).content.decode()
    assert Membership.objects.get(organization=organization, user=member).role == OrgRole.MEMBER
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.ACCEPTED


def test_replaying_the_link_after_accepting_is_refused(invitation, token, invitee):
    client = opened(client_for(invitee), token)
    client.post(ACCEPT)
    before = db_snapshot()

    response = client.get(link(token))
    again = client.post(ACCEPT)

    assert response.status_code == 410 and again.status_code == 404
    assert Membership.objects.filter(user=invitee).count() == 1
    assert db_snapshot() == before


# --- declining ---------------------------------------------------------------------------------


def test_declining_signed_out_closes_the_invitation_and_tells_the_inviter(invitation, token, owner):
    client = opened(Client(), token)

    response = client.post(DECLINE)

    assert response["Location"] == LOGIN
    assert "You declined the invitation to join Acme Corp." in client.get(LOGIN).content.decode()
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.DECLINED
    assert MembershipEvent.objects.filter(action="invitation_declined").count() == 1
    assert SESSION_KEY not in client.session
    run_worker()
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert OutboundEmail.objects.get().kind == OutboundEmail.Kind.INVITATION_DECLINED


def test_declining_signed_in_as_the_invitee(invitation, token, invitee):
    client = opened(client_for(invitee), token)

    assert client.post(DECLINE)["Location"] == reverse("members:home")
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.DECLINED
    assert not joined(invitee, invitation)


def test_accept_and_switch_need_a_post_and_decline_asks_first(token):
    client = opened(Client(), token)
    before = db_snapshot()

    assert client.get(ACCEPT).status_code == 405
    assert (
        client.get(DECLINE).status_code == 200
    )  # Decline's confirmation (tests/members/views/test_invitation_decline.py)
    assert client.get(SWITCH).status_code == 405
    assert_nothing_changed(before)


# --- open redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ATTACKS)
def test_login_ignores_a_next_outside_the_console(invitee, target):
    client = Client()

    response = client.post(f"{LOGIN}?next={target}", {"login": EMAIL, "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:home")


@pytest.mark.parametrize("target", ATTACKS)
def test_login_with_an_invitation_ignores_a_next_outside_the_console(invitee, token, target):
    client = opened(Client(), token)

    response = client.post(LOGIN, {"login": EMAIL, "password": PASSWORD, "next": target})

    assert response["Location"] == JOIN


@pytest.mark.parametrize("target", ATTACKS)
def test_signup_ignores_a_next_outside_the_console(invitation, token, target):
    client = opened(Client(), token)

    response = client.post(
        f"{SIGNUP}?next={target}",
        {"email": EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == JOIN


def test_a_next_inside_the_console_is_followed(invitee):
    response = Client().post(LOGIN, {"login": EMAIL, "password": PASSWORD, "next": "/organizations/new/"})

    assert response["Location"] == "/organizations/new/"


def test_another_organizations_invitation_does_not_join_this_one(invitation, invitee):
    other = OrganizationFactory(name="Other Org", slug="other-org")
    other_invitation = InvitationFactory(organization=other, email=EMAIL)
    client = opened(client_for(invitee), invitation_token_generator.make_token(other_invitation))

    client.post(ACCEPT)

    assert joined(invitee, other_invitation) and not joined(invitee, invitation)
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING


def test_the_nonce_in_the_database_alone_does_not_open_anything(invitation):
    """Knowing every column of the invitation row (id, organization, nonce) is not a link."""
    before = db_snapshot()

    for guess in [invitation.nonce, f"{invitation.pk}:{invitation.nonce}", f"{invitation.pk}-{new_nonce()}"]:
        assert Client().get(link(guess)).status_code == 404
    assert_nothing_changed(before)


@pytest.mark.parametrize(
    ("error_class", "status", "title"),
    [
        (exceptions.InvitationInvalidError, 404, "Invitation link not valid"),
        (exceptions.InvitationWrongAccountError, 403, "Signed in with another account"),
        (exceptions.InvitationExpiredError, 410, "Invitation expired"),
        (exceptions.InvitationRevokedError, 410, "Invitation revoked"),
        (exceptions.InvitationAlreadyUsedError, 410, "Invitation already accepted"),
        (exceptions.InvitationDeclinedError, 410, "Invitation declined"),
        (exceptions.InvitationSupersededError, 410, "Invitation link replaced"),
        (exceptions.InvitationError, 410, "Invitation unavailable"),
    ],
)
def test_each_invitation_error_renders_its_page_with_its_status_and_title(rf, invitation, error_class, status, title):
    request = rf.get(JOIN)
    request.user = AnonymousUser()
    request.session = Client().session  # an expired or revoked page keeps the invitation for Ask for a new one
    error = error_class(invitation=invitation)
    templates: list[str] = []

    def record(*, template, **_kwargs) -> None:
        templates.append(template.name)

    template_rendered.connect(record)
    try:
        response = render_invitation_error(request, error)
    finally:
        template_rendered.disconnect(record)
    page = response.content.decode()
    assert templates[0] == "members/invitation_invalid.html"
    assert response.status_code == status
    assert f"<title>{title} · OrgConsole</title>" in page
    assert html.escape(error.message) in page
