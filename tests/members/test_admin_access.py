"""ADMIN_REQUIRE_2FA: staff without two-factor authentication are sent to set it up before any admin
page (and brought back); with it, or with the setting off (development and tests), the admin opens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import MembershipEvent
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.helpers import db_snapshot
from tests.production.conftest import load_production
from tests.two_factor import with_totp

ADMIN_PAGES = ["admin:index", "admin:members_user_changelist", "admin:members_membershipevent_changelist"]


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True


def test_the_setting_is_on_in_production_and_off_in_tests(settings, monkeypatch):
    assert settings.ADMIN_REQUIRE_2FA is False
    assert load_production(monkeypatch).ADMIN_REQUIRE_2FA is True
    assert load_production(monkeypatch, ADMIN_REQUIRE_2FA="false").ADMIN_REQUIRE_2FA is False


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_staff_without_two_factor_are_sent_to_set_it_up(required, staff, name):
    client = client_for(staff)
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    page = client.get(response.url).content.decode()
    assert "The admin requires two-factor authentication" in page

    with_totp(staff)
    assert f'href="{url}"' in client.get(reverse("mfa_index")).content.decode()
    assert client.get(url).status_code == 200


def test_a_refused_admin_post_changes_nothing(required, staff, member):
    client = client_for(staff)
    before = db_snapshot()
    response = client.post(reverse("admin:members_user_change", args=[member.pk]), {"email": "hijack@example.com"})
    assert response.url == reverse("mfa_index")
    assert db_snapshot() == before
    assert not MembershipEvent.objects.exists()


def test_signing_out_of_the_admin_still_works(required, staff):
    client = client_for(staff)
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_without_the_setting_staff_open_the_admin(staff):
    assert client_for(staff).get(reverse("admin:index")).status_code == 200


def test_non_staff_still_get_the_admin_sign_in(required, member):
    response = client_for(member).get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response.url
