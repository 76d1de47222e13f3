"""Copy invitation link and Invite User with "Don't send the email" over HTTP (members.views.invitation_links,
members.views.shown_links): the link is shown once, in a POST's answer only, never in a URL, a log line, an
audit row or a cache; members and other organizations are refused with nothing changed."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import resolve, reverse

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, run_worker

HTMX = {"HTTP_HX_REQUEST": "true"}


def copy_url(invitation: Invitation) -> str:
    return reverse("members:invitation_copy_link", args=[invitation.organization.slug, invitation.pk])


def shown_tokens(html: str) -> list[str]:
    """The tokens of the invitation links in a page (in its read-only link fields), built from SITE_URL."""
    urls = re.findall(r'<textarea id="invitation-link-\d+"[^>]*>([^<]+)</textarea>', html)
    assert all(url.startswith(settings.SITE_URL) for url in urls), urls
    return [resolve(url.removeprefix(settings.SITE_URL)).kwargs["token"] for url in urls]


def test_the_dialog_asks_first_and_changes_nothing(owner_client, organization):
    invitation = InvitationFactory(organization=organization, email="inv@example.com")
    before = db_snapshot()

    page = owner_client.get(copy_url(invitation))
    partial = owner_client.get(copy_url(invitation), **HTMX)

    assert page.status_code == partial.status_code == 200
    for html in (page.content.decode(), partial.content.decode()):
        assert "Copy invitation link" in html and "inv@example.com" in html and "no email is sent" in html
        assert "invitation-link-" not in html
    assert "<html" not in partial.content.decode()
    assert db_snapshot() == before


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_copying_shows_a_fresh_link_once_uncached_and_kills_the_old_one(owner_client, organization, headers, caplog):
    invitation = InvitationFactory(organization=organization, email="inv@example.com")
    old_token = invitation_token_generator.make_token(invitation)

    with caplog.at_level(logging.DEBUG):
        response = owner_client.post(copy_url(invitation), **headers)

    assert response.status_code == 200
    html = response.content.decode()
    [token] = shown_tokens(html)
    invitation.refresh_from_db()
    assert invitation_token_generator.check_token(invitation, token)
    assert not invitation_token_generator.check_token(invitation, old_token)
    assert "Invitation link for inv@example.com" in html and "Copy link" in html and "shown only this once" in html
    assert "no-store" in response["Cache-Control"]
    assert (response.get("HX-Trigger") == "members-changed") == bool(headers)
    secret = token.split(":")[0]
    assert secret not in caplog.text and token not in caplog.text
    assert token not in str(list(MembershipEvent.objects.values())) and token not in str(dict(owner_client.session))
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.INVITATION_LINK_COPIED).count() == 1
    run_worker()
    assert mail.outbox == [] and not OutboundEmail.objects.exists()
    # The page behind says how this invitation travels.
    assert "Link copied, not emailed" in owner_client.get(reverse("members:members", args=[organization.slug])).text


def test_the_members_page_offers_copy_invitation_link_on_pending_rows(owner_client, organization):
    invitation = InvitationFactory(organization=organization)
    html = owner_client.get(reverse("members:members", args=[organization.slug])).content.decode()
    assert f'href="{copy_url(invitation)}"' in html and ">Copy invitation link</a>" in html
    assert "js/copy_link.js" in html


def test_a_member_is_refused_and_nothing_changes(member_client, organization):
    invitation = InvitationFactory(organization=organization)
    before = db_snapshot()

    response = member_client.post(copy_url(invitation))

    assert response.status_code == 403
    assert db_snapshot_without_refusals() == before and "invitation-link-" not in response.content.decode()


def test_another_organizations_invitation_is_a_404_and_nothing_changes(owner_client, other_owner):
    other = Membership.objects.get(user=other_owner).organization
    invitation = InvitationFactory(organization=other)
    before = db_snapshot()

    assert owner_client.post(copy_url(invitation)).status_code == 404
    assert db_snapshot() == before


def test_a_revoked_invitation_answers_409_and_shows_no_link(owner_client, organization):
    invitation = InvitationFactory(organization=organization, revoked=True)
    before = db_snapshot()
    response = owner_client.post(copy_url(invitation), **HTMX)
    assert response.status_code == 409 and "invitation-link-" not in response.content.decode()
    assert db_snapshot() == before


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_invite_without_email_shows_each_new_link_once(owner_client, organization, member, headers):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "a@example.com, b@example.com, member@example.com", "role": "member", "no_email": "on"},
        **headers,
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    tokens = shown_tokens(html)
    invitations = {i.email: i for i in Invitation.objects.filter(organization=organization)}
    assert set(invitations) == {"a@example.com", "b@example.com"}
    assert sorted(invitation_token_generator.parse(t)[1] for t in tokens) == sorted(i.pk for i in invitations.values())
    assert "2 invitations created, no email sent: a@example.com, b@example.com." in html
    assert "member@example.com is already a member of Acme Corp; not invited." in html
    run_worker()
    assert mail.outbox == []


def test_the_invite_dialog_offers_not_sending_the_email(owner_client, organization):
    html = owner_client.get(reverse("members:invite", args=[organization.slug])).content.decode()
    assert "Don&#x27;t send the email" in html or "Don't send the email" in html
    assert 'name="no_email"' in html
