"""The console at every size: a phone (390 px), a laptop (1024 px), a desktop (1280 px) and 200% zoom of the
desktop, with long names, long addresses and long project lists. No page scrolls sideways, every dialog
fits the viewport, the Actions control of the first and last row can be reached and clicked, and axe-core
finds nothing serious in light or dark mode.

Browser zoom changes how many CSS pixels the window holds: at 200% zoom a 1280x800 window lays the page out
in a 640x400 CSS viewport, which is what these tests emulate (400%: 320x200)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from members import services
from members.models import Membership, Organization, Project, User
from members.roles import OrgRole, ProjectRole
from tests.browser.conftest import BrowserProblems, check_screen, sign_in_with_cookie
from tests.factories import InvitationFactory, InvitationProjectFactory, MembershipFactory, ProjectMembershipFactory
from tests.two_factor import with_totp

pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"
LONG_NAME = "Maximiliana Wilhelmina Bartholomew-Featherstonehaugh of Castle Ravensworth"
LONG_EMAIL = "a.very.long.address.for.an.invitee.who.likes.typing@subdomain.example-corporation.com"
LONG_PROJECT = "Customer-Analytics-Platform-Production-Europe-West"
SIZES = {
    "phone": {"width": 390, "height": 844},
    "laptop": {"width": 1024, "height": 768},
    "desktop": {"width": 1280, "height": 800},
    "zoom-200": {"width": 640, "height": 400},
}
# Only "does anything scroll sideways": the remaining sizes the design must hold at.
MORE_SIZES = {"320": (320, 640), "768": (768, 1024), "1920": (1920, 1080), "zoom-400": (320, 200)}
PAGES = [
    MEMBERS,
    "/o/acme/projects/",
    "/o/acme/settings/",
    "/o/acme/billing/",
    "/o/acme/activity/",
    "/o/acme/api-tokens/",
    "/accounts/email/",
    "/accounts/name/",
    "/o/acme/settings/two-factor/",
    "/o/acme/settings/delete/",
    "/o/acme/leave/",
    "/o/acme/leave/transfer/",
    "/accounts/2fa/",
    "/accounts/sessions/",
]
PLACED = """(list) => { const box = list.getBoundingClientRect();
  return box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth; }"""
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def crowded(organization: Organization, owner: User) -> Organization:
    """Acme Corp with the rows that used to break the layout: a very long name, a very long address, a
    member and an invitation with many long project names, and enough rows for a first and a last."""
    projects = [Project.objects.create(organization=organization, name=f"{LONG_PROJECT}-{n}") for n in range(1, 6)]
    long_named = MembershipFactory(
        organization=organization, user__name=LONG_NAME, user__email="maximiliana@example.com"
    ).user
    for project in projects:
        ProjectMembershipFactory(project=project, user=long_named, role=ProjectRole.READ_WRITE)
    invitation = InvitationFactory(organization=organization, email=LONG_EMAIL, pending=True, owner=True)
    for project in projects[:4]:
        InvitationProjectFactory(invitation=invitation, project=project)
    for n in range(6):
        person = MembershipFactory(
            organization=organization, user__email=f"person{n}@example.com", user__name=f"Person {n}"
        ).user
        if n % 2:
            with_totp(person)  # the owners' Two-factor column shows both states
    MembershipFactory(organization=organization, user__email="zz-last@example.com", user__name="Zoe Last")
    # An audit row with a long name and long project lists, for the Activity page.
    membership = Membership.objects.get(user=long_named)
    services.change_member_role(membership, actor=owner, role=OrgRole.OWNER)  # an Owner keeps no project roles
    services.change_member_role(membership, actor=owner, role=OrgRole.MEMBER)
    for project in projects:
        ProjectMembershipFactory(project=project, user=long_named, role=ProjectRole.READ_WRITE)
    return organization


NewPage = Callable[..., Page]


@pytest.fixture
def sized_page(
    new_context: Callable[..., BrowserContext], live_server: Any, browser_problems: BrowserProblems
) -> NewPage:
    def open_sized(*, user: User | None, viewport: dict[str, int], color_scheme: str = "light") -> Page:
        context = new_context(color_scheme=color_scheme)
        context.set_default_timeout(10_000)
        browser_problems.watch(context)
        if user is not None:
            sign_in_with_cookie(context, user, live_server.url)
        page = context.new_page()
        page.set_viewport_size(viewport)
        return page

    return open_sized


def assert_no_page_overflow(page: Page, where: str) -> None:
    overflow = page.evaluate(PAGE_OVERFLOW)
    assert overflow <= 0, f"{where}: the page is {overflow}px wider than the viewport ({page.viewport_size})"


def assert_inside_viewport(page: Page, locator: Locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not rendered"
    size = page.viewport_size
    assert size is not None
    inside = (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )
    assert inside, f"{what} is outside the {size['width']}x{size['height']} viewport: {box}"


def members_row(page: Page, text: str) -> Locator:
    return page.locator("#members-results tbody tr").filter(has_text=text)


def check_row_actions(page: Page, row: Locator) -> None:
    """The row's Actions control is clickable where it is (no sideways scrolling), its menu opens inside the
    viewport, and its first action opens a dialog that fits the viewport too."""
    summary = row.locator(".row-menu > summary")
    summary.scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollX") == 0
    assert_inside_viewport(page, summary, "the Actions control")
    summary.click()  # Playwright fails this if another element would receive the click
    menu = row.locator(".menu__list")
    expect(menu).to_be_visible()
    # app.js places the menu when it opens (the toggle event comes a moment after the click).
    page.wait_for_function(PLACED, arg=menu.element_handle(), timeout=2_000)
    assert_inside_viewport(page, menu, "the Actions menu")
    action = menu.get_by_role("link").first
    name = action.inner_text()
    action.click()
    dialog = page.get_by_role("dialog", name=name)
    check_dialog(page, dialog)


def check_dialog(page: Page, dialog: Locator) -> None:
    expect(dialog).to_be_visible()
    assert_inside_viewport(page, dialog, "the dialog")
    # The footer closes the dialog: no band of form spacing under it.
    gap = dialog.evaluate(
        "(d) => d.getBoundingClientRect().bottom - d.querySelector('.modal__footer').getBoundingClientRect().bottom"
    )
    assert gap <= 1.5, f"{gap}px under the dialog's footer"
    for button in dialog.locator(".modal__footer").get_by_role("button").all():
        assert_inside_viewport(page, button, f"the dialog's {button.inner_text()} button")
    assert_no_page_overflow(page, "with the dialog open")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_fits_the_viewport_and_every_action_is_reachable(
    sized_page: NewPage, crowded: Organization, owner: User, size: str
) -> None:
    page = sized_page(user=owner, viewport=SIZES[size])
    for path in PAGES:
        page.goto(path)
        assert_no_page_overflow(page, path)
    page.goto("/o/acme/projects/")
    rename = page.get_by_role("link", name=re.compile("^Rename")).first
    assert_inside_viewport(page, rename, "the Projects page's Rename link")
    page.goto(MEMBERS)
    readme_image = {"phone": "members-phone-light.png", "desktop": "members-laptop-light.png"}.get(size)
    if readme_image:  # axe-core at the two README sizes; the others only need to fit (keeps the suite fast)
        check_screen(page, f"members-{size}", readme_image=readme_image, readme_viewport_only=size == "phone")

    page.get_by_role("link", name="Invite User").click()
    invite = page.get_by_role("dialog", name="Invite User")
    expect(invite).to_be_visible()
    if size == "phone":
        check_screen(page, "invite-dialog-phone", readme_image="invite-dialog-phone.png", readme_viewport_only=True)
    check_dialog(page, invite)

    rows = page.locator("#members-results tbody tr")
    check_row_actions(page, rows.first)
    check_row_actions(page, members_row(page, LONG_EMAIL))
    check_row_actions(page, rows.last)

    # Long text is cut or wrapped, never pushing the Actions column out; its full text stays available.
    name = members_row(page, "maximiliana@example.com").locator(".member-name")
    expect(name).to_have_attribute("title", LONG_NAME)
    expect(members_row(page, "maximiliana@example.com").get_by_text("3 more")).to_be_visible()


def test_no_page_scrolls_sideways_at_any_other_size_or_zoom(
    sized_page: NewPage, crowded: Organization, owner: User
) -> None:
    page = sized_page(user=owner, viewport=SIZES["desktop"])
    for name, (width, height) in MORE_SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in PAGES[:3]:
            page.goto(path)
            assert_no_page_overflow(page, f"{path} at {name}")
        page.goto(MEMBERS)
        summary = page.locator("#members-results tbody tr").last.locator(".row-menu > summary")
        summary.scroll_into_view_if_needed()
        assert_inside_viewport(page, summary, f"the last row's Actions control at {name}")


def test_dark_mode_follows_the_system_and_axe_finds_nothing_serious(
    sized_page: NewPage, crowded: Organization, owner: User, member: User
) -> None:
    """Light mode is audited on every screen of this suite; here the same screens in dark mode."""
    for size, readme_name in (("phone", "phone"), ("desktop", "laptop")):
        page = sized_page(user=owner, viewport=SIZES[size], color_scheme="dark")
        page.goto(MEMBERS)
        assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)", "the page did not switch to its dark colours"
        page.locator("#members-results tbody tr").first.locator(".row-menu > summary").click()
        check_screen(
            page,
            f"members-{size}-dark",
            readme_image=f"members-{readme_name}-dark.png",
            readme_viewport_only=size == "phone",
        )
        page.keyboard.press("Escape")
        if size == "phone":
            page.get_by_role("link", name="Invite User").click()
            expect(page.get_by_role("dialog", name="Invite User")).to_be_visible()
            check_screen(page, f"invite-dialog-{size}-dark")
        page.context.close()

    page = sized_page(user=member, viewport=SIZES["desktop"], color_scheme="dark")
    for path in ("/o/acme/settings/", "/o/acme/billing/", "/o/acme/members/invite/"):
        page.goto(path)
        check_screen(page, f"{path.strip('/').replace('/', '-')}-as-member-dark")
    page.context.close()

    page = sized_page(user=None, viewport=SIZES["phone"], color_scheme="dark")
    page.goto("/accounts/login/")
    check_screen(page, "sign-in-phone-dark")


# --- Filters ------------------------------------------------------------------------------------


def test_filters_apply_as_you_type_update_the_url_and_the_back_button_returns(
    sized_page: NewPage, crowded: Organization, owner: User
) -> None:
    page = sized_page(user=owner, viewport=SIZES["desktop"])
    page.goto(MEMBERS)
    rows = page.locator("#members-results tbody tr")
    expect(rows).to_have_count(10)

    page.get_by_label("Search name or email").press_sequentially("person", delay=20)
    expect(rows).to_have_count(6)
    expect(page).to_have_url(re.compile(r"[?&]q=person(&|$)"))
    expect(page.get_by_label("Search name or email")).to_be_focused()  # typing was not interrupted

    clear = page.get_by_role("link", name="Clear filters")
    expect(clear).to_be_visible()  # came with the filtered results

    page.get_by_label("Organization Role").select_option(label="Organization Owner")
    expect(page.get_by_role("status").filter(has_text="No members or invitations match")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]role=owner(&|$)"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=person(&|$)"))
    expect(rows).to_have_count(6)
    page.go_back()
    expect(rows).to_have_count(10)


def test_filters_apply_with_the_apply_button_when_javascript_is_off(
    new_context: Callable[..., BrowserContext], live_server: Any, crowded: Organization, owner: User
) -> None:
    context = new_context(java_script_enabled=False)
    sign_in_with_cookie(context, owner, live_server.url)
    page = context.new_page()
    page.goto(MEMBERS)
    page.get_by_label("Search name or email").fill("zoe")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]q=zoe(&|$)"))
    expect(page.locator("#members-results tbody tr")).to_have_count(1)
