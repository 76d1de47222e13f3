"""Ask for a new invitation, over HTTP (members.views.invitations.invitation_ask_again): offered on the expired
and revoked link pages (still 410), one POST emails the inviter, a second says when it was asked, and nothing
is reachable without the link in the session."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members import services
from members.models import MembershipEvent, OutboundEmail
from members.tokens import invitation_token_generator
from tests.conftest import client_for
from tests.factories import InvitationFactory
from tests.helpers import db_snapshot, run_worker

ASK = reverse("members:invitation_ask_again")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def open_link(client: Client, invitation) -> object:
    return client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))


@pytest.mark.parametrize("state", [{"expired": True}, {"revoked": True}])
def test_the_gone_link_page_offers_to_ask_and_one_click_emails_the_inviter(organization, owner, state):
    invitation = InvitationFactory(organization=organization, email="late@example.com", **state)
    if state.get("revoked"):  # revoking rotated the nonce: the link in the email was made before
        invitation.nonce = "old-nonce"
    client = Client()

    page = open_link(client, invitation)

    assert page.status_code == 410
    assert "Ask for a new invitation" in page.text and f'action="{ASK}"' in page.text
    response = client.post(ASK, follow=True)
    assert response.status_code == 410 and response.redirect_chain == [(ASK, 302)]
    assert "Olivia Owner was asked by email to send you a new invitation." in response.text
    assert "You can ask again after" in response.text and "Ask for a new invitation</button>" not in response.text
    run_worker()
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.NEW_INVITATION_REQUESTED).count() == 1


def test_a_second_click_says_it_was_already_asked_and_when(organization):
    invitation = InvitationFactory(organization=organization, expired=True)
    client = Client()
    open_link(client, invitation)
    client.post(ASK)
    before = db_snapshot()

    response = client.post(ASK, follow=True)

    assert "You already asked for a new invitation on" in response.text and response.status_code == 410
    assert db_snapshot() == before
    assert OutboundEmail.objects.count() == 1


def test_without_the_link_in_the_session_nothing_can_be_asked(organization, owner, member):
    InvitationFactory(organization=organization, expired=True)
    clients = (Client(), client_for(member), client_for(owner))
    before = db_snapshot()
    for client in clients:
        response = client.post(ASK)
        assert response.status_code == 404 and "Ask for a new invitation" not in response.text
    assert db_snapshot() == before


def test_a_usable_link_offers_no_asking_and_a_forged_session_cannot_reach_another_invitation(organization):
    usable = InvitationFactory(organization=organization)
    expired = InvitationFactory(organization=organization, expired=True)
    client = Client()
    assert open_link(client, usable).status_code == 302  # to the join page: nothing to ask for
    before = db_snapshot()

    assert client.post(ASK).status_code == 404  # the session holds the usable invitation only
    assert db_snapshot() == before
    assert expired.renewal_requested_at is None


def test_a_link_replaced_by_a_newer_one_is_not_offered_the_button(organization):
    invitation = InvitationFactory(organization=organization, expired=True)
    old_token = invitation_token_generator.make_token(invitation)
    invitation.nonce = "resent"
    invitation.save()
    response = Client().get(reverse("members:invitation_open", args=[old_token]))
    assert response.status_code == 410 and "Ask for a new invitation" not in response.text


def test_if_it_was_sent_again_meanwhile_the_page_says_to_use_the_newest_email(organization, owner):
    invitation = InvitationFactory(organization=organization, expired=True)
    client = Client()
    open_link(client, invitation)
    services.resend_invitation(invitation, actor=owner)
    before = db_snapshot()

    response = client.post(ASK, follow=True)

    assert "This invitation was sent again: use the link in the newest email." in response.text
    assert response.status_code == 410 and "replaced by a newer invitation email" in response.text
    assert db_snapshot() == before
