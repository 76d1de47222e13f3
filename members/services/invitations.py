"""Invitations, the owner's side: invite, resend, revoke, within the daily sending limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members import outbox
from members.addresses import candidates, key, same_address
from members.emails import invitation_email, invitation_revoked_email, reply_to_address
from members.exceptions import InvitationNotPendingError
from members.models import (
    Invitation,
    InvitationProject,
    MembershipEvent,
    Organization,
    Project,
    User,
    new_nonce,
)
from members.roles import OrgRole, ProjectRole
from members.services._common import (
    check_project_roles,
    close_invitation,
    lock_invitation,
    lock_organization,
    record_events,
    record_invitation_event,
)
from members.services.sending import (
    NO_EMAIL_PAST_CAP,
    ensure_room_to_send,
    ensure_within_daily_limits,
    has_room_for_revocation,
    lock_sender,
    revocation_refused,
)

# The audit row's detail for invitations created without an email (never the link itself).
NOT_EMAILED = "not emailed: the link was shown to the inviter"


@dataclass
class InviteResult:
    """What ``invite_members`` did with each address it was given."""

    invited: list[Invitation] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    already_invited: list[Invitation] = field(default_factory=list)


def _member_keys(organization: Organization, emails: list[str]) -> set[str]:
    """The address keys, among ``emails``, that belong to a member of the organization (their account
    email or any verified or primary address of theirs)."""
    accounts = candidates(User.objects.filter(memberships__organization=organization), "email", emails)
    extra = candidates(
        EmailAddress.objects.filter(user__memberships__organization=organization).filter(
            Q(verified=True) | Q(primary=True)
        ),
        "email",
        emails,
    )
    found = [*accounts.values_list("email", flat=True), *extra.values_list("email", flat=True)]
    return {key(email) for email in found}


def _unique(emails: list[str]) -> list[str]:
    """Each address once (the same address by ``members.addresses``), keeping the first spelling."""
    unique: dict[str, str] = {}
    for address in emails:
        address = address.strip()
        if address:
            unique.setdefault(key(address), address)
    return list(unique.values())


def _classify(organization: Organization, emails: list[str]) -> tuple[InviteResult, list[str]]:
    """Split the addresses into members, already invited (pending), and the ones to invite."""
    members = _member_keys(organization, emails)
    pending = list(
        candidates(
            Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING), "email", emails
        )
    )
    result, to_invite = InviteResult(), []
    for address in emails:
        # Besides the same address, a pending invitation the database would not let stand next to a new
        # one (its constraint compares lower(email)) counts as this address's.
        invited = next(
            (i for i in pending if same_address(i.email, address) or i.email.lower() == address.lower()), None
        )
        if key(address) in members:
            result.already_members.append(address)
        elif invited is not None:
            result.already_invited.append(invited)
        else:
            to_invite.append(address)
    return result, to_invite


def _create_invitations(
    organization: Organization,
    *,
    actor: User,
    emails: list[str],
    role: str,
    project_roles: dict[Project, str],
    ip: str | None,
    send_email: bool,
    names: dict[str, str],
) -> list[Invitation]:
    """The invitations, their project grants, audit rows and emails: one INSERT each, however many addresses."""
    now = timezone.now()
    invitations = Invitation.objects.bulk_create(
        Invitation(
            organization=organization,
            email=email,
            name=names.get(email, ""),
            role=role,
            invited_by=actor,
            sent_at=now,
            created_at=now,
            expires_at=now + timedelta(hours=settings.INVITATION_EXPIRY_HOURS),
            delivery_status=Invitation.Delivery.QUEUED if send_email else Invitation.Delivery.LINK_ONLY,
        )
        for email in emails
    )
    InvitationProject.objects.bulk_create(
        InvitationProject(invitation=invitation, project=project, role=project_role)
        for invitation in invitations
        for project, project_role in project_roles.items()
    )
    access = {project.name: project_role for project, project_role in project_roles.items()}
    record_events(
        organization,
        actor=actor,
        action=MembershipEvent.Action.INVITED,
        target_emails=emails,
        new_role=role,
        ip=ip,
        project_access={"after": access} if access else None,
        detail="" if send_email else NOT_EMAILED,
    )
    if send_email:
        _queue_invitation_emails(invitations, actor=actor, project_roles=project_roles)
    return invitations


def _queue_invitation_emails(invitations: list[Invitation], *, actor: User, project_roles: dict[Project, str]) -> None:
    # Every invitation grants the same projects, and has the same Reply-To: built once, not per invitation.
    grants = [
        {"project": project.name, "role": str(ProjectRole(project_role).label)}
        for project, project_role in sorted(project_roles.items(), key=lambda item: item[0].name)
    ]
    reply_to = reply_to_address(actor)
    outbox.queue_many(
        [invitation_email(invitation, inviter=actor, grants=grants, reply_to=reply_to) for invitation in invitations]
    )


@transaction.atomic
def invite_members(
    organization: Organization,
    *,
    actor: User,
    emails: list[str],
    role: str,
    project_roles: dict[Project, str] | None = None,
    ip: str | None = None,
    send_email: bool = True,
    names: dict[str, str] | None = None,
) -> InviteResult:
    """Invite each address (new or existing users alike), skipping members and open invitations.
    With ``send_email=False`` nothing is emailed: the owner delivers each invitation's link themselves.
    ``names`` ({address: display name}, as typed with the addresses) pre-fill each invitee's name at sign-up."""
    role = OrgRole(role)
    project_roles = project_roles or {}
    check_project_roles(organization.pk, role=role, project_roles=project_roles)

    lock_sender(organization, actor)
    result, to_invite = _classify(organization, _unique(emails))
    if not to_invite:
        return result
    ensure_within_daily_limits(organization, actor=actor, new_sends=len(to_invite))
    if send_email:  # the per-address cap counts emails; a link the owner delivers is none
        ensure_room_to_send(organization, to_invite)
    result.invited = _create_invitations(
        organization,
        actor=actor,
        emails=to_invite,
        role=role,
        project_roles=project_roles,
        ip=ip,
        send_email=send_email,
        names=names or {},
    )
    return result


