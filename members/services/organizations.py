"""Organizations and their projects: create, rename, settings and billing."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from members.exceptions import DuplicateNameError
from members.models import Membership, MembershipEvent, Organization, Project, User
from members.roles import OrgRole
from members.services._common import log_on_commit, record_event


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _log_change(organization: Organization, *, actor: User, action: str) -> None:
    # These changes write no audit row (yet); the log line records who made them.
    log_on_commit(f"organization.{action}", action=action, org=organization.slug, actor_id=actor.pk)


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
    _log_change(organization, actor=actor, action="settings_changed")
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
    _log_change(organization, actor=actor, action="billing_changed")
    return organization


def create_project(organization: Organization, *, actor: User, name: str) -> Project:
    """Create a project in the organization."""
    try:
        with transaction.atomic():
            project = Project.objects.create(organization=organization, name=name.strip())
            _log_change(organization, actor=actor, action="project_created")
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project


def rename_project(project: Project, *, actor: User, name: str) -> Project:
    """Rename a project; names are unique (case-insensitively) within an organization."""
    project.name = name.strip()
    try:
        with transaction.atomic():
            project.save(update_fields=["name"])
            _log_change(project.organization, actor=actor, action="project_renamed")
    except IntegrityError as exc:
        raise DuplicateNameError() from exc
    return project
