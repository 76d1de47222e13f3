"""Changing which projects a member may use, and with which project role."""

from __future__ import annotations

from django.db import transaction

from members.models import Invitation, InvitationProject, Membership, MembershipEvent, Project, ProjectMembership, User
from members.roles import ProjectRole
from members.services._common import (
    lock_invitation,
    lock_organization,
    record_invitation_event,
    record_membership_event,
)
from members.services.memberships import reload_membership


@transaction.atomic
def set_project_access(
    membership: Membership, *, actor: User, project_roles: dict[Project, str], ip: str | None = None
) -> dict[Project, str]:
    """Give the member exactly ``project_roles`` in the organization's projects (any project left out loses
    access). Returns the access they had before. Recorded once, and only when something changed."""
    for project, role in project_roles.items():
        ProjectRole(role)  # a ValueError for anything that is not a project role
        if project.organization_id != membership.organization_id:
            raise ValueError(f"Project {project.pk} is not in organization {membership.organization_id}.")
    lock_organization(membership.organization)
    membership = reload_membership(membership)
    grants = ProjectMembership.objects.filter(project__organization_id=membership.organization_id, user=membership.user)
    before = {grant.project: grant.role for grant in grants.select_related("project")}
    if before == project_roles:
        return before
    grants.exclude(project__in=list(project_roles)).delete()
    for project, role in project_roles.items():
        ProjectMembership.objects.update_or_create(project=project, user=membership.user, defaults={"role": role})
    record_membership_event(membership, actor=actor, action=MembershipEvent.Action.PROJECT_ACCESS_CHANGED, ip=ip)
    return before


@transaction.atomic
def set_invitation_project_role(
    invitation: Invitation, *, actor: User, project: Project, role: str | None, ip: str | None = None
) -> None:
    """Give a pending invitation ``role`` on ``project`` (None takes it away): the person gets it when they
    join. Recorded only when something changed."""
    if role is not None:
        ProjectRole(role)
    if project.organization_id != invitation.organization_id:
        raise ValueError(f"Project {project.pk} is not in organization {invitation.organization_id}.")
    lock_organization(invitation.organization)
    invitation = lock_invitation(invitation, pending_only=True)
    grants = InvitationProject.objects.filter(invitation=invitation, project=project)
    current = grants.values_list("role", flat=True).first()
    if current == role:
        return
    if role is None:
        grants.delete()
    else:
        InvitationProject.objects.update_or_create(invitation=invitation, project=project, defaults={"role": role})
    record_invitation_event(invitation, actor=actor, action=MembershipEvent.Action.PROJECT_ACCESS_CHANGED, ip=ip)
