"""Edit Role with Project Access (#12), in Chromium: a Verified member's projects and a pending invitation's offer
edited in the dialog; Organization Owner disables Project Access live with JavaScript, and is refused with the
same explanation without it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.models import Organization, Project, ProjectMembership, User
from members.roles import ProjectRole
from tests.browser.conftest import OpenPage, check_screen, deliver_emails, emails_to
from tests.browser.test_journeys import MEMBERS, cell, open_row_action
from tests.factories import ProjectFactory

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
