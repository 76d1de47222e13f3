"""Every write OrgConsole makes. Each service is atomic, takes the object it acts on first,
keyword-only arguments after it with a required ``actor``, records an audit event in the same
transaction and raises a ``DomainError`` with a user-facing message when it refuses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members import outbox
from members.acceptance import ensure_usable, snapshot_matches, user_matches
from members.emails import (
    invitation_answered_email,
    invitation_email,
    invitation_revoked_email,
    removed_email,
    role_changed_email,
)
from members.exceptions import (
    DuplicateNameError,
    InvitationLimitError,
    InvitationNotPendingError,
    InvitationWrongAccount,
    LastOwnerError,
    MembershipGoneError,
)
from members.models import (
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    OutboundEmail,
    Project,
    ProjectMembership,
    User,
    new_nonce,
)
from members.roles import OrgRole, ProjectRole

logger = logging.getLogger(__name__)


def record_event(
    organization: Organization,
    *,
    actor: User | None,
    action: str,
    target_email: str = "",
    old_role: str = "",
    new_role: str = "",
    ip: str | None = None,
) -> MembershipEvent:
    """Write one audit row (and, once committed, one log line); call it inside the transaction of the change."""
    event = MembershipEvent.objects.create(
        organization=organization,
        organization_name=organization.name,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_email=target_email,
        old_role=old_role,
        new_role=new_role,
        ip_address=ip,
    )
    # Ids and roles only: the audit row holds the addresses; a log line holds no token, password or email.
    log = {"action": action, "event_id": event.pk, "org": organization.slug, "actor_id": getattr(actor, "pk", None)}
    log |= {"old_role": old_role, "new_role": new_role}
    transaction.on_commit(lambda: logger.info(f"membership.{action}", extra=log))
    return event


def lock_organization(organization: Organization) -> Organization:
    """Lock the organization row: owner counts are decided while holding it, so two
    concurrent demotions or removals cannot both see "another owner exists"."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def ensure_not_last_owner(membership: Membership) -> None:
    """Refuse a change that would leave the organization without an owner (caller holds the lock)."""
    if membership.role != OrgRole.OWNER:
        return
    others = (
        Membership.objects.filter(organization_id=membership.organization_id, role=OrgRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise LastOwnerError()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(*, actor: User, name: str, ip: str | None = None) -> Organization:
    """Create an organization with the actor as its first Organization Owner."""
    organization = Organization.objects.create(name=name.strip(), slug=_unique_slug(name), billing_email=actor.email)
    Membership.objects.create(organization=organization, user=actor, role=OrgRole.OWNER)
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.ORGANIZATION_CREATED,
        target_email=actor.email,
        new_role=OrgRole.OWNER,
        ip=ip,
    )
    return organization


@transaction.atomic
def update_organization_settings(organization: Organization, *, actor: User, name: str) -> Organization:
    """Rename the organization (its slug, and so its URLs, stay the same)."""
    organization.name = name.strip()
    organization.save(update_fields=["name"])
    return organization


@transaction.atomic
def update_billing(
    organization: Organization, *, actor: User, billing_email: str, plan_name: str, billing_address: str
) -> Organization:
    """Change the billing contact, plan and address."""
    organization.billing_email = billing_email
    organization.plan_name = plan_name
    organization.billing_address = billing_address
    organization.save(update_fields=["billing_email", "plan_name", "billing_address"])
    return organization


def create_project(organization: Organization, *, actor: User, name: str) -> Project:
    """Create a project in the organization."""
    try:
        with transaction.atomic():
            return Project.objects.create(organization=organization, name=name.strip())
    except IntegrityError as exc:
        raise DuplicateNameError() from exc


def rename_project(project: Project, *, actor: User, name: str) -> Project:
    """Rename a project; names are unique (case-insensitively) within an organization."""
    project.name = name.strip()
    try:
        with transaction.atomic():
            project.save(update_fields=["name"])
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project


@transaction.atomic
def leave_organization(organization: Organization, *, actor: User, ip: str | None = None) -> None:
    """The actor leaves the organization, with their project access in it; the last owner cannot."""
    lock_organization(organization)
    membership = Membership.objects.filter(organization=organization, user=actor).first()
    if membership is None:
        return
    ensure_not_last_owner(membership)
    ProjectMembership.objects.filter(project__organization=organization, user=actor).delete()
    membership.delete()
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.MEMBER_LEFT,
        target_email=actor.email,
        old_role=membership.role,
        ip=ip,
    )


