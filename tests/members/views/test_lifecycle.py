"""Delete organization, Delete project and Transfer ownership (members.views.lifecycle), and the Leave organization
page that leads to them: owner paths with and without htmx, the password asked again, denials that change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from members import services
from members.models import DeletedOrganization, Membership, Organization, Project, ProjectMembership
from members.roles import OrgRole
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, ProjectMembershipFactory
from tests.helpers import (
    accept_token,
    db_snapshot,
    db_snapshot_without_refusals,
    recently_authenticated,
    run_worker,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Typing the password again is rate-limited (allauth, in the cache): these tests do it often, and must not
    use up the budget of the tests that run after them."""
    cache.clear()
    yield
    cache.clear()


def url(name: str, *args: object) -> str:
    return reverse(f"members:{name}", args=["acme", *args])


# --- Delete organization --------------------------------------------------------------------------------------


def test_settings_offer_delete_organization_to_owners_only(owner_client, member_client, organization):
    assert url("organization_delete") in owner_client.get(url("settings")).content.decode()
    assert url("organization_delete") not in member_client.get(url("settings")).content.decode()


def test_the_page_says_what_happens_to_the_data(owner_client, organization, member, settings):
    settings.DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS = 90
    ProjectFactory(organization=organization)

    page = owner_client.get(url("organization_delete")).content.decode()

    assert "Its 2 memberships are deleted" in page and "Its 1 project is deleted" in page
    assert "Its 0 pending invitations are deleted" in page and "API tokens (SCIM included)" in page
    assert "kept for OrgConsole's staff for 90 days after the deletion, then deleted" in page
    assert "Every member and pending invitee is told by email." in page


def test_owner_deletes_the_organization_and_its_pages_are_gone(owner_client, owner, organization, member):
    recently_authenticated(owner_client)

    response = owner_client.post(url("organization_delete"), {"name": "Acme Corp"}, follow=True)

    assert response.redirect_chain[0][0] == reverse("members:home")
    assert "Acme Corp was deleted." in response.content.decode()
    assert not Organization.objects.filter(slug="acme").exists()
    assert DeletedOrganization.objects.get().deleted_by == owner
    for client in (owner_client, client_for(member)):
        assert client.get(url("members")).status_code == 404
        assert client.get(url("settings")).status_code == 404
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == [member.email, owner.email]


