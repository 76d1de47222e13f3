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


# Organization-level permissions, declared on Organization.Meta.permissions.
VIEW_ORGANIZATION = "view_organization"
VIEW_MEMBERS = "view_members"
MANAGE_MEMBERS = "manage_members"
VIEW_SETTINGS = "view_settings"
CHANGE_SETTINGS = "change_settings"
VIEW_BILLING = "view_billing"
CHANGE_BILLING = "change_billing"
CREATE_PROJECTS = "create_projects"
MANAGE_API_TOKENS = "manage_api_tokens"
VIEW_ACTIVITY = "view_activity"
EXPORT_MEMBERS = "export_members"

ORGANIZATION_PERMISSIONS: dict[str, str] = {
    MANAGE_MEMBERS: "Can invite, edit the role of and remove members",
    VIEW_MEMBERS: "Can see the members of the organization",
    VIEW_SETTINGS: "Can view organization settings",
    CHANGE_SETTINGS: "Can change organization settings",
    VIEW_BILLING: "Can view billing",
    CHANGE_BILLING: "Can change billing",
    CREATE_PROJECTS: "Can create and rename projects",
    MANAGE_API_TOKENS: "Can create and revoke the organization's API tokens",
    VIEW_ACTIVITY: "Can see and export the activity log of the organization",
    EXPORT_MEMBERS: "Can export the members of the organization as a file",
}

# Project-level permissions, declared on Project.Meta.permissions (view/change are Django's defaults).
VIEW_PROJECT = "view_project"
CHANGE_PROJECT = "change_project"
WRITE_PROJECT_DATA = "write_project_data"
MANAGE_PROJECT_ACCESS = "manage_project_access"

PROJECT_PERMISSIONS: dict[str, str] = {
    WRITE_PROJECT_DATA: "Can write data in the project",
    MANAGE_PROJECT_ACCESS: "Can grant and revoke access to the project",
}

ORGANIZATION_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    OrgRole.OWNER: frozenset({VIEW_ORGANIZATION, *ORGANIZATION_PERMISSIONS}),
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
