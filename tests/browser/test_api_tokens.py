"""The API tokens page and the API reference in Chromium: an owner creates a token after confirming
their password, sees the secret once, revokes it; the reference page renders without a script."""

from __future__ import annotations

from playwright.sync_api import expect

from members.models import ApiToken, Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.factories import PASSWORD


def test_an_owner_creates_a_token_after_reauthenticating_sees_it_once_and_revokes_it(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    page = open_page(user=owner)
    page.goto(f"/o/{organization.slug}/members/")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")

    page.get_by_label("Token name").fill("Okta")
    page.get_by_label("SCIM provisioning").check()
    page.get_by_role("button", name="Create token").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Confirm").click()

    secret = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert secret.startswith("oc_") and ApiToken.objects.get().name == "Okta"
    check_screen(page, "api-tokens-created")
    page.goto(f"/o/{organization.slug}/api-tokens/")
    expect(page.get_by_text(secret)).to_have_count(0)

    page.get_by_role("link", name="Revoke Okta").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("API token “Okta” revoked.")).to_be_visible()
    assert ApiToken.objects.get().revoked_at is not None
    check_screen(page, "api-tokens")


def test_the_api_reference_is_served_by_the_console(open_page: OpenPage) -> None:
    page = open_page()
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="POST /api/v1/invitations", exact=True)).to_be_visible()
    check_screen(page, "api-docs")
