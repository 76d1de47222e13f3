"""What counts as two-factor authentication: an allauth.mfa authenticator app or security key.

Here, apart from ``members.services.security``, so the Members page's query can ask without importing services."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

# Recovery codes alone are not a second factor: allauth deletes them with the last real authenticator.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def second_factor_exists(user_ref: OuterRef) -> Exists:
    """A subquery expression: the user at ``user_ref`` has two-factor authentication."""
    return Exists(Authenticator.objects.filter(user_id=user_ref, type__in=SECOND_FACTORS))
