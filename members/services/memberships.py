"""Who belongs: change a member's role, remove a member, leave an organization."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.db.models import QuerySet

from members import outbox
from members.emails import member_left_email, removed_email, role_changed_email
from members.exceptions import MembershipGoneError, SelfRoleChangeError
from members.models import Invitation, Membership, MembershipEvent, Organization, ProjectMembership, User
from members.roles import OrgRole
from members.services._common import (
    ensure_not_last_owner,
    invitations_for_update,
    lock_organization,
    record_membership_event,
)
from members.services.invitations import revoke_locked_invitation


def reload_membership(membership: Membership) -> Membership:
    """The membership as it is now, read under the organization lock the caller holds: its role may
    have changed, or it may be gone, since the caller loaded it."""
    current = Membership.objects.select_related("user", "organization").filter(pk=membership.pk).first()
    if current is None:
        raise MembershipGoneError()
    return current


def member_grants(membership: Membership) -> QuerySet[ProjectMembership]:
    """The member's project access in their organization (one row per project)."""
    return ProjectMembership.objects.filter(
        project__organization_id=membership.organization_id, user_id=membership.user_id
    )


def end_sent_invitations(membership: Membership, *, actor: User, reason: str, ip: str | None) -> list[Invitation]:
    """The one rule for a sender's invitations: when the person of ``membership`` stops being an Organization
    Owner of its organization (demoted, removed, or left: ``reason``), the pending invitations they sent there are
    revoked, each invitee gets the revocation email, and each audit row says why. A security action is never
    refused: past an address's daily email cap its invitation is revoked without the email (the audit row says
    so). Call it in the caller's transaction, holding the organization lock; returns the invitations revoked."""
    revoked = list(
        invitations_for_update()
        .filter(
            organization_id=membership.organization_id,
            invited_by_id=membership.user_id,
            status=Invitation.Status.PENDING,
        )
        .order_by("pk")
    )
    for invitation in revoked:
        revoke_locked_invitation(invitation, actor=actor, ip=ip, reason=reason)
    return revoked


def _drop_grants(membership: Membership) -> dict[str, str]:
    """Take the member's project access in the organization away; returns what it was, {project name: project
    role}, for the audit row."""
    grants = member_grants(membership)
    dropped = dict(grants.values_list("project__name", "role"))
    grants.delete()
    return dropped


def _end_membership(membership: Membership, *, actor: User, action: str, ip: str | None) -> None:
    """Delete the membership with the person's project access in the organization, and record it (the
    project access it had included)."""
    before = _drop_grants(membership)
    membership.delete()
    record_membership_event(
        membership,
        actor=actor,
        action=action,
        old_role=membership.role,
        ip=ip,
        project_access={"before": before} if before else None,
    )


def apply_role(membership: Membership, *, actor: User, role: OrgRole, ip: str | None) -> str:
    """Give a membership another role and record it; returns the role it had. The caller holds the
    organization lock, read the membership under it, checked the role differs, and tells the member.

    Nobody changes their own role (as on GitHub and Sentry: an owner steps down by leaving or by another owner);
    the last owner cannot be demoted; a demoted owner's pending invitations end; an Owner keeps no project
    roles (Owners have every project as Project Admin), so those it had are dropped and recorded."""
    if membership.user_id == actor.pk:
        raise SelfRoleChangeError
    old_role = membership.role
    if role != OrgRole.OWNER:
        ensure_not_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    if old_role == OrgRole.OWNER:
        end_sent_invitations(membership, actor=actor, reason=MembershipEvent.Reason.INVITER_DEMOTED, ip=ip)
    dropped = _drop_grants(membership) if role == OrgRole.OWNER else {}
    record_membership_event(
        membership,
        actor=actor,
        action=MembershipEvent.Action.ROLE_CHANGED,
        old_role=old_role,
        new_role=role,
        ip=ip,
        project_access={"before": dropped, "after": {}} if dropped else None,
    )
    return old_role


@transaction.atomic
def change_member_role(membership: Membership, *, actor: User, role: str, ip: str | None = None) -> Membership:
    """Give a member another organization role and tell them; the last owner cannot be demoted."""
    role = OrgRole(role)
    lock_organization(membership.organization)
    membership = reload_membership(membership)
    if membership.role == role:
        return membership
    old_role = apply_role(membership, actor=actor, role=role, ip=ip)
    outbox.queue(role_changed_email(membership, actor=actor, old_role=old_role))
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: User, ip: str | None = None) -> list[Invitation]:
    """Remove a member with their project access in the organization, revoke the pending
    invitations they sent, and tell everyone affected. The last owner cannot be removed.

    Returns the invitations revoked along with the member."""
    lock_organization(membership.organization)
    membership = reload_membership(membership)
    ensure_not_last_owner(membership)
    revoked = end_sent_invitations(membership, actor=actor, reason=MembershipEvent.Reason.INVITER_REMOVED, ip=ip)
    _end_membership(membership, actor=actor, action=MembershipEvent.Action.MEMBER_REMOVED, ip=ip)
    outbox.queue(removed_email(membership, actor=actor))
    return revoked


@transaction.atomic
def leave_organization(
    organization: Organization, *, actor: User, ip: str | None = None, already_told: Collection[int] = ()
) -> None:
    """The actor leaves the organization, with their project access in it; the last owner cannot.
    The pending invitations they sent there are revoked, as after a removal, and each owner is told (but those
    in ``already_told``, user ids: a new owner of a transfer got its own email)."""
    lock_organization(organization)
    membership = (
        Membership.objects.select_related("user", "organization").filter(organization=organization, user=actor).first()
    )
    if membership is None:
        return
    ensure_not_last_owner(membership)
    end_sent_invitations(membership, actor=actor, reason=MembershipEvent.Reason.INVITER_LEFT, ip=ip)
    _end_membership(membership, actor=actor, action=MembershipEvent.Action.MEMBER_LEFT, ip=ip)
    owners = (
        User.objects.filter(is_active=True, memberships__organization=organization, memberships__role=OrgRole.OWNER)
        .exclude(pk__in=list(already_told))
        .order_by("pk")
    )
    if notices := [member_left_email(membership, to=owner) for owner in owners]:
        outbox.queue_many(notices)
