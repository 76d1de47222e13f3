"""Following an invitation link: checking it, keeping it in the session, matching the account.

Reads and session bookkeeping only; the writes are ``services.accept_invitation`` and
``services.decline_invitation``. The session never holds the link token, only the invitation id
and a session proof bound to the invitation's current nonce (see ``members.tokens``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from members.exceptions import (
    InvitationAlreadyUsed,
    InvitationDeclined,
    InvitationExpired,
    InvitationInvalid,
    InvitationRevoked,
    InvitationSuperseded,
)
from members.models import Invitation, User
from members.tokens import invitation_token_generator

SESSION_KEY = "members_invitation"


def same_email(a: str, b: str) -> bool:
    """Case-insensitive, and nothing looser: ``Mike@`` is ``mike@`` but ``m\N{LATIN SMALL LETTER DOTLESS I}ke@``
    (dotless i, U+0131) is not.

    Each character is case-folded on its own, and only when folding keeps it one character and does
    not move it into or out of ASCII; otherwise it must match exactly. So no folding or normalisation
    ever turns a look-alike (Kelvin sign K, long s, dotted İ, ß) into a different address.
    """
    return _fold(a.strip()) == _fold(b.strip())


def _fold(address: str) -> str:
    folded = []
    for char in address:
        lower = char.casefold()
        folded.append(lower if len(lower) == 1 and lower.isascii() == char.isascii() else char)
    return "".join(folded)


def verified_emails(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list("email", flat=True))


def user_matches(user: AbstractBaseUser | AnonymousUser, invitation: Invitation) -> bool:
    """Whether the invited address is one of the user's verified addresses."""
    return any(same_email(email, invitation.email) for email in verified_emails(user))


def account_exists(email: str) -> bool:
    """Whether someone already has an account with this address (to offer sign-in rather than sign-up).

    Only ever asked for the address of an invitation whose link the visitor holds, so it tells them
    nothing about an address they have not proved they read."""
    candidates = User.objects.filter(email__iexact=email.strip()).values_list("email", flat=True)
    addresses = EmailAddress.objects.filter(email__iexact=email.strip()).values_list("email", flat=True)
    return any(same_email(found, email) for found in [*candidates, *addresses])


def ensure_usable(invitation: Invitation, *, genuine: bool) -> None:
    """Raise the ``InvitationError`` that explains why the link cannot be used, if it cannot.

    ``genuine``: the link (or session proof) matched the invitation's current nonce. Status comes
    first: revoking also rotates the nonce, and the page should say "revoked", not "replaced".
    """
    if invitation.status == Invitation.Status.ACCEPTED:
        raise InvitationAlreadyUsed(invitation=invitation)
    if invitation.status == Invitation.Status.DECLINED:
        raise InvitationDeclined(invitation=invitation)
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationRevoked(invitation=invitation)
    if not genuine:
        raise InvitationSuperseded(invitation=invitation)
    if invitation_token_generator.is_expired(invitation):
        raise InvitationExpired(invitation=invitation)


def _load(organization_id: Any, invitation_id: Any) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, organization_id=organization_id)
        .first()
    )
    if invitation is None:
        raise InvitationInvalid()
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link token names, if the link can still be used; reads only."""
    parsed = invitation_token_generator.parse(token)
    if parsed is None:
        raise InvitationInvalid()
    organization_id, invitation_id, _nonce = parsed
    invitation = _load(organization_id, invitation_id)
    ensure_usable(invitation, genuine=invitation_token_generator.check_token(invitation, token))
    return invitation


def remember(request: HttpRequest, invitation: Invitation, *, accept: bool = False) -> None:
    """Keep the opened invitation in the session (never the token itself)."""
    request.session[SESSION_KEY] = {
        "id": invitation.pk,
        "org": invitation.organization_id,
        "proof": invitation_token_generator.make_session_proof(invitation),
        "accept": accept,
    }


def saved_state(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(SESSION_KEY)
    return state if isinstance(state, dict) else None


def restore_state(request: HttpRequest, state: dict[str, Any] | None) -> None:
    """Put the invitation back after something flushed the session (signing out)."""
    if state is not None:
        request.session[SESSION_KEY] = state


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def has_invitation(request: HttpRequest) -> bool:
    return saved_state(request) is not None


def accept_requested(request: HttpRequest) -> bool:
    """The visitor pressed Accept before signing in: accept as soon as they have."""
    state = saved_state(request)
    return bool(state and state.get("accept"))


def set_accept_requested(request: HttpRequest, value: bool) -> None:
    state = saved_state(request)
    if state is not None:
        request.session[SESSION_KEY] = {**state, "accept": value}


def invitation_from_session(request: HttpRequest) -> Invitation:
    """The invitation this session opened, if it can still be used; ``InvitationInvalid`` if none."""
    state = saved_state(request)
    if state is None:
        raise InvitationInvalid()
    invitation = _load(state.get("org"), state.get("id"))
    genuine = invitation_token_generator.check_session_proof(invitation, state.get("proof"))
    ensure_usable(invitation, genuine=genuine)
    return invitation


def snapshot_matches(invitation: Invitation, current: Invitation) -> bool:
    """The invitation was not resent between the caller's check and now."""
    return constant_time_compare(invitation.nonce, current.nonce)
