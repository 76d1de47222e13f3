from members.roles import OrgRole
from tests.factories import InvitationFactory, InvitationProjectFactory, ProjectMembershipFactory


def test_factories_build_consistent_objects(organization, member):
    invitation = InvitationFactory(organization=organization)
    grant = InvitationProjectFactory(invitation=invitation)
    assert invitation.invited_by.memberships.get(organization=organization).role == OrgRole.OWNER
    assert grant.project.organization == organization
    assert ProjectMembershipFactory().project.organization.memberships.count() == 1
