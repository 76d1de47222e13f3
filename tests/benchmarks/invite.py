"""Target 3: one Invite User POST of 50 addresses costs at most 3x one of a single address, and its query count
does not grow with the number of addresses. Each POST invites fresh addresses through the real view."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from tests.benchmarks.harness import Verdict, interleave, ms, paired_ratio, print_table
from tests.benchmarks.seed import SeededOrganization

_serial = itertools.count()


def poster(client, url: str, *, addresses: int) -> Callable[[], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    def post() -> int:
        batch = next(_serial)
        emails = "\n".join(f"new{batch}-{n}@invitee.example" for n in range(addresses))
        reset_queries()  # the log keeps 9,000 queries: once full, a capture would count none
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"emails": emails, "role": "member"})
        assert response.status_code == 302, response.content.decode()[:2000]
        return len(queries)

    return post


def run(*, org: SeededOrganization, rounds: int) -> list[Verdict]:
    from django.conf import settings
    from django.test import Client

    from members.models import User

    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = settings.INVITATIONS_PER_INVITER_PER_DAY = 10**9
    client = Client()
    client.force_login(User.objects.get(pk=org.owner_id))
    url = f"/o/{org.slug}/members/invite/"
    samples = interleave(
        {"1": poster(client, url, addresses=1), "50": poster(client, url, addresses=50)}, rounds=rounds
    )
    one, fifty = samples["1"], samples["50"]
    ratio, paired = fifty.median / one.median, paired_ratio(fifty, one)
    print_table(
        "Target 3: Invite User, 50 addresses in one POST vs 1 (≤ 3x)",
        ["comparison", "1 address", "50 addresses", "ratio", "per-round", "queries (1/50)"],
        [
            [
                "POST /members/invite/",
                ms(one.median),
                ms(fifty.median),
                f"**{ratio:.2f}x**",
                f"{paired:.2f}x",
                f"{one.queries}/{fifty.queries}",
            ]
        ],
    )
    return [
        Verdict("3. invite 50 vs 1", ratio, 3.0, paired=paired),
        Verdict("3. invite queries 50 vs 1", fifty.queries / one.queries, 1.0),
    ]
