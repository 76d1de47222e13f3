"""Links an owner delivers themselves (members.services.invitations): Copy invitation link and inviting
without an email. The link is never stored, audited or emailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from members import services
from members.exceptions import InvitationLimitError, InvitationNotPendingError
from members.models import Invitation, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from members.services.invitations import NOT_EMAILED
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory
from tests.helpers import db_snapshot, run_worker

IP = "203.0.113.7"


def test_copying_a_link_rotates_the_nonce_renews_the_expiry_and_audits_without_the_link(organization, owner, settings):
    invitation = InvitationFactory(organization=organization, expired=True, delivery_status="bounced")
    old_token = invitation_token_generator.make_token(invitation)

    copied = services.copy_invitation_link(invitation, actor=owner, ip=IP)

    invitation.refresh_from_db()
    assert invitation.nonce == copied.nonce and not invitation_token_generator.check_token(invitation, old_token)
    assert not invitation_token_generator.is_expired(invitation)
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=settings.INVITATION_EXPIRY_HOURS)
    assert invitation.delivery_status == Invitation.Delivery.LINK_ONLY
    [event] = MembershipEvent.objects.filter(action=MembershipEvent.Action.INVITATION_LINK_COPIED)
    assert (event.actor, event.target_email, event.new_role, event.ip_address) == (
        owner,
        invitation.email,
        "member",
        IP,
    )
    new_token = invitation_token_generator.make_token(invitation)
    assert new_token not in str(MembershipEvent.objects.values()) and invitation.nonce not in str(event.__dict__)
    assert not OutboundEmail.objects.exists()


def test_a_queued_invitation_email_is_not_sent_once_the_link_was_copied(organization, owner):
    [invitation] = services.invite_members(organization, actor=owner, emails=["new@example.com"], role="member").invited

    services.copy_invitation_link(invitation, actor=owner)
    run_worker()

    assert mail.outbox == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.CANCELLED
    invitation.refresh_from_db()
    assert invitation.delivery_status == Invitation.Delivery.LINK_ONLY  # the cancelled email does not speak for it


@pytest.mark.parametrize("state", ["revoked", "accepted"])
def test_copying_the_link_of_a_closed_invitation_is_refused_and_changes_nothing(organization, owner, state):
    invitation = InvitationFactory(organization=organization, **{state: True})
    before = db_snapshot()

    with pytest.raises(InvitationNotPendingError):
        services.copy_invitation_link(invitation, actor=owner)

    assert db_snapshot() == before


def test_inviting_without_email_queues_nothing_and_says_so_in_the_audit_row(organization, owner):
    result = services.invite_members(
        organization, actor=owner, emails=["a@example.com", "b@example.com"], role=OrgRole.MEMBER, send_email=False
    )

    assert [i.delivery_status for i in result.invited] == [Invitation.Delivery.LINK_ONLY] * 2
    assert not OutboundEmail.objects.exists()
    events = MembershipEvent.objects.filter(action=MembershipEvent.Action.INVITED)
    assert sorted(events.values_list("target_email", "detail")) == [
        ("a@example.com", NOT_EMAILED),
        ("b@example.com", NOT_EMAILED),
    ]


def test_without_email_the_per_address_email_cap_does_not_apply_but_the_daily_limit_does(organization, owner, settings):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 0
    with pytest.raises(InvitationLimitError):
        services.invite_members(organization, actor=owner, emails=["a@example.com"], role="member")
    assert services.invite_members(
        organization, actor=owner, emails=["a@example.com"], role="member", send_email=False
    ).invited

    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 1
    with pytest.raises(InvitationLimitError):
        services.invite_members(organization, actor=owner, emails=["b@example.com"], role="member", send_email=False)
