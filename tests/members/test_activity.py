"""The Activity page: owners see their organization's audit log, filtered and paged by keyset; members and
other organizations see nothing of it; the export is streamed, formula-safe and itself recorded."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.activity import ActivityFilters, Cursor, event_page, organization_events
from members.models import MembershipEvent
from members.services import purge_expired_events
from tests.factories import MembershipEventFactory, OrganizationFactory
from tests.helpers import db_snapshot

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


def url(name: str, organization, **kwargs) -> str:
    return reverse(f"members:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def event(organization, **kwargs) -> MembershipEvent:
    return MembershipEventFactory(organization=organization, **kwargs)


def test_owner_sees_every_event_of_the_organization_newest_first(owner_client, organization, owner, other_owner):
    event(organization, actor=owner, target_email="old@example.com", created_at=MOMENT - timedelta(days=1))
    event(
        organization,
        actor=owner,
        action=MembershipEvent.Action.ROLE_CHANGED,
        target_email="new@example.com",
        old_role="member",
        new_role="owner",
        created_at=MOMENT,
    )
    event(other_owner.memberships.get().organization, target_email="elsewhere@example.com")

    response = owner_client.get(url("activity", organization))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("new@example.com") < html.index("old@example.com")
    assert "Role changed" in html and "Organization Member" in html and "Organization Owner" in html
    assert "Olivia Owner" in html
    assert "elsewhere@example.com" not in html
    assert 'aria-current="page">Activity</a>' in html


def test_members_do_not_see_the_page_or_its_navigation_item(member_client, organization, owner):
    recorded = event(organization, actor=owner)
    before = db_snapshot()

    assert member_client.get(url("activity", organization)).status_code == 404
    assert member_client.get(url("activity_event", organization, event_id=recorded.pk)).status_code == 404
    assert member_client.post(url("activity_export", organization)).status_code == 404
    assert ">Activity</a>" not in member_client.get(url("members", organization)).content.decode()
    assert db_snapshot() == before


def test_an_event_of_another_organization_is_not_found(owner_client, organization):
    elsewhere = event(OrganizationFactory(), target_email="secret@example.com", ip_address="203.0.113.9")

    response = owner_client.get(url("activity_event", organization, event_id=elsewhere.pk))

    assert response.status_code == 404
    assert b"secret@example.com" not in response.content


def test_details_show_where_the_request_came_from(owner_client, organization, owner):
    recorded = event(
        organization,
        actor=owner,
        ip_address="198.51.100.7",
        project_access={"before": {"Production": "read_only"}, "after": {"Production": "admin"}},
    )

    html = owner_client.get(url("activity_event", organization, event_id=recorded.pk)).content.decode()

    assert "198.51.100.7" in html
    assert "Request ID" in html
    assert "Production: Project Read-Only" in html and "Production: Project Admin" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "OWNER@example.com"}, {"a@example.com", "b@example.com"}),
        ({"action": "member_removed"}, {"b@example.com"}),
        ({"person": "C@Example.com"}, {"c@example.com"}),
        ({"since": "2026-03-04"}, {"a@example.com", "c@example.com"}),
        ({"until": "2026-03-03"}, {"b@example.com"}),
        ({"since": "2026-03-04", "until": "2026-03-04", "action": "invited"}, {"a@example.com", "c@example.com"}),
    ],
)
def test_filters_come_from_the_url(owner_client, organization, owner, member, query, expected):
    event(organization, actor=owner, target_email="a@example.com", created_at=MOMENT)
    event(
        organization,
        actor=owner,
        action=MembershipEvent.Action.MEMBER_REMOVED,
        target_email="b@example.com",
        created_at=MOMENT - timedelta(days=1),
    )
    event(organization, actor=member, target_email="c@example.com", created_at=MOMENT + timedelta(hours=11))

    html = owner_client.get(url("activity", organization), query).content.decode()

    shown = {email for email in ("a@example.com", "b@example.com", "c@example.com") if email in html}
    assert shown == expected


def test_a_bad_filter_is_reported_and_ignored(owner_client, organization, owner):
    event(organization, actor=owner, target_email="a@example.com")

    response = owner_client.get(url("activity", organization), {"since": "yesterday", "action": "dance"})

    assert response.status_code == 200
    assert "a@example.com" in response.content.decode()
    assert "Enter a valid date." in response.content.decode()


def test_keyset_pages_cover_every_event_once_even_when_times_tie(organization):
    # 120 events sharing three timestamps: only the id tells ties apart.
    for n in range(120):
        event(organization, target_email=f"p{n}@example.com", created_at=MOMENT + timedelta(seconds=n % 3))
    events = organization_events(organization, ActivityFilters())

    first = event_page(events, size=50)
    second = event_page(events, after=first.older, size=50)
    third = event_page(events, after=second.older, size=50)
    back = event_page(events, before=second.newer, size=50)

    seen = [e.pk for page in (first, second, third) for e in page.events]
    assert seen == list(events.values_list("pk", flat=True))
    assert [len(first.events), len(second.events), len(third.events)] == [50, 50, 20]
    assert third.older is None and first.newer is None
    assert [e.pk for e in back.events] == [e.pk for e in first.events]


def test_the_page_links_to_older_events_by_cursor_not_offset(owner_client, organization):
    for n in range(55):
        event(organization, target_email=f"p{n:02d}@example.com", created_at=MOMENT + timedelta(minutes=n))

    first = owner_client.get(url("activity", organization), {"action": "invited"})
    cursor = str(first.context["page"].older)
    second = owner_client.get(url("activity", organization), {"action": "invited", "after": cursor})

    assert f"after={cursor}" in first.content.decode()
    assert [e.target_email for e in second.context["page"].events] == [
        f"p{n:02d}@example.com" for n in range(4, -1, -1)
    ]


@pytest.mark.parametrize("cursor", ["", "x", "12-", "-3", "99999999999999999999-1", "1.5-2", "٣-1"])
def test_a_malformed_cursor_shows_the_first_page(owner_client, organization, cursor):
    event(organization, target_email="a@example.com")

    response = owner_client.get(url("activity", organization), {"after": cursor, "before": cursor})

    assert response.status_code == 200
    assert "a@example.com" in response.content.decode()


def test_cursor_round_trips():
    cursor = Cursor(created_at=datetime(2026, 3, 4, 12, 30, 1, 123456, tzinfo=UTC), id=42)
    assert Cursor.parse(str(cursor)) == cursor


# --- Export CSV ------------------------------------------------------------------------------


def export(client, organization, query: dict[str, str] | None = None) -> list[list[str]]:
    target = url("activity_export", organization)
    if query:
        target += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.post(target)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-activity-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_streams_what_the_filters_select_with_utc_times(owner_client, organization, owner):
    event(organization, actor=owner, target_email="a@example.com", created_at=MOMENT, ip_address="198.51.100.7")
    event(organization, actor=owner, action=MembershipEvent.Action.MEMBER_REMOVED, target_email="b@example.com")

    rows = export(owner_client, organization, {"action": "invited"})

    header, *body = rows
    assert header[:4] == ["time_utc", "actor_email", "action", "person_affected"]
    assert len(body) == 1
    assert body[0][:4] == ["2026-03-04T12:30:00Z", "owner@example.com", "invited", "a@example.com"]
    assert "198.51.100.7" in body[0]


def test_export_is_recorded_with_its_filters(owner_client, organization, owner):
    export(owner_client, organization, {"action": "invited", "person": "a@example.com"})

    recorded = MembershipEvent.objects.get(action=MembershipEvent.Action.ACTIVITY_EXPORTED)
    assert recorded.organization == organization and recorded.actor == owner
    assert recorded.detail == "action=invited&person=a%40example.com"


def test_export_neutralises_formulas(owner_client, organization, owner):
    event(organization, actor=owner, target_email="=HYPERLINK(evil)@example.com")

    rows = export(owner_client, organization, {"action": "invited"})

    assert rows[1][3] == "'=HYPERLINK(evil)@example.com"


def test_the_export_page_says_what_will_be_exported_and_changes_nothing(owner_client, organization):
    before = db_snapshot()

    response = owner_client.get(url("activity_export", organization) + "?action=invited")

    assert response.status_code == 200
    assert "action: invited" in response.content.decode()
    assert db_snapshot() == before


# --- Retention -------------------------------------------------------------------------------


def test_retention_unset_keeps_every_event(organization, settings):
    settings.ACTIVITY_RETENTION_DAYS = None
    event(organization, created_at=MOMENT - timedelta(days=3650))
    out = io.StringIO()

    call_command("purge_activity", stdout=out)

    assert MembershipEvent.objects.count() == 1
    assert "kept forever" in out.getvalue()


def test_retention_deletes_only_events_older_than_the_setting(organization, settings):
    settings.ACTIVITY_RETENTION_DAYS = 30
    for _ in range(3):
        event(organization, created_at=datetime.now(UTC) - timedelta(days=31))
    recent = event(organization, created_at=datetime.now(UTC) - timedelta(days=29))
    out = io.StringIO()

    call_command("purge_activity", stdout=out)

    assert list(MembershipEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 3 event(s)" in out.getvalue()


def test_purge_works_in_batches(organization):
    for _ in range(5):
        event(organization, created_at=datetime.now(UTC) - timedelta(days=10))

    assert purge_expired_events(retention_days=1, batch_size=2) == 5
    assert not MembershipEvent.objects.exists()


def test_the_console_offers_no_way_to_change_or_delete_an_event(owner_client, organization, owner):
    recorded = event(organization, actor=owner)
    before = db_snapshot()

    for method in ("post", "put", "patch", "delete"):
        response = getattr(owner_client, method)(url("activity_event", organization, event_id=recorded.pk))
        assert response.status_code == 405
    assert db_snapshot() == before
