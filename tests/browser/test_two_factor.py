"""Two-factor journeys in Chromium: an authenticator app set up from the account menu and asked for at
sign-in; a passkey on Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) used as
a second factor and to sign in on its own; an organization that requires it blocking, then admitting, a
member; the owner's confirmation that lists who is affected; the Sessions page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from members.models import Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.factories import PASSWORD
from tests.two_factor import totp_code, with_totp

pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_password(page: Page) -> None:
    """allauth asks for the password again before a two-factor change, unless the password was typed recently
    (signing in with it counts)."""
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()


def fresh_code(secret: str) -> str:
    """The app's current code, taken early in its 30-second step so it is still current when submitted."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30)
    return totp_code(secret, time.time())


def set_up_authenticator_app(page: Page) -> str:
    page.get_by_role("link", name="Activate").click()
    confirm_password(page)
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()  # the QR code
    check_screen(page, "two-factor-activate", readme_image="two-factor-activate.png")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(fresh_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    return secret


def test_an_authenticator_app_is_set_up_from_the_account_menu_and_asked_for_at_sign_in(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    page = open_page()
    sign_in(page, owner.email)
    page.get_by_text(owner.display_name, exact=True).first.click()
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    check_screen(page, "two-factor")
    secret = set_up_authenticator_app(page)
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    download = page.get_by_role("link", name="Download codes")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "orgconsole-recovery-codes.txt"
    assert Path(info.value.path()).read_text().split() == codes
    page.get_by_label("I have saved my recovery codes").check()
    check_screen(page, "two-factor-recovery-codes", readme_image="two-factor-recovery-codes.png")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Two-factor authentication").click()
    page.get_by_text(owner.display_name, exact=True).first.click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, owner.email)
    expect(page).to_have_url(re.compile("/accounts/2fa/authenticate/$"))
    check_screen(page, "two-factor-sign-in")
    page.get_by_label("Code").fill("000000" if totp_code(secret, time.time()) != "000000" else "111111")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    time.sleep(30 - time.time() % 30)  # a fresh step: the code from set-up is not used twice
    page.get_by_label("Code").fill(fresh_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))


def add_virtual_authenticator(page: Page) -> None:
    """Chromium's virtual authenticator: a platform passkey that verifies the user without a prompt."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def test_a_passkey_is_a_second_factor_and_signs_in_on_its_own(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    page = open_page()
    add_virtual_authenticator(page)
    sign_in(page, owner.email)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add", exact=True).click()
    confirm_password(page)
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    check_screen(page, "two-factor-add-key")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.WEBAUTHN).count() == 1

    # As the second factor after the password.
    page.context.clear_cookies()
    sign_in(page, owner.email)
    expect(page).to_have_url(re.compile("/accounts/2fa/authenticate/$"))
    page.get_by_role("button", name="Use a security key").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))

    # On its own: no address, no password.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(f"{MEMBERS}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")


def test_an_organization_that_requires_it_blocks_then_admits_a_member(
    open_page: OpenPage, organization: Organization, owner: User, member: User
) -> None:
    with_totp(owner)
    owner_page = open_page(user=owner)
    owner_page.goto("/o/acme/settings/")
    owner_page.get_by_role("link", name="Turn on Require two-factor authentication").click()
    expect(owner_page.get_by_text("1 member of Acme Corp does not have two-factor authentication yet")).to_be_visible()
    expect(owner_page.get_by_role("listitem").filter(has_text="Max Member")).to_be_visible()
    check_screen(owner_page, "two-factor-require-confirm")
    owner_page.get_by_role("button", name="Turn on").click()
    expect(owner_page.get_by_text("1 member without it was emailed")).to_be_visible()

    page = open_page()
    sign_in(page, member.email)
    page.goto("/o/acme/projects/")
    expect(page).to_have_url(re.compile("/accounts/2fa/$"))
    expect(page.get_by_text("Acme Corp requires two-factor authentication. Set it up to continue.")).to_be_visible()
    set_up_authenticator_app(page)
    page.get_by_label("I have saved my recovery codes").check()
    page.get_by_role("link", name="Continue to Acme Corp").click()
    expect(page).to_have_url(re.compile("/o/acme/projects/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")


def test_the_sessions_page_signs_out_another_browser(
    open_page: OpenPage, organization: Organization, owner: User
) -> None:
    other = open_page()
    sign_in(other, owner.email)
    page = open_page()
    sign_in(page, owner.email)
    page.goto("/accounts/sessions/")
    expect(page.get_by_text("This browser")).to_be_visible()
    check_screen(page, "sessions")
    page.get_by_role("button", name="Sign out all other sessions").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and this browser
    other.goto(MEMBERS)
    expect(other).to_have_url(re.compile("/accounts/login/"))
