"""What every service shares: the audit row, the organization lock, the last-owner rule and the
one way to lock an invitation."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from members.api_tokens import acting_token
from members.audit import stamp_request
from members.exceptions import InvitationNotPendingError, LastOwnerError
from members.models import ApiToken, Invitation, Membership, MembershipEvent, Organization, User
from members.roles import OrgRole

# The package's name, so log lines keep the logger they always had.
logger = logging.getLogger("members.services")


def log_on_commit(message: str, **fields: Any) -> None:
    """One log line once the change commits (none if it rolls back). Ids and roles only: the audit
    row holds the addresses; a log line holds no token, password or email."""
    transaction.on_commit(lambda: logger.info(message, extra=fields))


def record_event(
    organization: Organization,
    *,
    actor: User | None,
    action: str,
    target_email: str = "",
    old_role: str = "",
    new_role: str = "",
    ip: str | None = None,
    api_token: ApiToken | None = None,
    detail: str = "",
    project_access: dict[str, dict[str, str]] | None = None,
    reason: str = "",
) -> MembershipEvent:
    """Write one audit row (and, once committed, one log line); call it inside the transaction of the change.

    A change made through the API or SCIM names the token that acted (``api_tokens.acting_as``). The request id
    and, when ``ip`` is not given, the client address come from the request (members.audit)."""
    token = api_token or acting_token()
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
        api_token=token,
        api_token_name=token.name if token else "",
        detail=detail[:255],
        project_access=project_access or {},
        reason=reason,
    )
    log_on_commit(
        f"membership.{action}",
        action=action,
        event_id=event.pk,
        org=organization.slug,
        actor_id=getattr(actor, "pk", None),
        old_role=old_role,
        new_role=new_role,
        api_token_id=getattr(token, "pk", None),
    )
    return event


def record_events(
    organization: Organization,
    *,
    actor: User,
    action: str,
    target_emails: list[str],
    new_role: str,
    ip: str | None,
    project_access: dict[str, dict[str, str]] | None = None,
) -> list[MembershipEvent]:
    """``record_event`` for many people in one change (a bulk invite): one INSERT, one log line per row."""
    token = acting_token()
    rows = [
        MembershipEvent(
            organization=organization,
            organization_name=organization.name,
            actor=actor,
            actor_email=actor.email,
            action=action,
            target_email=target_email,
            new_role=new_role,
            ip_address=ip,
            api_token=token,
            api_token_name=token.name if token else "",
            project_access=project_access or {},
        )
        for target_email in target_emails
    ]
    for row in rows:  # bulk_create sends no pre_save signal: stamp the request id and address here
        stamp_request(MembershipEvent, row)
    events = MembershipEvent.objects.bulk_create(rows)
    for event in events:
        log_on_commit(
            f"membership.{action}",
            action=action,
            event_id=event.pk,
            org=organization.slug,
            actor_id=actor.pk,
            old_role="",
            new_role=new_role,
            api_token_id=getattr(token, "pk", None),
        )
    return events


def record_invitation_event(
    invitation: Invitation,
    *,
    actor: User | None,
    action: str,
    ip: str | None,
    old_role: str = "",
    new_role: str = "",
    project_access: dict[str, dict[str, str]] | None = None,
    reason: str = "",
) -> MembershipEvent:
    """The audit row for something that happened to an invitation (its organization, its address)."""
    return record_event(
        invitation.organization,
        actor=actor,
        action=action,
        target_email=invitation.email,
        old_role=old_role,
        new_role=new_role,
        ip=ip,
        project_access=project_access,
        reason=reason,
    )


def record_refusal(organization: Organization, *, actor: User, detail: str) -> MembershipEvent:
    """The audit row for a write a signed-in member was refused (403); nothing else changes. Written in its own
    transaction, so it stays although the request fails."""
    with transaction.atomic():
        return record_event(organization, actor=actor, action=MembershipEvent.Action.REFUSED, detail=detail)


def granted_access(invitation: Invitation) -> dict[str, str]:
    """The project access an invitation grants, {project name: project role}, for its audit rows."""
    return dict(invitation.project_grants.values_list("project__name", "role"))


def close_invitation(invitation: Invitation, *, status: str, **changes: object) -> None:
    """Mark a locked invitation accepted, declined or revoked as of now, with any other ``changes``."""
    invitation.status = status
    invitation.responded_at = timezone.now()
    for name, value in changes.items():
        setattr(invitation, name, value)
    invitation.save(update_fields=["status", "responded_at", *changes])


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


def invitations_for_update() -> QuerySet[Invitation]:
    """Invitation rows to lock, in the caller's transaction. ``of=self`` locks the invitation rows
    only, not the organization and inviter rows read along with them."""
    return Invitation.objects.select_for_update(of=("self",)).select_related("organization", "invited_by")


def lock_invitation(invitation: Invitation, *, pending_only: bool = False) -> Invitation:
    """Lock the invitation row and read it again: a concurrent accept, decline, resend or revoke waits
    here and this caller sees its outcome. With ``pending_only``, refuse one that is no longer pending."""
    locked = invitations_for_update().get(pk=invitation.pk)
    if pending_only and locked.status != Invitation.Status.PENDING:
        raise InvitationNotPendingError()
    return locked
