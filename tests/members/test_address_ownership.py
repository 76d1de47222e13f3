"""#10.1 An invitation can only be taken by the person who owns the invited mailbox.

Only a verified address belongs to an account: the join page's sign-in vs sign-up choice, matching an
account to an invitation, password reset and sign-in by email all ignore an address an account merely
lists. Following the link proves the invitee reads the mailbox: they can always sign up from it, the new
account gets the address verified, and any unverified copy elsewhere is removed (its owner told)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, User
from members.roles import OrgRole
from members.tokens import invitation_token_generator
from tests.factories import PASSWORD, InvitationFactory, UserFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, run_worker

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"
ATTACKER = "attacker@example.com"
JOIN = reverse("members:invitation_join")
ACCEPT = reverse("members:invitation_accept")
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
RESET = reverse("account_reset_password")
EMAILS = reverse("account_email")
VICTIM_PASSWORD = "the-victims-own-passphrase-3"
SIGNUP_FORM = {"password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def attacker(db) -> User:
    return UserFactory(email=ATTACKER, name="Mallory")


def signed_in(email: str, password: str = PASSWORD) -> Client:
    """Signed in through the form, and the password confirmed again (what adding an address needs)."""
    client = Client()
    assert client.post(LOGIN, {"login": email, "password": password}).status_code == 302
    assert client.post(reverse("account_reauthenticate"), {"password": password}).status_code == 302
    return client


def lists_unverified(user: User, email: str) -> None:
    """What allauth lets any account do: add any address, unverified."""
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=False)


def invite(organization, email: str = VICTIM, role: str = OrgRole.MEMBER) -> tuple[Invitation, str]:
    invitation = InvitationFactory(organization=organization, email=email, role=role)
    return invitation, invitation_token_generator.make_token(invitation)


def opened(token: str, client: Client | None = None) -> Client:
    client = client or Client()
    assert client.get(reverse("members:invitation_open", args=[token]))["Location"] == JOIN
    return client


def reset_links(address: str) -> list[str]:
    run_worker()
    return [
        link
        for message in mail.outbox
        if message.to == [address]
        for link in re.findall(r"https?://\S+/password/reset/key/\S+", message.body)
    ]


def member(organization, user: User) -> Membership | None:
    return Membership.objects.filter(organization=organization, user=user).first()


# --- the whole chain -----------------------------------------------------------------------------


def test_the_attack_chain_fails_at_its_first_step_and_the_rightful_invitee_joins(organization, attacker):
    # 1. The attacker lists the victim's address on their own account (allowed, unverified).
    attacker_client = signed_in(ATTACKER)
    attacker_client.post(EMAILS, {"action_add": "", "email": VICTIM})
    assert EmailAddress.objects.filter(user=attacker, email=VICTIM, verified=False).exists()
    run_worker()
    [confirmation_link] = [
        link for m in mail.outbox if m.to == [VICTIM] for link in re.findall(r"https?://\S+/confirm-email/\S+", m.body)
    ]
    mail.outbox.clear()

    # 2. An Owner invites the victim as an Organization Owner.
    invitation, token = invite(organization, role=OrgRole.OWNER)

    # 3. The first step that matters: the join page does NOT steer the victim to sign in.
    victim = opened(token)
    assert "create an account for" in victim.get(JOIN).content.decode()
    assert victim.post(ACCEPT)["Location"].startswith(SIGNUP)

    # 4. Neither "Forgot password" nor signing in by that address reaches the attacker's account.
    Client().post(RESET, {"email": VICTIM})
    assert reset_links(VICTIM) == []
    assert Client().post(LOGIN, {"login": VICTIM, "password": PASSWORD}).status_code == 200

    # 5. The victim signs up from the link (they pressed Accept, so they join right after) with the
    #    invited role; the address is verified on their new account.
    response = victim.post(SIGNUP, SIGNUP_FORM)
    assert response.status_code == 302 and response["Location"] == reverse("members:members", args=[organization.slug])
    victim_user = User.objects.get(email=VICTIM)
    assert EmailAddress.objects.get(user=victim_user, email=VICTIM).verified
    assert member(organization, victim_user).role == OrgRole.OWNER

    # 6. The attacker lost the unverified copy (and was told), never joined, and their old
    #    confirmation link confirms nothing.
    assert not EmailAddress.objects.filter(user=attacker, email=VICTIM).exists()
    run_worker()
    assert [m.subject for m in mail.outbox if m.to == [ATTACKER]] == [f"{VICTIM} was removed from your account"]
    before = db_snapshot()
    attacker_client.post(confirmation_link.split("example.test", 1)[1])
    assert db_snapshot() == before
    assert member(organization, attacker) is None
    assert invitation.__class__.objects.get(pk=invitation.pk).accepted_by == victim_user


# --- each rule -----------------------------------------------------------------------------------


def test_the_join_page_counts_only_a_verified_address_as_an_account(organization, attacker):
    lists_unverified(attacker, VICTIM)
    _, token = invite(organization)
    assert opened(token).post(ACCEPT)["Location"].startswith(SIGNUP)

    UserFactory(email="owner-of-it@example.com")
    _, token = invite(organization, email="owner-of-it@example.com")
    assert opened(token).post(ACCEPT)["Location"].startswith(LOGIN)


def test_an_account_that_only_lists_the_invited_address_does_not_match_the_invitation(organization, attacker):
    lists_unverified(attacker, VICTIM)
    _, token = invite(organization)
    client = Client()
    client.force_login(attacker)
    opened(token, client)
    before = db_snapshot()

    page = client.get(JOIN)
    client.post(ACCEPT)

    assert page.status_code == 403
    assert db_snapshot_without_refusals() == before  # the refused accept itself is audited (#11.6)
    assert MembershipEvent.objects.get(action="refused").actor == attacker
    assert member(organization, attacker) is None


def test_no_reset_email_for_an_account_through_an_address_it_has_not_verified(attacker):
    lists_unverified(attacker, VICTIM)

    Client().post(RESET, {"email": VICTIM})

    assert reset_links(VICTIM) == []
    # The mailbox's owner is told no account uses the address (allauth's "unknown account" email).
    assert [m.to for m in mail.outbox] == [[VICTIM]]


def test_a_reset_through_a_verified_address_still_works(attacker):
    Client().post(RESET, {"email": ATTACKER})

    assert len(reset_links(ATTACKER)) == 1


def test_sign_in_by_an_address_the_account_has_not_verified_fails(attacker):
    lists_unverified(attacker, VICTIM)
    client = Client()

    response = client.post(LOGIN, {"login": VICTIM, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.post(LOGIN, {"login": ATTACKER, "password": PASSWORD}).status_code == 302


def test_an_account_made_outside_allauth_still_signs_in_by_its_address(db):
    User.objects.create_superuser("root@example.com", PASSWORD)  # manage.py createsuperuser: no address rows

    client = Client()
    client.post(LOGIN, {"login": "root@example.com", "password": PASSWORD})

    # allauth asks it to verify its address first, as it always did.
    assert client.session.get("account_verified_email") is None
    assert OutboundEmail.objects.filter(to_email="root@example.com").exists()


def test_the_invitee_can_sign_up_even_when_the_address_is_another_accounts_unverified_own_address(organization):
    squatter = UserFactory(email=VICTIM, verified=False)  # signed up with it, never confirmed
    EmailAddress.objects.create(user=squatter, email=VICTIM, verified=False, primary=True)
    _, token = invite(organization)
    victim = opened(token)

    response = victim.post(SIGNUP, SIGNUP_FORM)

    assert response["Location"] == JOIN
    newcomer = User.objects.get(email=VICTIM)
    assert newcomer.pk != squatter.pk
    assert EmailAddress.objects.get(email=VICTIM).user == newcomer
    # An account left with no address at all could never sign in; it is gone.
    assert not User.objects.filter(pk=squatter.pk).exists()


def test_a_released_address_moves_the_other_accounts_own_address_to_its_verified_one(organization, attacker):
    EmailAddress.objects.filter(user=attacker).update(primary=False)
    lists_unverified(attacker, VICTIM)
    EmailAddress.objects.filter(user=attacker, email=VICTIM).update(primary=True)
    User.objects.filter(pk=attacker.pk).update(email=VICTIM)
    _, token = invite(organization)

    opened(token).post(SIGNUP, SIGNUP_FORM)

    attacker.refresh_from_db()
    assert attacker.email == ATTACKER
    assert EmailAddress.objects.get(user=attacker).primary
    run_worker()
    assert [m.to for m in mail.outbox if "removed from your account" in m.subject] == [[ATTACKER]]


def test_confirming_an_address_anywhere_releases_the_unverified_copies(attacker):
    owner = UserFactory(email="real-owner@example.com")
    mine = EmailAddress.objects.create(user=owner, email="second@example.com", verified=False)
    lists_unverified(attacker, "second@example.com")

    response = Client().post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(mine).key]))

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="second@example.com").user == owner
    assert EmailAddress.objects.get(email="second@example.com").verified


def test_confirming_an_address_verified_on_another_account_fails_with_a_clear_message(attacker):
    owner = UserFactory(email="taken@example.com")
    copy = EmailAddress.objects.create(user=attacker, email="taken@example.com", verified=False)
    client = signed_in(ATTACKER)
    before = db_snapshot()

    response = client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(copy).key]), follow=True)

    assert "already confirmed by a different account" in response.content.decode()
    assert db_snapshot() == before
    assert EmailAddress.objects.get(user=owner, email="taken@example.com").verified


def test_an_account_holds_a_bounded_number_of_addresses(attacker, settings):
    client = signed_in(ATTACKER)
    for n in range(settings.ACCOUNT_MAX_EMAIL_ADDRESSES + 2):
        client.post(EMAILS, {"action_add": "", "email": f"extra{n}@example.com"})

    assert EmailAddress.objects.filter(user=attacker).count() == settings.ACCOUNT_MAX_EMAIL_ADDRESSES == 5
