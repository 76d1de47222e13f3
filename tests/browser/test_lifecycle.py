"""Ending and handing over, in Chromium: Delete project from Projects, Transfer ownership from Leave organization,
Delete organization from Settings (with the keyboard alone, and with JavaScript off from the Leave page of a
one-person organization). Each asks for the password again before it acts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import Membership, Organization, Project, ProjectMembership, User
from members.roles import OrgRole, ProjectRole
from tests.browser.conftest import OpenPage, check_screen, deliver_emails, emails_to, sign_in_with_cookie
from tests.factories import PASSWORD, ProjectFactory, ProjectMembershipFactory

pytestmark = pytest.mark.browser


def confirm_password(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Confirm").click()


def test_an_owner_deletes_a_project_and_who_had_access_is_told(
    open_page: OpenPage, organization: Organization, owner: User, member: User
) -> None:
    project = ProjectFactory(organization=organization, name="Warehouse")
    ProjectFactory(organization=organization, name="Kept")
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_WRITE)
    page = open_page(user=owner)
    page.goto("/o/acme/projects/")

    page.get_by_role("link", name="Delete Warehouse").click()
    dialog = page.get_by_role("dialog", name="Delete project")
    expect(dialog).to_contain_text("Delete the project “Warehouse” of Acme Corp?")
    check_screen(page, "delete-project-dialog")
    dialog.get_by_role("button", name="Yes").click()
    confirm_password(page)

    expect(page).to_have_url(re.compile(r"/o/acme/projects/$"))
    expect(page.get_by_role("status").filter(has_text="Project “Warehouse” deleted.")).to_be_visible()
    expect(page.get_by_role("cell", name="Warehouse")).to_have_count(0)
    assert list(Project.objects.values_list("name", flat=True)) == ["Kept"]
    assert not ProjectMembership.objects.exists()
    deliver_emails()
    assert [m.subject for m in emails_to(member.email)] == ["Project Warehouse in Acme Corp was deleted"]


def test_the_last_owner_transfers_ownership_from_the_leave_page(
    open_page: OpenPage, organization: Organization, owner: User, member: User
) -> None:
    page = open_page(user=owner)
    page.goto("/o/acme/settings/")
    page.get_by_role("link", name="Leave", exact=True).click()
    expect(page.get_by_text("You are the last Organization Owner of Acme Corp")).to_be_visible()
    expect(page.get_by_role("button", name="Yes")).to_have_count(0)

    page.get_by_role("link", name="Transfer ownership").click()
    dialog = page.get_by_role("dialog", name="Transfer ownership")
    expect(dialog.get_by_label("New Organization Owner")).to_be_focused()
    check_screen(page, "transfer-ownership-dialog", readme_image="transfer-ownership.png")
    dialog.get_by_label("New Organization Owner").fill("nobody@example.com")
    dialog.get_by_role("button", name="Transfer and leave").click()
    expect(dialog.get_by_text("Choose another Verified member of the organization")).to_be_visible()
    dialog.get_by_label("New Organization Owner").fill(member.email)
    dialog.get_by_role("button", name="Transfer and leave").click()
    confirm_password(page)

    expect(page.get_by_role("status").filter(has_text="Max Member is now an Organization Owner")).to_be_visible()
    assert list(Membership.objects.filter(organization=organization).values_list("user", "role")) == [
        (member.pk, OrgRole.OWNER)
    ]
    deliver_emails()
    assert "You are now an Organization Owner of Acme Corp" in [m.subject for m in emails_to(member.email)]


def test_an_owner_deletes_the_organization_with_the_keyboard_alone(
    open_page: OpenPage, organization: Organization, owner: User, member: User
) -> None:
    member_page = open_page(user=member)
    member_page.goto("/o/acme/members/")
    page = open_page(user=owner)
    page.goto("/o/acme/settings/")

    delete = page.get_by_role("link", name="Delete organization")
    delete.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete organization")
    name = dialog.get_by_label("Type the organization's name to confirm")
    expect(name).to_be_focused()
    expect(dialog).to_contain_text("Its 2 memberships are deleted")
    check_screen(page, "delete-organization-dialog", readme_image="delete-organization.png")
    page.keyboard.type("Acme")
    page.keyboard.press("Enter")
    expect(dialog.get_by_text("Type it exactly as shown to delete it.")).to_be_visible()
    expect(name).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" Corp")
    page.keyboard.press("Enter")
    confirm_password(page)

    expect(page.get_by_role("status").filter(has_text="Acme Corp was deleted.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create organization")
    assert not Organization.objects.filter(slug="acme").exists()
    response = member_page.reload()
    assert response is not None and response.status == 404
    deliver_emails()
    assert [m.subject for m in emails_to(member.email)] == ["Acme Corp was deleted"]


def test_the_only_member_leaves_by_deleting_the_organization_with_javascript_off(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    page = open_page(user=owner, javascript=False)
    page.goto("/o/acme/leave/")
    expect(page.get_by_text("You are the only member of Acme Corp.")).to_be_visible()
    expect(page.get_by_role("button", name="Yes")).to_have_count(0)

    page.get_by_role("link", name="Delete organization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete organization")
    check_screen(page, "delete-organization-page-without-javascript")
    page.get_by_label("Type the organization's name to confirm").fill("Acme Corp")
    page.get_by_role("button", name="Delete organization").click()
    confirm_password(page)

    expect(page.get_by_role("status").filter(has_text="Acme Corp was deleted.")).to_be_visible()
    assert not Organization.objects.exists()


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 640, "height": 400}], ids=["phone", "zoom"])
def test_the_dialogs_fit_a_phone_and_200_percent_zoom_in_dark_mode(
    new_context, live_server, browser_problems, organization: Organization, owner: User, member: User, size
) -> None:
    context = new_context(color_scheme="dark")
    browser_problems.watch(context)
    sign_in_with_cookie(context, owner, live_server.url)
    page = context.new_page()
    page.set_viewport_size(size)
    ProjectFactory(organization=organization, name="Warehouse")
    for start, link, title in (
        ("/o/acme/settings/", "Delete organization", "Delete organization"),
        ("/o/acme/leave/", "Transfer ownership", "Transfer ownership"),
        ("/o/acme/projects/", "Delete Warehouse", "Delete project"),
    ):
        page.goto(start)
        page.get_by_role("link", name=link).click()
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        dialog.get_by_role("button").last.scroll_into_view_if_needed()
        expect(dialog.get_by_role("button").last).to_be_in_viewport()
        check_screen(page, f"{title.lower().replace(' ', '-')}-dialog-{size['width']}-dark")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
