"""Bulk actions on the Members page: Change role, Remove, Revoke Invitation and Resend invitation for many rows.

One call per action, in one transaction. Each row goes through the single action's own service (so it is
locked and checked exactly as the row's own dialog would, and its person gets the usual email and audit
event), inside a savepoint: a row the single action refuses is skipped with its reason and leaves nothing
behind. One more audit event records the bulk request itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.exceptions import DomainError, InvitationNotPendingError
from members.models import Invitation, Membership, MembershipEvent, Organization, User
from members.roles import OrgRole
from members.services._common import lock_organization, record_event
from members.services.invitations import InviteResult, invite_members, resend_invitation, revoke_invitation
from members.services.memberships import change_member_role, remove_member
from members.services.sending import ensure_within_daily_limits, lock_sender


class BulkAction(models.TextChoices):
    CHANGE_ROLE = "change_role", gettext_lazy("Change role")
    REMOVE = "remove", gettext_lazy("Remove")
    REVOKE = "revoke", gettext_lazy("Revoke Invitation")
    RESEND = "resend", gettext_lazy("Resend invitation")


@dataclass
class BulkResult:
    """Who a bulk action was applied to, and who it skipped and why (addresses, in the order given)."""

    applied: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# Why a row is passed over before its single action is tried ("" when it is not); the preview asks the same.
def role_change_skip(membership: Membership, *, role: str) -> str:
    return _("Already %(role)s.") % {"role": OrgRole(role).label} if membership.role == role else ""


def removal_skip(membership: Membership, *, actor: User) -> str:
    if membership.user_id == actor.pk:
        return _("That is you: use Leave organization in Settings to leave.")
    return ""


def _memberships(
    organization: Organization, ids: Sequence[int], result: BulkResult, *, skip: Callable[[Membership], str]
) -> list[tuple[str, Membership]]:
    """The selected members in the order given; rows gone since the selection, and rows ``skip`` names a
    reason for, go to ``result.skipped``."""
    found = Membership.objects.select_related("user", "organization").filter(organization=organization, pk__in=ids)
    by_id = {membership.pk: membership for membership in found}
    gone = [pk for pk in ids if pk not in by_id]
    if gone:
        result.skipped.append((_("%(count)d rows") % {"count": len(gone)}, _("No longer members.")))
    rows = []
    for membership in (by_id[pk] for pk in ids if pk in by_id):
        if reason := skip(membership):
            result.skipped.append((membership.user.email, reason))
        else:
            rows.append((membership.user.email, membership))
    return rows


def _invitations(organization: Organization, ids: Sequence[int], result: BulkResult) -> list[tuple[str, Invitation]]:
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


# The audit action each row's own event records, per bulk action (the bulk request's event names it too).
ROW_EVENTS = {
    BulkAction.CHANGE_ROLE: MembershipEvent.Action.ROLE_CHANGED,
    BulkAction.REMOVE: MembershipEvent.Action.MEMBER_REMOVED,
    BulkAction.REVOKE: MembershipEvent.Action.INVITATION_REVOKED,
    BulkAction.RESEND: MembershipEvent.Action.INVITATION_RESENT,
}


@transaction.atomic
def bulk_action(
    organization: Organization,
    *,
    actor: User,
    action: str,
    membership_ids: Sequence[int] = (),
    invitation_ids: Sequence[int] = (),
    role: str = "",
    ip: str | None = None,
) -> BulkResult:
    """Apply one bulk ``action`` (a ``BulkAction``) to the selected rows: Change role (to ``role``) and Remove
    act on memberships, Revoke Invitation and Resend invitation on open invitations. Never the last owner;
    the actor is not removed (Leave organization is the way to leave); a resend past the daily limits is
    refused as a whole (``InvitationLimitError`` with the numbers), never half-sent."""
    action = BulkAction(action)
    lock_organization(organization)
    result = BulkResult()
    apply: Callable[[Any], object]
    match action:
        case BulkAction.CHANGE_ROLE:
            new_role = OrgRole(role)
            rows = _memberships(organization, membership_ids, result, skip=partial(role_change_skip, role=new_role))
            apply = partial(change_member_role, actor=actor, role=new_role, ip=ip)
        case BulkAction.REMOVE:
            rows = _memberships(organization, membership_ids, result, skip=partial(removal_skip, actor=actor))
            apply = partial(remove_member, actor=actor, ip=ip)
        case BulkAction.REVOKE:
            rows = _invitations(organization, invitation_ids, result)
            apply = partial(revoke_invitation, actor=actor, ip=ip)
        case BulkAction.RESEND:
            lock_sender(organization, actor)  # the actor's row too: the per-inviter limit is decided under it
            rows = _invitations(organization, invitation_ids, result)
            ensure_within_daily_limits(organization, actor=actor, new_sends=len(rows))
            apply = partial(resend_invitation, actor=actor, ip=ip)
    for label, row in rows:
        try:
            with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
                apply(row)
        except DomainError as error:
            result.skipped.append((label, error.message))
        else:
            result.applied.append(label)
    detail = f"{ROW_EVENTS[action]}: {len(result.applied)} applied, {len(result.skipped)} skipped"
    record_event(organization, actor=actor, action=MembershipEvent.Action.BULK_ACTION, detail=detail, ip=ip)
    return result


@transaction.atomic
def invite_from_file(
    organization: Organization, *, actor: User, rows: list[tuple[str, str, dict[str, str]]], ip: str | None = None
) -> InviteResult:
    """Invite the rows of a previewed file (email, Organization Role, {project name: project role}) through the
    invite service, one call per (role, access) group. The daily limits count every row up front: a file
    past them is refused whole (``InvitationLimitError`` with the numbers), never half-sent."""
    lock_sender(organization, actor)
    ensure_within_daily_limits(organization, actor=actor, new_sends=len(rows))
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
