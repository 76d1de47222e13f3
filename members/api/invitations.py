"""Invitations: list, invite one or many (per-address results, Idempotency-Key), resend, revoke."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from members import services
from members.api.cursors import invalid_cursor, make_cursor, read_cursor
from members.api.idempotency import idempotent
from members.api.members import READ, WRITE, call_service, invitation_access, project_access_data
from members.api.problems import LIST_PROBLEMS, WRITE_PROBLEMS, ProblemError, form_problem
from members.api.schemas import InvitationOut, InvitationPage, InvitationsIn, InvitationsResult, PageQuery
from members.forms import InviteForm
from members.models import Invitation
from members.selectors import open_invitation_in_organization, open_invitations
from members.tokens import invitation_token_generator

router = Router(tags=["invitations"])


def invitation_out(invitation: Invitation) -> dict:
    inviter = invitation.invited_by
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "status": "expired" if invitation_token_generator.is_expired(invitation) else "pending",
        "delivery": invitation.delivery_status,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "invited_by": inviter.email if inviter else None,
        "projects": invitation_access(invitation),
    }


def _sent_before(cursor: str | None, organization_id: int) -> Q:
    """Invitations after the cursor's row in the list's order (newest sent first, then highest id)."""
    if not cursor:
        return Q()
    try:
        sent, pk = read_cursor(cursor, f"invitations:{organization_id}")
        sent_at = datetime.fromisoformat(sent)
    except (TypeError, ValueError) as exc:
        raise invalid_cursor() from exc
    return Q(sent_at__lt=sent_at) | Q(sent_at=sent_at, pk__lt=pk)


@router.get("/invitations", response={200: InvitationPage, **LIST_PROBLEMS}, auth=READ)
def list_invitations(request: HttpRequest, query: Query[PageQuery]) -> dict:
    """Open invitations (Pending and Expired), most recently sent first, in keyset pages (opaque ``cursor``)."""
    organization_id = request.auth.organization_id
    limit = query.limit
    rows = open_invitations(request.auth.organization).filter(_sent_before(query.cursor, organization_id))
    page = list(rows[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        last = page[limit - 1]
        next_cursor = make_cursor(f"invitations:{organization_id}", [last.sent_at.isoformat(), last.pk])
    return {"items": [invitation_out(invitation) for invitation in page[:limit]], "next_cursor": next_cursor}


def _invite(request: HttpRequest, body: InvitationsIn) -> tuple[int, dict]:
    organization = request.auth.organization
    limit = settings.INVITATIONS_PER_REQUEST
    if len(body.emails) > limit:  # entries, repeats included, as the schema's maxItems says (the form counts addresses)
        message = _("You can invite at most %(limit)d addresses at a time; you entered %(count)d.") % {
            "limit": limit,
            "count": len(body.emails),
        }
        raise ProblemError(
            422, _("The request is not valid."), message, errors=[{"field": "emails", "message": message}]
        )
    data = {"emails": "\n".join(body.emails), "role": body.role}
    data |= project_access_data(body.projects)
    form = InviteForm(data, organization=organization)
    if not form.is_valid():
        raise form_problem(form)
    result = call_service(
        request.auth,
        services.invite_members,
        organization,
        emails=form.cleaned_data["emails"],
        role=form.cleaned_data["role"],
        project_roles=form.cleaned_data["project_roles"],
    )
    results = [{"email": i.email, "result": "invited", "invitation_id": i.pk} for i in result.invited]
    results += [{"email": email, "result": "already_member"} for email in result.already_members]
    results += [{"email": i.email, "result": "already_invited", "invitation_id": i.pk} for i in result.already_invited]
    results += [{"email": email, "result": "duplicate"} for email in form.cleaned_data["duplicates"]]
    return (201 if result.invited else 200), {"invited": len(result.invited), "results": results}


@router.post("/invitations", response={201: InvitationsResult, 200: InvitationsResult, **WRITE_PROBLEMS}, auth=WRITE)
def create_invitations(request: HttpRequest, body: InvitationsIn) -> Status:
    """Invite one or more addresses with an Organization Role and optional Project Access. Members and open
    invitations are skipped and reported per address, as in the Invite User dialog. Send an
    ``Idempotency-Key`` header to make retries safe."""
    return Status(*idempotent(request, request.auth, body.dict(), lambda: _invite(request, body)))


@router.post("/invitations/{invitation_id}/resend", response={200: InvitationOut, **WRITE_PROBLEMS}, auth=WRITE)
def resend_invitation(request: HttpRequest, invitation_id: int) -> dict:
    """Send the invitation again with a fresh link and expiry; older links stop working."""
    invitation = open_invitation_in_organization(request.auth.organization, invitation_id)
    return invitation_out(call_service(request.auth, services.resend_invitation, invitation))


@router.delete("/invitations/{invitation_id}", response={204: None, **WRITE_PROBLEMS}, auth=WRITE)
def revoke_invitation(request: HttpRequest, invitation_id: int) -> Status:
    """Revoke Invitation: the link stops working at once and the invitee is told."""
    invitation = open_invitation_in_organization(request.auth.organization, invitation_id)
    call_service(request.auth, services.revoke_invitation, invitation)
    return Status(204, None)
