"""The one gate every organization page goes through: while the organization requires two-factor
authentication, a member without it is sent to set it up (audited), and comes back afterwards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import MembershipEvent, Organization
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganizationFactory
from tests.helpers import db_snapshot
from tests.two_factor import with_totp

BLOCKED = MembershipEvent.Action.TWO_FACTOR_BLOCKED


@pytest.fixture
def strict(organization: Organization) -> Organization:
    organization.require_two_factor = True
    organization.save()
    return organization


@pytest.mark.parametrize("name", ["members", "projects", "settings", "billing"])
def test_a_member_without_two_factor_is_sent_to_set_it_up(strict, member, name):
    client = client_for(member)
    url = reverse(f"members:{name}", args=[strict.slug])
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    event = MembershipEvent.objects.get(action=BLOCKED)
    assert (event.organization, event.actor, event.target_email) == (strict, member, member.email)
    page = client.get(response.url)
    assert "Acme Corp requires two-factor authentication" in page.content.decode()
    assert "Continue to" not in page.content.decode()  # not before it is set up


def test_a_refused_post_changes_nothing_but_the_audit_row(strict, owner):
    client = client_for(owner)
    before = db_snapshot()
    response = client.post(reverse("members:settings", args=[strict.slug]), {"name": "Renamed"})
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    after = db_snapshot()
    events = after.pop("members.MembershipEvent")
    assert [event["action"] for event in events] == [BLOCKED]
    before.pop("members.MembershipEvent")
    assert after == before


def test_htmx_requests_are_redirected_as_a_whole_page(strict, member):
    response = client_for(member).get(reverse("members:members", args=[strict.slug]), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == reverse("mfa_index")


def test_after_set_up_the_member_is_offered_the_way_back_and_admitted(strict, member):
    client = client_for(member)
    url = reverse("members:projects", args=[strict.slug]) + "?page=1"
    client.get(url)
    with_totp(member)
    page = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{url}"' in page and "Continue to Acme Corp" in page
    assert client.get(url).status_code == 200
    assert "Continue to" not in client.get(reverse("mfa_index")).content.decode()  # used up


def test_members_with_two_factor_and_other_organizations_are_not_blocked(strict, member, organization):
    with_totp(member)
    assert client_for(member).get(reverse("members:members", args=[strict.slug])).status_code == 200
    relaxed = OrganizationFactory(name="Relaxed", slug="relaxed")
    plain = MembershipFactory(organization=relaxed).user
    assert client_for(plain).get(reverse("members:members", args=[relaxed.slug])).status_code == 200
    assert not MembershipEvent.objects.filter(action=BLOCKED).exists()


def test_outsiders_still_get_404_not_the_set_up_page(strict, stranger):
    assert client_for(stranger).get(reverse("members:members", args=[strict.slug])).status_code == 404
    assert not MembershipEvent.objects.filter(action=BLOCKED).exists()
