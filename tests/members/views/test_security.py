"""Settings → Require two-factor authentication: the confirmation page lists who does not have it yet and
what happens to them; confirming turns it on (or off) through the service."""

from __future__ import annotations

from django.urls import reverse

from members.models import MembershipEvent, OutboundEmail
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals
from tests.two_factor import with_totp


def url(organization) -> str:
    return reverse("members:two_factor_requirement", args=[organization.slug])


def test_settings_offer_the_requirement_to_owners_only(organization, owner, member):
    settings_url = reverse("members:settings", args=[organization.slug])
    assert url(organization) in client_for(owner).get(settings_url).content.decode()
    page = client_for(member).get(settings_url).content.decode()
    assert "Off." in page and url(organization) not in page
    assert client_for(member).get(url(organization)).status_code == 403


def test_the_confirmation_lists_who_does_not_have_it_and_what_happens(organization, owner, member):
    with_totp(owner)
    MembershipFactory(organization=organization, user__name="Ann Other", user__email="ann@example.com")
    page = client_for(owner).get(url(organization)).content.decode()
    assert "2 members of Acme Corp do not have two-factor authentication yet" in page
    listed = page.split('<ul class="people-list">')[1].split("</ul>")[0]
    assert "Ann Other" in listed and "Max Member" in listed and "Olivia Owner" not in listed
    assert "sends them to the set-up first" in page and "gets an email" in page


def test_confirming_turns_it_on_and_emails_the_members_without_it(organization, owner, member):
    with_totp(owner)
    client = client_for(owner)
    response = client.post(url(organization), {"required": "on"})
    assert response.status_code == 302 and response.url == reverse("members:settings", args=[organization.slug])
    organization.refresh_from_db()
    assert organization.require_two_factor
    assert list(OutboundEmail.objects.values_list("to_email", flat=True)) == [member.email]
    assert "1 member without it was emailed" in client.get(response.url).content.decode()
    assert "Turn off" in client.get(url(organization)).content.decode()


def test_an_owner_without_two_factor_is_told_to_set_it_up_and_nothing_changes(organization, owner, member):
    client = client_for(owner)
    assert (
        "Your own account does not have two-factor authentication yet" in client.get(url(organization)).content.decode()
    )
    before = db_snapshot()
    response = client.post(url(organization), {"required": "on"}, follow=True)
    assert "Set up two-factor authentication for your own account first." in response.content.decode()
    assert db_snapshot() == before


def test_a_forged_answer_changes_nothing(organization, owner):
    with_totp(owner)
    client = client_for(owner)
    before = db_snapshot()
    response = client.post(url(organization), {"required": "maybe"})
    assert response.status_code == 200 and "out of date" in response.content.decode()
    assert db_snapshot() == before


def test_a_member_cannot_turn_it_on_or_off(organization, owner, member):
    with_totp(member)
    client = client_for(member)
    before = db_snapshot_without_refusals()
    assert client.post(url(organization), {"required": "on"}).status_code == 403
    assert db_snapshot_without_refusals() == before
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.REFUSED).count() == 1
    assert not MembershipEvent.objects.filter(action=MembershipEvent.Action.TWO_FACTOR_REQUIRED).exists()
