"""The API's JSON shapes (Pydantic, via django-ninja); the OpenAPI schema is generated from them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

OrgRoleValue = Literal["owner", "member"]
ProjectRoleValue = Literal["admin", "read_write", "read_only"]


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
    delivery: str = Field(description="For invitations: queued, sent, delivered, failed, bounced or rejected.")
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
    role: str = Field(description="owner or member", examples=["member"])


class ProjectAccessIn(Schema):
    project_id: int
    role: str = Field(description="admin, read_write or read_only", examples=["read_only"])


class ProjectAccessListIn(Schema):
    projects: list[ProjectAccessIn] = Field(description="The member's whole project access; others are removed.")


class InvitationsIn(Schema):
    emails: list[str] = Field(description="One or more addresses.", examples=[["ada@example.com"]])
    role: str = Field("member", description="owner or member")
    projects: list[ProjectAccessIn] = []


class AddressResult(Schema):
    email: str
    result: Literal["invited", "already_member", "already_invited", "duplicate"]
    invitation_id: int | None = None


class InvitationsResult(Schema):
    """What happened to each address, as the Invite User dialog reports it."""

    invited: int
    results: list[AddressResult]
