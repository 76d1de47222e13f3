"""A write refused for its CSRF token (403) by a signed-in user is on the audit trail (#11.6): in the organization
the URL names when they belong to it, else on their account alone; nothing else changes. Anonymous refusals (a
login form left open too long) are not audited."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from members.models import MembershipEvent
from tests.factories import OrganizationFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def refused() -> list[MembershipEvent]:
    return list(MembershipEvent.objects.filter(action=MembershipEvent.Action.REFUSED).order_by("pk"))


def test_a_signed_in_owners_write_without_a_token_is_refused_and_audited_in_the_organization(owner, organization):
    client = csrf_client(owner)
    before = db_snapshot()

    response = client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "new@example.com", "role": "member"},
        HTTP_X_REQUEST_ID="req-csrf-1",
    )

    assert response.status_code == 403
    assert db_snapshot_without_refusals() == before  # nobody invited
    [event] = refused()
    assert (event.organization, event.actor, event.actor_email) == (organization, owner, owner.email)
    assert event.detail == "csrf: members:invite: CSRF cookie not set."
    assert event.request_id == "req-csrf-1" and event.ip_address == "127.0.0.1"


def test_outside_an_organization_of_theirs_the_refusal_is_on_the_account_alone(owner, other_owner):
    other = OrganizationFactory(slug="elsewhere", owner=other_owner)

    csrf_client(owner).post(reverse("members:invite", args=[other.slug]), {"emails": "x@example.com"})
    csrf_client(owner).post(reverse("account_change_password"), {"oldpassword": "x"})

    assert [(e.organization, e.actor, e.detail.split(":")[1].strip()) for e in refused()] == [
        (None, owner, "members"),
        (None, owner, "account_change_password"),
    ]


def test_an_anonymous_refusal_is_not_audited(db):
    response = csrf_client().post(reverse("account_login"), {"login": "a@example.com", "password": "x"})

    assert response.status_code == 403 and refused() == []