def _renew_link(invitation: Invitation, *, delivery: str) -> None:
    """A new nonce and a fresh expiry for a locked invitation: every older link (and an email still queued
    with one) stops working."""
    now = timezone.now()
    invitation.nonce = new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(hours=settings.INVITATION_EXPIRY_HOURS)
    invitation.delivery_status = delivery
    invitation.save(update_fields=["nonce", "sent_at", "expires_at", "delivery_status"])


@transaction.atomic
def resend_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> Invitation:
    """Send a pending (or expired) invitation again with a fresh link and expiry; older links stop working."""
    lock_sender(invitation.organization, actor)
    invitation = lock_invitation(invitation, pending_only=True)
    ensure_within_daily_limits(invitation.organization, actor=actor, new_sends=1)
    ensure_room_to_send(invitation.organization, [invitation.email])
    _renew_link(invitation, delivery=Invitation.Delivery.QUEUED)
    record_invitation_event(
        invitation, actor=actor, action=MembershipEvent.Action.INVITATION_RESENT, new_role=invitation.role, ip=ip
    )
    # The email names the person resending it; the invitation keeps its original inviter.
    outbox.queue(invitation_email(invitation, inviter=actor, replaces_earlier=True))
    return invitation


@transaction.atomic
def copy_invitation_link(invitation: Invitation, *, actor: User, ip: str | None = None) -> Invitation:
    """Give the owner a fresh link to deliver themselves, as a resend does but without an email: the
    invitation's older links die. The caller shows ``emails.invitation_url`` of the result once; the link
    itself is never stored, logged or audited."""
    # Organization first, then the invitation: the order every service that takes both uses.
    lock_organization(invitation.organization)
    invitation = lock_invitation(invitation, pending_only=True)
    _renew_link(invitation, delivery=Invitation.Delivery.LINK_ONLY)
    record_invitation_event(
        invitation, actor=actor, action=MembershipEvent.Action.INVITATION_LINK_COPIED, new_role=invitation.role, ip=ip
    )
    return invitation


def revoke_locked_invitation(
    invitation: Invitation, *, actor: User, ip: str | None, reason: str = "", refuse_past_cap: bool = False
) -> None:
    """Revoke a pending invitation the caller has locked (holding its organization's lock), record it (with the
    ``reason`` when it was not revoked for itself) and tell the invitee, inside the caller's transaction. When the
    address has no room left under its daily email cap (``members.services.sending``), an owner's revocation
    (``refuse_past_cap``) is refused before anything changes; any other revokes without the email."""
    room = has_room_for_revocation(invitation.organization, invitation.email)
    if not room and refuse_past_cap:
        raise revocation_refused(invitation.email)
    # A new nonce too, belt and braces: the old link's nonce no longer matches either.
    close_invitation(invitation, status=Invitation.Status.REVOKED, nonce=new_nonce())
    record_invitation_event(
        invitation,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_REVOKED,
        old_role=invitation.role,
        ip=ip,
        reason=reason,
        detail="" if room else NO_EMAIL_PAST_CAP,
    )
    if room:
        outbox.queue(invitation_revoked_email(invitation, actor=actor))


@transaction.atomic
def revoke_invitation(
    invitation: Invitation, *, actor: User, ip: str | None = None, refuse_past_cap: bool = True
) -> Invitation:
    """Revoke a pending invitation: its link stops working at once and the invitee is told. Revoking an invitation
    that is already revoked does nothing. Past the address's daily email cap an owner's revocation is refused
    (``InvitationLimitError``, nothing changed); ``refuse_past_cap=False`` is for revocations nobody may refuse
    (an identity provider deprovisioning someone), which then go without the email."""
    # Organization first, then the invitation: the order every service that takes both uses.
    lock_organization(invitation.organization)
    locked = lock_invitation(invitation)
    if locked.status == Invitation.Status.REVOKED:
        return locked
    if locked.status != Invitation.Status.PENDING:
        raise InvitationNotPendingError()
    revoke_locked_invitation(locked, actor=actor, ip=ip, refuse_past_cap=refuse_past_cap)
    return locked
