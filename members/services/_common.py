"""What every service shares: the audit row, the organization lock, the last-owner rule and the
one way to lock an invitation."""

from __future__ import annotations

import logging
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from members.api_tokens import acting_token
from members.audit import stamp_request
from members.exceptions import InvitationNotPendingError, LastOwnerError, OwnerProjectAccessError
from members.models import ApiToken, Invitation, Membership, MembershipEvent, Organization, Project, User
from members.roles import OrgRole, ProjectRole

# The package's name, so log lines keep the logger they always had.
logger = logging.getLogger("members.services")


def log_on_commit(message: str, **fields: Any) -> None:
    """One log line once the change commits (none if it rolls back). Ids and roles only: the audit
    row holds the addresses; a log line holds no token, password or email."""
    transaction.on_commit(lambda: logger.info(message, extra=fields))


class EventFields(TypedDict, total=False):
    """What an audit row may say besides who did what to whom."""

    old_role: str
    new_role: str
    # The client address; when not given, the request's (members.audit).
    ip: str | None
    # The token that acted, when the caller knows it; else ``api_tokens.acting_as``'s.
    api_token: ApiToken | None
    detail: str
    project_access: dict[str, dict[str, str]] | None
    reason: str


def _event(
    organization: Organization, *, actor: User | None, action: str, target_email: str, **fields: Unpack[EventFields]
) -> MembershipEvent:
    """The unsaved audit row; a change made through the API or SCIM names the token that acted."""
    token = fields.pop("api_token", None) or acting_token()
    return MembershipEvent(
        organization=organization,
        organization_name=organization.name,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_email=target_email,
        ip_address=fields.pop("ip", None),
        api_token=token,
        api_token_name=token.name if token else "",
        detail=fields.pop("detail", "")[:255],
        project_access=fields.pop("project_access", None) or {},
        **fields,
    )


def _log(event: MembershipEvent) -> None:
    log_on_commit(
        f"membership.{event.action}",
        action=event.action,
        event_id=event.pk,
        org=event.organization.slug,
        actor_id=event.actor_id,
        old_role=event.old_role,
        new_role=event.new_role,
        api_token_id=event.api_token_id,
    )


def record_event(
    organization: Organization,
    *,
    actor: User | None,
    action: str,
    target_email: str = "",
    **fields: Unpack[EventFields],
) -> MembershipEvent:
    """Write one audit row (and, once committed, one log line); call it inside the transaction of the change.
    The request id and, when ``ip`` is not given, the client address come from the request (members.audit)."""
    event = _event(organization, actor=actor, action=action, target_email=target_email, **fields)
    event.save(force_insert=True)
    _log(event)
    return event


def record_events(
    organization: Organization, *, actor: User, action: str, target_emails: list[str], **fields: Unpack[EventFields]
) -> list[MembershipEvent]:
    """``record_event`` for many people in one change (a bulk invite): one INSERT, one log line per row."""
    token = acting_token()
    rows = [
        _event(organization, actor=actor, action=action, target_email=email, **{"api_token": token, **fields})
        for email in target_emails
    ]
    for row in rows:  # bulk_create sends no pre_save signal: stamp the request id and address here
        stamp_request(MembershipEvent, row)
    events = MembershipEvent.objects.bulk_create(rows)
    for event in events:
        _log(event)
    return events


def record_invitation_event(
    invitation: Invitation, *, actor: User | None, action: str, **fields: Unpack[EventFields]
) -> MembershipEvent:
    """The audit row for something that happened to an invitation (its organization, its address)."""
    return record_event(invitation.organization, actor=actor, action=action, target_email=invitation.email, **fields)


def record_membership_event(
    membership: Membership, *, actor: User | None, action: str, **fields: Unpack[EventFields]
) -> MembershipEvent:
    """The audit row for something that happened to a membership (its organization, its member's address)."""
    return record_event(
        membership.organization, actor=actor, action=action, target_email=membership.user.email, **fields
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


def check_project_roles(organization_id: int, *, role: str, project_roles: dict[Project, str]) -> None:
    """Refuse project roles for an Organization Owner (they have every project as Project Admin); a
    ValueError for anything no form lets through (not a project role, another organization's project)."""
    for project, project_role in project_roles.items():
        ProjectRole(project_role)
        if project.organization_id != organization_id:
            raise ValueError(f"Project {project.pk} is not in organization {organization_id}.")
    if role == OrgRole.OWNER and project_roles:
        raise OwnerProjectAccessError()


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
