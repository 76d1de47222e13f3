"""Creating and revoking organization API tokens: atomic, audited, and every owner is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import outbox
from members.api_tokens import DISPLAY_PREFIX_LENGTH, MAX_EXPIRY_DAYS, hash_secret, new_secret
from members.emails import api_token_email
from members.exceptions import DomainError
from members.models import ApiToken, Membership, MembershipEvent, Organization, OutboundEmail, User
from members.roles import OrgRole
from members.services._common import lock_organization, record_event


class ApiTokenError(DomainError):
    default_message = _("That API token could not be created.")


@dataclass(frozen=True)
class CreatedToken:
    """The new token and its secret; the secret exists only here and is never stored."""

    token: ApiToken
    secret: str


def _tell_owners(token: ApiToken, *, kind: str, actor: User) -> None:
    owners = Membership.objects.filter(organization=token.organization, role=OrgRole.OWNER, user__is_active=True)
    for membership in owners.select_related("user").order_by("user__email"):
        outbox.queue(api_token_email(token, kind=kind, actor=actor, to=membership.user))


@transaction.atomic
def create_api_token(
    organization: Organization,
    *,
    actor: User,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    ip: str | None = None,
) -> CreatedToken:
    """Create a token acting on the actor's authority; the caller shows ``secret`` once."""
    lock_organization(organization)
    if not Membership.objects.filter(organization=organization, user=actor, role=OrgRole.OWNER).exists():
        raise ApiTokenError(_("Only an Organization Owner can create API tokens."))
    if not scopes or any(scope not in ApiToken.Scope.values for scope in scopes):
        raise ApiTokenError(_("Choose at least one scope."))
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ApiTokenError(_("A token expires after 1 to %(max)d days.") % {"max": MAX_EXPIRY_DAYS})
    secret = new_secret()
    token = ApiToken.objects.create(
        organization=organization,
        name=name.strip(),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    record_event(organization, actor=actor, action=MembershipEvent.Action.API_TOKEN_CREATED, ip=ip, api_token=token)
    _tell_owners(token, kind=OutboundEmail.Kind.API_TOKEN_CREATED, actor=actor)
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User, ip: str | None = None) -> ApiToken:
    """Revoke a token: it stops working at once. Revoking a revoked token does nothing."""
    lock_organization(token.organization)
    locked = ApiToken.objects.select_for_update(of=("self",)).select_related("organization").get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    record_event(
        locked.organization, actor=actor, action=MembershipEvent.Action.API_TOKEN_REVOKED, ip=ip, api_token=locked
    )
    _tell_owners(locked, kind=OutboundEmail.Kind.API_TOKEN_REVOKED, actor=actor)
    return locked
