"""Decline asks first (members.views.invitations.invitation_decline): the GET is a confirmation page (a dialog
with htmx) that says what declining does and changes nothing; the POST declines."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from members import services
from members.models import Invitation
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory
from tests.helpers import db_snapshot

DECLINE = reverse("members:invitation_decline")
JOIN = reverse("members:invitation_join")


def opened(organization) -> tuple[Client, Invitation]:
    invitation = InvitationFactory(organization=organization, email="ivy@example.com")
    client = Client()
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))
    return client, invitation


def test_the_join_page_links_decline_to_its_confirmation(organization):
    client, _invitation = opened(organization)
    html = client.get(JOIN).text
    assert f'href="{DECLINE}"' in html and f'hx-get="{DECLINE}"' in html and "js/dialogs.js" in html


def test_the_confirmation_says_what_declining_does_and_changes_nothing(organization):
    client, invitation = opened(organization)
    before = db_snapshot()

    page = client.get(DECLINE)
    partial = client.get(DECLINE, HTTP_HX_REQUEST="true")

    assert page.status_code == partial.status_code == 200 and "<html" not in partial.text
    for html in (page.text, partial.text):
        assert "Decline the invitation to join <strong>Acme Corp</strong>" in html
        assert "its link stops working" in html and "Olivia Owner, who invited you, is told" in html
        assert 'method="post"' in html and "Decline invitation</button>" in html
    assert db_snapshot() == before
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_confirming_declines(organization):
    client, invitation = opened(organization)
    response = client.post(DECLINE)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED


def test_with_htmx_a_link_that_died_meanwhile_sends_the_whole_page_to_say_why(organization, owner):
    client, invitation = opened(organization)
    services.revoke_invitation(invitation, actor=owner)

    response = client.get(DECLINE, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Redirect"] == JOIN
    assert client.get(JOIN).status_code == 410


def test_the_join_page_of_a_hand_delivered_link_says_the_address_is_confirmed_by_email(organization, owner):
    invitation = services.copy_invitation_link(InvitationFactory(organization=organization), actor=owner)
    client = Client()
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))
    html = client.get(JOIN).text
    assert "you confirm the address by email first" in html and "You will not need to verify" not in html
