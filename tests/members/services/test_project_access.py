"""Setting a member's whole Project Access (with their role: Edit Role), and what a pending invitation offers."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import InvitationNotPendingError, LastOwnerError, OwnerProjectAccessError, SelfRoleChangeError
from members.models import InvitationProject, Membership, MembershipEvent, ProjectMembership
from members.roles import OrgRole
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.helpers import db_snapshot, run_worker


def test_sets_exactly_the_given_access_and_records_it_once(organization, owner):
    membership = MembershipFactory(organization=organization)
    alpha, beta = ProjectFactory(organization=organization), ProjectFactory(organization=organization)
    ProjectMembership.objects.create(project=alpha, user=membership.user, role="admin")

    before = services.set_project_access(membership, actor=owner, project_roles={beta: "read_only"})

    assert before == {alpha: "admin"}
    assert list(ProjectMembership.objects.filter(user=membership.user).values_list("project", "role")) == [
        (beta.pk, "read_only")
    ]
    assert MembershipEvent.objects.filter(action="project_access_changed").count() == 1
    unchanged = db_snapshot()
    services.set_project_access(membership, actor=owner, project_roles={beta: "read_only"})
    assert db_snapshot() == unchanged


def test_refuses_another_organizations_project_and_bad_roles(organization, owner):
    membership = MembershipFactory(organization=organization)
    elsewhere, here = ProjectFactory(), ProjectFactory(organization=organization)
    before = db_snapshot()
    with pytest.raises(ValueError):
        services.set_project_access(membership, actor=owner, project_roles={elsewhere: "admin"})
    with pytest.raises(ValueError):
        services.set_project_access(membership, actor=owner, project_roles={here: "boss"})
    assert db_snapshot() == before


def test_invitation_project_role_is_given_and_taken_and_only_while_pending(organization, owner):
    invitation = InvitationFactory(organization=organization)
    project = ProjectFactory(organization=organization)

    services.set_invitation_project_role(invitation, actor=owner, project=project, role="read_write")
    assert InvitationProject.objects.get(invitation=invitation).role == "read_write"
    services.set_invitation_project_role(invitation, actor=owner, project=project, role=None)
    assert not InvitationProject.objects.filter(invitation=invitation).exists()

    services.revoke_invitation(invitation, actor=owner)
    with pytest.raises(InvitationNotPendingError):
        services.set_invitation_project_role(invitation, actor=owner, project=project, role="admin")


# --- Edit Role: role and Project Access in one save (#12) ---------------------------------------------


def grants_of(user) -> dict[str, str]:
    return dict(ProjectMembership.objects.filter(user=user).values_list("project__name", "role"))


def test_set_project_access_emails_the_member_what_changed(organization, owner, mailoutbox):
    membership = MembershipFactory(organization=organization, user__email="pat@example.com")
    alpha = ProjectFactory(organization=organization, name="Alpha")
    beta = ProjectFactory(organization=organization, name="Beta")
    ProjectMembership.objects.create(project=alpha, user=membership.user, role="admin")

    services.set_project_access(membership, actor=owner, project_roles={beta: "read_only"})
    run_worker()

    [message] = mailoutbox
    assert message.to == ["pat@example.com"] and message.subject == "Your access to Acme Corp changed"
    assert "Alpha: removed (you were Project Admin)" in message.body
    assert "Beta: added as Project Read-Only" in message.body
    [event] = MembershipEvent.objects.filter(action="project_access_changed")
    assert event.project_access == {"before": {"Alpha": "admin"}, "after": {"Beta": "read_only"}}


def test_editing_role_and_access_is_one_change_and_one_email(organization, owner, member, mailoutbox):
    membership = Membership.objects.get(user=member)
    alpha = ProjectFactory(organization=organization, name="Alpha")
    beta = ProjectFactory(organization=organization, name="Beta")
    ProjectMembership.objects.create(project=alpha, user=member, role="read_only")

    change = services.edit_member_access(
        membership, actor=owner, role="member", project_roles={alpha: "read_write", beta: "admin"}, ip="203.0.113.9"
    )
    run_worker()

    assert change.changed and change.before == {alpha: "read_only"}
    assert grants_of(member) == {"Alpha": "read_write", "Beta": "admin"}
    [event] = MembershipEvent.objects.filter(action="project_access_changed")
    assert event.ip_address == "203.0.113.9" and event.actor == owner
    assert event.project_access["after"] == {"Alpha": "read_write", "Beta": "admin"}
    [message] = mailoutbox
    assert "Alpha: Project Read-Only -> Project Read-Write" in message.body
    assert "Beta: added as Project Admin" in message.body
    assert "Organization Role" not in message.body  # the role did not change


def test_a_save_that_changes_nothing_records_and_sends_nothing(organization, owner, member, mailoutbox):
    membership = Membership.objects.get(user=member)
    alpha = ProjectFactory(organization=organization)
    ProjectMembership.objects.create(project=alpha, user=member, role="read_only")
    before = db_snapshot()

    change = services.edit_member_access(membership, actor=owner, role="member", project_roles={alpha: "read_only"})
    run_worker()

    assert not change.changed
    assert db_snapshot() == before and mailoutbox == []


def test_a_new_owner_keeps_no_project_roles_and_is_told_they_have_every_project(
    organization, owner, member, mailoutbox
):
    membership = Membership.objects.get(user=member)
    alpha = ProjectFactory(organization=organization, name="Alpha")
    ProjectMembership.objects.create(project=alpha, user=member, role="read_only")

    services.edit_member_access(membership, actor=owner, role="owner", project_roles={})
    run_worker()

    assert Membership.objects.get(pk=membership.pk).role == OrgRole.OWNER and grants_of(member) == {}
    [event] = MembershipEvent.objects.filter(action="role_changed")
    assert event.project_access == {"before": {"Alpha": "read_only"}, "after": {}}
    [message] = mailoutbox
    assert "Organization Role: Organization Member -> Organization Owner" in message.body
    assert "every project as Project Admin" in message.body and "removed" not in message.body


def test_project_roles_for_an_owner_are_refused_and_nothing_changes(organization, owner, member, mailoutbox):
    membership = Membership.objects.get(user=member)
    alpha = ProjectFactory(organization=organization)
    co_owner = MembershipFactory(organization=organization, owner=True)
    before = db_snapshot()

    with pytest.raises(OwnerProjectAccessError, match="Owners have every project as Project Admin"):
        services.edit_member_access(membership, actor=owner, role="owner", project_roles={alpha: "admin"})
    with pytest.raises(OwnerProjectAccessError):
        services.set_project_access(co_owner, actor=owner, project_roles={alpha: "admin"})
    with pytest.raises(OwnerProjectAccessError):
        services.invite_members(
            organization, actor=owner, emails=["x@example.com"], role="owner", project_roles={alpha: "admin"}
        )

    assert db_snapshot() == before and mailoutbox == []


def test_the_last_owner_cannot_be_demoted_even_with_project_access(organization, owner, mailoutbox):
    staff = UserFactory(is_staff=True)  # the admin's path: only someone else can change an owner's role
    membership = Membership.objects.get(user=owner)
    alpha = ProjectFactory(organization=organization)
    before = db_snapshot()

    with pytest.raises(LastOwnerError):
        services.edit_member_access(membership, actor=staff, role="member", project_roles={alpha: "admin"})

    assert db_snapshot() == before and mailoutbox == []


# --- Editing a pending invitation (#12) ----------------------------------------------------------------


def test_editing_an_invitation_keeps_its_link_records_it_and_sends_nothing(organization, owner, mailoutbox):
    alpha = ProjectFactory(organization=organization, name="Alpha")
    beta = ProjectFactory(organization=organization, name="Beta")
    invitation = InvitationFactory(organization=organization, email="new@example.com")
    InvitationProject.objects.create(invitation=invitation, project=alpha, role="read_only")
    token = invitation_token_generator.make_token(invitation)

    change = services.edit_invitation(invitation, actor=owner, role="member", project_roles={beta: "admin"})

    invitation.refresh_from_db()
    assert change.changed and invitation_token_generator.check_token(invitation, token)
    assert dict(invitation.project_grants.values_list("project__name", "role")) == {"Beta": "admin"}
    [event] = MembershipEvent.objects.filter(action="invitation_changed")
    assert (event.target_email, event.old_role, event.new_role) == ("new@example.com", "member", "member")
    assert event.project_access == {"before": {"Alpha": "read_only"}, "after": {"Beta": "admin"}}
    run_worker()
    assert mailoutbox == []


def test_the_next_invitation_email_shows_the_edited_access(organization, owner, mailoutbox):
    alpha = ProjectFactory(organization=organization, name="Alpha")
    invitation = InvitationFactory(organization=organization, email="new@example.com", role="member")

    services.edit_invitation(invitation, actor=owner, role="owner", project_roles={})
    services.resend_invitation(invitation, actor=owner)
    run_worker()  # sent before the next resend supersedes it
    services.edit_invitation(invitation, actor=owner, role="member", project_roles={alpha: "read_write"})
    services.resend_invitation(invitation, actor=owner)
    run_worker()

    first, second = mailoutbox
    assert "Organization Owner" in first.body
    assert "Organization Member" in second.body and "Alpha: Project Read-Write" in second.body


def test_an_invitation_edit_is_refused_for_owner_project_roles_or_once_not_pending(organization, owner):
    alpha = ProjectFactory(organization=organization)
    invitation = InvitationFactory(organization=organization)
    before = db_snapshot()
    with pytest.raises(OwnerProjectAccessError):
        services.edit_invitation(invitation, actor=owner, role="owner", project_roles={alpha: "admin"})
    assert db_snapshot() == before

    services.revoke_invitation(invitation, actor=owner)
    revoked = db_snapshot()
    with pytest.raises(InvitationNotPendingError):
        services.edit_invitation(invitation, actor=owner, role="member", project_roles={alpha: "admin"})
    assert db_snapshot() == revoked


def test_an_owner_invitation_takes_no_project_role(organization, owner):
    invitation = InvitationFactory(organization=organization, role="owner")
    project = ProjectFactory(organization=organization)
    with pytest.raises(OwnerProjectAccessError):
        services.set_invitation_project_role(invitation, actor=owner, project=project, role="admin")
    assert not InvitationProject.objects.exists()


def test_nobody_edits_their_own_role_with_project_access(organization, owner, mailoutbox):
    MembershipFactory(organization=organization, owner=True)  # not the last owner: the self rule alone refuses
    membership = Membership.objects.get(user=owner)
    before = db_snapshot()

    with pytest.raises(SelfRoleChangeError):
        services.edit_member_access(membership, actor=owner, role="member", project_roles={})

    assert db_snapshot() == before and mailoutbox == []
