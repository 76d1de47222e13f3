"""Benchmark (`make bench`): the Members page of a 10,000-person organization on PostgreSQL.

Creates a throwaway PostgreSQL database, seeds one organization with 10,000 members (half with project access)
and 500 pending invitations, then times the page as an owner uses it: first page, a search, a role filter, a
status filter, sorting by date, and the last page. Prints the median and 95th percentile of each, with the number
of SQL queries, and fails if a median exceeds BUDGET_MS. Drops the database at the end.

Not collected by pytest (no test_ prefix): it measures time, which a test on a shared CI machine should not assert.
Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), BENCH_MEMBERS (default 10000).
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
INVITATIONS = 500
RUNS = 15
BUDGET_MS = 500  # per page, median: comfortably interactive


def main() -> int:
    name = f"orgconsole_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return run(f"{PG_URL}/{name}")
    finally:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(database_url: str) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "orgconsole.settings.test"
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from members.models import Invitation, Membership, Organization, Project, ProjectMembership, User
    from members.roles import OrgRole, ProjectRole

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    owner = User.objects.create_user(email="owner@bench.example", name="Olivia Owner")
    organization = Organization.objects.create(name="Bench Corp", slug="bench")
    Membership.objects.create(organization=organization, user=owner, role=OrgRole.OWNER)
    projects = [Project.objects.create(organization=organization, name=n) for n in ("Production", "Staging")]
    users = User.objects.bulk_create(
        User(email=f"person{n:05}@bench.example", name=f"Person {n:05}") for n in range(MEMBERS)
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, user=u, role=OrgRole.OWNER if n % 50 == 0 else OrgRole.MEMBER)
        for n, u in enumerate(users)
    )
    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=projects[n % 2], user=u, role=ProjectRole.READ_ONLY)
        for n, u in enumerate(users)
        if n % 2 == 0
    )
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization=organization,
            email=f"invitee{n:04}@bench.example",
            invited_by=owner,
            expires_at=now + timedelta(hours=48 if n % 5 else -1),
        )
        for n in range(INVITATIONS)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {MEMBERS} members and {INVITATIONS} invitations in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(owner)
    url = "/o/bench/members/"
    last_page = (MEMBERS + 1 + INVITATIONS + 49) // 50
    cases = {
        "first page": "",
        "search 'person0421'": "?q=person0421",
        "role: Organization Owner": "?role=owner",
        "status: Pending": "?status=pending",
        "sort by date, newest first": "?sort=-date",
        f"last page ({last_page})": f"?page={last_page}",
    }
    print(f"\n| Members page, {MEMBERS:,} members + {INVITATIONS} invitations | median | p95 | queries |")
    print("|---|---|---|---|")
    over_budget = []
    for label, query in cases.items():
        timings = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url + query)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"| {label} | {median:.0f} ms | {p95:.0f} ms | {len(queries)} |")
        if median > BUDGET_MS:
            over_budget.append(label)
    if over_budget:
        print(f"\nover the {BUDGET_MS} ms budget: {', '.join(over_budget)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
