"""The role x permission table, exhaustively, through user.has_perm()."""

import pytest

from members import roles
from members.roles import OrgRole, ProjectRole
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)

ORG_PERMS = sorted({roles.VIEW_ORGANIZATION, *roles.ORGANIZATION_PERMISSIONS})
PROJECT_PERMS = sorted({roles.VIEW_PROJECT, roles.CHANGE_PROJECT, *roles.PROJECT_PERMISSIONS})

# What each organization role may do, written out by hand so the table in roles.py is checked, not echoed.
EXPECTED_ORG = {
    OrgRole.OWNER: set(ORG_PERMS),
    OrgRole.MEMBER: {"view_organization", "view_members", "view_settings", "view_billing"},
    None: set(),
}
EXPECTED_PROJECT = {
    ProjectRole.ADMIN: {"view_project", "change_project", "write_project_data", "manage_project_access"},
    ProjectRole.READ_WRITE: {"view_project", "write_project_data"},
    ProjectRole.READ_ONLY: {"view_project"},
    None: set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("perm", ORG_PERMS)
@pytest.mark.parametrize("role", [OrgRole.OWNER, OrgRole.MEMBER, None])
def test_organization_role_grants_exactly_its_permissions(role, perm):
    organization = OrganizationFactory()
    user = UserFactory()
    if role:
        MembershipFactory(organization=organization, user=user, role=role)

    assert user.has_perm(f"members.{perm}", organization) is (perm in EXPECTED_ORG[role])


@pytest.mark.django_db
@pytest.mark.parametrize("perm", PROJECT_PERMS)
@pytest.mark.parametrize("project_role", [ProjectRole.ADMIN, ProjectRole.READ_WRITE, ProjectRole.READ_ONLY, None])
def test_member_project_permissions_come_only_from_project_roles(project_role, perm):
    project = ProjectFactory()
    user = MembershipFactory(organization=project.organization, role=OrgRole.MEMBER).user
    if project_role:
        ProjectMembershipFactory(project=project, user=user, role=project_role)

    assert user.has_perm(f"members.{perm}", project) is (perm in EXPECTED_PROJECT[project_role])


@pytest.mark.django_db
@pytest.mark.parametrize("perm", PROJECT_PERMS)
def test_owner_is_project_admin_on_every_project(perm):
    project = ProjectFactory()
    owner = project.organization.memberships.get().user

    assert owner.has_perm(f"members.{perm}", project) is (perm in EXPECTED_PROJECT[ProjectRole.ADMIN])


@pytest.mark.django_db
def test_project_role_without_membership_grants_nothing():
    """A project grant left behind in an organization the user no longer belongs to is worthless."""
    project = ProjectFactory()
    grant = ProjectMembershipFactory(project=project, role=ProjectRole.ADMIN)

    assert not grant.user.has_perm("members.view_project", project)


@pytest.mark.django_db
def test_permissions_do_not_leak_across_organizations():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    owner = mine.memberships.get().user

    assert owner.has_perm("members.manage_members", mine)
    assert not owner.has_perm("members.view_organization", theirs)
    assert not owner.has_perm("members.view_project", ProjectFactory(organization=theirs))


@pytest.mark.django_db
def test_superuser_gets_no_organization_powers_without_a_role():
    organization = OrganizationFactory()
    admin = UserFactory(is_superuser=True, is_staff=True)

    assert not admin.has_perm("members.manage_members", organization)
    assert admin.has_perm("members.change_organization")  # global admin permissions are unchanged


@pytest.mark.django_db
def test_inactive_user_has_no_permissions():
    organization = OrganizationFactory()
    owner = organization.memberships.get().user
    owner.is_active = False
    owner.save()

    assert not owner.has_perm("members.view_organization", organization)


@pytest.mark.django_db
def test_every_declared_permission_exists_as_a_permission_row():
    from django.contrib.auth.models import Permission

    codenames = set(Permission.objects.filter(content_type__app_label="members").values_list("codename", flat=True))
    assert set(roles.ORGANIZATION_PERMISSIONS) | set(roles.PROJECT_PERMISSIONS) <= codenames
