"""Invitation link tokens, modelled on django.contrib.auth.tokens.

A token is an HMAC signature (``django.core.signing``, keyed by SECRET_KEY, salted for this
flow only) over the organization id, the invitation id and the invitation's nonce. Nothing in
the database is enough to make one, resending rotates the nonce so older links die, and the
signature is checked in constant time. Expiry is decided against ``Invitation.expires_at``.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from members.models import Invitation

SALT = "orgconsole.members.invitation"


class InvitationTokenGenerator:
    salt = SALT

    def make_token(self, invitation: Invitation) -> str:
        payload = {"o": invitation.organization_id, "i": invitation.pk, "n": invitation.nonce}
        return signing.dumps(payload, salt=self.salt, compress=False)

    def parse(self, token: str) -> tuple[int, int, str] | None:
        """The (organization id, invitation id, nonce) a genuine token names, or None."""
        try:
            payload = signing.loads(token, salt=self.salt)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        if not isinstance(payload, dict):
            return None
        org_id, invitation_id, nonce = payload.get("o"), payload.get("i"), payload.get("n")
        if not (isinstance(org_id, int) and isinstance(invitation_id, int) and isinstance(nonce, str)):
            return None
        return org_id, invitation_id, nonce

    def check_token(self, invitation: Invitation, token: str) -> bool:
        """True when the token was made for this invitation's current nonce (expiry aside)."""
        parsed = self.parse(token)
        if parsed is None:
            return False
        org_id, invitation_id, nonce = parsed
        return (
            org_id == invitation.organization_id
            and invitation_id == invitation.pk
            and constant_time_compare(nonce, invitation.nonce)
        )

    def is_expired(self, invitation: Invitation) -> bool:
        return self._now() > invitation.expires_at

    def _now(self) -> datetime:
        # A seam for tests, as in django.contrib.auth.tokens.
        return timezone.now()


invitation_token_generator = InvitationTokenGenerator()
