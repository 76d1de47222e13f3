"""The journeys people take through OrgConsole, in Chromium: with the mouse, with the keyboard alone, with
JavaScript off. Each screen is screenshotted and audited with axe-core (``check_screen``); every test fails on a
JavaScript error, a console error, a CSP violation or a failed asset request (``BrowserProblems``)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from members import services
from members.models import Invitation, Membership, Organization, OutboundEmail, Project, ProjectMembership, User
from members.roles import OrgRole, ProjectRole
from members.tokens import invitation_token_generator
from tests.browser.conftest import OpenPage, check_screen, deliver_emails, emails_to, link_in
from tests.factories import PASSWORD, InvitationFactory, ProjectFactory

# Marked here, at collection, so that `-m "not browser"` deselects them.
pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"


@pytest.fixture
def projects(organization: Organization) -> dict[str, Project]:
    return {name: ProjectFactory(organization=organization, name=name) for name in ("Analytics", "Production")}


def row(page: Page, email: str) -> Locator:
    return page.get_by_role("row").filter(has_text=email)


def cell(page: Page, email: str, column: str) -> Locator:
    """A cell of the Members table by the row's address and the column's header text."""
    headers = page.get_by_role("columnheader").all_inner_texts()
    index = next(i for i, text in enumerate(headers) if text.strip().startswith(column))
    return row(page, email).get_by_role("cell").nth(index)


def open_row_action(page: Page, email: str, action: str) -> Locator:
    """Open a row's actions menu, pick an action, and return the dialog it opens."""
    row(page, email).locator("summary").click()
    row(page, email).get_by_role("link", name=action).click()
    dialog = page.get_by_role("dialog", name=action)
    expect(dialog).to_be_visible()
    return dialog


def open_row_action_page(page: Page, email: str, action: str) -> None:
    """With JavaScript off: open a row's actions menu (a <details>) and follow an action to its page."""
    row(page, email).locator("summary").click()
    row(page, email).get_by_role("link", name=action).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(action)


def invite(organization: Organization, email: str, *, role: str = OrgRole.MEMBER, **project_roles: str) -> Invitation:
    """An invitation made the way the Invite User dialog makes one, its email delivered."""
    owner = organization.memberships.get(role=OrgRole.OWNER).user
    grants = {organization.projects.get(name=name): role for name, role in project_roles.items()}
    result = services.invite_members(organization, actor=owner, emails=[email], role=role, project_roles=grants)
    deliver_emails()
    return result.invited[0]


def is_focused_inside(page: Page, selector: str) -> bool:
    return page.evaluate("(s) => document.querySelector(s).contains(document.activeElement)", selector)


def assert_members_table_is_a_real_table(page: Page) -> None:
    table = page.get_by_role("table", name=re.compile("^Members and open invitations"))
    expect(table).to_be_visible()
    for header in ("User", "Organization Role", "Project Access", "Status", "Invited by", "Invited / Joined"):
        expect(table.get_by_role("columnheader", name=header)).to_have_count(1)


# --- 1. Invite User -----------------------------------------------------------------------------


