"""The invitee's side in Chromium: Ask for a new invitation from an expired link's page, Decline that asks
first in a dialog (the page without JavaScript and the pre-filled name: tests/members/views and
tests/members/test_forms.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from members.models import Invitation, Organization, User
from members.tokens import invitation_token_generator
from tests.browser.conftest import OpenPage, check_screen, deliver_emails, emails_to
from tests.browser.test_layout import PAGE_OVERFLOW
from tests.factories import InvitationFactory

pytestmark = pytest.mark.browser


def link_for(invitation: Invitation, live_server: Any) -> str:
    return f"{live_server.url}/invitations/{invitation_token_generator.make_token(invitation)}/"


def test_an_expired_link_asks_the_inviter_for_a_new_invitation_once(
    open_page: OpenPage, organization: Organization, owner: User, live_server: Any
) -> None:
    invitation = InvitationFactory(organization=organization, email="late@example.com", expired=True)
    page = open_page()
    page.set_viewport_size({"width": 640, "height": 400})  # a 1280x800 window at 200% zoom
    response = page.goto(link_for(invitation, live_server))
    assert response is not None and response.status == 410

    page.get_by_role("button", name="Ask for a new invitation").click()

    expect(page.get_by_role("status").filter(has_text="Olivia Owner was asked by email")).to_be_visible()
    expect(page.get_by_text(re.compile("You can ask again after"))).to_be_visible()
    expect(page.get_by_role("button", name="Ask for a new invitation")).to_have_count(0)
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    check_screen(page, "ask-for-a-new-invitation-zoom-200")
    deliver_emails()
    [message] = emails_to(owner.email)
    assert "late@example.com asks for a new invitation" in message.subject


def test_decline_asks_first_in_a_dialog_and_cancel_keeps_the_invitation(
    open_page: OpenPage, organization: Organization, owner: User, live_server: Any
) -> None:
    invitation = InvitationFactory(organization=organization, email="ivy@example.com")
    page = open_page()
    page.goto(link_for(invitation, live_server))
    decline = page.get_by_role("link", name="Decline")

    decline.click()
    dialog = page.get_by_role("dialog", name="Decline invitation")
    expect(dialog).to_contain_text("its link stops working")
    check_screen(page, "decline-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(decline).to_be_focused()  # focus back where it was
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING

    decline.click()
    dialog.get_by_role("button", name="Decline invitation").click()
    expect(page.get_by_text("You declined the invitation to join Acme Corp.")).to_be_visible()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    deliver_emails()
    [message] = emails_to(owner.email)
    assert "ivy@example.com declined" in message.subject
