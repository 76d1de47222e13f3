"""What the emails about an organization or a project ending, and ownership moving, say (``members.emails``
holds the rest). Their contexts are plain values only: an organization's deletion email is delivered after the
organization's rows are gone, so nothing in it may need them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from members.emails import Notification, format_utc, role_label
from members.models import Membership, Organization, OutboundEmail, Project, User
from members.roles import ProjectRole


def _actor(actor: User) -> dict[str, str]:
    return {"actor_name": actor.display_name, "actor_email": actor.email}


def organization_deleted_email(
    organization: Organization, *, actor: User, to_email: str, user_name: str = "", role: str = ""
) -> Notification:
    """To a member (``role`` is theirs) or a pending invitee (no role): ``actor`` deleted the organization."""
    context = {
        **_actor(actor),
        "organization_name": organization.name,
        "user_name": user_name,
        "role_label": role_label(role) if role else "",
        "is_actor": to_email.casefold() == actor.email.casefold(),
        "deleted_at_display": format_utc(timezone.now()),
    }
    # No organization on the row: it is deleted in the same transaction.
    return Notification(
        kind=OutboundEmail.Kind.ORGANIZATION_DELETED, to_email=to_email, organization=None, context=context
    )


def project_deleted_email(
    project: Project, *, actor: User, to_email: str, project_role: str, user_name: str = ""
) -> Notification:
    """To someone with access to the project (``user_name``) or an invitation granting it: it was deleted."""
    context = {
        **_actor(actor),
        "organization_name": project.organization.name,
        "project_name": project.name,
        "user_name": user_name,
        "project_role_label": str(ProjectRole(project_role).label),
        "invited": not user_name,
        "projects_path": reverse("members:projects", args=[project.organization.slug]),
    }
    return Notification(
        kind=OutboundEmail.Kind.PROJECT_DELETED, to_email=to_email, organization=project.organization, context=context
    )


def ownership_transferred_email(membership: Membership, *, actor: User, old_role: str) -> Notification:
    """To the member who is now an Organization Owner because ``actor`` handed the organization over and left."""
    context = {
        **_actor(actor),
        "organization_name": membership.organization.name,
        "user_name": membership.user.display_name,
        "old_role_label": role_label(old_role),
        "members_path": reverse("members:members", args=[membership.organization.slug]),
    }
    return Notification(
        kind=OutboundEmail.Kind.OWNERSHIP_TRANSFERRED,
        to_email=membership.user.email,
        organization=membership.organization,
        context=context,
    )
