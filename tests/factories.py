"""factory-boy factories with traits for the common states."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from members.models import (
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    Project,
    ProjectMembership,
    User,
)
from members.roles import OrgRole, ProjectRole

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Users have a verified primary address unless built with ``verified=False``."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    billing_email = "billing@example.com"

    @factory.post_generation
    def owner(self, create: bool, extracted: User | None, **kwargs: object) -> None:
        """Every organization gets an owner (pass ``owner=user`` to choose who)."""
        if create:
            Membership.objects.create(organization=self, user=extracted or UserFactory(), role=OrgRole.OWNER)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrgRole.MEMBER

    class Params:
        owner = factory.Trait(role=OrgRole.OWNER)


class ProjectMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectMembership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = ProjectRole.READ_ONLY


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = OrgRole.MEMBER
    invited_by = factory.LazyAttribute(lambda o: o.organization.memberships.filter(role=OrgRole.OWNER).first().user)
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(hours=settings.INVITATION_EXPIRY_HOURS))

    class Params:
        pending = factory.Trait(status=Invitation.Status.PENDING)
        expired = factory.Trait(
            sent_at=factory.LazyFunction(
                lambda: timezone.now() - timedelta(hours=settings.INVITATION_EXPIRY_HOURS + 1)
            ),
        )
        revoked = factory.Trait(status=Invitation.Status.REVOKED)
        accepted = factory.Trait(status=Invitation.Status.ACCEPTED)
        owner = factory.Trait(role=OrgRole.OWNER)


class InvitationProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvitationProject

    invitation = factory.SubFactory(InvitationFactory)
    project = factory.LazyAttribute(lambda o: ProjectFactory(organization=o.invitation.organization))
    role = ProjectRole.READ_ONLY


class MembershipEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipEvent

    organization = factory.SubFactory(OrganizationFactory)
    organization_name = factory.LazyAttribute(lambda o: o.organization.name)
    actor = None
    actor_email = factory.LazyAttribute(lambda o: o.actor.email if o.actor else "")
    action = MembershipEvent.Action.INVITED
    target_email = factory.Sequence(lambda n: f"affected{n}@example.com")
    new_role = OrgRole.MEMBER
