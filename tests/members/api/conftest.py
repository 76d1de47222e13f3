"""Tokens for the API tests: one per way a request can be refused, and a valid one."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from members.models import ApiToken
from members.services.tokens import create_api_token, revoke_api_token
from tests.helpers import db_snapshot

ALL_SCOPES = ["members:read", "members:write", "scim"]


class ApiClient(Client):
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, secret: str | None = None, **headers: str) -> None:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        super().__init__(**extra, **headers)

    def send(self, method: str, path: str, body: object = None, **extra: str):
        call = getattr(self, method.lower())
        if body is None:
            return call(path, **extra)
        return call(path, body, content_type="application/json", **extra)


@pytest.fixture
def tokens(organization, owner, other_owner) -> SimpleNamespace:
    def make(org, actor, scopes, name):
        return create_api_token(org, actor=actor, name=name, scopes=scopes, expires_in_days=30)

    valid = make(organization, owner, ALL_SCOPES, "valid")
    expired = make(organization, owner, ALL_SCOPES, "expired")
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = make(organization, owner, ALL_SCOPES, "revoked")
    revoke_api_token(revoked.token, actor=owner)
    read_only = make(organization, owner, ["members:read"], "read-only")
    scim_only = make(organization, owner, ["scim"], "scim-only")
    other = make(other_owner.memberships.get().organization, other_owner, ALL_SCOPES, "other")
    return SimpleNamespace(
        valid=valid.secret,
        expired=expired.secret,
        revoked=revoked.secret,
        read_only=read_only.secret,
        scim_only=scim_only.secret,
        other=other.secret,
        valid_token=valid.token,
    )


@pytest.fixture
def api(tokens) -> ApiClient:
    return ApiClient(tokens.valid)


def api_snapshot() -> dict:
    """``db_snapshot`` without the tokens' "last used" time, which every authenticated request may move."""
    snapshot = db_snapshot()
    for row in snapshot["members.ApiToken"]:
        row.pop("last_used_at")
    return snapshot
