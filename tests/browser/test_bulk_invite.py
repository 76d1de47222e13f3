"""Invite from a CSV file in Chromium: from Invite User to Upload CSV, a preview that says what happens to each
row, then Invite sends exactly those rows. Checked by axe-core; the preview is the README's screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.models import Invitation, Organization, User
from tests.browser.conftest import OpenPage, check_screen
from tests.factories import InvitationFactory, ProjectFactory

pytestmark = pytest.mark.browser

FILE = (
    "email,name,organization_role,Analytics,Production\n"
    "ada@example.com,Ada Lovelace,Organization Member,Project Read-Only,Project Read-Write\n"
    "grace@example.com,Grace Hopper,Organization Member,,\n"
    "member@example.com,Max Member,,,\n"
    "pending@example.com,,,,\n"
    "ADA@example.com,Ada again,,,\n"
    "not-an-address,Nobody,Boss,Project Admin,\n"
)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_an_owner_previews_a_file_and_invites_exactly_its_invitable_rows(
    open_page: OpenPage, organization: Organization, owner: User, member: User, live_server, javascript: bool
):
    for name in ("Analytics", "Production"):
        ProjectFactory(organization=organization, name=name)
    InvitationFactory(organization=organization, email="pending@example.com")
    page = open_page(user=owner, javascript=javascript)
    page.goto(f"{live_server.url}/o/acme/members/invite/")
    page.get_by_role("link", name="Upload CSV").click()

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "team.csv", "mimeType": "text/csv", "buffer": FILE.encode()}]
    )
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_text("2 to invite, 3 skipped, 1 refused.")).to_be_visible()
    expect(page.get_by_text("Listed earlier in the file.")).to_be_visible()
    expect(page.get_by_text("Not an Organization Role.")).to_be_visible()
    assert not Invitation.objects.filter(email="ada@example.com").exists()
    if javascript:
        check_screen(page, "csv-preview", readme_image="csv-preview.png")
    page.get_by_role("button", name="Invite 2").click()

    expect(page.get_by_text("2 invitations sent.")).to_be_visible()
    assert set(Invitation.objects.filter(status="pending").values_list("email", flat=True)) == {
        "ada@example.com",
        "grace@example.com",
        "pending@example.com",
    }
