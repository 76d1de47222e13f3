"""Actor-scoped reads. Every lookup is limited to what the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from members.models import Membership, Organization, Project, ProjectMembership, User
from members.roles import OWNER_PROJECT_ROLE, OrgRole, ProjectRole


def organizations_for(user: User) -> QuerySet[Organization]:
    """The organizations the user belongs to, by name."""
    return Organization.objects.filter(memberships__user=user).order_by("name")


def organization_for_member(user: User, slug: str) -> tuple[Organization, Membership]:
    """The organization in the URL and the user's membership in it; 404 for anyone outside it."""
    membership = (
        Membership.objects.select_related("organization").filter(organization__slug=slug, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership.organization, membership


def visible_projects(organization: Organization, *, user: User, membership: Membership) -> list[tuple[Project, str]]:
    """Projects of the organization the user may see, each with the user's project role label.

    Owners see every project (as Project Admin); members see the ones they were granted.
    """
    if membership.role == OrgRole.OWNER:
        label = ProjectRole(OWNER_PROJECT_ROLE).label
        return [(project, label) for project in organization.projects.order_by("name")]
    grants = ProjectMembership.objects.filter(project__organization=organization, user=user).select_related("project")
    return [(grant.project, grant.get_role_display()) for grant in grants.order_by("project__name")]


def project_in_organization(organization: Organization, project_id: int) -> Project:
    """A project by id, only within the organization in the URL."""
    project = Project.objects.filter(organization=organization, pk=project_id).first()
    if project is None:
        raise Http404("No such project.")
    return project
