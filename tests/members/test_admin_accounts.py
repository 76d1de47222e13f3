"""#10.2 Staff cannot climb to superuser: only a superuser changes or deletes a superuser or another staff
account in the admin, and every admin change to an account is an audit row."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import MembershipEvent, User
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.helpers import db_snapshot

NEW_PASSWORD = "staff-chosen-passphrase-1"


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff(db) -> User:
    """Staff with every permission on users (view, add, change, delete) but not a superuser."""
    user = UserFactory(email="helpdesk@example.com", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["members", "account"]))
    return user


@pytest.fixture
def other_staff(db) -> User:
    return UserFactory(email="ops@example.com", is_staff=True)


@pytest.fixture
def regular(db) -> User:
    return UserFactory(email="customer@example.com", name="Casey Customer")


def change_form(user: User, **fields: str) -> dict[str, str]:
    return {
        "email": user.email,
        "name": user.name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        **fields,
    }


def password_form() -> dict[str, str]:
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}


@pytest.mark.parametrize("target_name", ["superuser", "other_staff"])
def test_staff_cannot_set_a_privileged_accounts_password(request, staff, target_name):
    target = request.getfixturevalue(target_name)
    client = client_for(staff)
    before = db_snapshot()

    page = client.get(reverse("admin:auth_user_password_change", args=[target.pk]))
    response = client.post(reverse("admin:auth_user_password_change", args=[target.pk]), password_form())

    assert page.status_code == 403 and response.status_code == 403
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.check_password(NEW_PASSWORD)
    assert db_snapshot() == before


@pytest.mark.parametrize("target_name", ["superuser", "other_staff"])
def test_staff_cannot_change_a_privileged_accounts_email(request, staff, target_name):
    target = request.getfixturevalue(target_name)
    client = client_for(staff)
    url = reverse("admin:members_user_change", args=[target.pk])
    before = db_snapshot()

    page = client.get(url).content.decode()
    response = client.post(url, change_form(target, email="attacker@example.com"))

    assert 'name="email"' not in page  # shown read-only
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.email != "attacker@example.com"
    assert db_snapshot() == before


@pytest.mark.parametrize("target_name", ["superuser", "other_staff"])
def test_staff_cannot_delete_a_privileged_account_one_by_one_or_in_bulk(request, staff, target_name):
    target = request.getfixturevalue(target_name)
    client = client_for(staff)
    before = db_snapshot()

    one = client.post(reverse("admin:members_user_delete", args=[target.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    assert User.objects.filter(pk=target.pk).exists()
    assert db_snapshot() == before


def test_staff_cannot_make_a_regular_account_staff(staff, regular):
    client_for(staff).post(
        reverse("admin:members_user_change", args=[regular.pk]),
        change_form(regular, is_staff="on", is_superuser="on"),
    )

    regular.refresh_from_db()
    assert not regular.is_staff and not regular.is_superuser


def test_staff_may_still_fix_a_regular_account_and_it_is_audited(staff, regular):
    response = client_for(staff).post(
        reverse("admin:members_user_change", args=[regular.pk]),
        change_form(regular, name="Casey Corrected"),
        REMOTE_ADDR="198.51.100.9",
    )

    assert response.status_code == 302
    regular.refresh_from_db()
    assert regular.name == "Casey Corrected"
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.USER_CHANGED)
    assert (event.actor, event.actor_email, event.target_email) == (staff, staff.email, regular.email)
    assert "name" in event.detail.lower() and event.ip_address == "198.51.100.9"
    assert event.organization is None


def test_a_superuser_may_change_a_staff_accounts_password_and_it_is_audited(superuser, other_staff):
    response = client_for(superuser).post(
        reverse("admin:auth_user_password_change", args=[other_staff.pk]), password_form()
    )

    assert response.status_code == 302
    other_staff.refresh_from_db()
    assert other_staff.check_password(NEW_PASSWORD)
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.USER_CHANGED)
    assert (event.actor, event.target_email) == (superuser, other_staff.email)
    assert "password" in event.detail.lower()


def test_adding_and_deleting_an_account_in_the_admin_is_audited(superuser):
    client = client_for(superuser)
    client.post(
        reverse("admin:members_user_add"),
        {
            "email": "new@example.com",
            "name": "New",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    added = User.objects.get(email="new@example.com")
    client.post(reverse("admin:members_user_delete", args=[added.pk]), {"post": "yes"})

    actions = list(MembershipEvent.objects.filter(target_email="new@example.com").values_list("action", flat=True))
    assert sorted(actions) == ["user_added", "user_deleted"]
    assert not User.objects.filter(email="new@example.com").exists()


def address_form(user: User, email: str, *, verified: bool) -> dict[str, str]:
    return {"user": str(user.pk), "email": email, "verified": "on" if verified else "", "primary": ""}


def test_staff_cannot_add_a_verified_address_to_a_privileged_account(staff, superuser):
    client = client_for(staff)
    before = db_snapshot()

    response = client.post(
        reverse("admin:account_emailaddress_add"), address_form(superuser, "mine@attacker.example", verified=True)
    )

    assert response.status_code == 403
    assert db_snapshot() == before
    assert not EmailAddress.objects.filter(email="mine@attacker.example").exists()


def test_staff_cannot_change_or_verify_a_privileged_accounts_address(staff, superuser):
    address = EmailAddress.objects.create(user=superuser, email="second@example.com", verified=False)
    client = client_for(staff)
    before = db_snapshot()

    change = client.post(
        reverse("admin:account_emailaddress_change", args=[address.pk]),
        address_form(superuser, "mine@attacker.example", verified=True),
    )
    bulk = client.post(
        reverse("admin:account_emailaddress_changelist"), {"action": "make_verified", "_selected_action": [address.pk]}
    )

    assert change.status_code == 403
    assert bulk.status_code in (200, 302)
    address.refresh_from_db()
    assert address.email == "second@example.com" and not address.verified
    assert db_snapshot() == before


def test_a_superuser_changing_an_address_in_the_admin_is_audited(superuser, regular):
    address = EmailAddress.objects.get(user=regular)

    response = client_for(superuser).post(
        reverse("admin:account_emailaddress_change", args=[address.pk]),
        {**address_form(regular, regular.email, verified=True), "primary": "on"},
    )

    assert response.status_code == 302
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.USER_CHANGED)
    assert (event.actor, event.target_email) == (superuser, regular.email)
    assert event.detail.startswith("email address customer@example.com")
