"""Every API operation x {no token, expired, revoked, wrong scope, another organization's token, valid}.

Every refusal is a problem document and changes nothing (database and outbox); ids of the right
organization are used throughout, so "another organization's token" proves a token is confined to
its own organization. The list of operations is checked against the generated schema, so a new
operation without a row fails here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail

from members.api.app import api as ninja_api
from members.models import Invitation, Membership, OutboundEmail, ProjectMembership
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory
from tests.members.api.conftest import ApiClient, api_snapshot


@dataclass(frozen=True)
class Op:
    method: str
    path: Callable[[SimpleNamespace], str]
    scope: str
    body: Callable[[SimpleNamespace], Any] | None = None
    ok: tuple[int, ...] = (200,)


OPERATIONS: dict[str, Op] = {
    "GET /api/v1/organization": Op("GET", lambda w: "/api/v1/organization", "members:read"),
    "GET /api/v1/projects": Op("GET", lambda w: "/api/v1/projects", "members:read"),
    "GET /api/v1/members": Op("GET", lambda w: "/api/v1/members", "members:read"),
    "GET /api/v1/members/{member_id}": Op("GET", lambda w: f"/api/v1/members/{w.colleague.pk}", "members:read"),
    "PUT /api/v1/members/{member_id}/role": Op(
        "PUT", lambda w: f"/api/v1/members/{w.colleague.pk}/role", "members:write", lambda w: {"role": "owner"}
    ),
    "PUT /api/v1/members/{member_id}/projects": Op(
        "PUT",
        lambda w: f"/api/v1/members/{w.colleague.pk}/projects",
        "members:write",
        lambda w: {"projects": [{"project_id": w.project.pk, "role": "admin"}]},
    ),
    "DELETE /api/v1/members/{member_id}": Op(
        "DELETE", lambda w: f"/api/v1/members/{w.colleague.pk}", "members:write", ok=(204,)
    ),
    "GET /api/v1/invitations": Op("GET", lambda w: "/api/v1/invitations", "members:read"),
    "POST /api/v1/invitations": Op(
        "POST", lambda w: "/api/v1/invitations", "members:write", lambda w: {"emails": ["new@example.com"]}, (201,)
    ),
    "POST /api/v1/invitations/{invitation_id}/resend": Op(
        "POST", lambda w: f"/api/v1/invitations/{w.invitation.pk}/resend", "members:write"
    ),
    "DELETE /api/v1/invitations/{invitation_id}": Op(
        "DELETE", lambda w: f"/api/v1/invitations/{w.invitation.pk}", "members:write", ok=(204,)
    ),
}

REFUSALS = {"no token": 401, "expired": 401, "revoked": 401, "wrong scope": 403, "another organization": 404}


@pytest.fixture
def world(organization, tokens) -> SimpleNamespace:
    return SimpleNamespace(
        organization=organization,
        tokens=tokens,
        project=ProjectFactory(organization=organization, name="Production"),
        colleague=MembershipFactory(organization=organization, user__email="colleague@example.com"),
        invitation=InvitationFactory(organization=organization, email="pending@example.com"),
    )


def test_every_operation_in_the_schema_has_a_row():
    schema = ninja_api.get_openapi_schema()
    operations = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}
    assert operations == set(OPERATIONS)


def organization_state(organization) -> dict:
    """Everything of one organization the API can change."""
    return {
        "memberships": list(Membership.objects.filter(organization=organization).order_by("pk").values()),
        "invitations": list(Invitation.objects.filter(organization=organization).order_by("pk").values()),
        "projects": list(ProjectMembership.objects.filter(project__organization=organization).values()),
        "emails": list(
            OutboundEmail.objects.filter(organization=organization).exclude(kind__startswith="api_token").values()
        ),
    }


def _secret(who: str, op: Op, tokens: SimpleNamespace) -> str | None:
    return {
        "no token": None,
        "expired": tokens.expired,
        "revoked": tokens.revoked,
        # A token with every scope but the one the operation needs.
        "wrong scope": tokens.scim_only if op.scope == "members:read" else tokens.read_only,
        "another organization": tokens.other,
        "valid": tokens.valid,
    }[who]


@pytest.mark.parametrize("who", [*REFUSALS, "valid"])
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_matrix(name: str, who: str, world: SimpleNamespace):
    op = OPERATIONS[name]
    client = ApiClient(_secret(who, op, world.tokens))
    before, outbox_before = api_snapshot(), len(mail.outbox)
    before_org = organization_state(world.organization)

    response = client.send(op.method, op.path(world), op.body(world) if op.body else None)

    if who == "valid":
        assert response.status_code in op.ok, response.content
        return
    if who == "another organization" and "{" not in name:
        # No id to point elsewhere: the token acts on its own organization and never sees or touches this one.
        assert response.status_code in op.ok, response.content
        assert not any(needle in response.content.decode() for needle in ("colleague@", "pending@", "Production"))
        assert organization_state(world.organization) == before_org
        return
    assert response.status_code == REFUSALS[who], response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == REFUSALS[who]
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert api_snapshot() == before, "a refused request must change nothing"
    assert len(mail.outbox) == outbox_before
