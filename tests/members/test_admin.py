"""Staff admin: pages render, the audit log is read-only, staff cannot raise their own powers."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from members import services
from members.models import MembershipEvent
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="members"))
    return user


@pytest.mark.parametrize(
    "model", ["user", "organization", "project", "membership", "projectmembership", "invitation", "membershipevent"]
)
def test_admin_changelists_render(superuser, organization, model):
    MembershipFactory(organization=organization)

    response = client_for(superuser).get(reverse(f"admin:members_{model}_changelist"), {"q": "a"})

    assert response.status_code == 200


def test_staff_cannot_make_themselves_superuser(staff):
    url = reverse("admin:members_user_change", args=[staff.pk])
    form = client_for(staff).get(url).content.decode()
    assert 'name="is_superuser"' not in form

    client_for(staff).post(
        url,
        {
            "email": staff.email,
            "name": "x",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    staff.refresh_from_db()
    assert not staff.is_superuser


def test_audit_log_is_read_only(superuser, organization):
    event = MembershipEvent.objects.create(organization=organization, organization_name="Acme", action="invited")
    client = client_for(superuser)

    assert client.get(reverse("admin:members_membershipevent_add")).status_code == 403
    client.post(reverse("admin:members_membershipevent_delete", args=[event.pk]), {"post": "yes"})
    assert MembershipEvent.objects.filter(pk=event.pk).exists()


def test_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_staff_read_a_deleted_organizations_audit_trail(superuser, organization, owner):
    tombstone = services.delete_organization(organization, actor=owner, confirm_name="Acme Corp")
    client = client_for(superuser)

    listing = client.get(reverse("admin:members_deletedorganization_changelist")).content.decode()
    trail = client.get(
        reverse("admin:members_membershipevent_changelist"), {"deleted_organization__id__exact": tombstone.pk}
    )

    assert "Acme Corp" in listing and f"deleted_organization__id__exact={tombstone.pk}" in listing
    assert trail.status_code == 200 and "Organization deleted" in trail.content.decode()
    assert client.get(reverse("admin:members_deletedorganization_change", args=[tombstone.pk])).status_code == 200
