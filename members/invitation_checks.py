"""Whether an invitation link can still be used, and by whom. Reads only, and no request: the views
and the session flow (``members.invitation_session``) and the services all ask these."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare

from members import address_ownership
from members.addresses import same_address
from members.exceptions import (
    InvitationAlreadyUsedError,
    InvitationDeclinedError,
    InvitationExpiredError,
    InvitationInvalidError,
    InvitationRevokedError,
    InvitationSupersededError,
)
from members.models import Invitation
from members.tokens import invitation_token_generator


def verified_emails(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list("email", flat=True))


def user_matches(user: AbstractBaseUser | AnonymousUser, invitation: Invitation) -> bool:
    """Whether the invited address is one of the user's verified addresses."""
    return any(same_address(email, invitation.email) for email in verified_emails(user))


def account_exists(email: str) -> bool:
    """Whether someone already has an account with this address (to offer sign-in rather than sign-up).

    Only ever asked for the address of an invitation whose link the visitor holds, so it tells them
    nothing about an address they have not proved they read."""
    # Verified only: an address someone merely added to their account must not steer the invitee to
    # sign in there (members.address_ownership).
    return address_ownership.verified_owner(email) is not None


def ensure_usable(invitation: Invitation, *, link_is_current: bool) -> None:
    """Raise the ``InvitationError`` that explains why the link cannot be used, if it cannot.

    ``link_is_current``: the link (or session proof) matched the invitation's current nonce. Status comes
    first: revoking also rotates the nonce, and the page should say "revoked", not "replaced".
    """
    if invitation.status == Invitation.Status.ACCEPTED:
        raise InvitationAlreadyUsedError(invitation=invitation)
    if invitation.status == Invitation.Status.DECLINED:
        raise InvitationDeclinedError(invitation=invitation)
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationRevokedError(invitation=invitation)
    if not link_is_current:
        raise InvitationSupersededError(invitation=invitation)
    if invitation_token_generator.is_expired(invitation):
        raise InvitationExpiredError(invitation=invitation)


def load_invitation(organization_id: Any, invitation_id: Any) -> Invitation:
    """The invitation with these ids (as a link or the session names them), or ``InvitationInvalidError``."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, organization_id=organization_id)
        .first()
    )
    if invitation is None:
        raise InvitationInvalidError()
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link token names, if the link can still be used."""
    parsed = invitation_token_generator.parse(token)
    if parsed is None:
        raise InvitationInvalidError()
    organization_id, invitation_id, _nonce = parsed
    invitation = load_invitation(organization_id, invitation_id)
    ensure_usable(invitation, link_is_current=invitation_token_generator.check_token(invitation, token))
    return invitation


def nonce_unchanged(checked: Invitation, current: Invitation) -> bool:
    """The invitation was not resent (nor revoked) between the caller's check of the link and now."""
    return constant_time_compare(checked.nonce, current.nonce)