# --- The Members page: invitations, role changes, removals -----------------------------------


@dataclass
class InviteResult:
    """What ``invite_members`` did with each address it was given."""

    invited: list[Invitation] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    already_invited: list[Invitation] = field(default_factory=list)


def _sends_in_last_day(organization: Organization, *, actor: User) -> tuple[int, int]:
    """Invitations and resends sent in the last 24 hours, by the organization and by the actor
    (in any organization). Counted from the audit rows, which record every send."""
    since = timezone.now() - timedelta(hours=24)
    sends = MembershipEvent.objects.filter(
        action__in=[MembershipEvent.Action.INVITED, MembershipEvent.Action.INVITATION_RESENT], created_at__gte=since
    )
    return sends.filter(organization=organization).count(), sends.filter(actor=actor).count()


def _ensure_within_daily_limits(organization: Organization, *, actor: User, new_sends: int) -> None:
    """Refuse sends beyond the daily limits; the caller holds the organization lock (and the actor's)."""
    by_organization, by_actor = _sends_in_last_day(organization, actor=actor)
    org_limit = settings.INVITATIONS_PER_ORGANIZATION_PER_DAY
    actor_limit = settings.INVITATIONS_PER_INVITER_PER_DAY
    if by_organization + new_sends > org_limit:
        raise InvitationLimitError(
            _(
                "This organization can send %(limit)d invitations a day and has %(left)d left today; "
                "you tried to send %(count)d. Try again tomorrow."
            )
            % {"limit": org_limit, "left": max(org_limit - by_organization, 0), "count": new_sends}
        )
    if by_actor + new_sends > actor_limit:
        raise InvitationLimitError(
            _(
                "You can send %(limit)d invitations a day and have %(left)d left today; "
                "you tried to send %(count)d. Try again tomorrow."
            )
            % {"limit": actor_limit, "left": max(actor_limit - by_actor, 0), "count": new_sends}
        )


def _lock_sender(organization: Organization, actor: User) -> None:
    # Always organization first, then the actor: the per-organization and per-inviter counts are
    # decided while both rows are held, so concurrent invites cannot overshoot either limit.
    lock_organization(organization)
    User.objects.select_for_update().filter(pk=actor.pk).first()


def _existing_member_emails(organization: Organization, lowered: list[str]) -> set[str]:
    """The lower-cased addresses, among ``lowered``, that belong to a member of the organization
    (their account email or any verified or primary address of theirs)."""
    members = User.objects.filter(memberships__organization=organization)
    found = set(members.annotate(e=Lower("email")).filter(e__in=lowered).values_list("e", flat=True))
    addresses = (
        EmailAddress.objects.filter(user__memberships__organization=organization)
        .filter(Q(verified=True) | Q(primary=True))
        .annotate(e=Lower("email"))
        .filter(e__in=lowered)
        .values_list("e", flat=True)
    )
    return found | set(addresses)


