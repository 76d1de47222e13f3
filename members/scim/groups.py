"""SCIM Groups: each group is one project of the organization; its members get the group's default
project role on that project (their other project access is kept)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from scim2_models import Context

from members import services
from members.exceptions import DomainError
from members.models import ApiToken, Invitation, Membership, Project, ProjectMembership, User
from members.roles import OrgRole, ProjectRole
from members.scim import protocol
from members.scim.protocol import (
    GroupResource,
    ProjectGroup,
    ScimError,
    patched,
    read_json,
    resource_body,
    scim_response,
    validate,
)
from members.scim.users import as_uuid
from members.scim_models import ScimGroup, ScimUser

FILTERS = {"displayName": "project__name__iexact", "externalId": "resource__externalId"}


def group_body(request: HttpRequest, row: ScimGroup) -> dict[str, Any]:
    return resource_body(request, row, "Group", displayName=row.project.name)


def _member_ids(group: GroupResource) -> list[str]:
    return sorted({str(member.value) for member in group.members or [] if member.value})


def _grant(membership: Membership, *, actor: User, project: Project, role: str | None) -> None:
    """Give (or, with None, take away) ``project`` in the member's project access, keeping the rest. An
    Organization Owner is left as they are: they have every project as Project Admin."""
    if membership.role == OrgRole.OWNER:
        return
    current = {
        grant.project: grant.role
        for grant in ProjectMembership.objects.filter(
            project__organization_id=membership.organization_id, user=membership.user
        ).select_related("project")
    }
    wanted = {p: r for p, r in current.items() if p != project}
    if role is not None:
        wanted[project] = role  # the group decides the role on its project
    if wanted != current:
        services.set_project_access(membership, actor=actor, project_roles=wanted)


def _open_member_invitation(invitation: Invitation | None) -> bool:
    """A pending invitation that can take project roles (an Owner invitation offers every project already)."""
    return bool(invitation and invitation.status == Invitation.Status.PENDING and invitation.role != OrgRole.OWNER)


def _sync_access(row: ScimGroup, *, token: ApiToken, before: list[str], after: list[str]) -> None:
    """Members who joined the group get the project with its default role, those who left lose it:
    on their membership, or on their pending invitation (they get it when they join)."""
    organization, project, actor = row.organization, row.project, token.created_by
    ids = [i for i in map(as_uuid, sorted(set(before) | set(after))) if i]
    scim_users = ScimUser.objects.filter(organization=organization, scim_id__in=ids).select_related(
        "user", "invitation__accepted_by"
    )
    for scim_user in scim_users:
        role = row.default_role if str(scim_user.scim_id) in after else None
        account = scim_user.user or (scim_user.invitation.accepted_by if scim_user.invitation else None)
        membership = Membership.objects.filter(organization=organization, user=account).first() if account else None
        if membership is not None:
            _grant(membership, actor=actor, project=project, role=role)
        elif _open_member_invitation(scim_user.invitation):
            services.set_invitation_project_role(scim_user.invitation, actor=actor, project=project, role=role)


def _save(request: HttpRequest, row: ScimGroup, group: GroupResource) -> ScimGroup:
    before, after = list(row.member_ids), _member_ids(group)
    resource = group.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, mode="json")
    for key in ("id", "meta"):
        resource.pop(key, None)
    if group.display_name and row.pk and group.display_name != row.project.name:
        try:
            services.rename_project(row.project, actor=request.scim_token.created_by, name=group.display_name)
        except DomainError as exc:
            raise ScimError(409, exc.message, "uniqueness") from exc
    role = group[ProjectGroup].default_project_role if group[ProjectGroup] else None
    row.default_role = role.value if role else ProjectRole.READ_ONLY
    row.resource, row.member_ids, row.updated_at = resource, after, timezone.now()
    row.save()
    _sync_access(row, token=request.scim_token, before=before, after=after)
    return row


def _row(request: HttpRequest, scim_id: str) -> ScimGroup:
    row = (
        ScimGroup.objects.select_related("project", "organization")
        .filter(organization=request.scim_token.organization, scim_id=as_uuid(scim_id))
        .first()
    )
    if row is None:
        raise ScimError(404, f"Group {scim_id} not found.")
    return row


@transaction.atomic
def create(request: HttpRequest) -> HttpResponse:
    group = validate(GroupResource, read_json(request), Context.RESOURCE_CREATION_REQUEST)
    organization = request.scim_token.organization
    name = (group.display_name or "").strip()
    if not name:
        raise ScimError(400, "displayName is required.", "invalidValue")
    project = organization.projects.filter(name__iexact=name).first()
    if project is None:
        project = services.create_project(organization, actor=request.scim_token.created_by, name=name)
    elif ScimGroup.objects.filter(project=project).exists():
        raise ScimError(409, "A group for this project already exists.", "uniqueness")
    row = _save(request, ScimGroup(organization=organization, project=project), group)
    body = group_body(request, row)
    return scim_response(body, status=201, headers={"Location": body["meta"]["location"]})


def _rows(request: HttpRequest) -> Any:
    return ScimGroup.objects.filter(organization=request.scim_token.organization).select_related("project")


ENDPOINT = protocol.Endpoint(model=GroupResource, filters=FILTERS, rows=_rows, find=_row, body=group_body, save=_save)
listing, get, replace = ENDPOINT.listing, ENDPOINT.get, ENDPOINT.replace


@transaction.atomic
def patch(request: HttpRequest, scim_id: str) -> HttpResponse:
    row = _row(request, scim_id)
    resource = patched(GroupResource, {**row.resource, "displayName": row.project.name}, request)
    return scim_response(group_body(request, _save(request, row, resource)))


@transaction.atomic
def delete(request: HttpRequest, scim_id: str) -> HttpResponse:
    """Delete the group: its members lose the project; the project itself stays."""
    row = _row(request, scim_id)
    _sync_access(row, token=request.scim_token, before=list(row.member_ids), after=[])
    row.delete()
    return scim_response(None, status=204)
