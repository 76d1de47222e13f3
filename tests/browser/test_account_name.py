"""Your name (#12), in Chromium: from the account menu, with the keyboard-reachable form; the new name shows in the
top bar and on the Members page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.models import Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.browser.test_journeys import MEMBERS, row

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_a_user_changes_their_display_name_from_the_account_menu(
    open_page: OpenPage, owner: User, organization: Organization, javascript: bool
) -> None:
    page = open_page(user=owner, javascript=javascript)
    page.goto(MEMBERS)
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="Your name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your name")
    expect(page.get_by_label("Name")).to_have_value("Olivia Owner")
    if javascript:
        check_screen(page, "your-name")

    page.get_by_label("Name").fill("see www.evil.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Names cannot contain web or email addresses.")).to_be_visible()
    assert User.objects.get(pk=owner.pk).name == "Olivia Owner"
    page.get_by_label("Name").fill("Olivia Ortega")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Your name is now Olivia Ortega.")).to_be_visible()
    expect(page.locator(".account-menu__name")).to_have_text("Olivia Ortega")
    page.goto(MEMBERS)
    expect(row(page, "owner@example.com")).to_contain_text("Olivia Ortega")
    assert User.objects.get(pk=owner.pk).name == "Olivia Ortega"
