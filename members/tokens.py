"""Invitation link tokens and session proofs, modelled on ``django.contrib.auth.tokens``.
Why they cannot be guessed or forged, and how they die: README, "Why signed tokens"."""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from members.models import Invitation

SALT = "orgconsole.members.invitation"
SESSION_SALT = "orgconsole.members.invitation.session"


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class InvitationTokenGenerator:
    salt = SALT
    session_salt = SESSION_SALT

    def make_token(self, invitation: Invitation) -> str:
        """``signing.dumps`` of the organization id, invitation id and nonce, salted for this flow.

        The token dies when the nonce rotates (resend, revoke), when the invitation closes (accept,
        decline: a status ``check_token`` leaves to the caller), or at ``expires_at`` (``is_expired``)."""
        payload = {"o": invitation.organization_id, "i": invitation.pk, "n": invitation.nonce}
        return signing.dumps(payload, salt=self.salt, compress=False)

    def parse(self, token: str) -> tuple[int, int, str] | None:
        """The (organization id, invitation id, nonce) a genuine token names, or None."""
        if not isinstance(token, str) or len(token) > 1000:
            return None
        try:
            payload = signing.loads(token, salt=self.salt)
        except (signing.BadSignature, ValueError, TypeError, UnicodeError):
            return None
        if not isinstance(payload, dict):
            return None
        org_id, invitation_id, nonce = payload.get("o"), payload.get("i"), payload.get("n")
        if not (_is_id(org_id) and _is_id(invitation_id) and isinstance(nonce, str) and nonce):
            return None
        return org_id, invitation_id, nonce

    def check_token(self, invitation: Invitation, token: str) -> bool:
        """True when the token was made for this invitation's current nonce (status and expiry aside)."""
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
        """Expired strictly after ``expires_at``: a link used at exactly the limit still works."""
        return self._now() > invitation.expires_at

    def make_session_proof(self, invitation: Invitation) -> str:
        """What the session keeps once a genuine link was opened: bound to the current nonce."""
        return signing.dumps([invitation.organization_id, invitation.pk, invitation.nonce], salt=self.session_salt)

    def check_session_proof(self, invitation: Invitation, proof: object) -> bool:
        if not isinstance(proof, str):
            return False
        try:
            org_id, invitation_id, nonce = signing.loads(proof, salt=self.session_salt)
        except (signing.BadSignature, ValueError, TypeError, UnicodeError):
            return False
        return (
            org_id == invitation.organization_id
            and invitation_id == invitation.pk
            and isinstance(nonce, str)
            and constant_time_compare(nonce, invitation.nonce)
        )

    def _now(self) -> datetime:
        # A seam for tests, as in django.contrib.auth.tokens.
        return timezone.now()


invitation_token_generator = InvitationTokenGenerator()
