"""The Activity page stays fast at a million events in one organization: each page, the first or one deep
in the log, filtered or not, is one index range scan on ``event_org_created_id_idx`` that stops after the
page's rows, with no sort and no OFFSET; filtered by a rare actor or a rare person affected, it reads that
address's own few rows from ``event_org_actor_idx`` / ``event_org_target_idx``, never a sequential scan of the
events. Proven on PostgreSQL's real plans (EXPLAIN ANALYZE)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from members.activity import ActivityFilters, Cursor, event_page, older_than, organization_events
from members.models import MembershipEvent
from tests.factories import OrganizationFactory

# Query plans are PostgreSQL's own: the test runs on PostgreSQL only (land.sh and CI run it there).
pytestmark = pytest.mark.postgres

EVENTS = 1_000_000
RARE_ACTOR, RARE_PERSON = "rare.actor@example.com", "rare.person@example.com"
ACTIONS = [action.value for action in MembershipEvent.Action]


@pytest.fixture
def million(db, organization):
    """A million events in one organization (one INSERT ... SELECT, a few seconds), and a neighbour's."""
    neighbour = OrganizationFactory(slug="neighbour")
    insert = f"""
        INSERT INTO {MembershipEvent._meta.db_table}
            (organization_id, organization_name, actor_id, actor_email, action, target_email,
             old_role, new_role, detail, ip_address, api_token_name, project_access, created_at)
        SELECT %s, 'Acme Corp', NULL, 'owner' || (g %% 7) || '@example.com', (%s::text[])[1 + g %% %s],
               'person' || (g %% 5000) || '@example.com', '', 'member', '', NULL, '', '{{}}'::jsonb,
               timestamptz '2026-01-01' + (g / 3) * interval '1 second'
        FROM generate_series(1, %s) AS g
    """
    with connection.cursor() as cursor:
        cursor.execute(insert, [organization.pk, ACTIONS, len(ACTIONS), EVENTS])
        cursor.execute(insert, [neighbour.pk, ACTIONS, len(ACTIONS), 10_000])
        # A rare actor and a rare person affected: three events each, early in the year (deep in the log).
        cursor.execute(
            f"""
            INSERT INTO {MembershipEvent._meta.db_table}
                (organization_id, organization_name, actor_id, actor_email, action, target_email,
                 old_role, new_role, detail, ip_address, api_token_name, project_access, created_at)
            SELECT %s, 'Acme Corp', NULL, CASE WHEN g <= 3 THEN %s ELSE 'owner1@example.com' END, 'invited',
                   CASE WHEN g > 3 THEN %s ELSE 'person1@example.com' END, '', 'member', '', NULL, '', '{{}}'::jsonb,
                   timestamptz '2026-01-01' + g * interval '1 minute'
            FROM generate_series(1, 6) AS g
            """,
            [organization.pk, RARE_ACTOR, RARE_PERSON],
        )
        cursor.execute(f"ANALYZE {MembershipEvent._meta.db_table}")
    return organization


def plan_of(queryset) -> dict:
    text = queryset.explain(format="json", analyze=True)
    return json.loads(text)[0]["Plan"]


def nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in nodes(child))]


def assert_keyset_scan(queryset, *, most_rows_read: int) -> None:
    plan = plan_of(queryset)
    kinds = [node["Node Type"] for node in nodes(plan)]
    assert "Seq Scan" not in kinds and "Sort" not in kinds and "Incremental Sort" not in kinds, kinds
    [scan] = [node for node in nodes(plan) if node.get("Index Name") == "event_org_created_id_idx"]
    read = scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
    assert read <= most_rows_read, (read, scan)


def assert_reads_only_its_rows(queryset, *, index: str, most_rows_read: int) -> None:
    """The events are read from ``index`` only (no sequential scan of the events, however few rows match),
    and no more of them than match. (The few rows may then be joined and sorted: that costs nothing.)"""
    plan = plan_of(queryset)
    table = MembershipEvent._meta.db_table
    scans = [node for node in nodes(plan) if node.get("Relation Name") == table]
    assert [node.get("Index Name") for node in scans] == [index], [(n["Node Type"], n.get("Index Name")) for n in scans]
    read = scans[0]["Actual Rows"] + scans[0].get("Rows Removed by Filter", 0)
    assert read <= most_rows_read, (read, scans[0])


def page_query(events, *, after: Cursor | None = None):
    """The query ``event_page`` runs for a page (the same filters, order and limit)."""
    if after is not None:
        events = older_than(events, after)
    return events.select_related("actor")[:51]


def test_every_page_is_one_short_index_range_scan_at_a_million_events(million):
    """One test, so the million rows are inserted once."""
    events = organization_events(million, ActivityFilters())
    assert_keyset_scan(page_query(events), most_rows_read=51)

    # A cursor half a million events deep (event g was created g // 3 seconds into the year).
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=EVENTS // 2 // 3)
    deep = Cursor(created_at=moment, id=events.filter(created_at=moment).values_list("pk", flat=True)[0])
    # The index range starts at the cursor's second; up to 3 events share it (skipped by the id test).
    assert_keyset_scan(page_query(events, after=deep), most_rows_read=51 + 3)

    page = event_page(events, after=deep)
    assert len(page.events) == 50 and page.events[0].pk < deep.id

    by_action = organization_events(million, ActivityFilters(action="role_changed"))
    # One event in len(ACTIONS) has this action: a page reads about len(ACTIONS) * 51 index entries.
    assert_keyset_scan(page_query(by_action), most_rows_read=51 * len(ACTIONS) + 51)

    by_dates = organization_events(million, ActivityFilters(since=date(2026, 1, 2), until=date(2026, 1, 3)))
    assert_keyset_scan(page_query(by_dates), most_rows_read=51)

    # A rare actor or person (any case, as typed in the filter): their own 3 events, from their own index.
    by_actor = organization_events(million, ActivityFilters(actor=RARE_ACTOR.upper()))
    assert_reads_only_its_rows(page_query(by_actor), index="event_org_actor_idx", most_rows_read=3)
    assert len(event_page(by_actor).events) == 3
    by_person = organization_events(million, ActivityFilters(person=RARE_PERSON))
    assert_reads_only_its_rows(page_query(by_person), index="event_org_target_idx", most_rows_read=3)
    both = organization_events(million, ActivityFilters(actor=RARE_ACTOR, action="invited", since=date(2026, 1, 1)))
    assert_reads_only_its_rows(page_query(both), index="event_org_actor_idx", most_rows_read=3)
