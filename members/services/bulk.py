"""Bulk actions on the Members page: Change role, Remove, Revoke Invitation and Resend invitation for many rows.

One call per action, in one transaction. Each row goes through the single action's own service (so it is
locked and checked exactly as the row's own dialog would, and its person gets the usual email and audit
event), inside a savepoint: a row the single action refuses is skipped with its reason and leaves nothing
behind. One more audit event records the bulk request itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from members.exceptions import DomainError, InvitationNotPendingError
from members.models import Invitation, Membership, MembershipEvent, Organization, User
from members.roles import OrgRole
from members.services._common import lock_organization, record_event
from members.services.invitations import (
    InviteResult,
    _ensure_within_daily_limits,
    _lock_sender,
    invite_members,
    resend_invitation,
    revoke_invitation,
)
from members.services.memberships import change_member_role, remove_member


@dataclass
class BulkResult:
    """Who a bulk action was applied to, and who it skipped and why (addresses, in the order given)."""

    applied: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _apply_each[Row: (Membership, Invitation)](
    rows: Iterable[tuple[str, Row]], apply: Callable[[Row], object], result: BulkResult
) -> None:
    for label, row in rows:
        try:
            with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
                apply(row)
        except DomainError as error:
            result.skipped.append((label, error.message))
        else:
            result.applied.append(label)


def _memberships(organization: Organization, ids: list[int], result: BulkResult) -> list[tuple[str, Membership]]:
    found = Membership.objects.select_related("user", "organization").filter(organization=organization, pk__in=ids)
    by_id = {membership.pk: membership for membership in found}
    gone = [pk for pk in ids if pk not in by_id]
    if gone:
        result.skipped.append((_("%(count)d rows") % {"count": len(gone)}, _("No longer members.")))
    return [(by_id[pk].user.email, by_id[pk]) for pk in ids if pk in by_id]


def _invitations(organization: Organization, ids: list[int], result: BulkResult) -> list[tuple[str, Invitation]]:
    found = Invitation.objects.select_related("organization", "invited_by").filter(
        organization=organization, pk__in=ids
    )
    by_id = {invitation.pk: invitation for invitation in found}
    for pk in ids:
        invitation = by_id.get(pk)
        if invitation is not None and invitation.status != Invitation.Status.PENDING:
            result.skipped.append((invitation.email, InvitationNotPendingError().message))
    gone = [pk for pk in ids if pk not in by_id]
    if gone:
        result.skipped.append((_("%(count)d rows") % {"count": len(gone)}, _("No such invitation.")))
    pending = [by_id[pk] for pk in ids if pk in by_id and by_id[pk].status == Invitation.Status.PENDING]
    return [(invitation.email, invitation) for invitation in pending]


def _record_request(
    organization: Organization, *, actor: User, action: str, result: BulkResult, ip: str | None
) -> None:
    detail = f"{action}: {len(result.applied)} applied, {len(result.skipped)} skipped"
    record_event(organization, actor=actor, action=MembershipEvent.Action.BULK_ACTION, detail=detail, ip=ip)


@transaction.atomic
def bulk_change_role(
    organization: Organization, *, actor: User, membership_ids: list[int], role: str, ip: str | None = None
) -> BulkResult:
    """Give each selected member ``role``; members who have it already are skipped, and so is a demotion
    that would leave no Organization Owner."""
    role = OrgRole(role)
    lock_organization(organization)
    result = BulkResult()
    rows = []
    for label, membership in _memberships(organization, membership_ids, result):
        if membership.role == role:
            result.skipped.append((label, _("Already %(role)s.") % {"role": role.label}))
        else:
            rows.append((label, membership))
    _apply_each(rows, lambda m: change_member_role(m, actor=actor, role=role, ip=ip), result)
    _record_request(organization, actor=actor, action=MembershipEvent.Action.ROLE_CHANGED, result=result, ip=ip)
    return result


@transaction.atomic
def bulk_remove(
    organization: Organization, *, actor: User, membership_ids: list[int], ip: str | None = None
) -> BulkResult:
    """Remove each selected member (and revoke the invitations they sent), never the last owner; the actor
    is skipped (Leave organization is the way to leave)."""
    lock_organization(organization)
    result = BulkResult()
    rows = []
    for label, membership in _memberships(organization, membership_ids, result):
        if membership.user_id == actor.pk:
            result.skipped.append((label, _("That is you: use Leave organization in Settings to leave.")))
        else:
            rows.append((label, membership))
    _apply_each(rows, lambda m: remove_member(m, actor=actor, ip=ip), result)
    _record_request(organization, actor=actor, action=MembershipEvent.Action.MEMBER_REMOVED, result=result, ip=ip)
    return result


@transaction.atomic
def bulk_revoke(
    organization: Organization, *, actor: User, invitation_ids: list[int], ip: str | None = None
) -> BulkResult:
    """Revoke each selected open invitation."""
    lock_organization(organization)
    result = BulkResult()
    rows = _invitations(organization, invitation_ids, result)
    _apply_each(rows, lambda i: revoke_invitation(i, actor=actor, ip=ip), result)
    _record_request(organization, actor=actor, action=MembershipEvent.Action.INVITATION_REVOKED, result=result, ip=ip)
    return result


@transaction.atomic
def bulk_resend(
    organization: Organization, *, actor: User, invitation_ids: list[int], ip: str | None = None
) -> BulkResult:
    """Send each selected open invitation again. The daily limits count every row: a selection past them
    is refused as a whole (``InvitationLimitError`` with the numbers), never half-sent."""
    _lock_sender(organization, actor)
    result = BulkResult()
    rows = _invitations(organization, invitation_ids, result)
    _ensure_within_daily_limits(organization, actor=actor, new_sends=len(rows))
    _apply_each(rows, lambda i: resend_invitation(i, actor=actor, ip=ip), result)
    _record_request(organization, actor=actor, action=MembershipEvent.Action.INVITATION_RESENT, result=result, ip=ip)
    return result


@transaction.atomic
def invite_from_file(
    organization: Organization, *, actor: User, rows: list[tuple[str, str, dict[str, str]]], ip: str | None = None
) -> InviteResult:
    """Invite the rows of a previewed file (email, Organization Role, {project name: project role}) through the
    invite service, one call per (role, access) group. The daily limits count every row up front: a file
    past them is refused whole (``InvitationLimitError`` with the numbers), never half-sent."""
    _lock_sender(organization, actor)
    _ensure_within_daily_limits(organization, actor=actor, new_sends=len(rows))
    projects = {project.name: project for project in organization.projects.all()}
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for email, role, access in rows:
        groups.setdefault((role, tuple(sorted(access.items()))), []).append(email)
    total = InviteResult()
    for (role, access), emails in groups.items():
        grants = {projects[name]: code for name, code in access if name in projects}
        result = invite_members(organization, actor=actor, emails=emails, role=role, project_roles=grants, ip=ip)
        total.invited += result.invited
        total.already_members += result.already_members
        total.already_invited += result.already_invited
    detail = f"invited from a file: {len(total.invited)} invited, {len(rows) - len(total.invited)} skipped"
    record_event(organization, actor=actor, action=MembershipEvent.Action.BULK_ACTION, detail=detail, ip=ip)
    return total
