"""Projects pages (members.views.projects): who sees which project, create and rename, duplicate names,
another organization's project."""

from __future__ import annotations

from django.urls import reverse

from members.models import Project
from members.roles import ProjectRole
from tests.factories import (
    ProjectFactory,
    ProjectMembershipFactory,
)


def test_member_sees_only_projects_they_were_granted_with_their_role(member_client, organization, member):
    granted = ProjectFactory(organization=organization, name="Staging")
    ProjectFactory(organization=organization, name="Production")
    ProjectMembershipFactory(project=granted, user=member, role=ProjectRole.READ_WRITE)

    html = member_client.get(reverse("members:projects", args=[organization.slug])).content.decode()

    assert "Staging" in html and "Project Read-Write" in html
    assert "Production" not in html
    assert "Create project" not in html


def test_owner_sees_every_project_as_project_admin(owner_client, organization):
    ProjectFactory(organization=organization, name="Staging")
    ProjectFactory(organization=organization, name="Production")

    html = owner_client.get(reverse("members:projects", args=[organization.slug])).content.decode()

    assert "Staging" in html and "Production" in html and "Project Admin" in html
    assert "Create project" in html


def test_owner_creates_and_renames_projects(owner_client, organization):
    owner_client.post(reverse("members:project_create", args=[organization.slug]), {"name": "Staging"})
    project = Project.objects.get(organization=organization)

    owner_client.post(reverse("members:project_rename", args=[organization.slug, project.pk]), {"name": "QA"})

    project.refresh_from_db()
    assert project.name == "QA"


def test_duplicate_project_name_is_a_form_error(owner_client, organization):
    ProjectFactory(organization=organization, name="Staging")

    response = owner_client.post(reverse("members:project_create", args=[organization.slug]), {"name": "staging"})

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert organization.projects.count() == 1


def test_renaming_another_organizations_project_is_a_404(owner_client, organization):
    foreign = ProjectFactory(name="Theirs")

    response = owner_client.post(reverse("members:project_rename", args=[organization.slug, foreign.pk]), {"name": "x"})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"
