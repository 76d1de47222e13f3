"""#10.5 Re-authentication for what cannot be undone.

A session signed in long ago (an attacker at an unlocked laptop) cannot make someone an Organization
Owner, change or remove an owner (themselves included), leave as an owner, or add, remove or make
primary an email address, without typing the password again (allauth's reauthentication flow, window
``ACCOUNT_REAUTHENTICATION_TIMEOUT``). After the password, the kept request is performed and the user
lands back on the page; with htmx the whole page moves (HX-Redirect) and the same happens."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import Invitation, Membership
from members.roles import OrgRole
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.helpers import db_snapshot

REAUTH = reverse("account_reauthenticate")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/o/acme/members/"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def co_owner(organization) -> Membership:
    return MembershipFactory(organization=organization, user__email="co-owner@example.com", role=OrgRole.OWNER)


@pytest.fixture
def member_row(organization) -> Membership:
    return MembershipFactory(organization=organization, user__email="mo@example.com", role=OrgRole.MEMBER)


def members_url() -> str:
    return reverse("members:members", args=["acme"])


def assert_detour(response, path: str) -> None:
    """Sent to confirm the password, to come back to ``path``."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == REAUTH and f"next={path}".replace("/", "%2F") in location.query


def confirm_password(client: Client, detour: str = REAUTH):
    """Type the password on allauth's page (the detour's URL carries ``next``)."""
    return client.post(detour, {"password": PASSWORD})


def actions(organization, owner, co_owner, member_row) -> dict[str, tuple[str, dict[str, str]]]:
    slug = organization.slug
    return {
        "invite an owner": (reverse("members:invite", args=[slug]), {"emails": "boss@example.com", "role": "owner"}),
        "promote to owner": (reverse("members:member_edit_role", args=[slug, member_row.pk]), {"role": "owner"}),
        "demote an owner": (reverse("members:member_edit_role", args=[slug, co_owner.pk]), {"role": "member"}),
        "remove an owner": (reverse("members:member_remove", args=[slug, co_owner.pk]), {}),
        "leave as an owner": (reverse("members:leave", args=[slug]), {}),
    }


ACTIONS = [
    "invite an owner",
    "promote to owner",
    "demote an owner",
    "remove an owner",
    "leave as an owner",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_old_session_cannot_change_owners_without_the_password(organization, owner, co_owner, member_row, action):
    url, data = actions(organization, owner, co_owner, member_row)[action]
    client = client_for(owner)  # signed in long ago: no recent password
    before = db_snapshot()

    response = client.post(url, data)

    assert_detour(response, url)
    assert db_snapshot() == before


@pytest.mark.parametrize("action", ["promote to owner", "demote an owner", "remove an owner", "leave as an owner"])
def test_after_the_password_the_kept_request_is_done(organization, owner, co_owner, member_row, action):
    url, data = actions(organization, owner, co_owner, member_row)[action]
    client = client_for(owner)
    detour = client.post(url, data)["Location"]

    response = confirm_password(client, detour)

    assert response.status_code == 302
    if action == "promote to owner":
        assert Membership.objects.get(pk=member_row.pk).role == OrgRole.OWNER
    elif action == "demote an owner":
        assert Membership.objects.get(pk=co_owner.pk).role == OrgRole.MEMBER
    elif action == "remove an owner":
        assert not Membership.objects.filter(pk=co_owner.pk).exists()
    else:
        assert not Membership.objects.filter(organization=organization, user=owner).exists()


def test_with_htmx_the_dialog_detours_the_whole_page_and_lands_back_with_the_change_done(owner, co_owner, member_row):
    url = reverse("members:member_edit_role", args=["acme", member_row.pk])
    client = client_for(owner)
    before = db_snapshot()

    response = client.post(url, {"role": "owner"}, **HTMX)

    assert response.status_code == 200  # htmx follows HX-Redirect with a full page load
    detour = urlsplit(response["HX-Redirect"])
    assert detour.path == REAUTH and "next=" in detour.query
    assert db_snapshot() == before

    back = confirm_password(client, response["HX-Redirect"])

    assert back.status_code == 302 and back["Location"] == members_url()  # a page, not a fragment
    assert "HX-Redirect" not in back
    assert Membership.objects.get(pk=member_row.pk).role == OrgRole.OWNER
    page = client.get(back["Location"]).content.decode()
    assert "is now Organization Owner" in page


def test_a_recent_password_lets_owner_changes_through_until_the_window_closes(
    organization, owner, member_row, co_owner, settings, monkeypatch
):
    client = client_for(owner)
    assert confirm_password(client).status_code == 302
    url = reverse("members:member_edit_role", args=["acme", member_row.pk])

    assert client.post(url, {"role": "owner"})["Location"] == members_url()
    assert Membership.objects.get(pk=member_row.pk).role == OrgRole.OWNER

    later = time.time() + settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    monkeypatch.setattr("allauth.account.internal.flows.reauthentication.time.time", lambda: later)
    assert settings.ACCOUNT_REAUTHENTICATION_TIMEOUT == 600
    url = reverse("members:member_edit_role", args=["acme", co_owner.pk])
    assert_detour(client.post(url, {"role": "member"}), url)


def test_everyday_changes_need_no_password(organization, owner, member_row):
    client = client_for(owner)

    invite = client.post(reverse("members:invite", args=["acme"]), {"emails": "new@example.com", "role": "member"})
    edit = client.post(reverse("members:member_edit_role", args=["acme", member_row.pk]), {"role": "member"})
    remove = client.post(reverse("members:member_remove", args=["acme", member_row.pk]))

    assert [invite["Location"], edit["Location"], remove["Location"]] == [members_url()] * 3
    assert Invitation.objects.filter(email="new@example.com").exists()
    assert not Membership.objects.filter(pk=member_row.pk).exists()


def test_a_member_leaving_needs_no_password(organization, member, member_client):
    response = member_client.post(reverse("members:leave", args=["acme"]))

    assert response["Location"] == reverse("members:home")
    assert not Membership.objects.filter(organization=organization, user=member).exists()


@pytest.mark.parametrize("action", ["action_add", "action_remove", "action_primary"])
def test_an_old_session_cannot_change_email_addresses(db, action):
    user = UserFactory(email="me@example.com")
    EmailAddress.objects.create(user=user, email="second@example.com", verified=True)
    client = client_for(user)
    before = db_snapshot()
    emails = list(EmailAddress.objects.order_by("pk").values())

    email = "third@example.com" if action == "action_add" else "second@example.com"
    response = client.post(reverse("account_email"), {action: "", "email": email})

    assert_detour(response, reverse("account_email"))
    assert db_snapshot() == before
    assert list(EmailAddress.objects.order_by("pk").values()) == emails


def test_changing_the_password_asks_for_the_current_one(db):
    user = UserFactory(email="me@example.com")
    client = client_for(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "a-guess", "password1": "new-long-passphrase-1", "password2": "new-long-passphrase-1"},
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_signing_in_with_the_password_counts_as_recent(organization, owner, member_row):
    client = Client()
    assert client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD}).status_code == 302

    response = client.post(reverse("members:member_edit_role", args=["acme", member_row.pk]), {"role": "owner"})

    assert response["Location"] == members_url()
    assert Membership.objects.get(pk=member_row.pk).role == OrgRole.OWNER
