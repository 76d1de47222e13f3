"""The queries the Members page, invitation lookups, the audit log and the outbox run can be served by an index.

With sequential scans disabled PostgreSQL still falls back to a Seq Scan when no index can serve a query, so a
plan without "Seq Scan" proves an index exists for it (which one the planner picks on a tiny table varies)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.member_list import Query, count_rows, encode_cursor, fetch_keys
from members.models import Invitation, Membership, MembershipEvent, Organization, OutboundEmail, User
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.postgres


def indexed(queryset) -> str:
    text = queryset.explain()
    assert "Seq Scan" not in text, text
    return text


@pytest.fixture
def plan(db, organization):
    # Some neighbours, so the organization's rows are a slice of each table.
    for n in range(3):
        other = OrganizationFactory(slug=f"neighbour-{n}")
        MembershipFactory.create_batch(5, organization=other)
        InvitationFactory.create_batch(5, organization=other)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET enable_seqscan = off")
    yield indexed
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")


def explained(sql: str) -> str:
    """The plan of a query as Django logged it (parameters inlined)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


MEMBERS_PAGE_QUERIES = [
    Query(),
    Query(sort="-name"),
    Query(sort="role"),
    Query(sort="-role"),
    Query(sort="date"),
    Query(sort="-date"),
    Query(role="owner"),
    Query(status="pending"),
    Query(status="expired", sort="-date"),
    Query(status="verified"),
    Query(q="someone"),
    Query(two_factor="on"),
    Query(two_factor="off", sort="-date"),
    Query(project="1"),
    Query(project="1", sort="role", status="pending"),
    Query(project="1", two_factor="off", q="someone"),
]


@pytest.mark.parametrize(
    "query", MEMBERS_PAGE_QUERIES, ids=lambda q: f"{q.q}-{q.role}-{q.status}-{q.project}-{q.two_factor}-{q.sort}"
)
def test_members_page_reads_memberships_and_open_invitations_by_index(plan, organization, query):
    MembershipFactory.create_batch(3, organization=organization)
    InvitationFactory.create_batch(3, organization=organization)
    with CaptureQueriesContext(connection) as queries:
        keys = fetch_keys(organization, query)
        if keys:
            fetch_keys(organization, query, cursor=keys[-1])
            fetch_keys(organization, query, cursor=keys[0], forward=False)
        count_rows(organization, query)
    for captured in queries.captured_queries:
        if not captured["sql"].startswith("EXPLAIN"):
            text = explained(captured["sql"])
            assert "Seq Scan" not in text, (captured["sql"], text)


def test_open_invitation_lookup_by_lower_email_uses_the_partial_unique_index(plan, organization):
    queryset = (
        Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING)
        .annotate(e=Lower("email"))
        .filter(e__in=["someone@example.com"])
    )
    plan(queryset)


def test_user_lookup_by_lower_email_uses_the_case_insensitive_unique_index(plan):
    queryset = User.objects.annotate(e=Lower("email")).filter(e__in=["someone@example.com"])
    plan(queryset)


def test_invitation_and_membership_lookups_by_id_use_the_primary_key(plan, organization):
    plan(Invitation.objects.filter(organization=organization, pk=1))
    plan(Invitation.objects.filter(pk=1))
    plan(Membership.objects.filter(organization=organization, pk=1))


def test_audit_log_and_daily_send_counts_are_indexed(plan, organization, owner):
    since = timezone.now() - timedelta(hours=24)
    plan(MembershipEvent.objects.filter(organization=organization)[:50])
    plan(MembershipEvent.objects.filter(organization=organization, action="invited", created_at__gte=since))
    plan(MembershipEvent.objects.filter(actor=owner, action="invited", created_at__gte=since))


def test_outbox_sweep_uses_the_status_and_due_time_index(plan):
    stalled = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lt=timezone.now())
    assert "outbound_status_next_idx" in plan(stalled)


# --- the Members page at 100,000 members, with the planner's own choices ----------------------------------------

SCANNED_TABLES = re.compile(r"Seq Scan on (members_user|members_membership|members_invitation)\b")


def test_no_members_page_query_scans_users_memberships_or_invitations_at_100000_members(db, client):
    from members.member_list import link_to_page
    from tests.benchmarks.members_page import owner_views
    from tests.benchmarks.seed import seed_organization

    big = seed_organization(tag="big", members=100_000)
    # Neighbours, as in any real database: the organization's 2,000 invitations are a tenth of the table.
    seed_organization(tag="small", members=1_000, invitations=20_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    organization = Organization.objects.get(pk=big.organization_id)
    client.force_login(User.objects.get(pk=big.owner_id))
    url = f"/o/{big.slug}/members/"
    views = owner_views(big) | {"a middle page": link_to_page(organization, 1000), "the last page": "?last=1"}
    # The owners' filters (the seed has nobody with two-factor authentication, and half with project access).
    project = organization.projects.order_by("pk").first()
    views |= {"without 2FA": "?two_factor=off", "project": f"?project={project.pk}", "project, last": "?last=1"}
    views["project, last"] += f"&project={project.pk}"
    first = client.get(url).context["page"]
    views["the page before the second"] = "?" + f"page=1&before={encode_cursor(first.keys[-1])}"
    for view, query in views.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + query)
        assert response.status_code == 200 and response.context["rows"], view
        for captured in queries.captured_queries:
            # Transaction control (the user-sessions middleware's savepoints) has no plan to read.
            if captured["sql"].startswith(("EXPLAIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                continue
            plan = explained(captured["sql"])
            assert not SCANNED_TABLES.search(plan), (view, captured["sql"], plan)


def test_the_sweep_of_tasks_left_running_reads_an_index_not_the_task_table(plan):
    from django_tasks_db.models import DBTaskResult

    from members.worker import DELIVERY_TASKS

    lost = DBTaskResult.objects.filter(
        status="RUNNING", task_path__in=DELIVERY_TASKS, started_at__lt=timezone.now()
    ).order_by("started_at")
    assert "members_dbtaskresult_running_idx" in plan(lost.values_list("pk", flat=True)[:100])


def test_expired_idempotency_keys_are_found_by_age_through_an_index(plan):
    from members.models import IdempotencyKey

    assert "idempotency_key_created_idx" in plan(IdempotencyKey.objects.filter(created_at__lt=timezone.now())[:1000])
