"""Two-factor authentication in OrgConsole: who has it, organizations that require it, and its audit trail.

allauth.mfa owns the authenticators themselves (TOTP, security keys, recovery codes); this module answers
"does this user have two-factor authentication" the same way everywhere, and holds the services that
record what happened (the requirement switched on or off, a member blocked by it, a user's own changes).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext as _

from members import outbox
from members.emails import two_factor_required_email
from members.exceptions import DomainError
from members.models import Membership, MembershipEvent, Organization, User
from members.roles import OrgRole
from members.second_factors import SECOND_FACTORS, second_factor_exists
from members.services._common import lock_organization, log_on_commit


class TwoFactorSetupRequiredError(DomainError):
    default_message = _("Set up two-factor authentication for your own account first.")


def has_two_factor(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def members_without_two_factor(organization: Organization) -> QuerySet[User]:
    """The organization's members who do not have two-factor authentication yet, by name."""
    members = User.objects.filter(memberships__organization=organization)
    return members.exclude(second_factor_exists(OuterRef("pk"))).order_by("name", "email")


def organizations_requiring_two_factor(user: User, *, owned: bool = False) -> QuerySet[Organization]:
    """The organizations the user belongs to (or owns) that require two-factor authentication."""
    memberships = Membership.objects.filter(user=user, organization__require_two_factor=True)
    if owned:
        memberships = memberships.filter(role=OrgRole.OWNER)
    return Organization.objects.filter(pk__in=memberships.values("organization_id"))


def _record(
    organization: Organization | None, *, actor: User | None, action: str, target: User | None, ip: str | None
) -> MembershipEvent:
    event = MembershipEvent.objects.create(
        organization=organization,
        organization_name=organization.name if organization else "",
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_email=target.email if target else "",
        ip_address=ip,
    )
    org = organization.slug if organization else ""
    log_on_commit(f"security.{action}", action=action, event_id=event.pk, org=org, actor_id=getattr(actor, "pk", None))
    return event


@transaction.atomic
def record_account_event(user: User, *, actor: User, action: str, ip: str | None = None) -> MembershipEvent:
    """Audit a change to a user's own two-factor authentication (no organization)."""
    return _record(None, actor=actor, action=action, target=user, ip=ip)


@transaction.atomic
def record_two_factor_block(organization: Organization, *, actor: User, ip: str | None = None) -> MembershipEvent:
    """Audit one request of a member refused by the organization's two-factor requirement."""
    return _record(organization, actor=actor, action=MembershipEvent.Action.TWO_FACTOR_BLOCKED, target=actor, ip=ip)


@transaction.atomic
def set_two_factor_requirement(
    organization: Organization, *, actor: User, required: bool, ip: str | None = None
) -> list[User]:
    """Turn the organization's two-factor requirement on or off; returns the members it affects (those
    without two-factor authentication), who are emailed when it is turned on.

    The owner turning it on must have two-factor authentication: otherwise the next page would lock
    them out of the organization they just changed.
    """
    organization = lock_organization(organization)
    if organization.require_two_factor == required:
        return []
    if required and not has_two_factor(actor):
        raise TwoFactorSetupRequiredError
    organization.require_two_factor = required
    organization.save(update_fields=["require_two_factor"])
    action = MembershipEvent.Action.TWO_FACTOR_REQUIRED if required else MembershipEvent.Action.TWO_FACTOR_NOT_REQUIRED
    _record(organization, actor=actor, action=action, target=None, ip=ip)
    if not required:
        return []
    affected = list(members_without_two_factor(organization))
    for user in affected:
        outbox.queue(two_factor_required_email(organization, user=user, actor=actor))
    return affected
