"""Last active (members/last_active.py): written at most once an hour per user, shown to owners on the Members
page and in its CSV export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.last_active import record_activity
from members.models import User

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The middleware's clock, set by the test."""

    class Clock:
        now = T0

    monkeypatch.setattr("members.last_active.timezone.now", lambda: Clock.now)
    return Clock


def updates(queries) -> list[str]:
    sql = [query["sql"] for query in queries.captured_queries]
    return [statement for statement in sql if statement.startswith("UPDATE") and "last_active_at" in statement]


def test_two_requests_within_the_hour_write_once(owner_client, organization, owner, clock):
    url = reverse("members:members", args=[organization.slug])
    with CaptureQueriesContext(connection) as first:
        owner_client.get(url)
    clock.now += timedelta(minutes=59)
    with CaptureQueriesContext(connection) as second:
        owner_client.get(url)

    assert len(updates(first)) == 1 and updates(second) == []
    owner.refresh_from_db()
    assert owner.last_active_at == T0

    clock.now += timedelta(minutes=2)  # an hour and a minute after the first
    owner_client.get(url)
    owner.refresh_from_db()
    assert owner.last_active_at == T0 + timedelta(minutes=61)


def test_a_stale_copy_of_the_user_does_not_write_twice(owner, clock):
    stale = User.objects.get(pk=owner.pk)  # loaded before another request wrote
    assert record_activity(owner, now=clock.now)
    assert not record_activity(stale, now=clock.now + timedelta(minutes=5))  # the UPDATE matches nothing
    owner.refresh_from_db()
    assert owner.last_active_at == T0


def test_signed_out_visitors_write_nothing(client, owner, clock):
    client.get(reverse("account_login"))
    owner.refresh_from_db()
    assert owner.last_active_at is None


def test_owners_see_last_active_on_the_members_page_and_members_do_not(
    owner_client, member_client, organization, member, clock
):
    member_client.get(reverse("members:members", args=[organization.slug]))  # Max Member is active at T0
    url = reverse("members:members", args=[organization.slug])
    owner_page = owner_client.get(url).content.decode()
    member_page = member_client.get(url).content.decode()

    assert f'Last active <time datetime="{T0.isoformat()}">Nov 28, 2026</time>' in owner_page
    assert "Last active" not in member_page
