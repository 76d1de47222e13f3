"""Export CSV on the Members page: what the search and filters select on every page, formula-safe, streamed,
and recorded; members and other organizations get nothing and change nothing."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.member_list import PAGE_SIZE, Query, members_page, position_from
from members.models import Invitation, Membership, MembershipEvent, User
from members.selectors import attach_row_details
from tests.conftest import client_for
from tests.factories import InvitationFactory, InvitationProjectFactory, MembershipFactory, ProjectMembershipFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals

pytestmark = pytest.mark.django_db


def export_url(organization, query: str = "") -> str:
    return reverse("members:members_export", kwargs={"org_slug": organization.slug}) + query


def exported(client, organization, query: str = "") -> list[list[str]]:
    response = client.post(export_url(organization, query))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="acme-members-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_owner_exports_every_page_of_members_and_invitations(owner_client, organization, owner):
    MembershipFactory.create_batch(PAGE_SIZE + 5, organization=organization)
    InvitationFactory(organization=organization, email="pending@example.com")

    header, *rows = exported(owner_client, organization)

    assert header == [
        "Name",
        "Email",
        "Organization Role",
        "Project Access",
        "Status",
        "Invited by",
        "Invited / Joined (UTC)",
        "Last active (UTC)",
    ]
    assert len(rows) == 1 + PAGE_SIZE + 5 + 1  # the owner, the members, the invitation
    invitation = next(row for row in rows if row[1] == "pending@example.com")
    assert invitation[2:6] == ["Organization Member", "", "Pending", "owner@example.com"]
    owner_row = next(row for row in rows if row[1] == "owner@example.com")
    assert owner_row[2:5] == ["Organization Owner", "Project Admin on every project", "Verified"]


def test_export_follows_the_search_and_filters_with_project_access_and_utc_dates(owner_client, organization):
    grant = InvitationProjectFactory(
        invitation=InvitationFactory(
            organization=organization, email="ann@example.com", sent_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
        ),
        role="read_write",
    )
    member = MembershipFactory(organization=organization, user__email="anna@example.com", user__name="Anna")
    ProjectMembershipFactory(project=grant.project, user=member.user, role="admin")
    MembershipFactory(organization=organization, user__email="bob@example.com", user__name="Bob")  # no "ann"

    rows = exported(owner_client, organization, "?q=ann&sort=name&page=3")

    # The page's own order (by name: "ann@example.com" sorts before "Anna").
    assert [row[1] for row in rows[1:]] == ["ann@example.com", "anna@example.com"]
    assert rows[1][3] == f"{grant.project.name}: Project Read-Write"
    assert rows[2][3] == f"{grant.project.name}: Project Admin"
    assert rows[1][6] == "2026-03-04T05:06:00Z"

    only_expired = exported(owner_client, organization, "?status=expired")  # sent in March: expired now
    assert [row[1] for row in only_expired[1:]] == ["ann@example.com"]
    assert only_expired[1][4] == "Expired"


def test_export_has_each_members_last_active_time(owner_client, organization, member):
    User.objects.filter(pk=member.pk).update(last_active_at=datetime(2026, 5, 6, 7, 8, tzinfo=UTC))
    InvitationFactory(organization=organization, email="pending@example.com")

    rows = {row[1]: row for row in exported(owner_client, organization)[1:]}

    assert rows["member@example.com"][7] == "2026-05-06T07:08:00Z"
    assert rows["pending@example.com"][7] == ""  # an invitation has no account to be active with


def test_export_neutralises_formulas_in_names(owner_client, organization):
    MembershipFactory(organization=organization, user__email="evil@example.com", user__name="=HYPERLINK(1)")

    rows = exported(owner_client, organization, "?q=evil")

    assert rows[1][0] == "'=HYPERLINK(1)"


def test_export_is_recorded_with_who_and_the_filters(owner_client, organization, owner):
    exported(owner_client, organization, "?q=ann&status=pending")

    event = MembershipEvent.objects.get(action=MembershipEvent.Action.MEMBERS_EXPORTED)
    assert (event.organization, event.actor) == (organization, owner)
    assert event.detail == "q=ann&status=pending&sort=name"


def test_the_export_page_changes_nothing_and_the_members_page_links_to_it(owner_client, organization):
    before = db_snapshot()
    page = owner_client.get(reverse("members:members", kwargs={"org_slug": organization.slug}), {"q": "owner"})
    confirm = owner_client.get(export_url(organization, "?q=owner"))

    assert export_url(organization, "?q=owner") in page.content.decode()
    assert confirm.status_code == 200 and "Search name or email: owner" in confirm.content.decode()
    assert db_snapshot() == before


@pytest.mark.parametrize("who", ["member", "other_owner"])
def test_members_and_other_organizations_cannot_export(request, organization, who):
    client = client_for(request.getfixturevalue(who))
    before, sent = db_snapshot_without_refusals(), len(mail.outbox)

    response = client.post(export_url(organization))

    assert response.status_code == (403 if who == "member" else 404)
    assert not response.streaming
    # A member's refused write is audited (#11.6); nothing else changes.
    assert db_snapshot_without_refusals() == before and len(mail.outbox) == sent


def test_members_do_not_see_the_export_link(member_client, organization):
    page = member_client.get(reverse("members:members", kwargs={"org_slug": organization.slug}))
    assert "Export CSV" not in page.content.decode()


def _invite_many(organization, count: int, start: int) -> None:
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization=organization, email=f"p{n}@example.com", sent_at=now, expires_at=now + timedelta(days=2)
        )
        for n in range(start, start + count)
    )


def _peak(client, organization) -> tuple[int, int]:
    response = client.post(export_url(organization))
    lines = 0
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, lines


def test_export_memory_does_not_grow_with_the_row_count(owner_client, organization, monkeypatch):
    # A smaller chunk than production's keeps the test quick; both runs are many chunks long.
    monkeypatch.setattr("members.member_export.MEMBERS_EXPORT_CHUNK_SIZE", 50)
    _invite_many(organization, 150, 0)
    small_peak, small_lines = _peak(owner_client, organization)
    _invite_many(organization, 1_350, 150)
    large_peak, large_lines = _peak(owner_client, organization)

    assert (small_lines, large_lines) == (1 + 1 + 150, 1 + 1 + 1_500)  # header, the owner, the invitations
    assert large_peak < small_peak * 1.25 + 64_000, (small_peak, large_peak)


def _people(organization, count: int) -> None:
    """Members with accented, mixed-case names and pending and expired invitations (one INSERT each)."""
    names = ["José Núñez", "jose nunez", "Zoë Ångström", "", "Anna Berg", "ANNA berg"]
    users = User.objects.bulk_create(
        User(email=f"p{n:04}@example.com", name=names[n % len(names)]) for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, user=user, role="owner" if n % 9 == 0 else "member")
        for n, user in enumerate(users)
    )
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization=organization,
            email=f"jose{n:03}@example.com",
            sent_at=now - timedelta(days=n % 5),
            expires_at=now + timedelta(days=2 - n % 5),
        )
        for n in range(count // 3)
    )


def _every_page(organization, params: dict[str, str]) -> list[str]:
    """The addresses on every page of the Members page for ``params``, following Next as a user would."""
    query, found, position = Query(**{"sort": "name", **params}), [], dict(params)
    while True:
        page = members_page(organization, query, position_from(position, query))
        found += [row.email for row in attach_row_details(organization, page.keys)]
        if not page.has_next:
            return found
        page.link(params)
        position = dict(pair.split("=", 1) for pair in page.links["next"][1:].split("&"))


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "jose"}, {"q": "ANGSTROM", "sort": "-name"}, {"role": "owner", "sort": "date"}, {"status": "expired"}],
)
def test_export_has_the_same_rows_in_the_same_order_as_the_pages_for_the_filters(
    owner_client, organization, monkeypatch, params
):
    monkeypatch.setattr("members.member_export.MEMBERS_EXPORT_CHUNK_SIZE", 7)  # many chunks, seams between them
    _people(organization, 3 * PAGE_SIZE)

    rows = exported(owner_client, organization, "?" + "&".join(f"{k}={v}" for k, v in params.items()))

    assert [row[1] for row in rows[1:]] == _every_page(organization, params)
    assert len(rows) > 2


def _export_queries(client, organization) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(export_url(organization))
        for _chunk in response.streaming_content:
            pass
    return len(queries)


def test_export_query_count_grows_with_chunks_never_with_rows(owner_client, organization, monkeypatch):
    _export_queries(owner_client, organization)  # the session's first request does its own one-off writes
    _invite_many(organization, 10, 0)
    ten = _export_queries(owner_client, organization)
    _invite_many(organization, 400, 10)
    four_hundred_and_ten = _export_queries(owner_client, organization)
    assert four_hundred_and_ten == ten  # one chunk of 500 either way: no query per row

    # Invitations only past the first chunk: each further chunk is one keyset seek and two detail queries.
    monkeypatch.setattr("members.member_export.MEMBERS_EXPORT_CHUNK_SIZE", 50)
    few = _export_queries(owner_client, organization)  # 411 rows: 9 chunks
    _invite_many(organization, 1_090, 410)
    many = _export_queries(owner_client, organization)  # 1,501 rows: 31 chunks
    assert many - few == (31 - 9) * 3, (few, many)
