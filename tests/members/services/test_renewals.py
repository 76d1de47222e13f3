"""Ask for a new invitation (members.services.renewals): who is emailed, once a day per invitation, what is
refused (and then changes nothing), the audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from members import services
from members.exceptions import InvitationNotRenewableError, NewInvitationAlreadyRequestedError
from members.models import Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory
from tests.helpers import db_snapshot, run_together, run_worker

IP = "203.0.113.9"


@pytest.mark.parametrize("state", [{"expired": True}, {"revoked": True}])
def test_the_inviter_is_emailed_and_the_request_audited(organization, owner, state):
    invitation = InvitationFactory(organization=organization, email="late@example.com", **state)

    asked = services.ask_for_new_invitation(invitation, actor=None, ip=IP)

    assert asked == [owner]
    invitation.refresh_from_db()
    assert invitation.renewal_requested_at is not None
    [event] = MembershipEvent.objects.filter(action=MembershipEvent.Action.NEW_INVITATION_REQUESTED)
    assert (event.actor, event.target_email, event.ip_address) == (None, "late@example.com", IP)
    run_worker()
    [message] = mail.outbox
    assert message.to == [owner.email] and message.reply_to == ["late@example.com"]
    assert message.subject == "late@example.com asks for a new invitation to Acme Corp"
    assert ("was revoked" if state.get("revoked") else "has expired") in message.body
    assert "/o/acme/members/" in message.body


def test_when_the_inviter_can_no_longer_invite_every_owner_is_asked(organization, owner, member):
    co_owner = MembershipFactory(organization=organization, owner=True).user
    invitation = InvitationFactory(organization=organization, invited_by=member, expired=True)  # member: demoted since

    asked = services.ask_for_new_invitation(invitation, actor=None)

    assert sorted(u.pk for u in asked) == sorted([owner.pk, co_owner.pk])
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, co_owner.email])
    assert member.email not in [m.to[0] for m in mail.outbox]


def test_a_second_request_within_the_interval_is_refused_saying_when_and_changes_nothing(organization, settings):
    settings.NEW_INVITATION_REQUEST_INTERVAL_HOURS = 24
    invitation = InvitationFactory(organization=organization, expired=True)
    services.ask_for_new_invitation(invitation, actor=None)
    before = db_snapshot()

    with pytest.raises(NewInvitationAlreadyRequestedError) as refused:
        services.ask_for_new_invitation(invitation, actor=None)

    assert "You already asked for a new invitation on" in refused.value.message and "UTC" in refused.value.message
    assert db_snapshot() == before


def test_after_the_interval_one_may_ask_again(organization, settings):
    settings.NEW_INVITATION_REQUEST_INTERVAL_HOURS = 24
    invitation = InvitationFactory(organization=organization, expired=True)
    invitation.renewal_requested_at = timezone.now() - timedelta(hours=24, seconds=1)
    invitation.save()

    services.ask_for_new_invitation(invitation, actor=None)

    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.NEW_INVITATION_REQUESTED).count() == 1


@pytest.mark.parametrize(
    "state",
    [{}, {"accepted": True}, {"status": "declined"}],
    ids=["still-usable", "accepted", "declined"],
)
def test_an_invitation_that_did_not_end_unanswered_cannot_be_asked_for_again(organization, state):
    invitation = InvitationFactory(organization=organization, **state)
    before = db_snapshot()
    with pytest.raises(InvitationNotRenewableError):
        services.ask_for_new_invitation(invitation, actor=None)
    assert db_snapshot() == before


def test_someone_invited_again_is_sent_to_the_newer_invitation(organization):
    old = InvitationFactory(organization=organization, email="again@example.com", revoked=True)
    InvitationFactory(organization=organization, email="Again@example.com")
    with pytest.raises(InvitationNotRenewableError) as refused:
        services.ask_for_new_invitation(old, actor=None)
    assert "invited to Acme Corp again" in refused.value.message
    assert not OutboundEmail.objects.exists()


def test_only_active_owners_of_the_organization_are_ever_emailed(organization, owner, other_owner):
    Membership.objects.filter(user=owner).update(role=OrgRole.MEMBER)
    keeper = MembershipFactory(organization=organization, owner=True).user
    MembershipFactory(organization=organization, owner=True, user__is_active=False)
    invitation = InvitationFactory(organization=organization, invited_by=owner, expired=True)

    assert services.ask_for_new_invitation(invitation, actor=None) == [keeper]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_clicks_at_the_same_moment_send_one_request():
    organization = OrganizationFactory()
    invitation = InvitationFactory(organization=organization, expired=True)

    results = run_together(
        lambda: services.ask_for_new_invitation(invitation, actor=None),
        lambda: services.ask_for_new_invitation(invitation, actor=None),
    )

    assert sum(isinstance(r, NewInvitationAlreadyRequestedError) for r in results) == 1, results
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.NEW_INVITATION_REQUESTED).count() == 1
