"""Organization API tokens: the secret's shape, its hash, the one rule deciding whether a token
works, and which token is acting during an API or SCIM request (for the audit rows)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from members.models import ApiToken, IdempotencyKey, Membership
from members.roles import OrgRole

# Secret scanners (GitHub's, trufflehog) find leaked tokens by a fixed prefix and length.
SECRET_PREFIX = "oc_"
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 8
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)

_acting_token: ContextVar[ApiToken | None] = ContextVar("acting_api_token", default=None)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough (no salt or stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def usable_tokens(*, now: datetime | None = None) -> QuerySet[ApiToken]:
    """The one rule: a token works while it is not revoked, not expired, and the person who created it is
    still an active Organization Owner of the token's organization (checked at every use)."""
    now = now or timezone.now()
    creator_is_owner = Membership.objects.filter(
        organization=OuterRef("organization"), user=OuterRef("created_by"), role=OrgRole.OWNER
    )
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now, created_by__is_active=True).filter(
        Exists(creator_is_owner)
    )


def authenticate(secret: str, *, scope: str) -> tuple[ApiToken | None, str]:
    """The usable token with this secret and scope, or None and why not ("invalid" or "scope")."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None, "invalid"
    token = usable_tokens().select_related("organization", "created_by").filter(secret_hash=hash_secret(secret)).first()
    if token is None:
        return None, "invalid"
    if scope not in token.scopes:
        return None, "scope"
    _touch(token)
    return token, ""


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def acting_token() -> ApiToken | None:
    """The token on whose behalf the current request acts, if any (read by the audit)."""
    return _acting_token.get()


@contextmanager
def acting_as(token: ApiToken) -> Iterator[None]:
    reset = _acting_token.set(token)
    try:
        yield
    finally:
        _acting_token.reset(reset)


def tokens_of(organization: object) -> QuerySet[ApiToken]:
    """Every token of the organization for its API tokens page, newest first."""
    return ApiToken.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")


def token_in_organization(organization: object, token_id: int) -> ApiToken:
    """A token by id, only within the organization in the URL (404 otherwise)."""
    token = ApiToken.objects.select_related("organization").filter(organization=organization, pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


# --- idempotency keys: honoured for IDEMPOTENCY_KEY_RETENTION_HOURS, then forgotten and deleted -------------------


def idempotency_cutoff(*, now: datetime | None = None) -> datetime:
    """Keys created before this are past their retention: no longer honoured, and the sweep deletes them."""
    return (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)


def purge_expired_idempotency_keys(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Delete the idempotency keys past their retention, a batch per statement so the worker's sweep never holds
    long locks (the index on ``created_at`` finds them); returns how many were deleted."""
    cutoff = idempotency_cutoff(now=now)
    deleted = 0
    while True:
        batch = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]
