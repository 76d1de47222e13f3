"""Invitation link tokens (members.tokens): what makes one, what kills it, and that nothing but the key
makes one (the why is in the README, "Why signed tokens")."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth.tokens import default_token_generator
from django.core import signing

from members.exceptions import InvitationExpiredError, InvitationInvalidError, InvitationSupersededError
from members.invitation_checks import invitation_from_token
from members.models import new_nonce
from members.tokens import SALT, invitation_token_generator
from tests.factories import InvitationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(organization):
    return InvitationFactory(organization=organization, email="invitee@example.com")


def test_a_token_made_for_an_invitation_checks_out(invitation):
    token = invitation_token_generator.make_token(invitation)

    assert invitation_token_generator.check_token(invitation, token)
    assert invitation_from_token(token) == invitation


def test_the_nonce_has_at_least_128_bits_and_the_signature_256(invitation):
    nonce = base64.urlsafe_b64decode(invitation.nonce + "==")
    signature = invitation_token_generator.make_token(invitation).rsplit(":", 1)[1]

    assert len(nonce) * 8 >= 128
    assert len(base64.urlsafe_b64decode(signature + "=")) * 8 == 256
    assert new_nonce() != new_nonce()


def test_a_copy_of_the_database_is_not_enough_to_make_a_link(invitation, settings):
    """Everything the database holds (ids, nonce), signed with any key but ours, is refused."""
    forged = signing.dumps(
        {"o": invitation.organization_id, "i": invitation.pk, "n": invitation.nonce},
        salt=SALT,
        key="a-guessed-secret-key",
        compress=False,
    )
    unsigned = signing.b64_encode(
        f'{{"o":{invitation.organization_id},"i":{invitation.pk},"n":"{invitation.nonce}"}}'.encode()
    ).decode()

    assert not invitation_token_generator.check_token(invitation, forged)
    assert not invitation_token_generator.check_token(invitation, unsigned)
    assert invitation_token_generator.parse(invitation.nonce) is None


def test_a_tampered_token_is_refused(invitation):
    token = invitation_token_generator.make_token(invitation)
    payload, signature = token.rsplit(":", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_payload = signing.b64_encode(f'{{"o":{invitation.organization_id},"i":{invitation.pk + 1},"n":"x"}}'.encode())

    for bad in [f"{payload}:{flipped}", f"{other_payload.decode()}:{signature}", token[:-3], token + "x", "", "::"]:
        assert not invitation_token_generator.check_token(invitation, bad), bad
        with pytest.raises(InvitationInvalidError):
            invitation_from_token(bad)


def test_an_allauth_email_confirmation_key_is_refused(invitation):
    user = UserFactory(email="confirm@example.com", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    key = EmailConfirmationHMAC(address).key

    assert EmailConfirmationHMAC.from_key(key) is not None  # a genuine key of its own flow
    assert invitation_token_generator.parse(key) is None
    with pytest.raises(InvitationInvalidError):
        invitation_from_token(key)


def test_an_allauth_key_for_the_invitation_id_is_refused(invitation):
    """Same signing machinery, same key, but allauth's salt: still not an invitation token."""
    key = signing.dumps(invitation.pk, salt=allauth_settings.SALT)

    assert invitation_token_generator.parse(key) is None


def test_a_password_reset_token_is_refused(invitation):
    token = default_token_generator.make_token(invitation.invited_by)

    assert default_token_generator.check_token(invitation.invited_by, token)
    assert invitation_token_generator.parse(token) is None
    with pytest.raises(InvitationInvalidError):
        invitation_from_token(token)


def test_a_session_proof_is_not_a_link_token(invitation):
    proof = invitation_token_generator.make_session_proof(invitation)
    token = invitation_token_generator.make_token(invitation)

    assert invitation_token_generator.check_session_proof(invitation, proof)
    assert invitation_token_generator.parse(proof) is None
    assert not invitation_token_generator.check_session_proof(invitation, token)


def test_a_token_for_another_organization_is_refused(invitation):
    other = OrganizationFactory()
    # As if the key had signed a payload naming another organization with this invitation's id and nonce.
    crossed = signing.dumps({"o": other.pk, "i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=False)
    other_invitation = InvitationFactory(organization=other, email="invitee@example.com")

    assert not invitation_token_generator.check_token(invitation, crossed)
    assert not invitation_token_generator.check_token(
        other_invitation, invitation_token_generator.make_token(invitation)
    )
    with pytest.raises(InvitationInvalidError):
        invitation_from_token(crossed)


def test_resending_rotates_the_nonce_so_only_the_new_link_works(invitation):
    old = invitation_token_generator.make_token(invitation)
    invitation.nonce = new_nonce()
    invitation.save(update_fields=["nonce"])
    new = invitation_token_generator.make_token(invitation)

    assert not invitation_token_generator.check_token(invitation, old)
    assert invitation_token_generator.check_token(invitation, new)
    with pytest.raises(InvitationSupersededError):
        invitation_from_token(old)


def test_secret_key_fallbacks_are_honoured(invitation, settings):
    token = invitation_token_generator.make_token(invitation)
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY = "a-new-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert invitation_token_generator.check_token(invitation, token)

    settings.SECRET_KEY_FALLBACKS = []
    assert not invitation_token_generator.check_token(invitation, token)


def test_expiry_is_exactly_at_the_limit_and_not_a_second_later(invitation, monkeypatch):
    token = invitation_token_generator.make_token(invitation)
    limit = invitation.sent_at + timedelta(hours=48)
    assert invitation.expires_at == limit

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: limit)
    assert not invitation_token_generator.is_expired(invitation)
    assert invitation_from_token(token) == invitation

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: limit + timedelta(seconds=1))
    assert invitation_token_generator.is_expired(invitation)
    with pytest.raises(InvitationExpiredError):
        invitation_from_token(token)
