"""Ask for a new invitation: the invitee of an expired or revoked invitation asks whoever can invite them
again, at most once per ``NEW_INVITATION_REQUEST_INTERVAL_HOURS`` per invitation."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import outbox
from members.emails import format_utc, new_invitation_requested_email
from members.exceptions import InvitationNotRenewableError, NewInvitationAlreadyRequestedError
from members.models import Invitation, Membership, MembershipEvent, User
from members.roles import OrgRole
from members.services._common import lock_invitation, lock_organization, record_invitation_event
from members.tokens import invitation_token_generator


def may_ask_again_at(invitation: Invitation) -> datetime | None:
    """When the invitee may next ask for a new invitation, or None when they may ask now."""
    if invitation.renewal_requested_at is None:
        return None
    after = invitation.renewal_requested_at + timedelta(hours=settings.NEW_INVITATION_REQUEST_INTERVAL_HOURS)
    return after if timezone.now() < after else None


def _ensure_renewable(invitation: Invitation) -> None:
    """Only an invitation that ended without an answer (revoked, or pending past its expiry) and has no newer
    open invitation to the same address can be asked for again."""
    if invitation.status == Invitation.Status.PENDING and not invitation_token_generator.is_expired(invitation):
        raise InvitationNotRenewableError(_("This invitation was sent again: use the link in the newest email."))
    if invitation.status not in (Invitation.Status.PENDING, Invitation.Status.REVOKED):
        raise InvitationNotRenewableError()
    newer = Invitation.objects.filter(
        organization_id=invitation.organization_id, email__iexact=invitation.email, status=Invitation.Status.PENDING
    ).exclude(pk=invitation.pk)
    if newer.exists():
        raise InvitationNotRenewableError(
            _("You were invited to %(organization)s again: use the link in the newest invitation email.")
            % {"organization": invitation.organization.name}
        )


def who_can_invite_again(invitation: Invitation) -> list[User]:
    """The inviter while they are still an Organization Owner, else every owner of the organization: only
    owners can invite, and nobody else is ever emailed."""
    owners = [
        membership.user
        for membership in Membership.objects.filter(
            organization_id=invitation.organization_id, role=OrgRole.OWNER, user__is_active=True
        ).select_related("user")
    ]
    inviter = next((owner for owner in owners if owner.pk == invitation.invited_by_id), None)
    return [inviter] if inviter else owners


@transaction.atomic
def ask_for_new_invitation(invitation: Invitation, *, actor: User | None, ip: str | None = None) -> list[User]:
    """Email the people who can invite the invitee again that they ask for a new invitation; return them.

    ``actor`` is the signed-in visitor, or None for someone holding only the link. Refused with a
    ``DomainError`` saying when, within ``NEW_INVITATION_REQUEST_INTERVAL_HOURS`` of the last request."""
    # Organization first, then the invitation: the order every service that takes both uses.
    lock_organization(invitation.organization)
    locked = lock_invitation(invitation)
    _ensure_renewable(locked)
    if wait_until := may_ask_again_at(locked):
        raise NewInvitationAlreadyRequestedError(
            _("You already asked for a new invitation on %(asked)s. You can ask again after %(after)s.")
            % {"asked": format_utc(locked.renewal_requested_at), "after": format_utc(wait_until)}
        )
    recipients = who_can_invite_again(locked)
    locked.renewal_requested_at = timezone.now()
    locked.save(update_fields=["renewal_requested_at"])
    record_invitation_event(
        locked, actor=actor, action=MembershipEvent.Action.NEW_INVITATION_REQUESTED, old_role=locked.role, ip=ip
    )
    outbox.queue_many([new_invitation_requested_email(locked, to=owner) for owner in recipients])
    return recipients
