"""Edit Role over HTTP (members.views.edit_access): a Verified member's or a pending invitation's Organization
Role and Project Access in one dialog, with and without htmx; Owners get no project roles; refusals change
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Invitation, InvitationProject, Membership, MembershipEvent, ProjectMembership
from members.roles import OrgRole
from members.tokens import invitation_token_generator
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, recently_authenticated, run_worker

HTMX = {"HTTP_HX_REQUEST": "true"}
OWNER_NOTE = "Owners have every project as Project Admin"


@pytest.fixture
def projects(organization):
    return {name: ProjectFactory(organization=organization, name=name) for name in ("Analytics", "Production")}


@pytest.fixture
def membership(member) -> Membership:
    return Membership.objects.get(user=member)


def edit_url(organization, membership) -> str:
    return reverse("members:member_edit_role", args=[organization.slug, membership.pk])


def invitation_url(organization, invitation) -> str:
    return reverse("members:invitation_edit", args=[organization.slug, invitation.pk])


def field(project) -> str:
    return f"project_{project.pk}"


def grants_of(user) -> dict[str, str]:
    return dict(ProjectMembership.objects.filter(user=user).values_list("project__name", "role"))


def test_the_dialog_shows_the_role_and_current_project_access(owner_client, organization, membership, projects):
    ProjectMembership.objects.create(project=projects["Analytics"], user=membership.user, role="read_write")

    html = owner_client.get(edit_url(organization, membership)).content.decode()

    assert "Edit Role" in html and ">Save</button>" in html and "Project Access" in html
    assert OWNER_NOTE in html and "data-owner-disables-projects" in html
    assert 'value="read_write" selected' in html  # Analytics, as it is now
    assert "js/project_access.js" in html


def test_saving_role_and_project_access_changes_both_and_sends_one_email(
    owner_client, organization, membership, projects, mailoutbox
):
    ProjectMembership.objects.create(project=projects["Analytics"], user=membership.user, role="read_only")
    data = {"role": "member", field(projects["Analytics"]): "", field(projects["Production"]): "admin"}

    response = owner_client.post(edit_url(organization, membership), data, follow=True)
    run_worker()

    assert "Project Access of Max Member updated." in response.content.decode()
    assert grants_of(membership.user) == {"Production": "admin"}
    [message] = mailoutbox
    assert message.to == ["member@example.com"] and message.subject == "Your access to Acme Corp changed"
    assert "Analytics: removed" in message.body and "Production: added as Project Admin" in message.body


def test_a_save_without_changes_says_so_and_sends_nothing(owner_client, organization, membership, projects, mailoutbox):
    before = db_snapshot()

    response = owner_client.post(edit_url(organization, membership), {"role": "member"}, follow=True)
    run_worker()

    assert "Nothing changed" in response.content.decode()
    assert db_snapshot() == before and mailoutbox == []


def test_owner_with_project_roles_is_refused_inside_the_dialog_and_nothing_is_stored(
    owner_client, organization, membership, projects, mailoutbox
):
    recently_authenticated(owner_client)
    before = db_snapshot()

    response = owner_client.post(
        edit_url(organization, membership), {"role": "owner", field(projects["Analytics"]): "admin"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert OWNER_NOTE in html and 'role="alert"' in html
    assert db_snapshot() == before and mailoutbox == []


def test_promoting_to_owner_drops_the_project_roles(owner_client, organization, membership, projects):
    recently_authenticated(owner_client)
    ProjectMembership.objects.create(project=projects["Analytics"], user=membership.user, role="read_only")

    response = owner_client.post(edit_url(organization, membership), {"role": "owner"}, follow=True)

    assert "Max Member is now Organization Owner" in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).role == OrgRole.OWNER
    assert grants_of(membership.user) == {}


def test_a_member_cannot_edit_access_and_nothing_changes(organization, member, projects, mailoutbox):
    colleague = MembershipFactory(organization=organization)
    client = client_for(member)
    before = db_snapshot_without_refusals()

    response = client.post(edit_url(organization, colleague), {"role": "member", field(projects["Analytics"]): "admin"})

    assert response.status_code == 403
    assert db_snapshot_without_refusals() == before and mailoutbox == []


def test_another_organizations_member_or_project_is_refused(owner_client, organization, projects, other_owner):
    foreign = Membership.objects.get(user=other_owner)
    foreign_project = ProjectFactory(organization=foreign.organization)
    mine = MembershipFactory(organization=organization)
    before = db_snapshot()

    assert owner_client.get(edit_url(organization, foreign)).status_code == 404
    response = owner_client.post(edit_url(organization, mine), {"role": "member", field(foreign_project): "admin"})

    assert response.status_code == 200 and "not in this organization" in response.content.decode()
    assert db_snapshot() == before


# --- a pending invitation -------------------------------------------------------------------------------


def test_editing_an_invitation_keeps_its_link_and_the_resend_shows_the_new_access(
    owner_client, organization, projects, mailoutbox
):
    invitation = InvitationFactory(organization=organization, email="new@example.com")
    token = invitation_token_generator.make_token(invitation)

    page = owner_client.get(invitation_url(organization, invitation)).content.decode()
    assert "Edit Role" in page and "new@example.com" in page and "Pending" in page
    response = owner_client.post(
        invitation_url(organization, invitation),
        {"role": "member", field(projects["Production"]): "read_write"},
        follow=True,
    )

    html = response.content.decode()
    assert "Project Access of new@example.com updated." in html and "link still works" in html
    invitation.refresh_from_db()
    assert invitation_token_generator.check_token(invitation, token)
    assert list(invitation.project_grants.values_list("project__name", "role")) == [("Production", "read_write")]
    assert MembershipEvent.objects.filter(action="invitation_changed", target_email="new@example.com").exists()
    run_worker()
    assert mailoutbox == []

    owner_client.post(reverse("members:invitation_resend", args=[organization.slug, invitation.pk]))
    run_worker()
    [message] = mailoutbox
    assert "Production: Project Read-Write" in message.body


def test_making_an_invitation_owner_asks_for_the_password_again(owner_client, organization, projects):
    invitation = InvitationFactory(organization=organization)
    before = db_snapshot()

    response = owner_client.post(invitation_url(organization, invitation), {"role": "owner"})

    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert db_snapshot() == before
    recently_authenticated(owner_client)
    owner_client.post(invitation_url(organization, invitation), {"role": "owner"})
    assert Invitation.objects.get(pk=invitation.pk).role == OrgRole.OWNER


def test_an_owner_invitation_with_project_roles_is_refused(owner_client, organization, projects):
    recently_authenticated(owner_client)
    invitation = InvitationFactory(organization=organization)
    before = db_snapshot()

    response = owner_client.post(
        invitation_url(organization, invitation), {"role": "owner", field(projects["Analytics"]): "admin"}
    )

    assert response.status_code == 200 and OWNER_NOTE in response.content.decode()
    assert db_snapshot() == before and not InvitationProject.objects.exists()


def test_a_member_cannot_edit_an_invitation(organization, member, projects):
    invitation = InvitationFactory(organization=organization)
    client = client_for(member)
    before = db_snapshot_without_refusals()

    response = client.post(invitation_url(organization, invitation), {"role": "owner"})

    assert response.status_code == 403 and db_snapshot_without_refusals() == before


def test_an_invitation_no_longer_pending_answers_409_in_the_dialog(owner_client, organization, owner):
    invitation = InvitationFactory(organization=organization, status=Invitation.Status.REVOKED)
    before = db_snapshot()

    response = owner_client.post(invitation_url(organization, invitation), {"role": "member"}, **HTMX)

    assert response.status_code == 409 and "revoked" in response.content.decode()
    assert db_snapshot() == before


def test_pending_rows_offer_edit_role(owner_client, organization):
    invitation = InvitationFactory(organization=organization)
    html = owner_client.get(reverse("members:members", args=[organization.slug])).content.decode()
    assert f'href="{invitation_url(organization, invitation)}"' in html


# --- Invite User: an Owner gets no project roles -----------------------------------------------------


def test_inviting_an_owner_with_project_roles_is_refused_and_keeps_the_input(owner_client, organization, projects):
    recently_authenticated(owner_client)
    before = db_snapshot()

    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "ada@example.com", "role": "owner", field(projects["Analytics"]): "admin"},
    )

    html = response.content.decode()
    assert response.status_code == 200 and OWNER_NOTE in html and "ada@example.com" in html
    assert db_snapshot() == before


def test_the_invite_dialog_no_longer_contradicts_project_access(owner_client, organization, projects):
    html = owner_client.get(reverse("members:invite", args=[organization.slug])).content.decode()
    assert "has no project-level permissions" not in html
    assert "project-level permissions only on the projects you choose in Project Access" in html
    assert OWNER_NOTE in html and "js/project_access.js" in html
