"""What counts as two-factor authentication: an allauth.mfa authenticator app or security key.

Here, apart from ``members.services.security``, so the Members page's query can ask without importing services."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

# Recovery codes alone are not a second factor: allauth deletes them with the last real authenticator.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def users_with_two_factor(user_ids: Iterable[int]) -> set[int]:
    """Of these users, the ones with two-factor authentication (one query, for a page of rows)."""
    rows = Authenticator.objects.filter(user_id__in=list(user_ids), type__in=SECOND_FACTORS)
    return set(rows.values_list("user_id", flat=True))


def second_factor_exists(user_ref: OuterRef) -> Exists:
    """A subquery expression: the user at ``user_ref`` has two-factor authentication."""
    return Exists(Authenticator.objects.filter(user_id=user_ref, type__in=SECOND_FACTORS))


class Row(Protocol):
    user_id: int | None  # None for an invitation
    two_factor: bool | None


def mark_two_factor[R: Row](rows: Sequence[R]) -> Sequence[R]:
    """Fill in each member row's two-factor status: one query for a page of rows (shown to owners only)."""
    enabled = users_with_two_factor(row.user_id for row in rows if row.user_id is not None)
    for row in rows:
        if row.user_id is not None:
            row.two_factor = row.user_id in enabled
    return rows
