"""Organizations and projects (members.services.organizations): create, unique slugs and project names,
rename, settings and billing."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import DuplicateNameError
from members.models import Membership, MembershipEvent
from members.roles import OrgRole
from tests.factories import (
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)


@pytest.mark.django_db
def test_create_organization_makes_the_actor_its_owner_and_audits_it():
    user = UserFactory()

    organization = services.create_organization(actor=user, name="  Umbrella  ", ip="10.0.0.1")

    assert organization.name == "Umbrella"
    assert organization.slug == "umbrella"
    assert Membership.objects.get(organization=organization).role == OrgRole.OWNER
    event = MembershipEvent.objects.get(organization=organization)
    assert (event.action, event.actor, event.ip_address) == ("organization_created", user, "10.0.0.1")


@pytest.mark.django_db
def test_organization_slugs_stay_unique_for_equal_names():
    first = services.create_organization(actor=UserFactory(), name="Acme")
    second = services.create_organization(actor=UserFactory(), name="Acme")

    assert (first.slug, second.slug) == ("acme", "acme-2")


@pytest.mark.django_db
def test_project_names_are_unique_per_organization_case_insensitively(organization, owner):
    services.create_project(organization, actor=owner, name="Production")

    with pytest.raises(DuplicateNameError):
        services.create_project(organization, actor=owner, name="production")
    assert organization.projects.count() == 1
    # Another organization may use the same name.
    other = OrganizationFactory()
    services.create_project(other, actor=owner, name="Production")


@pytest.mark.django_db
def test_rename_project_refuses_a_duplicate_and_keeps_the_old_name(organization, owner):
    ProjectFactory(organization=organization, name="Staging")
    project = ProjectFactory(organization=organization, name="Production")

    with pytest.raises(DuplicateNameError):
        services.rename_project(project, actor=owner, name="STAGING")
    project.refresh_from_db()
    assert project.name == "Production"


@pytest.mark.django_db
def test_update_settings_and_billing(organization, owner):
    services.update_organization_settings(organization, actor=owner, name="Acme Inc")
    services.update_billing(
        organization, actor=owner, billing_email="ap@acme.test", plan_name="Pro", billing_address="1 Road"
    )

    organization.refresh_from_db()
    assert (organization.name, organization.slug) == ("Acme Inc", "acme")
    assert (organization.billing_email, organization.plan_name, organization.billing_address) == (
        "ap@acme.test",
        "Pro",
        "1 Road",
    )
