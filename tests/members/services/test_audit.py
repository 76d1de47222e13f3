"""Audit rows say what project access a change granted or took away (the Activity page's before/after)."""

from __future__ import annotations

import pytest

from members import services
from members.models import Membership, MembershipEvent
from members.roles import OrgRole, ProjectRole
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_an_invitation_records_the_project_access_it_grants(organization, owner):
    production = ProjectFactory(organization=organization, name="Production")

    services.invite_members(
        organization,
        actor=owner,
        emails=["new@example.com"],
        role=OrgRole.MEMBER,
        project_roles={production: ProjectRole.READ_WRITE},
    )

    event = MembershipEvent.objects.get(action="invited")
    assert event.project_access == {"after": {"Production": "read_write"}}


def test_removing_a_member_records_the_project_access_they_lose(organization, owner, member):
    ProjectMembershipFactory(project=ProjectFactory(organization=organization, name="Production"), user=member)

    services.remove_member(Membership.objects.get(user=member), actor=owner)

    event = MembershipEvent.objects.get(action="member_removed")
    assert event.project_access == {"before": {"Production": "read_only"}}


def test_a_change_without_project_access_records_none(organization, owner, member):
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role=OrgRole.OWNER)
    assert MembershipEvent.objects.get(action="role_changed").project_access == {}


def test_accepting_records_the_project_access_joined_with(organization):
    invitation = InvitationFactory(organization=organization, email="joiner@example.com")
    InvitationProjectFactory(invitation=invitation, project=ProjectFactory(organization=organization, name="Data"))

    services.accept_invitation(invitation, actor=UserFactory(email="joiner@example.com"))

    event = MembershipEvent.objects.get(action="invitation_accepted")
    assert event.project_access == {"after": {"Data": "read_only"}}
