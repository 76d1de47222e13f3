"""Organizations and their projects: create, rename, settings and billing."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from members.exceptions import DuplicateNameError
from members.models import Membership, MembershipEvent, Organization, Project, User
from members.roles import OrgRole
from members.services._common import record_event, record_membership_event

SLUG_ATTEMPTS = 5


def _free_slug(name: str) -> str:
    """The name's slug, or with the next free ``-<n>`` suffix: one query, however many share the name."""
    base = slugify(name)[:100] or "organization"
    taken = Organization.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").values_list("slug", flat=True)
    suffixes = [int(slug.rpartition("-")[2]) if slug != base else 1 for slug in taken]
    return f"{base}-{max(suffixes) + 1}" if suffixes else base


def _insert_with_free_slug(*, name: str, billing_email: str) -> Organization:
    """Insert the organization; a concurrent insert that took the same slug costs one more try, never a 500."""
    for _attempt in range(SLUG_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return Organization.objects.create(name=name, slug=_free_slug(name), billing_email=billing_email)
        except IntegrityError:
            continue
    # Still racing (many at once): a random suffix cannot collide in practice.
    slug = f"{slugify(name)[:100] or 'organization'}-{get_random_string(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    return Organization.objects.create(name=name, slug=slug, billing_email=billing_email)


@transaction.atomic
def create_organization(*, actor: User, name: str, ip: str | None = None) -> Organization:
    """Create an organization with the actor as its first Organization Owner."""
    organization = _insert_with_free_slug(name=name.strip(), billing_email=actor.email)
    membership = Membership.objects.create(organization=organization, user=actor, role=OrgRole.OWNER)
    record_membership_event(
        membership, actor=actor, action=MembershipEvent.Action.ORGANIZATION_CREATED, new_role=OrgRole.OWNER, ip=ip
    )
    return organization


@transaction.atomic
def update_organization_settings(organization: Organization, *, actor: User, name: str) -> Organization:
    """Rename the organization (its slug, and so its URLs, stay the same)."""
    old_name, organization.name = organization.name, name.strip()
    organization.save(update_fields=["name"])
    detail = f"name: {old_name} → {organization.name}"
    record_event(organization, actor=actor, action=MembershipEvent.Action.SETTINGS_CHANGED, detail=detail)
    return organization


@transaction.atomic
def update_billing(
    organization: Organization, *, actor: User, billing_email: str, plan_name: str, billing_address: str
) -> Organization:
    """Change the billing contact, plan and address."""
    after = {"billing_email": billing_email, "plan_name": plan_name, "billing_address": billing_address}
    before = {key: getattr(organization, key) for key in after}
    for key, value in after.items():
        setattr(organization, key, value)
    organization.save(update_fields=list(after))
    detail = ", ".join(key for key in after if before[key] != after[key])  # which fields, not their values
    record_event(organization, actor=actor, action=MembershipEvent.Action.BILLING_CHANGED, detail=detail)
    return organization


def create_project(organization: Organization, *, actor: User, name: str) -> Project:
    """Create a project in the organization."""
    try:
        with transaction.atomic():
            project = Project.objects.create(organization=organization, name=name.strip())
            record_event(organization, actor=actor, action=MembershipEvent.Action.PROJECT_CREATED, detail=project.name)
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project


def rename_project(project: Project, *, actor: User, name: str) -> Project:
    """Rename a project; names are unique (case-insensitively) within an organization."""
    old_name, project.name = project.name, name.strip()
    try:
        with transaction.atomic():
            project.save(update_fields=["name"])
            detail = f"{old_name} → {project.name}"
            record_event(
                project.organization, actor=actor, action=MembershipEvent.Action.PROJECT_RENAMED, detail=detail
            )
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project
