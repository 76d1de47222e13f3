"""Deleting an organization or a project, and the end of a deleted organization's audit trail.

An organization's deletion leaves a tombstone (``DeletedOrganization``) that its audit events point to; staff read
them in the admin until ``DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS`` after the deletion, when
``purge_deleted_organizations`` deletes both."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members import outbox
from members.emails import Notification
from members.exceptions import OrganizationGoneError, OrganizationNameMismatchError, ProjectGoneError
from members.lifecycle_emails import organization_deleted_email, project_deleted_email
from members.models import (
    DeletedOrganization,
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    Project,
    ProjectMembership,
    User,
)
from members.services._common import lock_organization, logger, record_event


@transaction.atomic
def delete_organization(
    organization: Organization, *, actor: User, confirm_name: str, ip: str | None = None
) -> DeletedOrganization:
    """Delete the organization with its memberships, invitations, projects and API tokens, once ``confirm_name``
    is exactly its name; every member and pending invitee is emailed, and its audit trail is kept for staff."""
    # Locked like every owner change; a concurrent deletion that won leaves nothing to lock.
    organization = Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if organization is None:
        raise OrganizationGoneError()
    if confirm_name != organization.name:
        raise OrganizationNameMismatchError()
    members = list(Membership.objects.filter(organization=organization).select_related("user").order_by("pk"))
    invitees = list(
        Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING).order_by("pk")
    )
    tombstone = DeletedOrganization.objects.create(
        former_id=organization.pk,
        name=organization.name,
        slug=organization.slug,
        created_at=organization.created_at,
        deleted_by=actor,
        deleted_by_email=actor.email,
        members=len(members),
        invitations=len(invitees),
        projects=organization.projects.count(),
    )
    detail = f"{tombstone.members} members, {tombstone.invitations} pending invitations, {tombstone.projects} projects"
    record_event(organization, actor=actor, action=MembershipEvent.Action.ORGANIZATION_DELETED, ip=ip, detail=detail)
    # The events lose their organization with the row (SET_NULL); the tombstone keeps them together.
    MembershipEvent.objects.filter(organization=organization).update(deleted_organization=tombstone)
    outbox.queue_many(_deletion_emails(organization, actor=actor, members=members, invitees=invitees))
    # Projects, grants, memberships, invitations, API tokens (and their idempotency keys) and SCIM records
    # cascade; queued invitation emails lose their invitation and are cancelled by the worker.
    organization.delete()
    return tombstone


def _deletion_emails(
    organization: Organization, *, actor: User, members: list[Membership], invitees: list[Invitation]
) -> list[Notification]:
    notifications: list[Notification] = []
    told: set[str] = set()
    for membership in members:
        told.add(membership.user.email.casefold())
        notifications.append(
            organization_deleted_email(
                organization,
                actor=actor,
                to_email=membership.user.email,
                user_name=membership.user.display_name,
                role=membership.role,
            )
        )
    for invitation in invitees:
        if invitation.email.casefold() not in told:
            told.add(invitation.email.casefold())
            notifications.append(organization_deleted_email(organization, actor=actor, to_email=invitation.email))
    return notifications


@transaction.atomic
def delete_project(project: Project, *, actor: User, ip: str | None = None) -> int:
    """Delete a project with everyone's access to it and the pending invitations' grants of it; each person
    who had access, and each pending invitee it was offered to, is emailed. Returns how many were told."""
    lock_organization(project.organization)
    current = Project.objects.select_related("organization").filter(pk=project.pk).first()
    if current is None:
        raise ProjectGoneError()
    grants = ProjectMembership.objects.filter(project=current).select_related("user").order_by("pk")
    offers = InvitationProject.objects.filter(
        project=current, invitation__status=Invitation.Status.PENDING
    ).select_related("invitation")
    notifications = [
        project_deleted_email(
            current, actor=actor, to_email=grant.user.email, project_role=grant.role, user_name=grant.user.display_name
        )
        for grant in grants
    ]
    notifications += [
        project_deleted_email(current, actor=actor, to_email=offer.invitation.email, project_role=offer.role)
        for offer in offers.order_by("pk")
    ]
    before = {grant.user.email: grant.role for grant in grants}
    record_event(
        current.organization,
        actor=actor,
        action=MembershipEvent.Action.PROJECT_DELETED,
        ip=ip,
        detail=current.name,
        project_access={"before": before} if before else None,
    )
    outbox.queue_many(notifications)
    current.delete()  # its ProjectMembership and InvitationProject rows cascade
    return len(notifications)


def purge_deleted_organizations(*, retention_days: int, batch_size: int = 5000) -> int:
    """Delete the audit trail of organizations deleted more than ``retention_days`` ago, with their tombstones,
    a batch of events per transaction; returns how many events were deleted."""
    if retention_days < 1:
        raise ValueError("Retention must be at least one day.")
    expired = DeletedOrganization.objects.filter(deleted_at__lt=timezone.now() - timedelta(days=retention_days))
    deleted = 0
    for tombstone_id in list(expired.values_list("pk", flat=True)):
        while True:
            with transaction.atomic():
                events = MembershipEvent.objects.filter(deleted_organization_id=tombstone_id)
                batch = list(events.values_list("pk", flat=True)[:batch_size])
                if not batch:
                    DeletedOrganization.objects.filter(pk=tombstone_id).delete()
                    break
                deleted += MembershipEvent.objects.filter(pk__in=batch).delete()[0]
    logger.info("activity.deleted_organizations_purged", extra={"deleted": deleted, "retention_days": retention_days})
    return deleted
