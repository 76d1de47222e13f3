"""Bulk actions on the Members page in Chromium, with the keyboard alone: with JavaScript off (a plain form
and a confirmation page) and on (the confirmation is a dialog: focus moves in, Tab stays in, Escape closes
it and focus returns to Review selection). The confirmation lists what applies and what is skipped and why;
Yes runs it. The header box ticks the page, and only then "Select all N matching" is offered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.member_list import PAGE_SIZE
from members.models import Invitation, Organization, OutboundEmail, User
from tests.browser.conftest import OpenPage, check_screen
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"


@pytest.fixture
def crowd(organization: Organization) -> Organization:
    for name in ("ann", "bob", "cid"):
        InvitationFactory(organization=organization, email=f"{name}@example.com")
    MembershipFactory(organization=organization, user__email="dee@example.com", user__name="Dee Member")
    return organization


def tick_with_keyboard(page: Page, label: str) -> None:
    box = page.get_by_role("checkbox", name=label, exact=True)  # the one shown (the page box is in two places)
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def review(page: Page, action: str) -> None:
    page.get_by_label("Bulk action", exact=True).focus()
    page.get_by_label("Bulk action", exact=True).select_option(action)
    page.get_by_role("button", name="Review selection").focus()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_an_owner_revokes_several_invitations_at_once_with_the_keyboard(
    open_page: OpenPage, crowd, owner: User, live_server, javascript: bool
):
    page = open_page(user=owner, javascript=javascript)
    page.goto(f"{live_server.url}{MEMBERS}")
    for email in ("ann@example.com", "bob@example.com", "dee@example.com"):
        tick_with_keyboard(page, f"Select {email}")
    if javascript:
        expect(page.get_by_role("status").filter(has_text="selected")).to_have_text("3 rows selected.")
    review(page, "revoke")

    if javascript:
        confirmation = page.get_by_role("dialog", name="Revoke Invitation")
        yes = confirmation.get_by_role("button", name="Yes, revoke invitation for 2")
        expect(yes).to_be_focused()
        for _ in range(6):  # Tab goes round the dialog, never to the page behind it
            page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.closest('dialog') !== null")
        page.keyboard.press("Escape")
        expect(confirmation).to_be_hidden()
        expect(page.get_by_role("button", name="Review selection")).to_be_focused()
        assert not Invitation.objects.filter(status="revoked").exists()
        page.keyboard.press("Enter")
    else:
        confirmation = page.locator("main")
        expect(page.get_by_role("heading", name="Revoke Invitation", level=1)).to_be_visible()
    expect(confirmation.get_by_text("Applies to 2 rows")).to_be_visible()
    applies = confirmation.get_by_role("list", name="Applies to 2 rows").get_by_role("listitem")
    expect(applies).to_have_text(["ann@example.com", "bob@example.com"])  # the page's order
    expect(confirmation.get_by_text("A member, not an invitation. (1)")).to_be_visible()
    expect(confirmation.get_by_role("listitem").filter(has_text="dee@example.com")).to_be_visible()
    if javascript:
        check_screen(page, "bulk-preview-dialog", readme_image="bulk-preview.png", readme_viewport_only=True)
    else:
        check_screen(page, "bulk-preview-page")
    confirmation.get_by_role("button", name="Yes, revoke invitation for 2").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Revoke Invitation: done for 2 people")).to_be_visible()
    revoked = Invitation.objects.filter(status="revoked").values_list("email", flat=True)
    assert sorted(revoked) == ["ann@example.com", "bob@example.com"]
    assert OutboundEmail.objects.filter(kind="invitation_revoked").count() == 2


@pytest.fixture
def two_pages(organization: Organization) -> Organization:
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(organization=organization, email=f"p{n:03}@example.com", sent_at=now, expires_at=now + timedelta(2))
        for n in range(PAGE_SIZE + 9)
    )
    return organization


def test_the_header_box_ticks_the_page_and_then_all_matching_can_be_selected(
    open_page: OpenPage, two_pages, owner: User, live_server
):
    page = open_page(user=owner)
    page.goto(f"{live_server.url}{MEMBERS}?status=pending")
    select_all = page.get_by_role("button", name=f"Select all {PAGE_SIZE + 9} matching rows")
    expect(select_all).to_be_hidden()  # offered only once the page is ticked

    tick_with_keyboard(page, f"Select the {PAGE_SIZE} rows on this page")
    status = page.get_by_role("status").filter(has_text="selected")
    expect(status).to_have_text(f"All {PAGE_SIZE} rows on this page are selected.")
    expect(page.locator("input.row-select[name=row]:checked")).to_have_count(PAGE_SIZE)
    select_all.focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"All {PAGE_SIZE + 9} matching rows are selected.")
    expect(page.get_by_role("button", name="Clear selection")).to_be_focused()
    check_screen(page, "bulk-all-matching")

    review(page, "resend")
    confirmation = page.get_by_role("dialog", name="Resend invitation")
    expect(confirmation.get_by_text(f"Applies to {PAGE_SIZE + 9} rows")).to_be_visible()
    confirmation.get_by_role("link", name="Cancel").focus()
    page.keyboard.press("Enter")
    expect(confirmation).to_be_hidden()

    # Unticking one row leaves "all matching": the selection is what the boxes say again.
    page.get_by_label("Select p000@example.com").focus()
    page.keyboard.press("Space")
    expect(status).to_have_text(f"{PAGE_SIZE - 1} rows selected.")
    expect(page.get_by_role("checkbox", name=f"Select the {PAGE_SIZE} rows on this page")).not_to_be_checked()


def test_without_javascript_the_header_box_sends_the_page_and_review_all_sends_every_row(
    open_page: OpenPage, two_pages, owner: User, live_server
):
    page = open_page(user=owner, javascript=False)
    page.goto(f"{live_server.url}{MEMBERS}?status=pending")
    tick_with_keyboard(page, f"Select the {PAGE_SIZE} rows on this page")
    review(page, "revoke")
    expect(page.get_by_text(f"Applies to {PAGE_SIZE} rows")).to_be_visible()

    page.go_back()
    page.get_by_label("Bulk action", exact=True).select_option("revoke")
    page.get_by_role("button", name=f"Review all {PAGE_SIZE + 9} matching").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Applies to {PAGE_SIZE + 9} rows")).to_be_visible()
