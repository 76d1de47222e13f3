"""Deleting an organization or a project (members.services.deletion): what goes, who is told (delivered after the
rows are gone), what stays for staff and until when."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from members import services
from members.exceptions import OrganizationNameMismatchError, ProjectGoneError
from members.models import (
    ApiToken,
    DeletedOrganization,
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    OutboundEmail,
    Project,
    ProjectMembership,
)
from members.roles import ProjectRole
from members.services.tokens import create_api_token
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)
from tests.helpers import db_snapshot, html_part, run_together, run_worker

IP = "203.0.113.9"


@pytest.fixture
def full_organization(organization, owner, member):
    """Acme with a project someone has access to, a pending invitation offering it, and an API token."""
    project = ProjectFactory(organization=organization, name="Warehouse")
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_WRITE)
    invitation = InvitationFactory(organization=organization, email="invitee@example.com", invited_by=owner)
    InvitationProjectFactory(invitation=invitation, project=project, role=ProjectRole.READ_ONLY)
    services.rename_project(project, actor=owner, name="Warehouse")  # an earlier audit row (a no-op rename)
    secret = create_api_token(organization, actor=owner, name="CI", scopes=["members:read"], expires_in_days=30).secret
    return organization, secret


def test_deleting_an_organization_deletes_everything_in_it(full_organization, owner, other_owner):
    organization, _secret = full_organization
    other = Organization.objects.get(slug="other")

    tombstone = services.delete_organization(organization, actor=owner, confirm_name="Acme Corp", ip=IP)

    assert not Organization.objects.filter(slug="acme").exists()
    assert not Membership.objects.filter(organization_id=tombstone.former_id).exists()
    assert not Invitation.objects.exists() and not InvitationProject.objects.exists()
    assert not Project.objects.exists() and not ProjectMembership.objects.exists()
    assert not ApiToken.objects.filter(organization_id=tombstone.former_id).exists()
    assert Membership.objects.filter(organization=other, user=other_owner).exists(), "other organizations stay"
    assert (tombstone.name, tombstone.slug, tombstone.deleted_by, tombstone.deleted_by_email) == (
        "Acme Corp",
        "acme",
        owner,
        owner.email,
    )
    assert (tombstone.members, tombstone.invitations, tombstone.projects) == (2, 1, 1)


def test_the_audit_trail_stays_for_staff_with_the_tombstone(full_organization, owner):
    organization, _secret = full_organization
    earlier = set(MembershipEvent.objects.filter(organization=organization).values_list("pk", flat=True))

    tombstone = services.delete_organization(organization, actor=owner, confirm_name="Acme Corp", ip=IP)

    kept = MembershipEvent.objects.filter(deleted_organization=tombstone)
    assert earlier < set(kept.values_list("pk", flat=True))
    assert set(kept.values_list("organization_name", flat=True)) == {"Acme Corp"}
    assert not kept.exclude(organization=None).exists()
    deleted = kept.get(action=MembershipEvent.Action.ORGANIZATION_DELETED)
    assert (deleted.actor, deleted.ip_address) == (owner, IP)
    assert deleted.detail == "2 members, 1 pending invitations, 1 projects"


def test_every_member_and_invitee_is_emailed_after_the_rows_are_gone(full_organization, owner, member):
    organization, _secret = full_organization
    InvitationFactory(organization=organization, email="MEMBER@example.com")  # the same person: one email

    services.delete_organization(organization, actor=owner, confirm_name="Acme Corp")
    assert not Organization.objects.filter(slug="acme").exists()
    run_worker()

    by_address = {message.to[0]: message for message in mail.outbox if "deleted" in message.subject}
    assert set(by_address) == {owner.email, member.email, "invitee@example.com"}
    deletion_emails = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ORGANIZATION_DELETED)
    assert list(deletion_emails.values_list("status", "organization")) == [(OutboundEmail.Status.SENT, None)] * 3
    to_member = by_address[member.email]
    assert to_member.subject == "Acme Corp was deleted"
    for body in (to_member.body, html_part(to_member)):
        assert "Olivia Owner" in body and "You were Organization Member there" in body
        assert "you no longer have access" in body and "kept by OrgConsole's staff" in body
    assert "the invitation you received no longer works" in by_address["invitee@example.com"].body
    assert "You deleted the organization" in by_address[owner.email].body


def test_a_queued_invitation_email_is_not_sent_once_the_organization_is_deleted(organization, owner):
    services.invite_members(organization, actor=owner, emails=["late@example.com"], role="member")

    services.delete_organization(organization, actor=owner, confirm_name="Acme Corp")
    run_worker()

    assert [message.subject for message in mail.outbox] == ["Acme Corp was deleted"] * 2
    invitation_email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.INVITATION)
    assert invitation_email.status == OutboundEmail.Status.CANCELLED


def test_the_organizations_api_and_scim_tokens_stop_working(full_organization, owner):
    organization, secret = full_organization
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    scim_secret = create_api_token(organization, actor=owner, name="Okta", scopes=["scim"], expires_in_days=30).secret
    scim = Client(HTTP_AUTHORIZATION=f"Bearer {scim_secret}")
    assert api.get("/api/v1/organization").status_code == 200
    assert scim.get("/scim/v2/Users").status_code == 200

    services.delete_organization(organization, actor=owner, confirm_name="Acme Corp")

    assert api.get("/api/v1/organization").status_code == 401
    assert scim.get("/scim/v2/Users").status_code == 401


@pytest.mark.parametrize("typed", ["acme corp", "Acme Corp ", "Other Org", ""])
def test_a_name_that_is_not_exactly_the_organizations_deletes_nothing(full_organization, owner, typed):
    organization, _secret = full_organization
    before = db_snapshot()

    with pytest.raises(OrganizationNameMismatchError):
        services.delete_organization(organization, actor=owner, confirm_name=typed)

    assert db_snapshot() == before


# --- Retention -------------------------------------------------------------------------------------------------


def _deleted(organization, owner, *, days_ago: int) -> DeletedOrganization:
    tombstone = services.delete_organization(organization, actor=owner, confirm_name=organization.name)
    DeletedOrganization.objects.filter(pk=tombstone.pk).update(deleted_at=timezone.now() - timedelta(days=days_ago))
    return tombstone


def test_purge_deletes_the_trail_of_organizations_deleted_before_the_retention(organization, owner, other_owner):
    old = _deleted(organization, owner, days_ago=366)
    other = Organization.objects.get(slug="other")
    recent = _deleted(other, other_owner, days_ago=364)
    live = MembershipFactory(owner=True).organization
    services.update_organization_settings(live, actor=owner, name="Still here")

    deleted = services.purge_deleted_organizations(retention_days=365, batch_size=1)

    assert deleted == 1
    assert not DeletedOrganization.objects.filter(pk=old.pk).exists()
    assert DeletedOrganization.objects.filter(pk=recent.pk).exists()
    assert MembershipEvent.objects.filter(deleted_organization=recent).count() == 1
    assert MembershipEvent.objects.filter(organization=live).count() == 1


def test_purge_activity_enforces_the_deleted_organization_retention_setting(organization, owner, settings):
    settings.ACTIVITY_RETENTION_DAYS = None
    settings.DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS = 30
    _deleted(organization, owner, days_ago=31)

    out = io.StringIO()
    call_command("purge_activity", stdout=out)

    assert not MembershipEvent.objects.exists() and not DeletedOrganization.objects.exists()
    assert "Deleted 1 event(s) of organizations deleted more than 30 day(s) ago." in out.getvalue()


# --- Delete project --------------------------------------------------------------------------------------------


def test_deleting_a_project_removes_its_access_and_tells_who_had_it(full_organization, owner, member):
    organization, _secret = full_organization
    project = Project.objects.get(name="Warehouse")
    kept = ProjectFactory(organization=organization, name="Kept")
    ProjectMembershipFactory(project=kept, user=member)

    told = services.delete_project(project, actor=owner, ip=IP)

    assert told == 2
    assert not Project.objects.filter(pk=project.pk).exists()
    assert list(ProjectMembership.objects.values_list("project__name", flat=True)) == ["Kept"]
    assert Invitation.objects.get().status == Invitation.Status.PENDING, "the invitation itself stays"
    assert not InvitationProject.objects.exists()
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.PROJECT_DELETED)
    assert (event.detail, event.actor, event.ip_address) == ("Warehouse", owner, IP)
    assert event.project_access == {"before": {member.email: ProjectRole.READ_WRITE}}
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox if "deleted" in message.subject}
    assert set(by_address) == {member.email, "invitee@example.com"}
    assert by_address[member.email].subject == "Project Warehouse in Acme Corp was deleted"
    assert "You had Project Read-Write access" in by_address[member.email].body
    assert "no longer includes it (Project Read-Only)" in by_address["invitee@example.com"].body


def test_deleting_a_project_someone_else_just_deleted_is_refused(organization, owner):
    project = ProjectFactory(organization=organization)
    stale = Project.objects.get(pk=project.pk)
    services.delete_project(project, actor=owner)
    before = db_snapshot()

    with pytest.raises(ProjectGoneError):
        services.delete_project(stale, actor=owner)

    assert db_snapshot() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_deletions_of_one_organization_at_once_delete_it_once():
    owner = UserFactory(email="alice@example.com")
    organization = OrganizationFactory(name="Race", owner=owner)
    MembershipFactory(organization=organization, user__email="bob@example.com")

    results = run_together(
        *(
            lambda: services.delete_organization(
                Organization.objects.get(pk=organization.pk), actor=owner, confirm_name="Race"
            )
            for _ in range(2)
        )
    )

    assert sorted(type(result).__name__ for result in results) == ["DeletedOrganization", "OrganizationGoneError"]
    assert DeletedOrganization.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ORGANIZATION_DELETED).count() == 2
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.ORGANIZATION_DELETED).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_deletions_of_one_project_at_once_tell_people_once():
    owner = UserFactory(email="alice@example.com")
    organization = OrganizationFactory(owner=owner)
    project = ProjectFactory(organization=organization)
    ProjectMembershipFactory(project=project, user=MembershipFactory(organization=organization).user)

    results = run_together(
        *(lambda: services.delete_project(Project.objects.get(pk=project.pk), actor=owner) for _ in range(2))
    )

    assert sorted(type(result).__name__ for result in results) == ["ProjectGoneError", "int"]
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.PROJECT_DELETED).count() == 1