def test_a_wrong_name_is_refused_in_the_dialog_and_deletes_nothing(owner_client, organization):
    recently_authenticated(owner_client)
    before = db_snapshot()

    response = owner_client.post(url("organization_delete"), {"name": "acme corp"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Type it exactly as shown to delete it." in html and 'value="acme corp"' in html
    assert db_snapshot() == before


def test_deleting_needs_the_password_again_and_then_is_done(organization):
    owner = Membership.objects.get(organization=organization).user
    client = client_for(owner)  # signed in long ago
    before = db_snapshot()

    detour = client.post(url("organization_delete"), {"name": "Acme Corp"})

    assert detour.status_code == 302 and detour["Location"].startswith(reverse("account_reauthenticate"))
    assert db_snapshot() == before
    client.post(detour["Location"], {"password": PASSWORD})
    assert not Organization.objects.filter(slug="acme").exists()


def test_a_member_cannot_delete_the_organization(member_client, organization, member):
    before = db_snapshot()

    response = member_client.post(url("organization_delete"), {"name": "Acme Corp"})

    assert response.status_code == 403
    assert db_snapshot_without_refusals() == before and not mail.outbox


def test_another_organizations_owner_gets_404_and_changes_nothing(organization, other_owner):
    client = recently_authenticated(client_for(other_owner))
    before = db_snapshot()

    response = client.post(url("organization_delete"), {"name": "Acme Corp"})

    assert response.status_code == 404 and db_snapshot() == before


def test_with_htmx_success_moves_the_whole_page_home(owner_client, organization):
    recently_authenticated(owner_client)
    assert "<html" not in owner_client.get(url("organization_delete"), **HTMX).content.decode()

    response = owner_client.post(url("organization_delete"), {"name": "Acme Corp"}, **HTMX)

    assert response["HX-Redirect"] == reverse("members:home")


# --- Leave organization leads the last owner to Transfer ownership or Delete organization ---------------------


def test_the_only_member_is_pointed_to_delete_organization_not_offered_yes(owner_client, organization):
    page = owner_client.get(url("leave")).content.decode()

    assert "To leave it, delete the organization" in page and url("organization_delete") in page
    assert ">Yes</button>" not in page and url("transfer_ownership") not in page


def test_the_last_owner_with_members_is_offered_transfer_ownership(owner_client, organization, member):
    page = owner_client.get(url("leave")).content.decode()

    assert "You are the last Organization Owner" in page and url("transfer_ownership") in page
    assert ">Yes</button>" not in page


def test_an_owner_with_a_co_owner_may_leave_or_transfer(owner_client, organization):
    MembershipFactory(organization=organization, owner=True)

    page = owner_client.get(url("leave")).content.decode()

    assert ">Yes</button>" in page and url("transfer_ownership") in page


def test_a_member_leaving_is_not_offered_owner_actions(member_client, organization):
    page = member_client.get(url("leave")).content.decode()

    assert ">Yes</button>" in page and url("transfer_ownership") not in page and "member-dialog" not in page


# --- Transfer ownership ---------------------------------------------------------------------------------------


def test_owner_transfers_ownership_and_leaves(owner_client, owner, organization, member):
    recently_authenticated(owner_client)
    page = owner_client.get(url("transfer_ownership")).content.decode()
    assert f'<option value="{member.email}">' in page

    response = owner_client.post(url("transfer_ownership"), {"email": "MEMBER@example.com"}, follow=True)

    assert "Max Member is now an Organization Owner of Acme Corp, and you left it." in response.content.decode()
    assert list(Membership.objects.filter(organization=organization).values_list("user", "role")) == [
        (member.pk, OrgRole.OWNER)
    ]
    assert owner_client.get(url("members")).status_code == 404


@pytest.mark.parametrize("email", ["stranger@example.com", "owner@example.com", "other-owner@example.com"])
def test_someone_who_is_not_another_member_is_refused(owner_client, organization, member, stranger, other_owner, email):
    recently_authenticated(owner_client)
    before = db_snapshot()

    response = owner_client.post(url("transfer_ownership"), {"email": email}, **HTMX)

    assert response.status_code == 200
    assert "Choose another Verified member of the organization" in response.content.decode()
    assert db_snapshot() == before


def test_a_member_cannot_transfer_ownership(member_client, organization, owner):
    before = db_snapshot()

    response = member_client.post(url("transfer_ownership"), {"email": owner.email})

    assert response.status_code == 403 and db_snapshot_without_refusals() == before


# --- Delete project -------------------------------------------------------------------------------------------


def test_owner_deletes_a_project_from_the_projects_page(owner_client, organization, member):
    project = ProjectFactory(organization=organization, name="Warehouse")
    ProjectMembershipFactory(project=project, user=member)
    recently_authenticated(owner_client)
    assert url("project_delete", project.pk) in owner_client.get(url("projects")).content.decode()
    question = owner_client.get(url("project_delete", project.pk), **HTMX).content.decode()
    assert "Delete the project “Warehouse” of Acme Corp? 1 people with access" in question
    assert f'href="{url("projects")}"' in question  # Cancel goes back to Projects

    response = owner_client.post(url("project_delete", project.pk), **HTMX)

    assert response["HX-Redirect"] == url("projects")
    assert not Project.objects.exists() and not ProjectMembership.objects.exists()
    run_worker()
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_a_member_cannot_delete_a_project(member_client, organization, member):
    project = ProjectFactory(organization=organization)
    ProjectMembershipFactory(project=project, user=member)
    assert url("project_delete", project.pk) not in member_client.get(url("projects")).content.decode()
    before = db_snapshot()

    response = member_client.post(url("project_delete", project.pk))

    assert response.status_code == 403 and db_snapshot_without_refusals() == before


def test_another_organizations_project_is_404(owner_client, organization, other_owner):
    theirs = ProjectFactory(organization=Organization.objects.get(slug="other"))
    recently_authenticated(owner_client)

    response = owner_client.post(url("project_delete", theirs.pk))

    assert response.status_code == 404 and Project.objects.filter(pk=theirs.pk).exists()


def test_an_invitation_link_of_a_deleted_organization_says_it_is_not_valid(owner_client, owner, organization, settings):
    services.invite_members(organization, actor=owner, emails=["late@example.com"], role="member")
    run_worker()
    token = accept_token(mail.outbox[0].body, settings.SITE_URL)
    services.delete_organization(organization, actor=owner, confirm_name="Acme Corp")

    response = client_for(None).get(reverse("members:invitation_open", args=[token]), follow=True)

    assert response.status_code in {404, 410} and "This invitation link is not valid." in response.content.decode()
