"""Load the demo organization. Safe to run any number of times: it never duplicates."""

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.models import Membership, Organization, Project, ProjectMembership, User
from members.roles import OrgRole, ProjectRole

DEMO_PASSWORD = "correct-horse-battery"  # Development only; documented in the README.
OWNER_EMAIL = "owner@example.com"

PEOPLE = [
    (OWNER_EMAIL, "Olivia Owner", OrgRole.OWNER),
    ("grace@example.com", "Grace Hopper", OrgRole.OWNER),
    ("member@example.com", "Max Member", OrgRole.MEMBER),
    ("ada@example.com", "Ada Lovelace", OrgRole.MEMBER),
    ("linus@example.com", "Linus Torvalds", OrgRole.MEMBER),
]
PROJECT_ACCESS = [
    ("member@example.com", "Staging", ProjectRole.READ_WRITE),
    ("ada@example.com", "Production", ProjectRole.READ_ONLY),
]


class Command(BaseCommand):
    help = "Create the demo organization Acme Corp with owners, members and projects (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            # The demo accounts' password is published in the README: never create them where people sign in.
            raise CommandError("demo_data refuses to run with the production settings (DEMO_DATA_ALLOWED is off).")
        organization, _ = Organization.objects.get_or_create(
            slug="acme-corp",
            defaults={"name": "Acme Corp", "billing_email": "billing@example.com", "plan_name": "Enterprise"},
        )
        projects = {
            name: Project.objects.get_or_create(organization=organization, name=name)[0]
            for name in ("Production", "Staging")
        }
        users = {}
        for email, name, role in PEOPLE:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": role})
            users[email] = user
        for email, project_name, role in PROJECT_ACCESS:
            ProjectMembership.objects.get_or_create(
                user=users[email], project=projects[project_name], defaults={"role": role}
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {organization.name} with {organization.memberships.count()} members "
                f"and {organization.projects.count()} projects.\n"
                f"Sign in as {OWNER_EMAIL} (Organization Owner) or member@example.com (Organization Member), "
                f"password {DEMO_PASSWORD!r} (development only)."
            )
        )
