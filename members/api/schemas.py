"""The API's JSON shapes (Pydantic, via django-ninja); the OpenAPI schema is generated from them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Field, Schema

OrgRoleValue = Literal["owner", "member"]
ProjectRoleValue = Literal["admin", "read_write", "read_only"]
MAX_PAGE_SIZE = 200


def documented(**schema: object) -> dict:
    """JSON Schema keywords stated in the OpenAPI document but checked by the console's own forms, so a bad value
    gets the form's message (the same as in the console) rather than a Pydantic one."""
    return {"json_schema_extra": schema}


# What the console's forms accept, stated in the schema so clients (and schemathesis) know the valid values.
NO_NUL = "^[^\\u0000]*$"  # Django's form fields refuse the NUL character
ADDRESS = documented(format="email", maxLength=254, pattern=NO_NUL)


class PageQuery(Schema):
    cursor: str | None = Field(None, description="The ``next_cursor`` of the previous page (opaque).")
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class MembersQuery(PageQuery):
    """The Members page's search, filters and sort."""

    q: str = Field("", description="Search name or email.", **documented(maxLength=254, pattern=NO_NUL))
    role: str = Field("", **documented(enum=["", "owner", "member"]))
    status: str = Field("", **documented(enum=["", "verified", "pending", "expired"]))
    sort: str = Field(
        "name",
        description="Empty means name.",
        **documented(enum=["name", "-name", "role", "-role", "date", "-date", ""]),
    )


class OrganizationOut(Schema):
    slug: str
    name: str
    plan: str


class ProjectOut(Schema):
    id: int
    name: str
    created_at: datetime


class ProjectAccessOut(Schema):
    project_id: int
    project: str
    role: ProjectRoleValue


class MemberRowOut(Schema):
    """One row of the Members page: a membership (``verified``) or an open invitation."""

    kind: Literal["membership", "invitation"]
    id: int
    name: str
    email: str
    role: OrgRoleValue
    status: Literal["verified", "pending", "expired"]
    delivery: str = Field(
        description="For invitations: queued, sent, delivered, failed, bounced, rejected or link_only (not emailed)."
    )
    date: datetime = Field(description="When the member joined, or when the invitation was (re)sent.")
    invited_by: str | None
    projects: list[ProjectAccessOut]


class MemberPage(Schema):
    items: list[MemberRowOut]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last page.")


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: OrgRoleValue
    joined_at: datetime
    invited_by: str | None
    projects: list[ProjectAccessOut]


class InvitationOut(Schema):
    id: int
    email: str
    role: OrgRoleValue
    status: Literal["pending", "expired"]
    delivery: str
    sent_at: datetime
    expires_at: datetime
    invited_by: str | None
    projects: list[ProjectAccessOut]


class InvitationPage(Schema):
    items: list[InvitationOut]
    next_cursor: str | None


class RoleIn(Schema):
    role: str = Field(description="owner or member", examples=["member"], **documented(enum=["owner", "member"]))


class ProjectAccessIn(Schema):
    """One project's access; a project listed twice gets the role of its last entry."""

    project_id: int = Field(description="One of the organization's projects (``GET /projects``).")
    role: str = Field(
        description="admin, read_write or read_only",
        examples=["read_only"],
        **documented(enum=["admin", "read_write", "read_only"]),
    )


class ProjectAccessListIn(Schema):
    projects: list[ProjectAccessIn] = Field(description="The member's whole project access; others are removed.")


class InvitationsIn(Schema):
    emails: list[str] = Field(
        description=f"One or more addresses (at most {settings.INVITATIONS_PER_REQUEST}).",
        examples=[["ada@example.com"]],
        **documented(
            minItems=1,
            maxItems=settings.INVITATIONS_PER_REQUEST,
            items={"type": "string", **ADDRESS["json_schema_extra"]},
        ),
    )
    role: str = Field("member", description="owner or member", **documented(enum=["owner", "member"]))
    projects: list[ProjectAccessIn] = []


class AddressResult(Schema):
    email: str
    result: Literal["invited", "already_member", "already_invited", "duplicate"]
    invitation_id: int | None = None


class InvitationsResult(Schema):
    """What happened to each address, as the Invite User dialog reports it."""

    invited: int
    results: list[AddressResult]
