"""The invitation flow across requests: the opened invitation kept in the session (never the token),
and finishing an accept. Called by the invitation views and by the allauth adapter alike, as allauth's
own views and adapter both call its ``internal/flows`` modules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from members import services
from members.exceptions import DomainError, InvitationError, InvitationInvalidError
from members.http import client_ip
from members.invitation_checks import ensure_usable, load_invitation
from members.models import Invitation
from members.services.security import has_two_factor
from members.tokens import invitation_token_generator
from members.two_factor_gate import send_to_setup

SESSION_KEY = "members_invitation"


def remember(request: HttpRequest, invitation: Invitation, *, accept: bool = False) -> None:
    """Keep the opened invitation in the session: its ids and a proof bound to its nonce, not the token."""
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


# An expired or revoked invitation whose page this session was shown (from its genuine link, or from the
# session's proof of one): the one invitation Ask for a new invitation may act on. Ids only; the session is
# kept on the server and signed, so no one can write another invitation's ids here.
RENEWAL_KEY = "members_invitation_renewal"


def remember_for_renewal(request: HttpRequest, invitation: Invitation) -> None:
    request.session[RENEWAL_KEY] = {"id": invitation.pk, "org": invitation.organization_id}


def forget_renewal(request: HttpRequest) -> None:
    request.session.pop(RENEWAL_KEY, None)


def invitation_to_renew(request: HttpRequest) -> Invitation:
    """The invitation ``remember_for_renewal`` kept; ``InvitationInvalidError`` if none."""
    state = request.session.get(RENEWAL_KEY)
    if not isinstance(state, dict):
        raise InvitationInvalidError()
    return load_invitation(state.get("org"), state.get("id"))


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
    """The invitation this session opened, if it can still be used; ``InvitationInvalidError`` if none."""
    state = saved_state(request)
    if state is None:
        raise InvitationInvalidError()
    invitation = load_invitation(state.get("org"), state.get("id"))
    proof_is_current = invitation_token_generator.check_session_proof(invitation, state.get("proof"))
    ensure_usable(invitation, link_is_current=proof_is_current)
    return invitation


def open_invitation(request: HttpRequest | None) -> Invitation | None:
    """The usable invitation this session opened, if any."""
    if request is None or not hasattr(request, "session") or not has_invitation(request):
        return None
    try:
        return invitation_from_session(request)
    except InvitationError:
        return None


def accept_from_session(request: HttpRequest) -> HttpResponse:
    """Accept the session's invitation for the signed-in user and say what happened.

    The one place a view or a login hook turns an accept into a response; the join page explains
    every refusal (wrong account, expired, revoked), so refusals go back there.
    """
    try:
        invitation = invitation_from_session(request)
        if invitation.organization.require_two_factor and not has_two_factor(request.user):
            # Set it up first, then back to the join page to accept.
            set_accept_requested(request, False)
            join_url = reverse("members:invitation_join")
            return send_to_setup(request, organization=invitation.organization, return_to=join_url)
        result = services.accept_invitation(invitation, actor=request.user, ip=client_ip(request))
    except DomainError:
        set_accept_requested(request, False)
        return HttpResponseRedirect(reverse("members:invitation_join"))
    forget(request)
    organization = result.membership.organization
    if result.joined:
        messages.success(
            request,
            _("You joined %(organization)s as %(role)s.")
            % {"organization": organization.name, "role": result.membership.get_role_display()},
        )
    else:
        messages.info(request, _("You are already a member of %(organization)s.") % {"organization": organization.name})
    return HttpResponseRedirect(reverse("members:members", args=[organization.slug]))
