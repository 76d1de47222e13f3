"""Provisioning by an identity provider (SCIM): add a person to the organization or take them out,
through the same rules, audit rows and emails as the console."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from members import addresses, outbox
from members.emails import member_added_email
from members.models import Invitation, Membership, MembershipEvent, Organization, User
from members.roles import OrgRole
from members.services._common import lock_organization, record_membership_event
from members.services.invitations import invite_members, revoke_invitation
from members.services.memberships import remove_member


def verified_account(email: str) -> User | None:
    """The active account holding ``email`` as a verified address, if any."""
    rows = EmailAddress.objects.filter(verified=True, user__is_active=True).select_related("user")
    for address in addresses.candidates(rows, "email", [email]):
        if addresses.same_address(address.email, email):  # the one rule for "the same address"
            return address.user
    return None


def _member_with(organization: Organization, email: str) -> Membership:
    """The member the invite service found already holding ``email`` (their account's or another of theirs)."""
    rows = EmailAddress.objects.filter(user__memberships__organization=organization).select_related("user")
    users = [
        row.user for row in addresses.candidates(rows, "email", [email]) if addresses.same_address(row.email, email)
    ]
    members = User.objects.filter(memberships__organization=organization)
    users += [
        user for user in addresses.candidates(members, "email", [email]) if addresses.same_address(user.email, email)
    ]
    return Membership.objects.get(organization=organization, user=users[0])


@transaction.atomic
def provision_member(organization: Organization, *, actor: User, email: str) -> Membership | Invitation:
    """Someone with a verified account here becomes an Organization Member at once (and is told); anyone
    else gets an invitation, as from the Invite User dialog (same limits, audit row and email)."""
    account = verified_account(email)
    if account is None:
        result = invite_members(organization, actor=actor, emails=[email], role=OrgRole.MEMBER)
        if result.invited or result.already_invited:
            return (result.invited or result.already_invited)[0]
        return _member_with(organization, email)
    lock_organization(organization)
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=account, defaults={"role": OrgRole.MEMBER, "invited_by": actor}
    )
    if created:
        record_membership_event(
            membership, actor=actor, action=MembershipEvent.Action.MEMBER_PROVISIONED, new_role=OrgRole.MEMBER
        )
        outbox.queue(member_added_email(membership, actor=actor))
    return membership


def deprovision_member(
    organization: Organization, *, actor: User, user: User | None, invitation: Invitation | None
) -> None:
    """Take the person out at once: remove their membership (never the last owner's) or revoke their
    open invitation. Someone already gone is left as they are. An identity provider deprovisioning someone must
    never be refused for want of email: past the address's daily email cap the invitation is revoked without the
    revocation email (``members.services.sending``)."""
    if user is not None:
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is not None:
            remove_member(membership, actor=actor)
            return
    if invitation is not None and invitation.status == Invitation.Status.PENDING:
        revoke_invitation(invitation, actor=actor, refuse_past_cap=False)
