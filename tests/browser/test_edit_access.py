"""Edit Role with Project Access (#12), in Chromium: a Verified member's projects and a pending invitation's offer
edited in the dialog; Organization Owner disables Project Access live with JavaScript, and is refused with the
same explanation without it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from members.models import Invitation, Membership, Organization, Project, ProjectMembership, User
from members.roles import OrgRole, ProjectRole
from tests.browser.conftest import OpenPage, check_screen, deliver_emails, emails_to, link_in
from tests.browser.test_journeys import MEMBERS, cell, invite, open_row_action, open_row_action_page
from tests.factories import PASSWORD, ProjectFactory

pytestmark = pytest.mark.browser

OWNER_NOTE = "Owners have every project as Project Admin"


@pytest.fixture
def projects(organization: Organization) -> dict[str, Project]:
    return {name: ProjectFactory(organization=organization, name=name) for name in ("Analytics", "Production")}


def test_an_owner_edits_a_members_project_access_and_the_member_gets_one_email(
    open_page: OpenPage, owner: User, member: User, projects: dict[str, Project]
) -> None:
    ProjectMembership.objects.create(project=projects["Analytics"], user=member, role=ProjectRole.READ_ONLY)
    page = open_page(user=owner)
    page.goto(MEMBERS)

    dialog = open_row_action(page, "member@example.com", "Edit Role")
    expect(dialog.get_by_label("Analytics")).to_have_value(ProjectRole.READ_ONLY)
    expect(dialog.get_by_text(OWNER_NOTE)).to_be_visible()
    # Choosing Organization Owner disables Project Access at once; going back enables it with the choices kept.
    dialog.get_by_role("radio", name="Organization Owner").check()
    expect(dialog.get_by_label("Analytics")).to_be_disabled()
    check_screen(page, "edit-role-owner-disables-project-access")
    dialog.get_by_role("radio", name="Organization Member").check()
    expect(dialog.get_by_label("Analytics")).to_be_enabled()

    dialog.get_by_label("Analytics").select_option(label="Project Read-Write")
    dialog.get_by_label("Production").select_option(label="Project Admin")
    check_screen(page, "edit-role-with-project-access", readme_image="edit-role-project-access.png")
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Project Access of Max Member updated.")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(cell(page, "member@example.com", "Project Access")).to_contain_text("Analytics: Project Read-Write")
    expect(cell(page, "member@example.com", "Project Access")).to_contain_text("Production: Project Admin")
    deliver_emails()
    [email] = emails_to("member@example.com")
    assert email.subject == "Your access to Acme Corp changed"
    assert "Analytics: Project Read-Only -> Project Read-Write" in email.body
    assert "Production: added as Project Admin" in email.body


def test_an_owner_edits_a_pending_invitation_and_its_first_link_still_joins_with_the_new_access(
    open_page: OpenPage, live_server: Any, owner: User, organization: Organization, projects: dict[str, Project]
) -> None:
    invite(organization, "grace@example.com", Analytics=ProjectRole.READ_ONLY)
    page = open_page(user=owner)
    page.goto(MEMBERS)

    dialog = open_row_action(page, "grace@example.com", "Edit Role")
    expect(dialog.get_by_text("Invitation: grace@example.com")).to_be_visible()
    expect(dialog.get_by_label("Analytics")).to_have_value(ProjectRole.READ_ONLY)
    dialog.get_by_label("Analytics").select_option(label="No access")
    dialog.get_by_label("Production").select_option(label="Project Read-Write")
    check_screen(page, "edit-role-of-an-invitation")
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="link still works")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(cell(page, "grace@example.com", "Project Access")).to_have_text("Production: Project Read-Write")
    expect(cell(page, "grace@example.com", "Organization Role")).to_have_text("Organization Member")
    expect(cell(page, "grace@example.com", "Status")).to_have_text("Pending")
    invitation = Invitation.objects.get(email="grace@example.com")
    assert invitation.status == Invitation.Status.PENDING
    assert list(invitation.project_grants.values_list("project__name", "role")) == [
        ("Production", ProjectRole.READ_WRITE)
    ]

    [email] = emails_to("grace@example.com")  # the one sent before the edit
    invitee = open_page()
    invitee.goto(link_in(email, live_server.url))
    expect(invitee).to_have_url(re.compile("/invitations/join/$"))
    expect(invitee.get_by_text("Production: Project Read-Write")).to_be_visible()
    expect(invitee.get_by_text("Analytics")).to_have_count(0)


def test_without_javascript_an_owner_with_project_roles_is_explained_and_nothing_is_saved(
    open_page: OpenPage, owner: User, member: User, projects: dict[str, Project]
) -> None:
    ProjectMembership.objects.create(project=projects["Analytics"], user=member, role=ProjectRole.READ_ONLY)
    page = open_page(user=owner, javascript=False)
    page.goto(MEMBERS)
    open_row_action_page(page, "member@example.com", "Edit Role")

    page.get_by_role("radio", name="Organization Owner").check()
    expect(page.get_by_label("Analytics")).to_be_enabled()  # nothing disables it without JavaScript
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text(OWNER_NOTE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Role")
    check_screen(page, "edit-role-owner-refused-without-javascript")
    assert Membership.objects.get(user=member).role == OrgRole.MEMBER
    assert list(ProjectMembership.objects.filter(user=member).values_list("project__name", "role")) == [
        ("Analytics", ProjectRole.READ_ONLY)
    ]

    page.get_by_role("radio", name="Organization Owner").check()
    page.get_by_label("Analytics").select_option(label="No access")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Password").fill(PASSWORD)  # making an Owner asks for the password again
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(page.get_by_role("status").filter(has_text="Max Member is now Organization Owner.")).to_be_visible()
    expect(cell(page, "member@example.com", "Organization Role")).to_have_text("Organization Owner")
    assert Membership.objects.get(user=member).role == OrgRole.OWNER
    assert not ProjectMembership.objects.filter(user=member).exists()
