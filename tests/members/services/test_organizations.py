"""Organizations and projects (members.services.organizations): create, unique slugs and project names,
rename, settings and billing."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import DuplicateNameError
from members.models import Membership, MembershipEvent, Organization
from members.roles import OrgRole
from tests.factories import (
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.helpers import run_together


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


# --- #11.7: organizations with the same name, at once ---------------------------------------------------------------


def test_picking_a_free_slug_costs_the_same_queries_however_many_share_the_name(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = UserFactory(email="maker@example.com")
    with CaptureQueriesContext(connection) as first:
        services.create_organization(actor=owner, name="Same Name")
    for _ in range(10):
        services.create_organization(actor=owner, name="Same Name")
    with CaptureQueriesContext(connection) as twelfth:
        twelfth_organization = services.create_organization(actor=owner, name="Same Name")

    assert twelfth_organization.slug == "same-name-12"
    assert len(twelfth.captured_queries) == len(first.captured_queries)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_organizations_created_at_once_with_the_same_name_all_succeed():
    makers = [UserFactory(email=f"maker{n}@example.com") for n in range(8)]

    results = run_together(
        *[lambda maker=maker: services.create_organization(actor=maker, name="Same Name") for maker in makers]
    )

    assert all(isinstance(result, Organization) for result in results), results
    assert len({result.slug for result in results}) == len(makers)