def test_an_owner_signs_in_and_invites_an_owner_and_a_member_who_show_as_pending(
    open_page: OpenPage, organization: Organization, member: User, projects: dict[str, Project]
) -> None:
    page = open_page()
    page.goto(MEMBERS)
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    check_screen(page, "sign-in")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")

    page.get_by_role("link", name="Invite User").click()
    dialog = page.get_by_role("dialog", name="Invite User")
    expect(dialog).to_be_visible()
    check_screen(page, "invite-dialog", readme_image="invite-dialog.png")
    dialog.get_by_label("New User(s)").fill("ada@example.com")
    dialog.get_by_label("Organization Role").select_option(label="Organization Owner")
    dialog.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to ada@example.com.")).to_be_visible()

    page.get_by_role("link", name="Invite User").click()
    dialog.get_by_label("New User(s)").fill("grace@example.com")
    expect(dialog.get_by_label("Organization Role")).to_have_value(OrgRole.MEMBER)
    dialog.get_by_label("Analytics").select_option(label="Project Read-Only")
    dialog.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to grace@example.com.")).to_be_visible()

    expect(dialog).to_be_hidden()
    assert_members_table_is_a_real_table(page)
    expect(cell(page, "ada@example.com", "Status")).to_have_text("Pending")
    expect(cell(page, "ada@example.com", "Organization Role")).to_have_text("Organization Owner")
    expect(cell(page, "ada@example.com", "Project Access")).to_have_text("Project Admin on every project")
    expect(cell(page, "grace@example.com", "Status")).to_have_text("Pending")
    expect(cell(page, "grace@example.com", "Organization Role")).to_have_text("Organization Member")
    expect(cell(page, "grace@example.com", "Project Access")).to_have_text("Analytics: Project Read-Only")
    expect(cell(page, "member@example.com", "Status")).to_have_text("Verified")
    check_screen(page, "members", readme_image="members.png")

    invitations = {i.email: i for i in Invitation.objects.filter(organization=organization, status="pending")}
    assert set(invitations) == {"ada@example.com", "grace@example.com"}
    assert invitations["ada@example.com"].role == OrgRole.OWNER
    assert not invitations["ada@example.com"].project_grants.exists()
    assert list(invitations["grace@example.com"].project_grants.values_list("project__name", "role")) == [
        ("Analytics", ProjectRole.READ_ONLY)
    ]


# --- 2. Accepting -----------------------------------------------------------------------------


def test_the_invitee_signs_up_from_the_email_and_joins_with_exactly_the_invited_access(
    open_page: OpenPage, live_server: Any, organization: Organization, owner: User, projects: dict[str, Project]
) -> None:
    owner_page = open_page(user=owner)
    invite(organization, "grace@example.com", Analytics=ProjectRole.READ_ONLY)
    owner_page.goto(MEMBERS)
    expect(cell(owner_page, "grace@example.com", "Status")).to_have_text("Pending")

    [email] = emails_to("grace@example.com")
    assert email.subject == "Olivia Owner (owner@example.com) invited you to join Acme Corp on OrgConsole"
    invitee = open_page()
    invitee.goto(link_in(email, live_server.url))
    expect(invitee).to_have_url(re.compile("/invitations/join/$"))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Join Acme Corp")
    expect(invitee.get_by_text("Analytics: Project Read-Only")).to_be_visible()
    check_screen(invitee, "join")

    invitee.get_by_role("button", name="Accept invitation").click()
    expect(invitee.get_by_role("heading", name="Sign Up")).to_be_visible()
    expect(invitee.get_by_label("Email")).to_have_value("grace@example.com")
    check_screen(invitee, "sign-up")
    invitee.get_by_label("Name").fill("Grace Hopper")
    invitee.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    invitee.get_by_label("Password (again)").fill("a-long-and-unusual-passphrase")
    invitee.get_by_role("button", name="Sign Up").click()

    expect(invitee).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(
        invitee.get_by_role("status").filter(has_text="You joined Acme Corp as Organization Member.")
    ).to_be_visible()
    invitee.get_by_role("navigation", name="Organization").get_by_role("link", name="Projects").click()
    projects_table = invitee.get_by_role("table")
    expect(projects_table.get_by_role("row")).to_have_count(2)  # the header row and Analytics only
    expect(projects_table.get_by_role("row").nth(1)).to_contain_text("Analytics")
    expect(projects_table.get_by_role("row").nth(1)).to_contain_text("Project Read-Only")

    grace = User.objects.get(email="grace@example.com")
    assert Membership.objects.get(organization=organization, user=grace).role == OrgRole.MEMBER
    assert list(ProjectMembership.objects.filter(user=grace).values_list("project__name", "role")) == [
        ("Analytics", ProjectRole.READ_ONLY)
    ]

    owner_page.reload()
    expect(cell(owner_page, "grace@example.com", "Status")).to_have_text("Verified")
    expect(cell(owner_page, "grace@example.com", "User")).to_contain_text("Grace Hopper")


