"""Every write OrgConsole makes. Each service is atomic, takes the object it acts on first,
keyword-only arguments after it with a required ``actor``, records an audit event in the same
transaction and raises a ``DomainError`` with a user-facing message when it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members.emails import queue_email
from members.exceptions import (
    DuplicateNameError,
    InvitationLimitError,
    InvitationNotPendingError,
    LastOwnerError,
    MembershipGoneError,
)
from members.models import (
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    OutboundEmail,
    Project,
    ProjectMembership,
    User,
)
from members.roles import OrgRole, ProjectRole


def record_event(
    organization: Organization,
    *,
    actor: User | None,
    action: str,
    target_email: str = "",
    old_role: str = "",
    new_role: str = "",
    ip: str | None = None,
) -> MembershipEvent:
    """Write one audit row; call it inside the transaction of the change it describes."""
    return MembershipEvent.objects.create(
        organization=organization,
        organization_name=organization.name,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_email=target_email,
        old_role=old_role,
        new_role=new_role,
        ip_address=ip,
    )


def lock_organization(organization: Organization) -> Organization:
    """Lock the organization row: owner counts are decided while holding it, so two
    concurrent demotions or removals cannot both see "another owner exists"."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def ensure_not_last_owner(membership: Membership) -> None:
    """Refuse a change that would leave the organization without an owner (caller holds the lock)."""
    if membership.role != OrgRole.OWNER:
        return
    others = (
        Membership.objects.filter(organization_id=membership.organization_id, role=OrgRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise LastOwnerError()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(*, actor: User, name: str, ip: str | None = None) -> Organization:
    """Create an organization with the actor as its first Organization Owner."""
    organization = Organization.objects.create(name=name.strip(), slug=_unique_slug(name), billing_email=actor.email)
    Membership.objects.create(organization=organization, user=actor, role=OrgRole.OWNER)
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.ORGANIZATION_CREATED,
        target_email=actor.email,
        new_role=OrgRole.OWNER,
        ip=ip,
    )
    return organization


@transaction.atomic
def update_organization_settings(organization: Organization, *, actor: User, name: str) -> Organization:
    """Rename the organization (its slug, and so its URLs, stay the same)."""
    organization.name = name.strip()
    organization.save(update_fields=["name"])
    return organization


@transaction.atomic
def update_billing(
    organization: Organization, *, actor: User, billing_email: str, plan_name: str, billing_address: str
) -> Organization:
    """Change the billing contact, plan and address."""
    organization.billing_email = billing_email
    organization.plan_name = plan_name
    organization.billing_address = billing_address
    organization.save(update_fields=["billing_email", "plan_name", "billing_address"])
    return organization


def create_project(organization: Organization, *, actor: User, name: str) -> Project:
    """Create a project in the organization."""
    try:
        with transaction.atomic():
            return Project.objects.create(organization=organization, name=name.strip())
    except IntegrityError as exc:
        raise DuplicateNameError() from exc


def rename_project(project: Project, *, actor: User, name: str) -> Project:
    """Rename a project; names are unique (case-insensitively) within an organization."""
    project.name = name.strip()
    try:
        with transaction.atomic():
            project.save(update_fields=["name"])
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project


@transaction.atomic
def leave_organization(organization: Organization, *, actor: User, ip: str | None = None) -> None:
    """The actor leaves the organization, with their project access in it; the last owner cannot."""
    lock_organization(organization)
    membership = Membership.objects.filter(organization=organization, user=actor).first()
    if membership is None:
        return
    ensure_not_last_owner(membership)
    ProjectMembership.objects.filter(project__organization=organization, user=actor).delete()
    membership.delete()
    record_event(
        organization,
        actor=actor,
        action=MembershipEvent.Action.MEMBER_LEFT,
        target_email=actor.email,
        old_role=membership.role,
        ip=ip,
    )
