"""Setting a member's whole Project Access, and a pending invitation's role on one project."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import InvitationNotPendingError
from members.models import InvitationProject, MembershipEvent, ProjectMembership
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory
from tests.helpers import db_snapshot


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
