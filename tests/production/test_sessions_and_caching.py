"""#10.7 Pages with personal data are never cached; sessions end when idle and at an absolute age."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("production_settings")


@pytest.mark.parametrize(
    "url",
    [
        reverse("members:members", args=["acme"]),
        reverse("members:settings", args=["acme"]),
        reverse("members:billing", args=["acme"]),
        reverse("members:projects", args=["acme"]),
        reverse("account_email"),
        reverse("account_change_password"),
    ],
)
def test_pages_with_personal_data_are_not_stored_by_any_cache(owner_client, organization, https, url):
    response = owner_client.get(url, **https)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_static_files_keep_their_own_caching(client, https, settings):
    settings.WHITENOISE_USE_FINDERS = True
    response = client.get("/static/css/app.css", **https)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


class Clock:
    """The middleware's clock (the edge we mock), in seconds since the session started."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def advance(self, *, hours: float = 0, minutes: float = 0) -> None:
        self.now += hours * 3600 + minutes * 60


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("orgconsole.middleware.time.time", lambda: clock.now)
    return clock


def sign_in(client: Client, owner, https) -> None:
    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD}, **https)
    assert response.status_code == 302


def members_page(client: Client, https):
    return client.get(reverse("members:members", args=["acme"]), **https)


def test_a_session_idle_longer_than_the_timeout_is_signed_out(owner, organization, https, settings, clock):
    assert settings.SESSION_IDLE_TIMEOUT == 12 * 3600  # the default
    client = Client()
    sign_in(client, owner, https)
    assert members_page(client, https).status_code == 200
    clock.advance(hours=11, minutes=59)
    assert members_page(client, https).status_code == 200  # 11 h 59 min idle: still signed in

    clock.advance(hours=12, minutes=1)  # 12 h 1 min idle
    response = members_page(client, https)

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_busy_session_still_ends_at_its_absolute_age(owner, organization, https, settings, clock):
    settings.SESSION_COOKIE_AGE = 24 * 3600
    client = Client()
    sign_in(client, owner, https)
    assert members_page(client, https).status_code == 200
    for _ in range(12):  # active every two hours, around the clock
        clock.advance(hours=2)
        assert members_page(client, https).status_code == 200

    clock.advance(minutes=1)  # 24 h 1 min after signing in
    response = members_page(client, https)

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
