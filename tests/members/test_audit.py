"""The audit trail is complete: settings, billing and projects are audited; a refused write by a signed-in
user (403) is audited; every row carries the request id and the client's real address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import MembershipEvent
from tests.helpers import db_snapshot

CLIENT = "203.0.113.9"


def only_event(action: str) -> MembershipEvent:
    [event] = MembershipEvent.objects.filter(action=action)
    return event


@pytest.fixture
def behind_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    return {"HTTP_X_FORWARDED_FOR": CLIENT, "REMOTE_ADDR": "10.0.0.2"}


def test_renaming_the_organization_is_audited_with_request_id_and_client_address(
    owner_client, owner, organization, behind_proxy
):
    response = owner_client.post(
        reverse("members:settings", args=[organization.slug]), {"name": "Acme Renamed"}, **behind_proxy
    )

    assert response.status_code == 302
    event = only_event(MembershipEvent.Action.SETTINGS_CHANGED)
    assert event.actor == owner and event.organization == organization
    assert "Acme Corp" in event.detail and "Acme Renamed" in event.detail
    assert event.request_id == response["X-Request-ID"]
    assert event.ip_address == CLIENT


def test_billing_changes_are_audited(owner_client, owner, organization, behind_proxy):
    data = {"billing_email": "ap@example.com", "plan_name": "Enterprise", "billing_address": "1 Main St"}
    response = owner_client.post(reverse("members:billing", args=[organization.slug]), data, **behind_proxy)

    assert response.status_code == 302
    event = only_event(MembershipEvent.Action.BILLING_CHANGED)
    assert (event.actor, event.ip_address, event.request_id) == (owner, CLIENT, response["X-Request-ID"])
    assert "billing_email" in event.detail and "plan_name" in event.detail


def test_creating_and_renaming_a_project_are_audited(owner_client, owner, organization, behind_proxy):
    created = owner_client.post(
        reverse("members:project_create", args=[organization.slug]), {"name": "Warehouse"}, **behind_proxy
    )
    project = organization.projects.get(name="Warehouse")
    renamed = owner_client.post(
        reverse("members:project_rename", args=[organization.slug, project.pk]), {"name": "Depot"}, **behind_proxy
    )

    assert created.status_code == renamed.status_code == 302
    create_event = only_event(MembershipEvent.Action.PROJECT_CREATED)
    rename_event = only_event(MembershipEvent.Action.PROJECT_RENAMED)
    assert create_event.detail == "Warehouse" and "Warehouse" in rename_event.detail and "Depot" in rename_event.detail
    assert create_event.request_id == created["X-Request-ID"] and rename_event.request_id == renamed["X-Request-ID"]
    assert create_event.ip_address == rename_event.ip_address == CLIENT


def test_an_invite_row_carries_the_request_id_and_the_client_address(owner_client, organization, behind_proxy):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "new@example.com", "role": "member"},
        **behind_proxy,
    )

    event = only_event(MembershipEvent.Action.INVITED)
    assert (event.request_id, event.ip_address) == (response["X-Request-ID"], CLIENT)


@pytest.mark.parametrize(
    ("route", "data"),
    [
        ("members:invite", {"emails": "friend@example.com", "role": "owner"}),
        ("members:settings", {"name": "Taken Over"}),
        ("members:billing", {"billing_email": "x@example.com", "plan_name": "Free", "billing_address": ""}),
        ("members:project_create", {"name": "Sneaky"}),
    ],
)
def test_a_refused_write_by_a_member_is_audited_and_changes_nothing_else(
    member_client, member, organization, behind_proxy, route, data
):
    before = db_snapshot()

    response = member_client.post(reverse(route, args=[organization.slug]), data, **behind_proxy)

    assert response.status_code == 403
    event = only_event(MembershipEvent.Action.REFUSED)
    assert (event.actor, event.organization, event.ip_address) == (member, organization, CLIENT)
    assert event.request_id == response["X-Request-ID"]
    assert route.split(":")[1] in event.detail
    after = db_snapshot()
    after["members.MembershipEvent"] = [row for row in after["members.MembershipEvent"] if row["id"] != event.pk]
    assert after == before


def test_reading_a_page_one_may_not_change_is_not_a_refusal(member_client, organization):
    assert member_client.get(reverse("members:settings", args=[organization.slug])).status_code == 200
    assert not MembershipEvent.objects.exists()


def test_admin_writes_carry_the_request_id_and_address_too(organization, member, behind_proxy):
    from members.models import Membership
    from tests.conftest import client_for
    from tests.factories import UserFactory

    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    membership = Membership.objects.get(user=member)
    response = staff.post(
        reverse("admin:members_membership_change", args=[membership.pk]), {"role": "owner"}, **behind_proxy
    )

    event = only_event(MembershipEvent.Action.ROLE_CHANGED)
    assert (event.request_id, event.ip_address) == (response["X-Request-ID"], CLIENT)
