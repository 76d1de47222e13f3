"""Bulk actions (members.services.bulk): each row goes through the single action's service (locks, checks,
the person's email, their audit event), a refused row is skipped with its reason, one more event records the
request; a resend past the daily limits is refused whole."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import InvitationLimitError
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory
from tests.helpers import db_snapshot

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


def actions() -> list[str]:
    return list(MembershipEvent.objects.order_by("pk").values_list("action", flat=True))


def test_change_role_for_several_members_emails_and_records_each_plus_the_request(organization, owner):
    a, b = MembershipFactory.create_batch(2, organization=organization)
    already = MembershipFactory(organization=organization, role=OrgRole.OWNER)

    result = services.bulk_action(
        organization,
        actor=owner,
        action="change_role",
        membership_ids=[a.pk, b.pk, already.pk],
        role=OrgRole.OWNER,
        ip=IP,
    )

    assert result.applied == [a.user.email, b.user.email]
    assert result.skipped == [(already.user.email, "Already Organization Owner.")]
    assert set(Membership.objects.filter(pk__in=[a.pk, b.pk]).values_list("role", flat=True)) == {OrgRole.OWNER}
    assert actions() == ["role_changed", "role_changed", "bulk_action"]
    bulk = MembershipEvent.objects.get(action="bulk_action")
    assert (bulk.actor, bulk.ip_address, bulk.detail) == (owner, IP, "role_changed: 2 applied, 1 skipped")
    emails = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ROLE_CHANGED)
    assert sorted(emails.values_list("to_email", flat=True)) == sorted([a.user.email, b.user.email])


def test_demoting_every_owner_skips_yourself(organization, owner):
    second = MembershipFactory(organization=organization, role=OrgRole.OWNER)
    mine = Membership.objects.get(user=owner)

    result = services.bulk_action(
        organization, actor=owner, action="change_role", membership_ids=[second.pk, mine.pk], role=OrgRole.MEMBER
    )

    assert result.applied == [second.user.email]
    [(who, why)] = result.skipped
    assert who == owner.email and "You cannot change your own Organization Role." in why
    assert Membership.objects.filter(organization=organization, role=OrgRole.OWNER).get() == mine


def test_remove_several_members_skips_the_actor_and_tells_each_person(organization, owner):
    a, b = MembershipFactory.create_batch(2, organization=organization)
    mine = Membership.objects.get(user=owner)

    result = services.bulk_action(organization, action="remove", actor=owner, membership_ids=[a.pk, mine.pk, b.pk])

    assert result.applied == [a.user.email, b.user.email]
    assert [who for who, _why in result.skipped] == [owner.email]
    assert list(Membership.objects.filter(organization=organization)) == [mine]
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REMOVED).count() == 2
    assert actions() == ["member_removed", "member_removed", "bulk_action"]


def test_revoke_applies_to_pending_invitations_only_and_never_to_another_organization(organization, owner):
    pending = InvitationFactory(organization=organization)
    accepted = InvitationFactory(organization=organization, accepted=True)
    elsewhere = InvitationFactory(organization=OrganizationFactory())

    result = services.bulk_action(
        organization, action="revoke", actor=owner, invitation_ids=[pending.pk, accepted.pk, elsewhere.pk]
    )

    assert result.applied == [pending.email]
    assert result.skipped == [
        (accepted.email, "This invitation is no longer pending."),
        ("1 rows", "No such invitation."),
    ]
    pending.refresh_from_db(), elsewhere.refresh_from_db(), accepted.refresh_from_db()
    assert (pending.status, elsewhere.status, accepted.status) == ("revoked", "pending", "accepted")
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION_REVOKED).get().to_email == pending.email


def test_resend_sends_each_with_a_fresh_link(organization, owner):
    invitations = InvitationFactory.create_batch(3, organization=organization)
    nonces = {i.pk: i.nonce for i in invitations}

    result = services.bulk_action(
        organization, action="resend", actor=owner, invitation_ids=[i.pk for i in invitations]
    )

    assert len(result.applied) == 3 and not result.skipped
    for invitation in Invitation.objects.filter(pk__in=nonces):
        assert invitation.nonce != nonces[invitation.pk]
    assert actions() == ["invitation_resent"] * 3 + ["bulk_action"]


def test_a_resend_past_the_daily_limit_is_refused_whole(organization, owner, settings):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 2
    invitations = InvitationFactory.create_batch(3, organization=organization)
    before = db_snapshot()

    with pytest.raises(InvitationLimitError) as refused:
        services.bulk_action(organization, action="resend", actor=owner, invitation_ids=[i.pk for i in invitations])

    assert "2 invitations a day" in refused.value.message and "send 3" in refused.value.message
    assert db_snapshot() == before
