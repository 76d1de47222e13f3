"""Who belongs (members.services.memberships): change a role, remove a member, leave; the last-owner
rule, including when two owners act at once (PostgreSQL)."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import (
    DomainError,
    LastOwnerError,
    MembershipGoneError,
    SelfRoleChangeError,
)
from members.models import Invitation, Membership, MembershipEvent, Organization, OutboundEmail, ProjectMembership
from members.roles import OrgRole, ProjectRole
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)
from tests.helpers import db_snapshot, run_together, run_worker

IP = "203.0.113.7"


def events(action: str) -> list[MembershipEvent]:
    return list(MembershipEvent.objects.filter(action=action).order_by("pk"))


def test_promoting_a_member_records_the_change_and_emails_them(organization, owner, member):
    membership = Membership.objects.get(user=member)

    services.change_member_role(membership, actor=owner, role=OrgRole.OWNER, ip=IP)

    membership.refresh_from_db()
    assert membership.role == OrgRole.OWNER
    [event] = events(MembershipEvent.Action.ROLE_CHANGED)
    assert (event.old_role, event.new_role, event.target_email, event.ip_address) == (
        "member",
        "owner",
        member.email,
        IP,
    )
    [email] = OutboundEmail.objects.all()
    assert (email.kind, email.to_email) == (OutboundEmail.Kind.ROLE_CHANGED, member.email)
    assert email.context["role_label"] == "Organization Owner"
    assert email.context["old_role_label"] == "Organization Member"


def test_setting_the_same_role_is_a_no_op(organization, owner, member):
    membership = Membership.objects.get(user=member)
    services.change_member_role(membership, actor=owner, role=OrgRole.MEMBER)
    assert not MembershipEvent.objects.exists() and not OutboundEmail.objects.exists()


def test_demoting_the_last_owner_is_refused(organization, owner):
    staff = UserFactory(is_staff=True)  # the admin's path: only someone else can change an owner's role
    membership = Membership.objects.get(user=owner)
    with pytest.raises(LastOwnerError):
        services.change_member_role(membership, actor=staff, role=OrgRole.MEMBER)
    membership.refresh_from_db()
    assert membership.role == OrgRole.OWNER
    assert not MembershipEvent.objects.exists() and not OutboundEmail.objects.exists()


def test_nobody_changes_their_own_role_even_when_another_owner_remains(organization, owner):
    MembershipFactory(organization=organization, owner=True)
    membership = Membership.objects.get(user=owner)
    before = db_snapshot()
    with pytest.raises(SelfRoleChangeError, match="You cannot change your own Organization Role"):
        services.change_member_role(membership, actor=owner, role=OrgRole.MEMBER)
    assert db_snapshot() == before  # no role change, no audit row, no email


def test_role_change_decides_on_the_current_role_not_a_stale_copy(organization, owner):
    other = MembershipFactory(organization=organization, owner=True)
    stale_owner = Membership.objects.get(user=owner)
    services.change_member_role(other, actor=owner, role=OrgRole.MEMBER)
    with pytest.raises(LastOwnerError):
        services.change_member_role(stale_owner, actor=other.user, role=OrgRole.MEMBER)


def test_role_change_of_a_removed_member_is_refused(organization, owner, member):
    membership = Membership.objects.get(user=member)
    Membership.objects.filter(pk=membership.pk).delete()
    with pytest.raises(MembershipGoneError):
        services.change_member_role(membership, actor=owner, role=OrgRole.OWNER)


def test_an_unknown_role_is_a_programming_error(organization, owner, member):
    with pytest.raises(ValueError):
        services.change_member_role(Membership.objects.get(user=member), actor=owner, role="admin")


def test_removing_a_member_deletes_their_access_in_this_organization_only(organization, owner, member):
    here = ProjectFactory(organization=organization)
    elsewhere_org = OrganizationFactory()
    MembershipFactory(organization=elsewhere_org, user=member)
    elsewhere = ProjectFactory(organization=elsewhere_org)
    ProjectMembershipFactory(project=here, user=member)
    ProjectMembershipFactory(project=elsewhere, user=member)

    services.remove_member(Membership.objects.get(organization=organization, user=member), actor=owner, ip=IP)

    assert not Membership.objects.filter(organization=organization, user=member).exists()
    assert list(ProjectMembership.objects.filter(user=member).values_list("project", flat=True)) == [elsewhere.pk]
    assert Membership.objects.filter(organization=elsewhere_org, user=member).exists()
    [event] = events(MembershipEvent.Action.MEMBER_REMOVED)
    assert (event.target_email, event.old_role, event.ip_address) == (member.email, OrgRole.MEMBER, IP)
    [email] = OutboundEmail.objects.all()
    assert (email.kind, email.to_email) == (OutboundEmail.Kind.REMOVED, member.email)


def test_removing_a_user_revokes_the_pending_invitations_they_sent(organization, owner):
    leaving = MembershipFactory(organization=organization, owner=True)
    sent = InvitationFactory(organization=organization, invited_by=leaving.user, email="theirs@example.com")
    accepted = InvitationFactory(organization=organization, invited_by=leaving.user, accepted=True)
    mine = InvitationFactory(organization=organization, invited_by=owner)

    revoked = services.remove_member(leaving, actor=owner)

    assert revoked == [sent]
    sent.refresh_from_db(), accepted.refresh_from_db(), mine.refresh_from_db()
    assert sent.status == Invitation.Status.REVOKED
    assert accepted.status == Invitation.Status.ACCEPTED and mine.status == Invitation.Status.PENDING
    assert sorted(OutboundEmail.objects.values_list("kind", "to_email")) == [
        (OutboundEmail.Kind.INVITATION_REVOKED, "theirs@example.com"),
        (OutboundEmail.Kind.REMOVED, leaving.user.email),
    ]
    assert [e.target_email for e in events(MembershipEvent.Action.INVITATION_REVOKED)] == ["theirs@example.com"]


def test_removing_the_last_owner_is_refused(organization, owner):
    with pytest.raises(LastOwnerError):
        services.remove_member(Membership.objects.get(user=owner), actor=owner)
    assert Membership.objects.filter(user=owner).exists()
    assert not MembershipEvent.objects.exists() and not OutboundEmail.objects.exists()


def test_removing_an_owner_when_another_remains_is_allowed(organization, owner):
    other = MembershipFactory(organization=organization, owner=True)
    services.remove_member(other, actor=owner)
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_removing_someone_already_removed_is_refused(organization, owner, member):
    membership = Membership.objects.get(user=member)
    services.remove_member(membership, actor=owner)
    with pytest.raises(MembershipGoneError):
        services.remove_member(membership, actor=owner)
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_member_leaves_with_their_project_access(organization, member):
    project = ProjectFactory(organization=organization)
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_WRITE)
    elsewhere = ProjectMembershipFactory(user=member)  # a project in another organization stays

    services.leave_organization(organization, actor=member, ip="127.0.0.1")

    assert not Membership.objects.filter(organization=organization, user=member).exists()
    assert list(ProjectMembership.objects.filter(user=member)) == [elsewhere]
    assert MembershipEvent.objects.filter(action="member_left", target_email=member.email).exists()


@pytest.mark.django_db
def test_last_owner_cannot_leave(organization, owner):
    with pytest.raises(LastOwnerError, match="Promote another member"):
        services.leave_organization(organization, actor=owner)

    assert Membership.objects.filter(organization=organization, user=owner, role=OrgRole.OWNER).exists()
    assert not MembershipEvent.objects.filter(action="member_left").exists()


@pytest.mark.django_db
def test_an_owner_can_leave_when_another_owner_remains(organization, owner):
    MembershipFactory(organization=organization, owner=True)

    services.leave_organization(organization, actor=owner)

    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 1


@pytest.mark.django_db
def test_leaving_an_organization_you_are_not_in_is_a_no_op(organization, stranger):
    services.leave_organization(organization, actor=stranger)

    assert not MembershipEvent.objects.filter(action="member_left").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner_behind():
    """Without the organization row lock both would see "another owner exists" and both leave."""
    first, second = UserFactory(), UserFactory()
    organization = OrganizationFactory(owner=first)
    MembershipFactory(organization=organization, user=second, owner=True)

    results = run_together(
        *(
            lambda u=user: services.leave_organization(Organization.objects.get(pk=organization.pk), actor=u)
            for user in (first, second)
        )
    )

    assert sorted(type(result).__name__ for result in results) == ["LastOwnerError", "NoneType"], results
    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    alice_membership = Membership.objects.get(user=alice)
    bob_membership = MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.change_member_role(bob_membership, actor=alice, role=OrgRole.MEMBER),
        lambda: services.change_member_role(alice_membership, actor=bob, role=OrgRole.MEMBER),
    )

    assert sum(isinstance(r, LastOwnerError) for r in results) == 1, results
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert Membership.objects.filter(organization=organization, role=OrgRole.OWNER).count() == 1
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.ROLE_CHANGED).count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ROLE_CHANGED).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_owners_removing_each_other_at_once_leave_one_owner():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    alice_membership = Membership.objects.get(user=alice)
    bob_membership = MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.remove_member(bob_membership, actor=alice),
        lambda: services.remove_member(alice_membership, actor=bob),
    )

    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert Membership.objects.filter(organization=organization, role=OrgRole.OWNER).count() == 1


# --- #11.2: a sender's invitations end when their ownership ends -------------------------------------------------


@pytest.fixture
def second_owner(organization):
    return MembershipFactory(organization=organization, user__email="second@example.com", owner=True)


@pytest.fixture
def sent_by_second(organization, second_owner):
    return InvitationFactory(
        organization=organization, invited_by=second_owner.user, email="alt-account@example.com", role="owner"
    )


def assert_revoked_because(invitation, reason: str) -> None:
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    [event] = MembershipEvent.objects.filter(action=MembershipEvent.Action.INVITATION_REVOKED)
    assert (event.target_email, event.reason) == (invitation.email, reason)
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION_REVOKED, to_email=invitation.email).exists()


def test_demoting_an_owner_revokes_the_invitations_they_sent_there(owner, second_owner, sent_by_second, other_owner):
    elsewhere = InvitationFactory(
        organization=Membership.objects.get(user=other_owner).organization,
        invited_by=second_owner.user,
        email="x@example.com",
    )

    services.change_member_role(second_owner, actor=owner, role=OrgRole.MEMBER)

    assert_revoked_because(sent_by_second, MembershipEvent.Reason.INVITER_DEMOTED)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Invitation.Status.PENDING  # only this organization's


def test_an_owner_who_leaves_takes_their_pending_invitations_with_them(second_owner, sent_by_second):
    services.leave_organization(second_owner.organization, actor=second_owner.user)

    assert_revoked_because(sent_by_second, MembershipEvent.Reason.INVITER_LEFT)


def test_removing_an_owner_revokes_their_invitations_and_says_why(owner, second_owner, sent_by_second):
    services.remove_member(second_owner, actor=owner)

    assert_revoked_because(sent_by_second, MembershipEvent.Reason.INVITER_REMOVED)


def test_other_role_changes_leave_invitations_alone(owner, organization, member, sent_by_second):
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role=OrgRole.OWNER)

    sent_by_second.refresh_from_db()
    assert sent_by_second.status == Invitation.Status.PENDING


def test_a_demoted_owners_second_account_cannot_join_with_the_old_invitation(owner, second_owner, sent_by_second):
    from members.exceptions import InvitationError

    alt = UserFactory(email="alt-account@example.com", verified=True)
    services.change_member_role(second_owner, actor=owner, role=OrgRole.MEMBER)

    with pytest.raises(InvitationError):
        services.accept_invitation(sent_by_second, actor=alt)
    assert not Membership.objects.filter(user=alt).exists()


@pytest.mark.django_db
def test_each_owner_is_emailed_when_a_member_leaves_on_their_own(organization, owner, member, mailoutbox):
    co_owner = MembershipFactory(organization=organization, owner=True, user__email="co@example.com").user

    services.leave_organization(organization, actor=member)
    run_worker()

    assert sorted(m.to[0] for m in mailoutbox) == ["co@example.com", owner.email]
    message = next(m for m in mailoutbox if m.to == [co_owner.email])
    assert message.subject == "Max Member left Acme Corp"
    assert "Max Member (member@example.com) left the organization" in message.body


@pytest.mark.django_db
def test_a_leaving_owner_is_not_emailed_about_themselves(organization, owner, mailoutbox):
    MembershipFactory(organization=organization, owner=True, user__email="co@example.com")

    services.leave_organization(organization, actor=owner)
    run_worker()

    assert [m.to for m in mailoutbox] == [["co@example.com"]]


@pytest.mark.django_db
def test_a_refused_leave_emails_nobody(organization, owner, mailoutbox):
    with pytest.raises(LastOwnerError):
        services.leave_organization(organization, actor=owner)
    run_worker()
    assert mailoutbox == [] and not OutboundEmail.objects.exists()


def test_a_promoted_owner_keeps_no_project_roles_and_the_audit_row_lists_them(organization, owner, member):
    project = ProjectFactory(organization=organization, name="Alpha")
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_ONLY)

    services.change_member_role(Membership.objects.get(user=member), actor=owner, role=OrgRole.OWNER)

    assert not ProjectMembership.objects.filter(user=member).exists()
    [event] = events(MembershipEvent.Action.ROLE_CHANGED)
    assert event.project_access == {"before": {"Alpha": "read_only"}, "after": {}}


@pytest.mark.django_db
def test_owners_already_told_are_not_emailed_again_when_someone_leaves(organization, owner, member, mailoutbox):
    co_owner = MembershipFactory(organization=organization, owner=True, user__email="co@example.com").user

    services.leave_organization(organization, actor=member, already_told={co_owner.pk})
    run_worker()

    assert [m.to for m in mailoutbox] == [[owner.email]]
