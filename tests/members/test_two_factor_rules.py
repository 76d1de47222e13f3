"""Rules an organization's two-factor requirement adds elsewhere: an invitee sets it up before Accept
invitation completes, and an Organization Owner cannot turn their own off while an organization of theirs
requires it (allauth's ``can_delete_authenticator`` hook, for the app and for security keys alike)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members import services
from members.models import Membership, MembershipEvent
from members.services.security import TwoFactorSetupRequiredError
from members.tokens import invitation_token_generator
from tests.conftest import client_for
from tests.factories import InvitationFactory, UserFactory
from tests.helpers import db_snapshot
from tests.two_factor import reauthenticate, with_totp

JOIN = reverse("members:invitation_join")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def strict(organization):
    organization.require_two_factor = True
    organization.save()
    return organization


def security_key(user, name: str = "Desk key") -> Authenticator:
    # Enough of a WebAuthn credential for the pages that list and remove it.
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": {}}
    )


def test_an_invitee_without_two_factor_is_sent_to_set_it_up_and_does_not_join(strict):
    invitee = UserFactory(email="ivy@example.com")
    invitation = InvitationFactory(organization=strict, email=invitee.email)
    client = client_for(invitee)
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))

    assert "Acme Corp requires two-factor authentication: if your account" in client.get(JOIN).content.decode()
    before = db_snapshot()
    response = client.post(reverse("members:invitation_accept"))
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    assert db_snapshot() == before
    assert "Acme Corp requires two-factor authentication" in client.get(response.url).content.decode()

    with_totp(invitee)
    page = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{JOIN}"' in page  # the way back to Accept invitation
    response = client.post(reverse("members:invitation_accept"))
    assert response.url == reverse("members:members", args=[strict.slug])
    assert Membership.objects.filter(organization=strict, user=invitee).exists()


def test_the_service_refuses_an_invitee_without_two_factor_too(strict):
    invitee = UserFactory(email="ivy@example.com")
    invitation = InvitationFactory(organization=strict, email=invitee.email)
    before = db_snapshot()
    with pytest.raises(TwoFactorSetupRequiredError):
        services.accept_invitation(invitation, actor=invitee)
    assert db_snapshot() == before


def test_an_owner_cannot_turn_off_the_authenticator_app_while_an_organization_requires_it(strict, owner):
    with_totp(owner)
    client = client_for(owner)
    reauthenticate(client)
    before = db_snapshot()
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "An organization you own requires two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    assert db_snapshot() == before


def test_an_owner_cannot_remove_their_last_security_key_either(strict, owner):
    key = security_key(owner)
    client = client_for(owner)
    reauthenticate(client)
    response = client.post(reverse("mfa_remove_webauthn", args=[key.pk]), follow=True)
    assert "An organization you own requires two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(pk=key.pk).exists()
    assert not MembershipEvent.objects.filter(action=MembershipEvent.Action.SECURITY_KEY_REMOVED).exists()


def test_with_another_factor_left_the_owner_may_remove_one(strict, owner):
    with_totp(owner)
    key = security_key(owner)
    client = client_for(owner)
    reauthenticate(client)
    client.post(reverse("mfa_remove_webauthn", args=[key.pk]))
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_a_member_may_turn_theirs_off_and_is_then_blocked(strict, member):
    with_totp(member)
    client = client_for(member)
    reauthenticate(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=member).exists()
    assert client.get(reverse("members:members", args=[strict.slug])).url == reverse("mfa_index")


def test_another_users_security_key_cannot_be_removed(strict, owner, member):
    key = security_key(member)
    client = client_for(owner)
    reauthenticate(client)
    assert client.post(reverse("mfa_remove_webauthn", args=[key.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=key.pk).exists()


def test_an_owner_outside_any_strict_organization_may_turn_it_off(organization, owner):
    with_totp(owner)
    client = Client()
    client.force_login(owner)
    reauthenticate(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=owner).exists()
