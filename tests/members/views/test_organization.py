"""Organization pages (members.views.organization): home, create, the switcher, settings, billing, leaving,
the friendly 403, and signing out by POST only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Membership, Organization
from members.roles import OrgRole
from tests.conftest import client_for
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.helpers import recently_authenticated, run_worker


def test_home_sends_anonymous_users_to_sign_in(client, db):
    response = client.get(reverse("members:home"))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_user_without_organization_is_offered_to_create_one(db):
    client = client_for(UserFactory())

    response = client.get(reverse("members:home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("members:organization_create")
    assert "You don't belong to any organization yet" in response.content.decode()


def test_home_lands_on_the_members_page_of_the_first_organization(owner_client, organization):
    response = owner_client.get(reverse("members:home"))

    assert response["Location"] == reverse("members:members", args=[organization.slug])


def test_any_user_can_create_an_organization_and_becomes_its_owner(db):
    user = UserFactory()

    response = client_for(user).post(reverse("members:organization_create"), {"name": "Initech"})

    organization = Organization.objects.get(name="Initech")
    assert response["Location"] == reverse("members:members", args=[organization.slug])
    assert Membership.objects.get(organization=organization, user=user).role == OrgRole.OWNER


def test_creating_an_organization_without_a_name_shows_an_error(db):
    response = client_for(UserFactory()).post(reverse("members:organization_create"), {"name": "   "})

    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not Organization.objects.exists()


def test_switcher_lists_only_my_organizations(owner_client, organization, other_owner):
    mine_too = OrganizationFactory(name="Second Org")
    MembershipFactory(organization=mine_too, user=organization.memberships.get().user)

    html = owner_client.get(reverse("members:settings", args=[organization.slug])).content.decode()

    assert "Second Org" in html and "Acme Corp" in html
    assert "Other Org" not in html


def test_owner_renames_the_organization(owner_client, organization):
    response = owner_client.post(reverse("members:settings", args=[organization.slug]), {"name": "Acme Inc"})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Acme Inc"


def test_member_sees_settings_read_only(member_client, organization):
    html = member_client.get(reverse("members:settings", args=[organization.slug])).content.decode()

    assert "read-only access to organization settings" in html
    assert 'name="name"' not in html


def test_member_sees_billing_read_only(member_client, organization):
    organization.billing_address = "1 <b>Road</b>"
    organization.save()

    html = member_client.get(reverse("members:billing", args=[organization.slug])).content.decode()

    assert "read-only access to billing" in html
    assert "1 &lt;b&gt;Road&lt;/b&gt;" in html
    assert 'name="billing_email"' not in html


def test_owner_edits_billing(owner_client, organization):
    data = {"billing_email": "ap@acme.test", "plan_name": "Pro", "billing_address": "1 Road"}

    owner_client.post(reverse("members:billing", args=[organization.slug]), data)

    organization.refresh_from_db()
    assert organization.plan_name == "Pro"


def test_billing_refuses_a_malformed_email(owner_client, organization):
    data = {"billing_email": "not-an-email", "plan_name": "Pro", "billing_address": ""}

    response = owner_client.post(reverse("members:billing", args=[organization.slug]), data)

    assert b"Enter a valid email address." in response.content
    organization.refresh_from_db()
    assert organization.plan_name == "Free"


def test_forbidden_page_is_friendly(member_client, organization):
    response = member_client.get(reverse("members:project_create", args=[organization.slug]))

    assert response.status_code == 403
    assert b"OrgConsole" in response.content


def test_member_leaves_through_the_confirmation_page(member_client, organization, member):
    url = reverse("members:leave", args=[organization.slug])
    assert member_client.get(url).status_code == 200
    assert Membership.objects.filter(user=member, organization=organization).exists(), "GET changes nothing"

    response = member_client.post(url)

    assert response["Location"] == reverse("members:home")
    assert not Membership.objects.filter(user=member, organization=organization).exists()


def test_the_owners_are_emailed_when_a_member_leaves_on_their_own(member_client, organization, owner, mailoutbox):
    member_client.post(reverse("members:leave", args=[organization.slug]))
    run_worker()

    [message] = mailoutbox
    assert message.to == [owner.email] and message.subject == "Max Member left Acme Corp"
    assert "You are told because you are an Organization Owner of Acme Corp" in message.body


def test_last_owner_is_told_to_promote_someone_first(owner_client, organization, owner):
    recently_authenticated(owner_client)  # owner changes ask for the password again (#10.5)
    response = owner_client.post(reverse("members:leave", args=[organization.slug]), follow=True)

    assert "Promote another member to Organization Owner first" in response.content.decode()
    assert Membership.objects.filter(user=owner, organization=organization, role=OrgRole.OWNER).exists()


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_leave_is_refused_outside_the_organization(who, organization, stranger):
    client = client_for(stranger if who == "stranger" else None)
    before = Membership.objects.count()

    response = client.post(reverse("members:leave", args=[organization.slug]))

    assert response.status_code == (404 if who == "stranger" else 302)
    assert Membership.objects.count() == before


def test_sign_out_is_post_only(owner_client, organization):
    assert owner_client.get(reverse("account_logout")).status_code == 200  # a confirmation page, still signed in
    assert owner_client.get(reverse("members:settings", args=[organization.slug])).status_code == 200

    owner_client.post(reverse("account_logout"))

    assert owner_client.get(reverse("members:settings", args=[organization.slug])).status_code == 302