@transaction.atomic
def invite_members(
    organization: Organization,
    *,
    actor: User,
    emails: list[str],
    role: str,
    project_roles: dict[Project, str] | None = None,
    ip: str | None = None,
) -> InviteResult:
    """Invite each address (new or existing users alike), skipping members and open invitations."""
    role = OrgRole(role)
    project_roles = project_roles or {}
    for project, project_role in project_roles.items():
        ProjectRole(project_role)  # a ValueError for anything that is not a project role
        if project.organization_id != organization.pk:
            raise ValueError(f"Project {project.pk} is not in organization {organization.pk}.")

    # Collapse duplicates case-insensitively, keeping the first spelling.
    unique: dict[str, str] = {}
    for address in emails:
        address = address.strip()
        if address:
            unique.setdefault(address.casefold(), address)

    _lock_sender(organization, actor)
    lowered = [address.lower() for address in unique.values()]
    members = _existing_member_emails(organization, lowered)
    pending = {
        invitation.email.lower(): invitation
        for invitation in Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING)
        .annotate(e=Lower("email"))
        .filter(e__in=lowered)
    }

    result = InviteResult()
    to_invite: list[str] = []
    for address in unique.values():
        if address.lower() in members:
            result.already_members.append(address)
        elif address.lower() in pending:
            result.already_invited.append(pending[address.lower()])
        else:
            to_invite.append(address)
    if not to_invite:
        return result
    _ensure_within_daily_limits(organization, actor=actor, new_sends=len(to_invite))

    now = timezone.now()
    expires_at = now + timedelta(hours=settings.INVITATION_EXPIRY)
    for address in to_invite:
        invitation = Invitation.objects.create(
            organization=organization,
            email=address,
            role=role,
            invited_by=actor,
            sent_at=now,
            created_at=now,
            expires_at=expires_at,
        )
        InvitationProject.objects.bulk_create(
            InvitationProject(invitation=invitation, project=project, role=project_role)
            for project, project_role in project_roles.items()
        )
        record_event(
            organization, actor=actor, action=MembershipEvent.Action.INVITED, target_email=address, new_role=role, ip=ip
        )
        outbox.queue(invitation_email(invitation, inviter=actor))
        result.invited.append(invitation)
    return result


def _locked_pending_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise InvitationNotPendingError()
    return locked


@transaction.atomic
def resend_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> Invitation:
    """Send a pending (or expired) invitation again with a fresh link and expiry; older links stop working."""
    _lock_sender(invitation.organization, actor)
    invitation = _locked_pending_invitation(invitation)
    _ensure_within_daily_limits(invitation.organization, actor=actor, new_sends=1)
    now = timezone.now()
    invitation.nonce = new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(hours=settings.INVITATION_EXPIRY)
    invitation.delivery_status = Invitation.Delivery.QUEUED
    invitation.save(update_fields=["nonce", "sent_at", "expires_at", "delivery_status"])
    record_event(
        invitation.organization,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_RESENT,
        target_email=invitation.email,
        new_role=invitation.role,
        ip=ip,
    )
    # The email names the person resending it; the invitation keeps its original inviter.
    outbox.queue(invitation_email(invitation, inviter=actor))
    return invitation


def _revoke(invitation: Invitation, *, actor: User, ip: str | None) -> None:
    """Revoke a locked pending invitation, record it and tell the invitee (caller holds the transaction)."""
    invitation.status = Invitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.nonce = new_nonce()  # belt and braces: the old link's nonce no longer matches either
    invitation.save(update_fields=["status", "responded_at", "nonce"])
    record_event(
        invitation.organization,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_REVOKED,
        target_email=invitation.email,
        old_role=invitation.role,
        ip=ip,
    )
    outbox.queue(invitation_revoked_email(invitation, actor=actor))


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> Invitation:
    """Revoke a pending invitation: its link stops working at once and the invitee is told.
    Revoking an invitation that is already revoked does nothing."""
    # Organization first, then the invitation: the order every service that takes both uses.
    lock_organization(invitation.organization)
    locked = Invitation.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invitation.pk)
    if locked.status == Invitation.Status.REVOKED:
        return locked
    if locked.status != Invitation.Status.PENDING:
        raise InvitationNotPendingError()
    _revoke(locked, actor=actor, ip=ip)
    return locked


def _current_membership(membership: Membership) -> Membership:
    locked = Membership.objects.select_related("user", "organization").filter(pk=membership.pk).first()
    if locked is None:
        raise MembershipGoneError()
    return locked


