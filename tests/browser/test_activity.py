"""The Activity page in Chromium: an owner finds it in the navigation, filters it, opens an event's details and
exports the selection as a CSV file; a member finds no trace of it. Each screen is checked by axe-core."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from members import services
from members.models import MembershipEvent, Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.factories import MembershipEventFactory

pytestmark = pytest.mark.browser

ACTIVITY = "/o/acme/activity/"


@pytest.fixture
def history(organization: Organization, owner: User, member: User) -> Organization:
    """A few weeks of an organization's life, as the services record it, plus older events."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    samples = [
        ("invited", "dana@example.com", "", "member"),
        ("invitation_accepted", "dana@example.com", "", "member"),
        ("role_changed", "dana@example.com", "member", "owner"),
        ("invited", "=cmd@example.com", "", "member"),
        ("invitation_revoked", "=cmd@example.com", "member", ""),
        ("member_removed", "erin@example.com", "member", ""),
    ]
    for n, (action, target, old, new) in enumerate(samples):
        MembershipEventFactory(
            organization=organization,
            actor=owner,
            action=action,
            target_email=target,
            old_role=old,
            new_role=new,
            ip_address="203.0.113.24",
            created_at=start + timedelta(days=n, hours=n),
            project_access={"after": {"Production": "read_write"}} if action == "invitation_accepted" else {},
        )
    services.change_member_role(
        organization.memberships.get(user=member), actor=owner, role="member", ip="198.51.100.7"
    )  # a no-op: records nothing
    return organization


def test_an_owner_filters_the_activity_opens_an_event_and_exports_it(open_page: OpenPage, history, owner, live_server):
    page = open_page(user=owner)
    page.goto(f"{live_server.url}/o/acme/members/")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Activity").click()

    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    rows = page.locator(".activity-table tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("Member removed")
    check_screen(page, "activity", readme_image="activity.png")

    page.get_by_label("Action").select_option("invited")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)
    assert "action=invited" in page.url

    rows.filter(has_text="dana@example.com").get_by_role("link", name="Details").click()
    expect(page.get_by_text("203.0.113.24")).to_be_visible()
    check_screen(page, "activity-event")
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(text)))
    assert header[0] == "time_utc" and len(body) == 2
    assert {row[3] for row in body} == {"dana@example.com", "'=cmd@example.com"}
    assert MembershipEvent.objects.filter(action="activity_exported", actor=owner, detail="action=invited").exists()


def test_the_activity_works_with_javascript_off_and_the_keyboard(open_page: OpenPage, history, owner, live_server):
    page = open_page(user=owner, javascript=False)
    page.goto(f"{live_server.url}{ACTIVITY}")
    page.get_by_label("Person affected (email)").fill("dana@example.com")
    page.keyboard.press("Enter")
    expect(page.locator(".activity-table tbody tr")).to_have_count(3)
    assert "person=dana%40example.com" in page.url


def test_a_member_finds_no_activity_page(open_page: OpenPage, history, member, live_server):
    page = open_page(user=member)
    page.goto(f"{live_server.url}/o/acme/members/")
    expect(page.get_by_role("navigation", name="Organization").get_by_role("link", name="Activity")).to_have_count(0)

    response = page.goto(f"{live_server.url}{ACTIVITY}")
    assert response is not None and response.status == 404
