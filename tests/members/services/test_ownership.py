"""Transfer ownership (members.services.ownership): another member becomes Organization Owner and the actor
leaves, in one change; both audited, the new owner emailed, the last-owner rule intact."""

from __future__ import annotations

import pytest
from django.core import mail

from members import services
from members.exceptions import NotAnOwnerError, TransferTargetError
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import db_snapshot, run_together, run_worker

IP = "203.0.113.10"


def test_the_new_owner_takes_over_and_the_actor_leaves(organization, owner, member):
    target = Membership.objects.get(user=member)
    sent = InvitationFactory(organization=organization, email="pending@example.com", invited_by=owner)

    services.transfer_ownership(organization, actor=owner, new_owner=target, ip=IP)

    assert list(Membership.objects.filter(organization=organization).values_list("user", "role")) == [
        (member.pk, OrgRole.OWNER)
    ]
    actions = list(
        MembershipEvent.objects.order_by("pk").values_list("action", "target_email", "old_role", "new_role", "reason")
    )
    assert actions == [
        ("ownership_transferred", member.email, OrgRole.MEMBER, OrgRole.OWNER, ""),
        ("invitation_revoked", sent.email, OrgRole.MEMBER, "", MembershipEvent.Reason.INVITER_LEFT),
        ("member_left", owner.email, OrgRole.OWNER, "", ""),
    ]
    sent.refresh_from_db()
    assert sent.status == Invitation.Status.REVOKED
    run_worker()
    to_new_owner = [message for message in mail.outbox if message.to == [member.email]]
    assert [message.subject for message in to_new_owner] == ["You are now an Organization Owner of Acme Corp"]
    assert "Olivia Owner (owner@example.com) transferred ownership" in to_new_owner[0].body


def test_transferring_to_someone_already_owner_only_leaves(organization, owner):
    co_owner = MembershipFactory(organization=organization, owner=True)

    services.transfer_ownership(organization, actor=owner, new_owner=co_owner)

    assert list(MembershipEvent.objects.values_list("action", flat=True)) == ["member_left"]
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.OWNERSHIP_TRANSFERRED).exists()


@pytest.mark.parametrize("who", ["yourself", "another_organization", "gone"])
def test_an_impossible_new_owner_changes_nothing(organization, owner, member, other_owner, who):
    target = {
        "yourself": lambda: Membership.objects.get(user=owner),
        "another_organization": lambda: Membership.objects.get(user=other_owner),
        "gone": lambda: Membership.objects.get(user=member),
    }[who]()
    if who == "gone":
        services.remove_member(Membership.objects.get(user=member), actor=owner)
    before = db_snapshot()

    with pytest.raises(TransferTargetError):
        services.transfer_ownership(organization, actor=owner, new_owner=target)

    assert db_snapshot() == before


def test_a_member_cannot_transfer_ownership(organization, owner, member):
    target = Membership.objects.get(user=owner)
    before = db_snapshot()

    with pytest.raises(NotAnOwnerError):
        services.transfer_ownership(organization, actor=member, new_owner=target)

    assert db_snapshot() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_owners_handing_over_to_each_other_at_once_leave_one_owner():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    alice_membership = Membership.objects.get(user=alice)
    bob_membership = MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.transfer_ownership(organization, actor=alice, new_owner=bob_membership),
        lambda: services.transfer_ownership(organization, actor=bob, new_owner=alice_membership),
    )

    assert sorted(type(result).__name__ for result in results) == ["Membership", "TransferTargetError"], results
    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 1