@transaction.atomic
def change_member_role(membership: Membership, *, actor: User, role: str, ip: str | None = None) -> Membership:
    """Give a member another organization role and tell them; the last owner cannot be demoted."""
    role = OrgRole(role)
    lock_organization(membership.organization)
    # Re-read under the lock: the role may have changed since the caller loaded it.
    membership = _current_membership(membership)
    old_role = membership.role
    if old_role == role:
        return membership
    if role != OrgRole.OWNER:
        ensure_not_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    organization = membership.organization
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.ROLE_CHANGED,
        target_email=membership.user.email,
        old_role=old_role,
        new_role=role,
        ip=ip,
    )
    outbox.queue(role_changed_email(membership, actor=actor, old_role=old_role))
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: User, ip: str | None = None) -> list[Invitation]:
    """Remove a member with their project access in the organization, revoke the pending
    invitations they sent, and tell everyone affected. The last owner cannot be removed.

    Returns the invitations revoked along with the member."""
    lock_organization(membership.organization)
    membership = _current_membership(membership)
    ensure_not_last_owner(membership)
    organization, user = membership.organization, membership.user

    revoked = list(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(organization=organization, invited_by=user, status=Invitation.Status.PENDING)
        .order_by("pk")
    )
    for invitation in revoked:
        _revoke(invitation, actor=actor, ip=ip)

    ProjectMembership.objects.filter(project__organization=organization, user=user).delete()
    membership.delete()
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.MEMBER_REMOVED,
        target_email=user.email,
        old_role=membership.role,
        ip=ip,
    )
    outbox.queue(removed_email(membership, actor=actor))
    return revoked


# --- Invitation acceptance: what happens when the invitee follows the link --------------------


@dataclass(frozen=True)
class AcceptResult:
    """The membership the invitee has now; ``joined`` is False when they were a member already."""

    membership: Membership
    joined: bool


def _lock_invitation(invitation: Invitation) -> Invitation:
    """Lock the invitation row and check it can still be used. A concurrent accept, decline, resend or
    revoke waits here and then sees this outcome, so the same link never joins twice and nothing joins
    after a committed revoke."""
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .get(pk=invitation.pk)
    )
    # The caller checked the link against ``invitation.nonce``; a resend since then rotated it.
    ensure_usable(locked, genuine=snapshot_matches(invitation, locked))
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


@transaction.atomic
def accept_invitation(invitation: Invitation, *, actor: User, ip: str | None = None) -> AcceptResult:
    """Join the organization with the invited role and project access; the invitation is used up.

    ``invitation`` is the invitation as the caller validated the link against it. The actor must hold
    the invited address as a verified email. Someone who is already a member keeps their membership
    as it is, and the invitation is closed.
    """
    # Organization first, then the invitation: the order every service that takes both uses.
    organization = lock_organization(invitation.organization)
    locked = _lock_invitation(invitation)
    if not user_matches(actor, locked):
        raise InvitationWrongAccount(invitation=locked)

    existing = Membership.objects.filter(organization=organization, user=actor).first()
    locked.status = Invitation.Status.ACCEPTED
    locked.responded_at = timezone.now()
    locked.accepted_by = actor
    locked.save(update_fields=["status", "responded_at", "accepted_by"])
    if existing is not None:
        record_event(
            organization,
            actor=actor,
            action=MembershipEvent.Action.INVITATION_ACCEPTED,
            target_email=locked.email,
            old_role=existing.role,
            new_role=existing.role,
            ip=ip,
        )
        return AcceptResult(membership=existing, joined=False)

    membership = Membership.objects.create(
        organization=organization, user=actor, role=locked.role, invited_by=locked.invited_by
    )
    for grant in locked.project_grants.select_related("project"):
        ProjectMembership.objects.update_or_create(project=grant.project, user=actor, defaults={"role": grant.role})
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_ACCEPTED,
        target_email=locked.email,
        new_role=locked.role,
        ip=ip,
    )
    _notify_inviter(locked, kind=OutboundEmail.Kind.INVITATION_ACCEPTED, invitee=actor)
    return AcceptResult(membership=membership, joined=True)


@transaction.atomic
def decline_invitation(invitation: Invitation, *, actor: User | None, ip: str | None = None) -> Invitation:
    """Turn the invitation down and tell the inviter.

    ``actor`` is None for a signed-out visitor holding the link; a signed-in actor must hold the
    invited address (someone else's account cannot decline it for them).
    """
    locked = _lock_invitation(invitation)
    if actor is not None and not user_matches(actor, locked):
        raise InvitationWrongAccount(invitation=locked)
    locked.status = Invitation.Status.DECLINED
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    record_event(
        locked.organization,
        actor=actor,
        action=MembershipEvent.Action.INVITATION_DECLINED,
        target_email=locked.email,
        old_role=locked.role,
        ip=ip,
    )
    _notify_inviter(locked, kind=OutboundEmail.Kind.INVITATION_DECLINED, invitee=actor)
    return locked
