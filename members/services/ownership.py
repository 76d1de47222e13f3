"""Handing an organization over: another member becomes Organization Owner, then the actor leaves."""

from __future__ import annotations

from django.db import transaction

from members import outbox
from members.exceptions import NotAnOwnerError, TransferTargetError
from members.lifecycle_emails import ownership_transferred_email
from members.models import Membership, MembershipEvent, Organization, User
from members.roles import OrgRole
from members.services._common import lock_organization, record_event
from members.services.memberships import leave_organization


@transaction.atomic
def transfer_ownership(
    organization: Organization, *, actor: User, new_owner: Membership, ip: str | None = None
) -> Membership:
    """Make ``new_owner`` (another member) an Organization Owner and leave the organization, in one change: both
    audited, the new owner emailed, the actor's pending invitations ended as when any owner leaves."""
    lock_organization(organization)
    mine = Membership.objects.filter(organization=organization, user=actor, role=OrgRole.OWNER).first()
    if mine is None:
        raise NotAnOwnerError()
    # Read again under the lock: the member may have left, or been removed, since the form was shown.
    target = (
        Membership.objects.select_related("user", "organization")
        .filter(organization=organization, pk=new_owner.pk)
        .exclude(user=actor)
        .first()
    )
    if target is None:
        raise TransferTargetError()
    old_role = target.role
    if old_role != OrgRole.OWNER:
        target.role = OrgRole.OWNER
        target.save(update_fields=["role"])
        record_event(
            organization,
            actor=actor,
            action=MembershipEvent.Action.OWNERSHIP_TRANSFERRED,
            target_email=target.user.email,
            old_role=old_role,
            new_role=OrgRole.OWNER,
            ip=ip,
        )
        outbox.queue(ownership_transferred_email(target, actor=actor, old_role=old_role))
    # The last-owner rule still decides (under the same lock): the new owner counts now.
    leave_organization(organization, actor=actor, ip=ip, already_told={target.user_id})
    return target
