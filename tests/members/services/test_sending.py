"""The per-address cap of members.services.sending (#11.4): one address gets at most
EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY emails from one organization in 24 hours (invitations, resends,
revocations). Sends keep the last one for a revocation; an owner's revocation past the cap is refused with nothing
changed; revocations nobody may refuse (SCIM deprovisioning, a former owner's invitations) go through without the
email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members import services
from members.exceptions import InvitationLimitError
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.services.provisioning import deprovision_member
from members.services.sending import NO_EMAIL_PAST_CAP
from tests.factories import MembershipFactory
from tests.helpers import db_snapshot


def emails_to(address: str, kind: str | None = None) -> int:
    emails = OutboundEmail.objects.filter(to_email__iexact=address)
    return (emails.filter(kind=kind) if kind else emails).count()


def invite(organization, actor, address: str) -> Invitation:
    [invitation] = services.invite_members(organization, actor=actor, emails=[address], role="member").invited
    return invitation


def test_invite_revoke_cycles_stop_at_the_cap_and_every_revocation_is_emailed(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 5
    refused = None
    for _cycle in range(50):
        try:
            invitation = invite(organization, owner, "Target@example.com")
        except InvitationLimitError as error:
            refused = error
            break
        services.revoke_invitation(invitation, actor=owner)  # never refused: the invite kept room for it

    assert refused is not None and "target@example.com" in refused.message.lower()
    assert "24 hours" in refused.message and "kept for a revocation" in refused.message
    assert emails_to("target@example.com") == 4  # two invitations, two revocations; the fifth is kept
    assert emails_to("target@example.com", OutboundEmail.Kind.INVITATION_REVOKED) == 2
    assert not Invitation.objects.filter(status=Invitation.Status.PENDING).exists()
    before = db_snapshot()
    with pytest.raises(InvitationLimitError):
        services.invite_members(organization, actor=owner, emails=["target@example.com"], role="member")
    assert db_snapshot() == before


def test_resends_count_and_the_revocation_still_fits(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 3
    invitation = invite(organization, owner, "t@example.com")
    services.resend_invitation(invitation, actor=owner)

    with pytest.raises(InvitationLimitError):
        services.resend_invitation(invitation, actor=owner)
    services.revoke_invitation(invitation, actor=owner)

    assert emails_to("t@example.com") == 3 and emails_to("t@example.com", "invitation_revoked") == 1


def test_an_invite_naming_one_capped_address_sends_nothing_at_all(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 2
    services.revoke_invitation(invite(organization, owner, "t@example.com"), actor=owner)
    before = db_snapshot()

    with pytest.raises(InvitationLimitError):
        services.invite_members(organization, actor=owner, emails=["fresh@example.com", "t@example.com"], role="member")
    assert db_snapshot() == before


def test_an_owners_revocation_past_the_cap_is_refused_and_changes_nothing(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 5
    invitation = invite(organization, owner, "t@example.com")
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1  # lowered below what was already sent
    before = db_snapshot()

    with pytest.raises(InvitationLimitError) as refused:
        services.revoke_invitation(invitation, actor=owner)

    assert "t@example.com has already received 1 emails" in refused.value.message
    assert "Nothing was changed: the invitation is still open." in refused.value.message
    assert db_snapshot() == before


def test_with_a_cap_of_one_nothing_is_kept_so_the_owner_cannot_revoke_that_day(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1
    invitation = invite(organization, owner, "t@example.com")

    with pytest.raises(InvitationLimitError):
        services.revoke_invitation(invitation, actor=owner)
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(hours=25))
    services.revoke_invitation(invitation, actor=owner)  # a day later

    assert emails_to("t@example.com", "invitation_revoked") == 1


def test_a_former_owners_invitations_end_past_the_cap_without_the_email(settings, organization, owner):
    colleague = MembershipFactory(organization=organization, owner=True, user__email="colleague@example.com")
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 5
    sent = invite(organization, colleague.user, "t@example.com")
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1

    services.remove_member(colleague, actor=owner)  # a security action: never refused for want of email

    sent.refresh_from_db()
    assert sent.status == Invitation.Status.REVOKED
    assert emails_to("t@example.com", "invitation_revoked") == 0
    event = MembershipEvent.objects.get(action="invitation_revoked")
    assert event.reason == MembershipEvent.Reason.INVITER_REMOVED and event.detail == NO_EMAIL_PAST_CAP


def test_scim_deprovisioning_past_the_cap_revokes_without_the_email(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 5
    invitation = invite(organization, owner, "t@example.com")
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1

    deprovision_member(organization, actor=owner, user=None, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert emails_to("t@example.com", "invitation_revoked") == 0
    assert MembershipEvent.objects.get(action="invitation_revoked").detail == NO_EMAIL_PAST_CAP


def test_within_the_cap_revocations_are_emailed_and_audited_plainly(settings, organization, owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 5
    services.revoke_invitation(invite(organization, owner, "t@example.com"), actor=owner)

    assert emails_to("t@example.com", "invitation_revoked") == 1
    assert MembershipEvent.objects.get(action="invitation_revoked").detail == ""


def test_the_cap_is_per_organization_and_per_day(settings, organization, owner, other_owner):
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1
    services.invite_members(organization, actor=owner, emails=["t@example.com"], role="member")
    other = Membership.objects.get(user=other_owner).organization

    services.invite_members(other, actor=other_owner, emails=["t@example.com"], role="member")  # another organization
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(hours=25))
    Invitation.objects.update(status=Invitation.Status.REVOKED)
    services.invite_members(organization, actor=owner, emails=["t@example.com"], role="member")  # a day later

    assert emails_to("t@example.com") == 3
