"""The limits every invitation send is decided under (invite, resend, bulk resend, invite from a file): the
sender's locks, the daily limits per organization and per inviter, and the per-address daily cap, which
revocations count towards too.

Callers lock first (``lock_sender``) and then check, in the same transaction, so concurrent sends cannot
overshoot a limit."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.exceptions import InvitationLimitError
from members.models import MembershipEvent, Organization, OutboundEmail, User
from members.services._common import lock_organization


def lock_sender(organization: Organization, actor: User) -> None:
    """Lock the organization, then the actor: the per-organization and per-inviter counts are decided while
    both rows are held. Always in this order, so two senders cannot deadlock."""
    lock_organization(organization)
    User.objects.select_for_update().filter(pk=actor.pk).first()


def _sends_in_last_day(organization: Organization, *, actor: User) -> tuple[int, int]:
    """Invitations and resends sent in the last 24 hours, by the organization and by the actor
    (in any organization). Counted from the audit rows, which record every send."""
    since = timezone.now() - timedelta(hours=24)
    sends = MembershipEvent.objects.filter(
        action__in=[MembershipEvent.Action.INVITED, MembershipEvent.Action.INVITATION_RESENT], created_at__gte=since
    )
    return sends.filter(organization=organization).count(), sends.filter(actor=actor).count()


def ensure_within_daily_limits(organization: Organization, *, actor: User, new_sends: int) -> None:
    """Refuse sends beyond the daily limits; the caller holds the organization lock (and the actor's)."""
    by_organization, by_actor = _sends_in_last_day(organization, actor=actor)
    org_limit = settings.INVITATIONS_PER_ORGANIZATION_PER_DAY
    actor_limit = settings.INVITATIONS_PER_INVITER_PER_DAY
    if by_organization + new_sends > org_limit:
        raise InvitationLimitError(
            _(
                "This organization can send %(limit)d invitations a day and has %(left)d left today; "
                "you tried to send %(count)d. Try again tomorrow."
            )
            % {"limit": org_limit, "left": max(org_limit - by_organization, 0), "count": new_sends}
        )
    if by_actor + new_sends > actor_limit:
        raise InvitationLimitError(
            _(
                "You can send %(limit)d invitations a day and have %(left)d left today; "
                "you tried to send %(count)d. Try again tomorrow."
            )
            % {"limit": actor_limit, "left": max(actor_limit - by_actor, 0), "count": new_sends}
        )


# --- the per-address daily cap (#11.4) ------------------------------------------------------------------------
# One address receives at most EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY emails from one organization in any 24
# hours: invitations, resends and revocations all count, and past the cap an action is refused with a message
# saying so, nothing of it done. Sends keep the last email of the allowance for the revocation that may follow: an
# invitation or a resend is refused when it would leave no room to email its revocation. So an owner can always
# revoke a link they regret, and the invitee is told, while the address never gets more than the cap (one pending
# invitation per address: at most one revocation is ever owed). A revocation finds no room only when the cap was
# lowered below what was already sent, or is set below 2 (nothing left to keep): then an owner's Revoke Invitation
# is refused like any other action past the cap, and nothing changes; but revocations nobody may refuse (an
# identity provider deprovisioning someone, the invitations of a person who stopped being an owner) still revoke,
# without the email, and their audit row says so.

CAPPED_KINDS = (OutboundEmail.Kind.INVITATION, OutboundEmail.Kind.INVITATION_REVOKED)
NO_EMAIL_PAST_CAP = "revocation email not sent: the address's daily email cap was reached"


def emails_today(organization: Organization, addresses: list[str]) -> dict[str, int]:
    """How many capped emails each (lower-cased) address got from the organization in the last 24 hours."""
    since = timezone.now() - timedelta(hours=24)
    rows = (
        OutboundEmail.objects.filter(organization=organization, kind__in=CAPPED_KINDS, created_at__gte=since)
        .annotate(e=Lower("to_email"))
        .filter(e__in=[address.lower() for address in addresses])
        .values("e")
        .annotate(n=Count("pk"))
    )
    return {row["e"]: row["n"] for row in rows}


def _cap() -> int:
    return settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY


def ensure_room_to_send(organization: Organization, addresses: list[str]) -> None:
    """Refuse the whole send when any address could not also be told of a revocation within the cap."""
    kept = 1 if _cap() >= 2 else 0  # the email kept for a revocation
    counts = emails_today(organization, addresses)
    if over := [address for address in addresses if counts.get(address.lower(), 0) + 1 + kept > _cap()]:
        raise InvitationLimitError(
            ngettext(
                "%(addresses)s has had its share of the %(cap)d emails one address may receive from this "
                "organization in 24 hours (invitations, resends and revocations count, and the last one is kept "
                "for a revocation). Nothing was sent; try again tomorrow.",
                "%(addresses)s have had their share of the %(cap)d emails one address may receive from this "
                "organization in 24 hours (invitations, resends and revocations count, and the last one is kept "
                "for a revocation). Nothing was sent; try again tomorrow.",
                len(over),
            )
            % {"addresses": ", ".join(over), "cap": _cap()}
        )


def has_room_for_revocation(organization: Organization, address: str) -> bool:
    return emails_today(organization, [address]).get(address.lower(), 0) < _cap()


def revocation_refused(address: str) -> InvitationLimitError:
    return InvitationLimitError(
        _(
            "%(address)s has already received %(cap)d emails from this organization in the last 24 hours, the most "
            "one address may get (invitations, resends and revocations count), so the revocation cannot be emailed. "
            "Nothing was changed: the invitation is still open. Try again tomorrow."
        )
        % {"address": address, "cap": _cap()}
    )
