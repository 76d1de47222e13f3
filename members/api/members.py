"""The organization, its members (the Members page's rows) and its projects."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from members import member_list, services
from members.api.auth import TokenAuth
from members.api.cursors import invalid_cursor, make_cursor, read_cursor
from members.api.problems import COMMON_PROBLEMS, LIST_PROBLEMS, WRITE_PROBLEMS, ProblemError, form_problem
from members.api.schemas import (
    MemberOut,
    MemberPage,
    MemberRowOut,
    MembersQuery,
    OrganizationOut,
    ProjectAccessIn,
    ProjectAccessListIn,
    ProjectOut,
    RoleIn,
)
from members.api_tokens import acting_as
from members.exceptions import DomainError
from members.forms import PROJECT_FIELD_PREFIX, EditRoleForm, MembersFilterForm, ProjectAccessForm
from members.models import ApiToken, Membership, Organization, ProjectMembership
from members.roles import ProjectRole
from members.selectors import MemberRow, attach_row_details, membership_in_organization

READ = TokenAuth("members:read")
WRITE = TokenAuth("members:write")

router = Router(tags=["members"])


def project_access(user_ids: list[int], organization_id: int) -> dict[int, list[dict]]:
    """Each user's project access in the organization, by user id (one query)."""
    grants = ProjectMembership.objects.filter(user_id__in=user_ids, project__organization_id=organization_id)
    access: dict[int, list[dict]] = {}
    for grant in grants.select_related("project").order_by("project__name"):
        access.setdefault(grant.user_id, []).append(
            {"project_id": grant.project_id, "project": grant.project.name, "role": grant.role}
        )
    return access


def project_access_data(projects: list[ProjectAccessIn]) -> dict[str, str]:
    """Project Access as the console's form data. Every entry's role is checked with the form's message, so an
    invalid role is refused even when a later entry names the same project (its role then wins, as the schema
    says)."""
    field = forms.ChoiceField(choices=ProjectRole.choices)
    errors = []
    for grant in projects:
        try:
            field.clean(grant.role)
        except ValidationError as error:
            errors += [{"field": f"{PROJECT_FIELD_PREFIX}{grant.project_id}", "message": m} for m in error.messages]
    if errors:
        raise ProblemError(422, _("The request is not valid."), errors[0]["message"], errors=errors)
    return {f"{PROJECT_FIELD_PREFIX}{grant.project_id}": grant.role for grant in projects}


def invitation_access(invitation: object) -> list[dict]:
    return [
        {"project_id": grant.project_id, "project": grant.project.name, "role": grant.role}
        for grant in invitation.project_grants.all()  # type: ignore[attr-defined]
    ]


def member_out(membership: Membership) -> dict:
    access = project_access([membership.user_id], membership.organization_id)
    inviter = membership.invited_by
    return {
        "id": membership.pk,
        "name": membership.user.name,
        "email": membership.user.email,
        "role": membership.role,
        "joined_at": membership.created_at,
        "invited_by": inviter.email if inviter else None,
        "projects": access.get(membership.user_id, []),
    }


@router.get("/organization", response={200: OrganizationOut, **COMMON_PROBLEMS}, auth=READ, tags=["organization"])
def get_organization(request: HttpRequest) -> dict:
    organization = request.auth.organization
    return {"slug": organization.slug, "name": organization.name, "plan": organization.plan_name}


@router.get("/projects", response={200: list[ProjectOut], **COMMON_PROBLEMS}, auth=READ, tags=["projects"])
def list_projects(request: HttpRequest) -> list:
    return list(request.auth.organization.projects.order_by("name"))


def _members_scope(organization: Organization, query: member_list.Query) -> str:
    return f"members:{organization.pk}:{query.q}:{query.role}:{query.status}:{query.sort}"


def _after(cursor: str | None, organization: Organization, query: member_list.Query) -> member_list.Key | None:
    """The row key a cursor points after (None for the first page); a 400 for a forged or foreign one."""
    if not cursor:
        return None
    key = member_list.decode_cursor(read_cursor(cursor, _members_scope(organization, query)), query)
    if key is None:
        raise invalid_cursor()
    return key


