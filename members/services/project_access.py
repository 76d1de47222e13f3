"""Changing which projects a member (or a pending invitation) may use, with which project role, together with
the Organization Role: the Edit Role dialog, the API and SCIM."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from members import outbox
from members.emails import access_changed_email
from members.models import Invitation, InvitationProject, Membership, MembershipEvent, Project, ProjectMembership, User
from members.roles import OrgRole
from members.selectors import project_roles_of
from members.services._common import (
    EventFields,
    check_project_roles,
    lock_invitation,
    lock_organization,
    record_invitation_event,
    record_membership_event,
)
from members.services.memberships import apply_role, member_grants, reload_membership


@dataclass(frozen=True)
class AccessChange:
    """What one save did: the Organization Role and the project access ({project: project role}) before and
    after it."""

    old_role: str
    role: str
    before: dict[Project, str]
    after: dict[Project, str]

    @property
    def changed(self) -> bool:
        return self.old_role != self.role or self.before != self.after

    def audit(self) -> EventFields:
        """The change as its audit row records it."""
        return {
            "old_role": self.old_role,
            "new_role": self.role,
            "project_access": audit_access(self.before, self.after),
        }


def by_name(access: dict[Project, str]) -> dict[str, str]:
    """Project access as the audit rows keep it: {project name: project role}."""
    return {project.name: role for project, role in sorted(access.items(), key=lambda item: item[0].name)}


def audit_access(before: dict[Project, str], after: dict[Project, str]) -> dict[str, dict[str, str]]:
    """A change of project access as its audit row records it, by project name."""
    return {"before": by_name(before), "after": by_name(after)}


def _replace_grants(
    grants: QuerySet[ProjectMembership] | QuerySet[InvitationProject],
    *,
    before: dict[Project, str],
    after: dict[Project, str],
    **holder: Invitation | User,
) -> None:
    """Make ``grants`` (a member's or an invitation's, ``holder`` naming whose: ``user=`` or ``invitation=``)
    exactly ``after``, writing only the projects whose role differs from ``before``."""
    grants.exclude(project__in=list(after)).delete()
    for project, role in after.items():
        if before.get(project) != role:
            grants.model.objects.update_or_create(project=project, **holder, defaults={"role": role})


def _replace_access(
    membership: Membership, *, actor: User, before: dict[Project, str], after: dict[Project, str], ip: str | None
) -> None:
    """Give the member exactly ``after`` (the caller checked it differs from ``before``) and record it."""
    _replace_grants(member_grants(membership), before=before, after=after, user=membership.user)
    access = audit_access(before, after)
    record_membership_event(
        membership, actor=actor, action=MembershipEvent.Action.PROJECT_ACCESS_CHANGED, ip=ip, project_access=access
    )


@transaction.atomic
def set_project_access(
    membership: Membership, *, actor: User, project_roles: dict[Project, str], ip: str | None = None
) -> dict[Project, str]:
    """Give the member exactly ``project_roles`` in the organization's projects (any project left out loses
    access) and email them what changed. Returns the access they had before. Recorded once, and only when
    something changed; an Organization Owner gets no project roles (``OwnerProjectAccessError``)."""
    lock_organization(membership.organization)
    membership = reload_membership(membership)
    check_project_roles(membership.organization_id, role=membership.role, project_roles=project_roles)
    before = project_roles_of(membership)
    if before != project_roles:
        _replace_access(membership, actor=actor, before=before, after=project_roles, ip=ip)
        outbox.queue(
            access_changed_email(membership, actor=actor, old_role=membership.role, before=before, after=project_roles)
        )
    return before


@transaction.atomic
def edit_member_access(
    membership: Membership, *, actor: User, role: str, project_roles: dict[Project, str], ip: str | None = None
) -> AccessChange:
    """Edit Role: give the member ``role`` and exactly ``project_roles``, in one change and one email listing
    what changed (none when nothing did). The last owner cannot be demoted; an Owner gets no project roles."""
    role = OrgRole(role)
    lock_organization(membership.organization)
    membership = reload_membership(membership)
    check_project_roles(membership.organization_id, role=role, project_roles=project_roles)
    old_role = membership.role
    # What the member holds by name: nothing for an Owner (every project is theirs as Project Admin).
    before = {} if old_role == OrgRole.OWNER else project_roles_of(membership)
    if role != old_role:
        apply_role(membership, actor=actor, role=role, ip=ip)  # an Owner's project roles go with it
    if role != OrgRole.OWNER and before != project_roles:
        _replace_access(membership, actor=actor, before=before, after=project_roles, ip=ip)
    change = AccessChange(old_role=old_role, role=role, before=before, after=project_roles)
    if change.changed:
        outbox.queue(
            access_changed_email(membership, actor=actor, old_role=old_role, before=before, after=project_roles)
        )
    return change


@transaction.atomic
def edit_invitation(
    invitation: Invitation, *, actor: User, role: str, project_roles: dict[Project, str], ip: str | None = None
) -> AccessChange:
    """Change what a pending invitation offers before it is accepted. Its link keeps working (the nonce is not
    rotated) and nobody is emailed now: the next invitation email (a resend) shows the new access."""
    role = OrgRole(role)
    check_project_roles(invitation.organization_id, role=role, project_roles=project_roles)
    lock_organization(invitation.organization)
    invitation = lock_invitation(invitation, pending_only=True)
    change = AccessChange(old_role=invitation.role, role=role, before=project_roles_of(invitation), after=project_roles)
    if not change.changed:
        return change
    if role != change.old_role:
        invitation.role = role
        invitation.save(update_fields=["role"])
    _replace_grants(invitation.project_grants.all(), before=change.before, after=change.after, invitation=invitation)
    record_invitation_event(
        invitation, actor=actor, action=MembershipEvent.Action.INVITATION_CHANGED, ip=ip, **change.audit()
    )
    return change


@transaction.atomic
def set_invitation_project_role(
    invitation: Invitation, *, actor: User, project: Project, role: str | None, ip: str | None = None
) -> None:
    """Give a pending invitation ``role`` on ``project`` (None takes it away): the person gets it when they
    join. Recorded only when something changed; an Owner invitation gets no project roles."""
    if project.organization_id != invitation.organization_id:
        raise ValueError(f"Project {project.pk} is not in organization {invitation.organization_id}.")
    lock_organization(invitation.organization)
    invitation = lock_invitation(invitation, pending_only=True)
    if role is not None:
        check_project_roles(invitation.organization_id, role=invitation.role, project_roles={project: role})
    access = project_roles_of(invitation)
    wanted = {p: r for p, r in access.items() if p != project}
    if role is not None:
        wanted[project] = role
    if wanted == access:
        return
    _replace_grants(invitation.project_grants.all(), before=access, after=wanted, invitation=invitation)
    change = audit_access(access, wanted)
    record_invitation_event(
        invitation, actor=actor, action=MembershipEvent.Action.PROJECT_ACCESS_CHANGED, ip=ip, project_access=change
    )
