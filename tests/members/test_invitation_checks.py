"""Whether an invitation link can be used, and by whom (members.invitation_checks): no request involved."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from members.exceptions import (
    InvitationAlreadyUsedError,
    InvitationDeclinedError,
    InvitationExpiredError,
    InvitationInvalidError,
    InvitationRevokedError,
    InvitationSupersededError,
)
from members.invitation_checks import (
    account_exists,
    ensure_usable,
    invitation_from_token,
    load_invitation,
    nonce_unchanged,
    user_matches,
)
from members.models import Invitation, new_nonce
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, UserFactory

DOTLESS_I = "\N{LATIN SMALL LETTER DOTLESS I}"


@pytest.mark.parametrize(
    ("trait", "current", "error"),
    [
        ("accepted", True, InvitationAlreadyUsedError),
        ("revoked", False, InvitationRevokedError),  # revoking rotates the nonce too: say "revoked"
        ("pending", False, InvitationSupersededError),
        ("expired", True, InvitationExpiredError),
    ],
)
def test_each_unusable_state_has_its_own_error(organization, trait, current, error):
    invitation = InvitationFactory(organization=organization, **{trait: True})
    with pytest.raises(error):
        ensure_usable(invitation, link_is_current=current)


def test_a_declined_invitation_says_so(organization):
    invitation = InvitationFactory(organization=organization, status=Invitation.Status.DECLINED)
    with pytest.raises(InvitationDeclinedError):
        ensure_usable(invitation, link_is_current=True)


def test_a_pending_current_link_is_usable(organization):
    ensure_usable(InvitationFactory(organization=organization), link_is_current=True)


def test_an_invitation_is_loaded_only_with_its_own_organization(organization, other_owner):
    invitation = InvitationFactory(organization=organization)
    assert load_invitation(organization.pk, invitation.pk) == invitation
    with pytest.raises(InvitationInvalidError):
        load_invitation(other_owner.memberships.get().organization_id, invitation.pk)


def test_a_token_names_its_invitation_until_it_is_resent(organization):
    invitation = InvitationFactory(organization=organization)
    token = invitation_token_generator.make_token(invitation)
    assert invitation_from_token(token) == invitation
    checked = Invitation.objects.get(pk=invitation.pk)
    invitation.nonce = new_nonce()
    invitation.save(update_fields=["nonce"])
    assert not nonce_unchanged(checked, invitation)
    with pytest.raises(InvitationSupersededError):
        invitation_from_token(token)


def test_only_a_verified_address_matches(organization):
    invitation = InvitationFactory(organization=organization, email="invitee@example.com")
    user = UserFactory(email="other@example.com")
    EmailAddress.objects.create(user=user, email="Invitee@Example.com", verified=False)
    assert not user_matches(user, invitation)
    EmailAddress.objects.filter(user=user, email="Invitee@Example.com").update(verified=True)
    assert user_matches(user, invitation)


def test_an_account_exists_by_the_one_rule_for_addresses(db):
    UserFactory(email="Mike@example.com")
    assert account_exists("mike@EXAMPLE.com")
    assert not account_exists(f"m{DOTLESS_I}ke@example.com")