# --- 3. Edit Role -----------------------------------------------------------------------------


def test_an_owner_makes_a_member_an_owner_and_back_and_the_member_gets_both_emails(
    open_page: OpenPage, owner: User, member: User
) -> None:
    page = open_page(user=owner)  # signed in long ago: no recent password (#10.5)
    page.goto(MEMBERS)

    dialog = open_row_action(page, "member@example.com", "Edit Role")
    expect(dialog.get_by_role("radio", name="Organization Member")).to_be_checked()
    check_screen(page, "edit-role-dialog")
    dialog.get_by_role("radio", name="Organization Owner").check()
    dialog.get_by_role("button", name="Save").click()
    # Making someone an owner asks for the password again: the whole page goes to allauth's form...
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    assert Membership.objects.get(user=member).role == OrgRole.MEMBER
    check_screen(page, "reauthenticate")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    # ...and then the change is made and the owner is back on the Members page.
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(page.get_by_role("status").filter(has_text="Max Member is now Organization Owner.")).to_be_visible()
    expect(cell(page, "member@example.com", "Organization Role")).to_have_text("Organization Owner")

    dialog = open_row_action(page, "member@example.com", "Edit Role")
    dialog.get_by_role("radio", name="Organization Member").check()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Max Member is now Organization Member.")).to_be_visible()
    expect(cell(page, "member@example.com", "Organization Role")).to_have_text("Organization Member")

    deliver_emails()
    assert [m.subject for m in emails_to("member@example.com")] == [
        "Your role in Acme Corp is now Organization Owner",
        "Your role in Acme Corp is now Organization Member",
    ]


# --- 4. Revoke Invitation ---------------------------------------------------------------------


def test_an_owner_revokes_a_pending_invitation_and_its_link_says_revoked(
    open_page: OpenPage, live_server: Any, organization: Organization, owner: User
) -> None:
    invite(organization, "pat@example.com")
    [email] = emails_to("pat@example.com")
    page = open_page(user=owner)
    page.goto(MEMBERS)

    dialog = open_row_action(page, "pat@example.com", "Resend invitation")
    check_screen(page, "resend-dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()

    dialog = open_row_action(page, "pat@example.com", "Revoke Invitation")
    expect(dialog).to_contain_text("Revoke the invitation to pat@example.com?")
    check_screen(page, "revoke-dialog")
    dialog.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status").filter(has_text="Invitation to pat@example.com revoked.")).to_be_visible()
    expect(row(page, "pat@example.com")).to_have_count(0)

    invitee = open_page()
    response = invitee.goto(link_in(email, live_server.url))
    assert response is not None and response.status == 410
    expect(invitee.get_by_role("heading", level=1)).to_have_text(re.compile("revoked", re.IGNORECASE))
    check_screen(invitee, "revoked-link")


def test_an_expired_link_says_it_expired_and_who_to_ask(open_page: OpenPage, organization: Organization) -> None:
    invitation = InvitationFactory(organization=organization, email="late@example.com", pending=True, expired=True)
    page = open_page()
    response = page.goto(f"/invitations/{invitation_token_generator.make_token(invitation)}/")
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("expired", re.IGNORECASE))
    expect(page.get_by_text("by Olivia Owner (owner@example.com)")).to_be_visible()
    check_screen(page, "expired-link")


# --- 5. Leave ---------------------------------------------------------------------------------


