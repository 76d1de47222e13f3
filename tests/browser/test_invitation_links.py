"""Links an owner delivers themselves, in Chromium: Copy invitation link from a Pending row and Invite User with
"Don't send the email" (JavaScript off: tests/members/views/test_invitation_links.py). The
link is shown once, copies to the clipboard, and opens the invitation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from members.models import Invitation, Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.browser.test_journeys import MEMBERS, open_row_action, row
from tests.factories import InvitationFactory

pytestmark = pytest.mark.browser


def opens_the_invitation(open_page: OpenPage, link: str, live_server: Any, email: str) -> None:
    invitee = open_page()
    invitee.goto(link.replace("https://console.example.test", live_server.url))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Join Acme Corp")
    expect(invitee.get_by_text(email).first).to_be_visible()


def test_an_owner_copies_a_fresh_link_and_the_invitee_opens_it(
    open_page: OpenPage, organization: Organization, owner: User, live_server: Any
) -> None:
    invitation = InvitationFactory(organization=organization, email="pat@example.com")
    page = open_page(user=owner)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(MEMBERS)

    dialog = open_row_action(page, "pat@example.com", "Copy invitation link")
    expect(dialog).to_contain_text("no email is sent")
    dialog.get_by_role("button", name="Yes").click()

    dialog = page.get_by_role("dialog", name="Invitation link")
    field = dialog.get_by_label("Invitation link for pat@example.com")
    expect(field).to_be_focused()  # ready for Ctrl+C; its text is selected
    link = field.input_value()
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    check_screen(page, "copy-link-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row(page, "pat@example.com")).to_contain_text("Link copied, not emailed")
    assert mail.outbox == []

    opens_the_invitation(open_page, link, live_server, "pat@example.com")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def invite_without_email(page: Page, addresses: str) -> None:
    page.get_by_role("link", name="Invite User").click()
    dialog = page.get_by_role("dialog", name="Invite User")
    dialog.get_by_label("New User(s)").fill(addresses)
    dialog.get_by_label("Don't send the email").check()
    dialog.get_by_role("button", name="Invite").click()


def test_inviting_without_the_email_shows_each_link_once(
    open_page: OpenPage, organization: Organization, owner: User, live_server: Any
) -> None:
    page = open_page(user=owner)
    page.goto(MEMBERS)

    invite_without_email(page, "a@example.com, b@example.com")

    dialog = page.get_by_role("dialog", name="Invitation links")
    expect(dialog).to_contain_text("2 invitations created, no email sent")
    links = [
        dialog.get_by_label(f"Invitation link for {email}").input_value()
        for email in ("a@example.com", "b@example.com")
    ]
    check_screen(page, "invite-links-dialog")
    dialog.get_by_role("link", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(row(page, "a@example.com")).to_contain_text("Link copied, not emailed")
    expect(row(page, "b@example.com")).to_contain_text("Link copied, not emailed")
    invitations = Invitation.objects.filter(organization=organization).order_by("email")
    assert [(i.email, i.status, i.delivery_status) for i in invitations] == [
        ("a@example.com", Invitation.Status.PENDING, Invitation.Delivery.LINK_ONLY),
        ("b@example.com", Invitation.Status.PENDING, Invitation.Delivery.LINK_ONLY),
    ]
    assert mail.outbox == []
    opens_the_invitation(open_page, links[1], live_server, "b@example.com")
