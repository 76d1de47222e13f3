"""Dialogs never fail silently: another actor changed the row first (revoke, resend, edit role, leave), the
session expired, the connection dropped. Each shows what happened inside the dialog, or moves the whole page
to sign in and back; with JavaScript off the same cases are pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from members import services
from members.models import Invitation, Membership, Organization, User
from tests.browser.conftest import BrowserProblems, OpenPage, check_screen
from tests.browser.test_journeys import open_row_action, row
from tests.factories import PASSWORD, InvitationFactory

pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"


def assert_told_in_the_dialog(page: Page, title: str, message: str) -> None:
    problem = page.get_by_role("dialog", name=title)
    expect(problem.get_by_role("alert")).to_contain_text(message)
    expect(problem.get_by_role("link", name="Close")).to_be_focused()


def close_problem(page: Page, title: str) -> None:
    problem = page.get_by_role("dialog", name=title)
    problem.get_by_role("link", name="Close").click()
    expect(problem).to_be_hidden()


def test_revoke_after_someone_else_revoked_says_so_and_refreshes_the_table(
    open_page: OpenPage, browser_problems: BrowserProblems, organization: Organization, owner: User
) -> None:
    invitation = InvitationFactory(organization=organization, email="pat@example.com", pending=True)
    page = open_page(user=owner)
    page.goto(MEMBERS)
    dialog = open_row_action(page, "pat@example.com", "Revoke Invitation")
    services.revoke_invitation(invitation, actor=owner)  # in another tab

    browser_problems.expect("answered 409", "status of 409")
    dialog.get_by_role("button", name="Yes").click()
    assert_told_in_the_dialog(page, "Already changed", "This invitation is no longer pending: it was revoked.")
    expect(row(page, "pat@example.com")).to_have_count(0)  # the table behind the dialog was refreshed
    check_screen(page, "stale-revoke-dialog")
    close_problem(page, "Already changed")


def test_resend_after_the_invitee_accepted_says_so_and_refreshes_the_table(
    open_page: OpenPage, browser_problems: BrowserProblems, organization: Organization, owner: User
) -> None:
    invitation = InvitationFactory(organization=organization, email="pat@example.com", pending=True)
    page = open_page(user=owner)
    page.goto(MEMBERS)
    dialog = open_row_action(page, "pat@example.com", "Resend invitation")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ACCEPTED)  # the invitee joined

    browser_problems.expect("answered 409", "status of 409")
    dialog.get_by_role("button", name="Yes").click()
    assert_told_in_the_dialog(page, "Already changed", "This invitation is no longer pending: it was accepted.")
    expect(row(page, "pat@example.com")).to_have_count(0)
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.ACCEPTED


@pytest.mark.parametrize(("action", "button"), [("Edit Role", "Save"), ("Leave", "Yes")])
def test_edit_role_or_leave_of_someone_another_owner_removed_says_so_and_refreshes_the_table(
    open_page: OpenPage,
    browser_problems: BrowserProblems,
    organization: Organization,
    owner: User,
    member: User,
    action: str,
    button: str,
) -> None:
    page = open_page(user=owner)
    page.goto(MEMBERS)
    dialog = open_row_action(page, "member@example.com", action)
    services.remove_member(Membership.objects.get(user=member), actor=owner)  # another owner, first

    browser_problems.expect("answered 404", "status of 404")
    dialog.get_by_role("button", name=button).click()
    assert_told_in_the_dialog(page, "No longer there", "This person is no longer a member of Acme Corp.")
    expect(row(page, "member@example.com")).to_have_count(0)
    close_problem(page, "No longer there")
    expect(page.get_by_role("link", name="Invite User")).to_be_visible()


def test_a_stale_dialog_without_javascript_is_a_page_that_says_why(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    invitation = InvitationFactory(organization=organization, email="pat@example.com", pending=True)
    page = open_page(user=owner, javascript=False)
    page.goto(reverse("members:invitation_revoke", args=[organization.slug, invitation.pk]))
    services.revoke_invitation(invitation, actor=owner)
    with page.expect_response(re.compile("/revoke/$")) as answer:
        page.get_by_role("button", name="Yes").click()
    assert answer.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text("Already changed")
    expect(page.get_by_role("alert")).to_contain_text("This invitation is no longer pending: it was revoked.")
    page.get_by_role("link", name="Back to Members").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))


def test_after_the_session_expired_invite_user_goes_to_sign_in_and_back_to_the_members_page(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    page = open_page(user=owner)
    page.goto(f"{MEMBERS}?status=pending")
    Session.objects.all().delete()  # the session expired while the page stayed open

    page.get_by_role("link", name="Invite User").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/members/%3Fstatus%3Dpending$"))
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    expect(page.locator("dialog")).to_have_count(0)  # the whole page, not the sign-in form inside a dialog
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{MEMBERS}\?status=pending$"))


def test_a_dropped_connection_is_reported_in_the_dialog_with_a_retry(
    open_page: OpenPage, browser_problems: BrowserProblems, organization: Organization, owner: User
) -> None:
    page = open_page(user=owner)
    page.goto(MEMBERS)
    offline = re.compile(r"/members/invite/$")

    def drop(route: Route) -> None:
        route.abort("internetdisconnected")

    page.route(offline, drop)
    # htmx logs the failed request itself (htmx:sendError, htmx:afterRequest), as does Chromium.
    browser_problems.expect("htmx:sendError", "htmx:afterRequest", "ERR_INTERNET_DISCONNECTED")
    page.get_by_role("link", name="Invite User").click()
    problem = page.get_by_role("dialog", name="No connection")
    expect(problem.get_by_role("alert")).to_contain_text("OrgConsole could not be reached, so nothing was changed.")
    expect(problem.get_by_role("button", name="Try again")).to_be_focused()
    check_screen(page, "no-connection-dialog")

    page.unroute(offline)
    problem.get_by_role("button", name="Try again").click()
    invite = page.get_by_role("dialog", name="Invite User")
    expect(invite.get_by_label("New User(s)")).to_be_focused()

    # A POST that cannot be sent keeps what was typed and sends it again on retry.
    invite.get_by_label("New User(s)").fill("kay@example.com")
    page.route(offline, drop)
    invite.get_by_role("button", name="Invite").click()
    expect(invite.get_by_role("alert")).to_contain_text("OrgConsole could not be reached")
    expect(invite.get_by_label("New User(s)")).to_have_value("kay@example.com")
    assert not Invitation.objects.exists()
    page.unroute(offline)
    invite.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to kay@example.com.")).to_be_visible()


def test_a_server_error_is_reported_in_the_dialog_with_a_retry_that_keeps_the_form(
    open_page: OpenPage, browser_problems: BrowserProblems, organization: Organization, owner: User
) -> None:
    page = open_page(user=owner)
    page.goto(MEMBERS)
    page.get_by_role("link", name="Invite User").click()
    invite = page.get_by_role("dialog", name="Invite User")
    invite.get_by_label("New User(s)").fill("kay@example.com")

    def fail(route: Route) -> None:
        route.fulfill(status=502, body="Bad Gateway")  # a proxy in front of OrgConsole, say

    page.route(re.compile(r"/members/invite/$"), fail, times=1)
    browser_problems.expect("answered 502", "status of 502", "Error Code 502", "htmx:afterRequest")
    invite.get_by_role("button", name="Invite").click()
    expect(invite.get_by_role("alert")).to_contain_text("OrgConsole could not finish this (error 502).")
    expect(invite.get_by_label("New User(s)")).to_have_value("kay@example.com")
    invite.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to kay@example.com.")).to_be_visible()
