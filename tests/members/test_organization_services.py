"""Foundation services: organizations, projects, settings, billing, leaving, the last-owner rule."""

import threading

import pytest
from django.db import connection

from members import services
from members.exceptions import DuplicateNameError, LastOwnerError
from members.models import Membership, MembershipEvent, Organization, ProjectMembership
from members.roles import OrgRole, ProjectRole
from tests.conftest import requires_postgres
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
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


@pytest.mark.django_db
def test_member_leaves_with_their_project_access(organization, member):
    project = ProjectFactory(organization=organization)
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_WRITE)
    elsewhere = ProjectMembershipFactory(user=member)  # a project in another organization stays

    services.leave_organization(organization, actor=member, ip="127.0.0.1")

    assert not Membership.objects.filter(organization=organization, user=member).exists()
    assert list(ProjectMembership.objects.filter(user=member)) == [elsewhere]
    assert MembershipEvent.objects.filter(action="member_left", target_email=member.email).exists()


@pytest.mark.django_db
def test_last_owner_cannot_leave(organization, owner):
    with pytest.raises(LastOwnerError, match="Promote another member"):
        services.leave_organization(organization, actor=owner)

    assert Membership.objects.filter(organization=organization, user=owner, role=OrgRole.OWNER).exists()
    assert not MembershipEvent.objects.filter(action="member_left").exists()


@pytest.mark.django_db
def test_an_owner_can_leave_when_another_owner_remains(organization, owner):
    MembershipFactory(organization=organization, owner=True)

    services.leave_organization(organization, actor=owner)

    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 1


@pytest.mark.django_db
def test_leaving_an_organization_you_are_not_in_is_a_no_op(organization, stranger):
    services.leave_organization(organization, actor=stranger)

    assert not MembershipEvent.objects.filter(action="member_left").exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner_behind():
    """Without the organization row lock both would see "another owner exists" and both leave."""
    first, second = UserFactory(), UserFactory()
    organization = OrganizationFactory(owner=first)
    MembershipFactory(organization=organization, user=second, owner=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def leave(user):
        try:
            barrier.wait()
            services.leave_organization(Organization.objects.get(pk=organization.pk), actor=user)
            outcomes.append("left")
        except LastOwnerError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=leave, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["left", "refused"]
    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 1
