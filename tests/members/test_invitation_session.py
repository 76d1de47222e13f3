"""The invitation kept in the session (members.invitation_session): never the token, only a proof bound
to the invitation's nonce; forged or outdated state is refused; accepting from the session."""

from __future__ import annotations

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from members import invitation_session, services
from members.exceptions import InvitationInvalidError, InvitationSupersededError
from members.models import Membership
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, UserFactory


@pytest.fixture
def request_(rf, db):
    request = rf.post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_the_session_holds_a_proof_never_the_token(organization, request_):
    invitation = InvitationFactory(organization=organization)
    invitation_session.remember(request_, invitation)
    state = request_.session[invitation_session.SESSION_KEY]
    assert set(state) == {"id", "org", "proof", "accept"}
    token = invitation_token_generator.make_token(invitation)
    assert token not in str(state) and token.split(":")[-1] not in str(state)
    assert invitation_session.invitation_from_session(request_) == invitation


def test_a_forged_proof_or_no_state_is_refused(organization, request_):
    invitation = InvitationFactory(organization=organization)
    with pytest.raises(InvitationInvalidError):
        invitation_session.invitation_from_session(request_)
    invitation_session.remember(request_, invitation)
    request_.session[invitation_session.SESSION_KEY]["proof"] = "forged"
    with pytest.raises(InvitationSupersededError):
        invitation_session.invitation_from_session(request_)
    assert invitation_session.open_invitation(request_) is None


def test_a_resend_outdates_the_opened_invitation(organization, owner, request_):
    invitation = InvitationFactory(organization=organization)
    invitation_session.remember(request_, invitation)
    services.resend_invitation(invitation, actor=owner)
    assert invitation_session.open_invitation(request_) is None


def test_accept_requested_survives_a_flush_when_restored(organization, request_):
    invitation_session.remember(request_, InvitationFactory(organization=organization), accept=True)
    state = invitation_session.saved_state(request_)
    request_.session.flush()
    assert not invitation_session.accept_requested(request_)
    invitation_session.restore_state(request_, state)
    assert invitation_session.accept_requested(request_)
    invitation_session.set_accept_requested(request_, False)
    assert not invitation_session.accept_requested(request_)


def test_accepting_from_the_session_joins_and_forgets_it(organization, request_):
    invitation = InvitationFactory(organization=organization, email="invitee@example.com")
    request_.user = UserFactory(email="invitee@example.com")
    invitation_session.remember(request_, invitation, accept=True)

    response = invitation_session.accept_from_session(request_)

    assert response["Location"] == reverse("members:members", args=[organization.slug])
    assert Membership.objects.filter(organization=organization, user=request_.user).exists()
    assert not invitation_session.has_invitation(request_)


def test_a_refused_accept_goes_back_to_the_join_page_and_stops_asking(organization, stranger, request_):
    invitation = InvitationFactory(organization=organization, email="invitee@example.com")
    request_.user = stranger
    invitation_session.remember(request_, invitation, accept=True)

    response = invitation_session.accept_from_session(request_)

    assert response["Location"] == reverse("members:invitation_join")
    assert invitation_session.has_invitation(request_) and not invitation_session.accept_requested(request_)
    assert not Membership.objects.filter(organization=organization, user=stranger).exists()
