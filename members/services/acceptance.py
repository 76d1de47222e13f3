"""Invitations, the invitee's side: accept or decline, and tell the inviter."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from members import outbox
from members.emails import invitation_answered_email
from members.exceptions import InvitationWrongAccountError
from members.invitation_checks import ensure_usable, nonce_unchanged, user_matches
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, ProjectMembership, User
from members.roles import OrgRole
from members.services._common import (
    close_invitation,
    granted_access,
    lock_invitation,
    lock_organization,
    record_event,
    record_invitation_event,
)
from members.services.security import TwoFactorSetupRequiredError, has_two_factor


@dataclass(frozen=True)
class AcceptResult:
    """The membership the invitee has now; ``joined`` is False when they were a member already."""

    membership: Membership
    joined: bool


def _lock_usable(invitation: Invitation) -> Invitation:
    """Lock the invitation and check it can still be used, so the same link never joins twice and
    nothing joins after a committed revoke."""
    locked = lock_invitation(invitation)
    # The caller checked the link against ``invitation.nonce``; a resend since then rotated it.
    ensure_usable(locked, link_is_current=nonce_unchanged(invitation, locked))
    return locked


def _inviter_to_notify(invitation: Invitation) -> User | None:
    """The inviter, if they still exist and still belong to the organization."""
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        return None
    if not Membership.objects.filter(organization_id=invitation.organization_id, user=inviter).exists():
        return None
    return inviter


def _notify_inviter(invitation: Invitation, *, kind: str, invitee: User | None) -> None:
    """Queue the "joined" or "declined" email to the inviter, if they are still around to read it."""
    if inviter := _inviter_to_notify(invitation):
        outbox.queue(invitation_answered_email(invitation, kind=kind, invitee=invitee, inviter=inviter))


def _record_wrong_account(invitation: Invitation, *, actor: User, attempted: str, ip: str | None) -> None:
    """Audit an accept or decline refused because the signed-in account does not hold the invited address (a
    refused write, #11.6), in its own transaction after the refused one rolled back."""
    with transaction.atomic():
        record_event(
            invitation.organization,
            actor=actor,
            action=MembershipEvent.Action.REFUSED,
            target_email=invitation.email,
            detail=f"{attempted}: signed in as another account",
            ip=ip,
        )


def accept_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> AcceptResult:
    """Join the organization with the invited role and project access; the invitation is used up.

    ``invitation`` is the invitation as the caller validated the link against it. The actor must hold
    the invited address as a verified email (otherwise ``InvitationWrongAccountError``, audited). Someone who
    is already a member keeps their membership as it is, and the invitation is closed.
    """
    try:
        return _accept(invitation, actor=actor, ip=ip)
    except InvitationWrongAccountError:
        _record_wrong_account(invitation, actor=actor, attempted="accept invitation", ip=ip)
        raise


@transaction.atomic
def _accept(invitation: Invitation, *, actor: User, ip: str | None) -> AcceptResult:
    # Organization first, then the invitation: the order every service that takes both uses.
    organization = lock_organization(invitation.organization)
    locked = _lock_usable(invitation)
    if not user_matches(actor, locked):
        raise InvitationWrongAccountError(invitation=locked)
    if organization.require_two_factor and not has_two_factor(actor):
        raise TwoFactorSetupRequiredError(
            _("%(organization)s requires two-factor authentication. Set it up to join.")
            % {"organization": organization.name}
        )

    existing = Membership.objects.filter(organization=organization, user=actor).first()
    close_invitation(locked, status=Invitation.Status.ACCEPTED, accepted_by=actor)
    membership = existing or Membership.objects.create(
        organization=organization, user=actor, role=locked.role, invited_by=locked.invited_by
    )
    # An Owner has every project as Project Admin: an older Owner invitation's project roles are not kept.
    grants_kept = existing is None and locked.role != OrgRole.OWNER
    if grants_kept:
        for grant in locked.project_grants.select_related("project"):
            ProjectMembership.objects.update_or_create(project=grant.project, user=actor, defaults={"role": grant.role})
    record_invitation_event(
        locked,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_ACCEPTED,
        # A member already keeps their role: the audit row shows it unchanged.
        old_role=existing.role if existing else "",
        new_role=membership.role,
        ip=ip,
        project_access={"after": granted_access(locked)} if grants_kept else None,
    )
    if existing is None:
        _notify_inviter(locked, kind=OutboundEmail.Kind.INVITATION_ACCEPTED, invitee=actor)
    return AcceptResult(membership=membership, joined=existing is None)


def decline_invitation(invitation: Invitation, *, actor: User | None, ip: str | None = None) -> Invitation:
    """Turn the invitation down and tell the inviter.

    ``actor`` is None for a signed-out visitor holding the link; a signed-in actor must hold the
    invited address (someone else's account cannot decline it for them: refused and audited).
    """
    try:
        return _decline(invitation, actor=actor, ip=ip)
    except InvitationWrongAccountError:
        if actor is not None:
            _record_wrong_account(invitation, actor=actor, attempted="decline invitation", ip=ip)
        raise


@transaction.atomic
def _decline(invitation: Invitation, *, actor: User | None, ip: str | None) -> Invitation:
    locked = _lock_usable(invitation)
    if actor is not None and not user_matches(actor, locked):
        raise InvitationWrongAccountError(invitation=locked)
    close_invitation(locked, status=Invitation.Status.DECLINED)
    record_invitation_event(
        locked, actor=actor, action=MembershipEvent.Action.INVITATION_DECLINED, old_role=locked.role, ip=ip
    )
    _notify_inviter(locked, kind=OutboundEmail.Kind.INVITATION_DECLINED, invitee=actor)
    return locked
