"""Invitation link tokens, modelled on django.contrib.auth.tokens.

A token is ``django.core.signing.dumps`` of ``{"o": organization id, "i": invitation id, "n": nonce}``:
the URL-safe base64 of that JSON, a colon, and an HMAC-SHA256 signature of it keyed by SECRET_KEY and
salted for this flow only.

Why it cannot be guessed or forged: the signature is 256 bits of HMAC output that only the holder of
SECRET_KEY can compute, so guessing one for a given payload succeeds with probability 2**-256; and the
payload's nonce is ``secrets.token_urlsafe(16)`` (128 random bits). Nothing in the database is enough to
make a token: the database holds the ids and the nonce, but not the key. Signatures are compared in
constant time (``Signer.unsign`` uses ``constant_time_compare``) and so is the nonce.

Why it dies: resending or revoking rotates the nonce (older links no longer match), accepting or
declining changes the status, and expiry is decided against ``Invitation.expires_at`` (INVITATION_EXPIRY
hours after sending) at the ``_now()`` seam. Tokens of other flows (allauth's email-confirmation keys use
another salt, password-reset tokens are not signed payloads at all) fail the signature check, and
``SECRET_KEY_FALLBACKS`` are honoured by ``signing.loads`` so rotating the key does not kill live links.

Once a link has been opened, the session holds a *session proof* instead of the token: a signature (its
own salt) over the invitation id and nonce. It is not a link token and is only honoured from the session,
so a copy of the session table does not give anyone a working link either.
"""

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
