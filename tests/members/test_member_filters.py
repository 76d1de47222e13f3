"""The Members page's Project and two-factor filters (members/member_filters.py): who each one lists, who may
use them (two-factor: owners only; projects: the ones the viewer may see), and the same rows in the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from members.roles import OrgRole, ProjectRole
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
)
from tests.two_factor import with_totp


def url(organization, query: str = "") -> str:
    return reverse("members:members", args=[organization.slug]) + query


def emails(response) -> list[str]:
    return sorted(row.email for row in response.context["rows"])


@pytest.fixture
def people(organization, owner, member):
    """Two members with an authenticator app (the owner and Ann), two without (Max Member and Bob), an invitation."""
    with_totp(owner)
    ann = MembershipFactory(organization=organization, user__email="ann@example.com").user
    with_totp(ann)
    MembershipFactory(organization=organization, user__email="bob@example.com")
    InvitationFactory(organization=organization, email="invitee@example.com")
    return organization


# --- two-factor status: owners only ---------------------------------------------------------------------------


def test_owners_see_each_members_two_factor_status(owner_client, people):
    response = owner_client.get(url(people))
    status = {row.email: row.two_factor for row in response.context["rows"]}
    assert status == {
        "owner@example.com": True,
        "ann@example.com": True,
        "member@example.com": False,
        "bob@example.com": False,
        "invitee@example.com": None,  # an invitation has no account yet
    }
    html = response.content.decode()
    assert '<abbr title="Two-factor authentication">2FA</abbr></th>' in html and 'data-label="Two-factor"' in html
    assert 'name="two_factor"' in html and html.count('badge--expired">Off</span>') == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("on", ["ann@example.com", "owner@example.com"]),
        ("off", ["bob@example.com", "member@example.com"]),
    ],
)
def test_the_two_factor_filter_lists_members_with_or_without_it(owner_client, people, value, expected):
    response = owner_client.get(url(people, f"?two_factor={value}"))
    assert emails(response) == expected  # members only: invitations have no status to filter by
    assert response.context["page"].count == 2 and response.context["is_filtered"]


def test_members_never_see_two_factor_status_and_a_forged_filter_is_ignored(member_client, people):
    everyone = member_client.get(url(people))
    forged = member_client.get(url(people, "?two_factor=on"))

    for response in (everyone, forged):
        html = response.content.decode()
        assert 'data-label="Two-factor"' not in html and "2FA</abbr>" not in html
        assert 'name="two_factor"' not in html and ">Off</span>" not in html
        assert all(row.two_factor is None for row in response.context["rows"])
    assert emails(forged) == emails(everyone) and len(emails(everyone)) == 5
    assert forged.context["filters"]["two_factor"] == "" and not forged.context["is_filtered"]


# --- Project ---------------------------------------------------------------------------------------------------


@pytest.fixture
def analytics(organization, owner, member):
    """Analytics: Max Member (Read-Only), a pending invitee with access, an Owner invitation (every project).
    Not on it: Bob (on Billing only) and an invitee without project access."""
    analytics = ProjectFactory(organization=organization, name="Analytics")
    billing = ProjectFactory(organization=organization, name="Billing")
    ProjectMembershipFactory(project=analytics, user=member, role=ProjectRole.READ_ONLY)
    bob = MembershipFactory(organization=organization, user__email="bob@example.com").user
    ProjectMembershipFactory(project=billing, user=bob, role=ProjectRole.ADMIN)
    granted = InvitationFactory(organization=organization, email="granted@example.com")
    InvitationProjectFactory(invitation=granted, project=analytics, role=ProjectRole.READ_WRITE)
    InvitationFactory(organization=organization, email="boss@example.com", role=OrgRole.OWNER)
    InvitationFactory(organization=organization, email="nothing@example.com")
    return analytics


def test_the_project_filter_lists_the_people_with_access_to_it(owner_client, organization, analytics):
    response = owner_client.get(url(organization, f"?project={analytics.pk}"))
    # Owners (members and invitations) reach every project as Project Admin.
    assert emails(response) == ["boss@example.com", "granted@example.com", "member@example.com", "owner@example.com"]
    assert response.context["is_filtered"]
    html = response.content.decode()
    assert f'<option value="{analytics.pk}" selected>Analytics</option>' in html


def test_members_filter_by_the_projects_they_may_see_only(member_client, organization, analytics, member):
    hidden = ProjectFactory(organization=organization, name="Secret Plans")
    html = member_client.get(url(organization)).content.decode()
    assert "Analytics" in html and "Secret Plans" not in html and "Billing</option>" not in html

    forged = member_client.get(url(organization, f"?project={hidden.pk}"))
    assert forged.context["filters"]["project"] == "" and len(emails(forged)) == 6  # ignored: every row
    assert emails(member_client.get(url(organization, f"?project={analytics.pk}"))) == [
        "boss@example.com",
        "granted@example.com",
        "member@example.com",
        "owner@example.com",
    ]


def test_another_organizations_project_is_ignored(owner_client, organization, analytics):
    elsewhere = ProjectFactory(organization=OrganizationFactory(slug="elsewhere"), name="Elsewhere")
    response = owner_client.get(url(organization, f"?project={elsewhere.pk}"))
    assert response.context["filters"]["project"] == "" and len(emails(response)) == 6


def test_project_and_two_factor_filters_combine(owner_client, organization, analytics, owner, member):
    with_totp(member)
    assert emails(owner_client.get(url(organization, f"?project={analytics.pk}&two_factor=off"))) == [
        "owner@example.com"
    ]
    assert emails(owner_client.get(url(organization, f"?project={analytics.pk}&two_factor=on"))) == [
        "member@example.com"
    ]


# --- the export follows the same filters ------------------------------------------------------------------------


def exported(client, organization, query: str) -> list[str]:
    response = client.post(reverse("members:members_export", args=[organization.slug]) + query)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return sorted(row[1] for row in rows[1:])


def test_the_export_lists_what_the_filters_list(owner_client, organization, analytics, owner):
    with_totp(owner)
    assert exported(owner_client, organization, f"?project={analytics.pk}") == emails(
        owner_client.get(url(organization, f"?project={analytics.pk}"))
    )
    assert exported(owner_client, organization, "?two_factor=on") == ["owner@example.com"]
    assert exported(owner_client, organization, "?two_factor=off") == ["bob@example.com", "member@example.com"]


def test_the_export_search_ignores_accents_and_case_like_the_page(owner_client, organization):
    MembershipFactory(organization=organization, user__name="María García", user__email="mg@example.com")
    InvitationFactory(organization=organization, email="garcía.invitee@example.com")
    assert exported(owner_client, organization, "?q=GARCIA") == ["garcía.invitee@example.com", "mg@example.com"]


def test_the_export_page_names_the_filters_it_applies(owner_client, organization, analytics):
    page = owner_client.get(
        reverse("members:members_export", args=[organization.slug])
        + f"?project={analytics.pk}&two_factor=off&role=owner"
    )
    html = page.content.decode()
    assert "<li>Project: Analytics</li>" in html and "<li>Two-factor authentication: Not enabled</li>" in html
    assert "<li>Organization Role: Organization Owner</li>" in html