def test_an_owner_removes_a_member_whose_next_page_load_shows_they_no_longer_belong(
    open_page: OpenPage, owner: User, member: User
) -> None:
    member_page = open_page(user=member)
    member_page.goto(MEMBERS)
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Members")

    page = open_page(user=owner)
    page.goto(MEMBERS)
    dialog = open_row_action(page, "member@example.com", "Leave")
    expect(dialog).to_contain_text("Remove Max Member (member@example.com) from Acme Corp?")
    check_screen(page, "leave-dialog")
    dialog.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status").filter(has_text="Max Member was removed from Acme Corp.")).to_be_visible()
    expect(row(page, "member@example.com")).to_have_count(0)

    response = member_page.reload()
    assert response is not None and response.status == 404
    member_page.get_by_role("link", name="Go to your organizations").click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Create organization")
    expect(member_page.get_by_text("You don't belong to any organization yet.")).to_be_visible()
    deliver_emails()
    assert [m.subject for m in emails_to("member@example.com")] == ["You were removed from Acme Corp"]


# --- 6. A member's view -----------------------------------------------------------------------


def test_a_member_sees_everything_read_only_and_a_forged_invite_is_refused(
    open_page: OpenPage, organization: Organization, member: User
) -> None:
    page = open_page()
    page.goto("/")
    page.get_by_label("Email").fill("member@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(cell(page, "owner@example.com", "Status")).to_have_text("Verified")
    expect(page.get_by_role("link", name="Invite User")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Actions")).to_have_count(0)
    expect(page.locator("main details.row-menu")).to_have_count(0)
    check_screen(page, "members-as-member")

    nav = page.get_by_role("navigation", name="Organization")
    nav.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organization Settings")
    expect(page.get_by_text("You have read-only access to organization settings")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    check_screen(page, "settings-as-member")

    nav.get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    expect(page.get_by_text("You have read-only access to billing")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    check_screen(page, "billing-as-member")

    # The page's own session and CSRF token: only the permission check stands in the way.
    csrf_token = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRFToken"]
    response = page.request.post(
        f"{MEMBERS}invite/",
        form={"emails": "forged@example.com", "role": OrgRole.OWNER, "csrfmiddlewaretoken": csrf_token},
        headers={"X-CSRFToken": csrf_token},
    )
    assert response.status == 403
    assert "permission to view this page" in response.text()  # the permission check, not a CSRF failure
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


# --- 7. Keyboard only -------------------------------------------------------------------------


def test_the_invite_journey_works_with_the_keyboard_alone(
    open_page: OpenPage, owner: User, organization: Organization, projects: dict[str, Project]
) -> None:
    page = open_page(user=owner)
    page.goto(MEMBERS)
    trigger = page.get_by_role("link", name="Invite User")
    dialog = page.get_by_role("dialog", name="Invite User")

    for _press in range(30):
        page.keyboard.press("Tab")
        if trigger.evaluate("(el) => el === document.activeElement"):
            break
    expect(trigger).to_be_focused()

    # Enter opens the dialog and focus moves into it; Tab and Shift+Tab stay inside; Esc closes it
    # and focus returns to the trigger.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("New User(s)")).to_be_focused()
    stops = dialog.locator("textarea, select, a[href], button").count()
    for key in ["Tab"] * (stops + 2) + ["Shift+Tab"] * (stops + 2):
        page.keyboard.press(key)
        assert is_focused_inside(page, "#member-dialog"), f"focus left the dialog after {key}"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(trigger).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog.get_by_label("New User(s)")).to_be_focused()
    page.keyboard.type("kay@example.com")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Organization Role")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Analytics")).to_be_focused()
    page.keyboard.press("End")  # a closed <select> takes Home/End/arrow keys: the last option
    expect(dialog.get_by_label("Analytics")).to_have_value(ProjectRole.READ_ONLY)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Don't send the email")).to_be_focused()
    expect(dialog.get_by_label("Don't send the email")).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Invite")).to_be_focused()
    page.keyboard.press("Space")

    expect(page.get_by_role("status").filter(has_text="Invitation sent to kay@example.com.")).to_be_visible()
    expect(cell(page, "kay@example.com", "Status")).to_have_text("Pending")
    expect(cell(page, "kay@example.com", "Project Access")).to_have_text("Analytics: Project Read-Only")

    # A row's menu opens with Enter, its action opens the dialog, and Esc returns focus to the menu button.
    menu_button = row(page, "kay@example.com").locator("summary")
    menu_button.focus()
    page.keyboard.press("Enter")
    for action in ("Edit Role", "Resend invitation", "Copy invitation link", "Revoke Invitation"):
        page.keyboard.press("Tab")
        expect(row(page, "kay@example.com").get_by_role("link", name=action)).to_be_focused()
    page.keyboard.press("Enter")
    revoke = page.get_by_role("dialog", name="Revoke Invitation")
    expect(revoke).to_be_visible()
    assert is_focused_inside(page, "#member-dialog")
    page.keyboard.press("Escape")
    expect(revoke).to_be_hidden()
    expect(menu_button).to_be_focused()
    assert Invitation.objects.get(email="kay@example.com").status == Invitation.Status.PENDING


# --- 8. JavaScript off ------------------------------------------------------------------------


def test_the_invite_journey_works_with_javascript_off(
    open_page: OpenPage, owner: User, organization: Organization, projects: dict[str, Project]
) -> None:
    page = open_page(user=owner, javascript=False)
    page.goto(MEMBERS)
    page.get_by_role("link", name="Invite User").click()

    expect(page).to_have_url(re.compile(f"{MEMBERS}invite/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite User")
    check_screen(page, "invite-page-without-javascript")
    page.get_by_label("New User(s)").fill("noscript@example.com")
    page.get_by_label("Production").select_option(label="Project Read-Write")
    page.get_by_role("button", name="Invite").click()

    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(page.get_by_role("status").filter(has_text="Invitation sent to noscript@example.com.")).to_be_visible()
    expect(cell(page, "noscript@example.com", "Status")).to_have_text("Pending")
    expect(cell(page, "noscript@example.com", "Project Access")).to_have_text("Production: Project Read-Write")

    # The row menu is a <details>: it opens without JavaScript, and its action is a page with a form.
    open_row_action_page(page, "noscript@example.com", "Revoke Invitation")
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status").filter(has_text="Invitation to noscript@example.com revoked.")).to_be_visible()
    assert Invitation.objects.get(email="noscript@example.com").status == Invitation.Status.REVOKED


# --- 9. Validation ----------------------------------------------------------------------------


def test_invite_errors_appear_next_to_the_field_inside_the_dialog(
    open_page: OpenPage, owner: User, organization: Organization
) -> None:
    invite(organization, "pat@example.com")
    page = open_page(user=owner)
    page.goto(MEMBERS)
    page.get_by_role("link", name="Invite User").click()
    dialog = page.get_by_role("dialog", name="Invite User")
    field = dialog.get_by_label("New User(s)")

    def assert_field_error(*messages: str) -> None:
        errors = dialog.locator("#id_emails_error")
        expect(errors).to_be_visible()
        for message in messages:
            expect(errors).to_contain_text(message)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(r"\bid_emails_error\b"))
        expect(field).to_be_focused()
        # Next to the field: in the same field group, just before the control.
        assert errors.evaluate("(el) => el.nextElementSibling.id") == "id_emails"

    dialog.get_by_role("button", name="Invite").click()
    assert_field_error("Enter at least one email address.")
    check_screen(page, "invite-dialog-errors")

    field.fill("not-an-address, kay@")
    dialog.get_by_role("button", name="Invite").click()
    assert_field_error("“not-an-address” is not a valid email address.", "“kay@” is not a valid email address.")

    field.fill("pat@example.com")
    dialog.get_by_role("button", name="Invite").click()
    assert_field_error("pat@example.com already has a pending invitation")

    expect(dialog).to_be_visible()
    assert list(Invitation.objects.values_list("email", flat=True)) == ["pat@example.com"]
    assert len(mail.outbox) == 1  # the first invitation's email, nothing since
