"""Bulk actions on the Members page in Chromium, with the keyboard alone: with JavaScript off (a plain form
and a preview page) and on. The preview lists what applies and what is skipped; Yes runs it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

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


def tick_with_keyboard(page: Page, email: str) -> None:
    box = page.get_by_label(f"Select {email}")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_an_owner_revokes_several_invitations_at_once_with_the_keyboard(
    open_page: OpenPage, crowd, owner: User, live_server, javascript: bool
):
    page = open_page(user=owner, javascript=javascript)
    page.goto(f"{live_server.url}{MEMBERS}")
    for email in ("ann@example.com", "bob@example.com", "dee@example.com"):
        tick_with_keyboard(page, email)
    page.get_by_label("Bulk action", exact=True).focus()
    page.get_by_label("Bulk action", exact=True).select_option("revoke")
    page.get_by_role("button", name="Review selection").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Revoke Invitation", level=1)).to_be_visible()
    expect(page.get_by_text("Applies to 2 rows")).to_be_visible()
    expect(page.get_by_text("dee@example.com: A member, not an invitation.")).to_be_visible()
    if not javascript:
        check_screen(page, "bulk-preview", readme_image="bulk-preview.png")
    page.get_by_role("button", name="Yes, revoke invitation for 2").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Revoke Invitation: done for 2 people")).to_be_visible()
    revoked = Invitation.objects.filter(status="revoked").values_list("email", flat=True)
    assert sorted(revoked) == ["ann@example.com", "bob@example.com"]
    assert OutboundEmail.objects.filter(kind="invitation_revoked").count() == 2
