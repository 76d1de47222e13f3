"""Roles, and the one table that maps each role to the permissions it grants.

Every permission check in OrgConsole (views, templates, admin) goes through
``user.has_perm("members.<codename>", obj)``; the answer comes from this table via
``members.backends.OrganizationRoleBackend``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgRole(models.TextChoices):
    OWNER = "owner", _("Organization Owner")
    MEMBER = "member", _("Organization Member")


class ProjectRole(models.TextChoices):
    ADMIN = "admin", _("Project Admin")
    READ_WRITE = "read_write", _("Project Read-Write")
    READ_ONLY = "read_only", _("Project Read-Only")


# Django's default view permissions, which every role needs (no description of ours).
VIEW_ORGANIZATION = "view_organization"
VIEW_PROJECT = "view_project"
CHANGE_PROJECT = "change_project"
# Django's default too: deleting the organization with everything in it (owners only, from Settings).
DELETE_ORGANIZATION = "delete_organization"

# Organization-level permissions, declared on Organization.Meta.permissions: {codename: description}.
ORGANIZATION_PERMISSIONS: dict[str, str] = {}
# Project-level permissions, declared on Project.Meta.permissions.
PROJECT_PERMISSIONS: dict[str, str] = {}


def _permission(table: dict[str, str], codename: str, description: str) -> str:
    """Declare a permission once, its codename next to its description."""
    table[codename] = description
    return codename


MANAGE_MEMBERS = _permission(
    ORGANIZATION_PERMISSIONS, "manage_members", "Can invite, edit the role of and remove members"
)
VIEW_MEMBERS = _permission(ORGANIZATION_PERMISSIONS, "view_members", "Can see the members of the organization")
VIEW_SETTINGS = _permission(ORGANIZATION_PERMISSIONS, "view_settings", "Can view organization settings")
CHANGE_SETTINGS = _permission(ORGANIZATION_PERMISSIONS, "change_settings", "Can change organization settings")
VIEW_BILLING = _permission(ORGANIZATION_PERMISSIONS, "view_billing", "Can view billing")
CHANGE_BILLING = _permission(ORGANIZATION_PERMISSIONS, "change_billing", "Can change billing")
CREATE_PROJECTS = _permission(ORGANIZATION_PERMISSIONS, "create_projects", "Can create and rename projects")
DELETE_PROJECTS = _permission(ORGANIZATION_PERMISSIONS, "delete_projects", "Can delete projects")
MANAGE_API_TOKENS = _permission(
    ORGANIZATION_PERMISSIONS, "manage_api_tokens", "Can create and revoke the organization's API tokens"
)
VIEW_ACTIVITY = _permission(
    ORGANIZATION_PERMISSIONS, "view_activity", "Can see and export the activity log of the organization"
)
EXPORT_MEMBERS = _permission(
    ORGANIZATION_PERMISSIONS, "export_members", "Can export the members of the organization as a file"
)
# Owners only (issue 15): each member's two-factor status and last activity on the Members page and its export.
VIEW_MEMBER_SECURITY = _permission(
    ORGANIZATION_PERMISSIONS,
    "view_member_security",
    "Can see the members' two-factor authentication status and last activity",
)
WRITE_PROJECT_DATA = _permission(PROJECT_PERMISSIONS, "write_project_data", "Can write data in the project")
MANAGE_PROJECT_ACCESS = _permission(
    PROJECT_PERMISSIONS, "manage_project_access", "Can grant and revoke access to the project"
)

ORGANIZATION_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    OrgRole.OWNER: frozenset({VIEW_ORGANIZATION, DELETE_ORGANIZATION, *ORGANIZATION_PERMISSIONS}),
    OrgRole.MEMBER: frozenset({VIEW_ORGANIZATION, VIEW_MEMBERS, VIEW_SETTINGS, VIEW_BILLING}),
}

PROJECT_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ProjectRole.ADMIN: frozenset({VIEW_PROJECT, WRITE_PROJECT_DATA, CHANGE_PROJECT, MANAGE_PROJECT_ACCESS}),
    ProjectRole.READ_WRITE: frozenset({VIEW_PROJECT, WRITE_PROJECT_DATA}),
    ProjectRole.READ_ONLY: frozenset({VIEW_PROJECT}),
}

# An Organization Owner is Project Admin on every project of the organization.
OWNER_PROJECT_ROLE = ProjectRole.ADMIN


def organization_permissions(role: str | None) -> frozenset[str]:
    return ORGANIZATION_ROLE_PERMISSIONS.get(role, frozenset()) if role else frozenset()


def project_permissions(*, org_role: str | None, project_role: str | None) -> frozenset[str]:
    if org_role == OrgRole.OWNER:
        return PROJECT_ROLE_PERMISSIONS[OWNER_PROJECT_ROLE]
    if org_role is None or project_role is None:
        return frozenset()
    return PROJECT_ROLE_PERMISSIONS.get(project_role, frozenset())