def _row_out(row: MemberRow, access: dict[int, list[dict]]) -> MemberRowOut:
    return MemberRowOut(
        kind=row.kind,
        id=row.id,
        name=row.name,
        email=row.email,
        role=row.role,
        status=row.status,
        delivery=row.delivery,
        date=row.date,
        invited_by=row.invited_by.email if row.invited_by else None,
        projects=access.get(row.user_id, []) if row.is_membership else invitation_access(row.obj),
    )


@router.get("/members", response={200: MemberPage, **LIST_PROBLEMS}, auth=READ)
def list_members(request: HttpRequest, query: Query[MembersQuery]) -> dict:
    """The Members page's rows: the same search (``q``), filters (``role``, ``status``), ``sort`` and keyset
    pages (``members.member_list``): a page costs the same at any depth, and rows added or removed meanwhile never
    shift the next page. ``next_cursor`` is opaque and only valid with the same filters."""
    filters = MembersFilterForm(query.dict(include={"q", "role", "status", "sort"}))
    if not filters.is_valid():
        raise form_problem(filters)
    organization = request.auth.organization
    page_query = member_list.Query(**filters.filters())
    after = _after(query.cursor, organization, page_query)
    limit = query.limit
    keys = member_list.fetch_keys(organization, page_query, cursor=after, limit=limit + 1)
    rows = attach_row_details(organization, keys[:limit])
    access = project_access([r.user_id for r in rows if r.is_membership], organization.pk)
    next_cursor = None
    if len(keys) > limit:
        next_cursor = make_cursor(_members_scope(organization, page_query), member_list.encode_cursor(keys[limit - 1]))
    return {"items": [_row_out(row, access) for row in rows], "next_cursor": next_cursor}


@router.get("/members/{member_id}", response={200: MemberOut, **COMMON_PROBLEMS}, auth=READ)
def get_member(request: HttpRequest, member_id: int) -> dict:
    return member_out(membership_in_organization(request.auth.organization, member_id))


def call_service(token: ApiToken, change: object, *args: object, **kwargs: object) -> object:
    """Run a service as the token (its creator is the actor; the audit row names the token)."""
    with acting_as(token):
        try:
            return change(*args, actor=token.created_by, **kwargs)  # type: ignore[operator]
        except DomainError as exc:
            raise ProblemError(409, _("Conflict"), exc.message) from exc


@router.put("/members/{member_id}/role", response={200: MemberOut, **WRITE_PROBLEMS}, auth=WRITE)
def change_role(request: HttpRequest, member_id: int, body: RoleIn) -> dict:
    """Edit Role: the same rules as the console (the last Organization Owner cannot be demoted)."""
    membership = membership_in_organization(request.auth.organization, member_id)
    form = EditRoleForm({"role": body.role})
    if not form.is_valid():
        raise form_problem(form)
    membership = call_service(request.auth, services.change_member_role, membership, role=form.cleaned_data["role"])
    return member_out(membership)


@router.put("/members/{member_id}/projects", response={200: MemberOut, **WRITE_PROBLEMS}, auth=WRITE)
def change_project_access(request: HttpRequest, member_id: int, body: ProjectAccessListIn) -> dict:
    """Set the member's whole Project Access (projects left out lose access)."""
    organization = request.auth.organization
    membership = membership_in_organization(organization, member_id)
    form = ProjectAccessForm(project_access_data(body.projects), organization=organization)
    if not form.is_valid():
        raise form_problem(form)
    call_service(
        request.auth, services.set_project_access, membership, project_roles=form.cleaned_data["project_roles"]
    )
    return member_out(membership_in_organization(organization, member_id))


@router.delete("/members/{member_id}", response={204: None, **WRITE_PROBLEMS}, auth=WRITE)
def remove_member(request: HttpRequest, member_id: int) -> Status:
    """Remove the member (their project access goes, the invitations they sent are revoked)."""
    membership = membership_in_organization(request.auth.organization, member_id)
    call_service(request.auth, services.remove_member, membership)
    return Status(204, None)
