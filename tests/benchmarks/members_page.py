"""Target 1: the Members page is flat (1,000,000 members cost at most 1.5x what 1,000 cost; CI compares 100,000
with 1,000) and, at 100,000 members, costs at most what Django admin's changelist of the same memberships costs
for the equivalent view (50 rows a page). Every view an owner uses; query counts per size."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import quote

from tests.benchmarks.harness import Sample, Verdict, interleave, ms, paired_ratio, print_table
from tests.benchmarks.seed import SeededOrganization, email, word

PAGE_SIZE = 50
# Five letters of person 421's last name, typed in lower case: in every organization, a handful of people match.
NAME_FRAGMENT = word(421, "b")[1:6].lower()


def owner_views(org: SeededOrganization) -> dict[str, str]:
    """Query strings of every view an owner uses, for one organization."""
    return {
        "first page": "",
        "search a name fragment": f"?q={NAME_FRAGMENT}",
        "search an exact email": f"?q={quote(email(421, org.tag))}",
        "role: Organization Owner": "?role=owner",
        "status: Pending": "?status=pending",
        "sort by name A to Z": "?sort=name",
        "sort by name Z to A": "?sort=-name",
        "sort by role": "?sort=role",
        "sort by role, descending": "?sort=-role",
        "sort by date, oldest first": "?sort=date",
        "sort by date, newest first": "?sort=-date",
        "a middle page": "MIDDLE",
        "the last page": "LAST",
    }


def admin_views(org: SeededOrganization) -> dict[str, str]:
    """Django admin's changelist (50 a page) for the equivalent view of the same organization."""
    base = f"/admin/members/membership/?organization__id__exact={org.organization_id}"
    pages = -(-(org.members + 1) // PAGE_SIZE)
    return {
        "first page": base,
        "search a name fragment": base + f"&q={NAME_FRAGMENT}",
        "search an exact email": base + f"&q={quote(email(421, org.tag))}",
        "role: Organization Owner": base + "&role__exact=owner",
        "status: Pending": f"/admin/members/invitation/?organization__id__exact={org.organization_id}"
        "&status__exact=pending",
        "sort by name A to Z": base + "&o=1",
        "sort by name Z to A": base + "&o=-1",
        "sort by role": base + "&o=3",
        "sort by role, descending": base + "&o=-3",
        "sort by date, oldest first": base + "&o=4",
        "sort by date, newest first": base + "&o=-4",
        "a middle page": base + f"&p={pages // 2}",
        "the last page": base + f"&p={pages}",
    }


def _link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*rel="{rel}"', html) or re.search(
        rf'<a [^>]*rel="{rel}"[^>]*href="([^"]+)"', html
    )
    return unescape(match.group(1)) if match else None


def resolve_page_links(client, org: SeededOrganization, views: dict[str, str]) -> dict[str, str]:
    """The middle and last page as the page itself links to them (a cursor or a page number)."""
    import importlib.util

    url = f"/o/{org.slug}/members/"
    html = client.get(url).content.decode()
    pages = -(-org.rows // PAGE_SIZE)
    last = _link(html, "last") or f"?page={pages}"
    if importlib.util.find_spec("members.member_list"):  # keyset pages: the link Next leads to
        from members.member_list import link_to_page
        from members.models import Organization

        middle = link_to_page(Organization.objects.get(pk=org.organization_id), pages // 2)
    else:
        middle = f"?page={pages // 2}"
    resolved = dict(views)
    resolved["a middle page"] = url + middle
    resolved["the last page"] = url + last if last.startswith("?") else last
    for name, query in views.items():
        if query not in ("MIDDLE", "LAST"):
            resolved[name] = url + query
    return resolved


def getter(client, url: str) -> Callable[[], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    def get() -> int:
        reset_queries()  # the log keeps 9,000 queries: once full, a capture would count none
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    return get


def run(*, sizes: list[SeededOrganization], admin_org: SeededOrganization, rounds: int) -> list[Verdict]:
    from django.contrib.admin import site
    from django.test import Client

    from members.models import Invitation, Membership, User

    for model in (Membership, Invitation):
        site._registry[model].list_per_page = PAGE_SIZE  # the comparison: 50 rows a page, like ours
    admin = User.objects.create_superuser(email="admin@bench.example", password="bench")
    admin_client = Client()
    admin_client.force_login(admin)
    clients, urls = {}, {}
    for org in sizes:
        clients[org.tag] = Client()
        clients[org.tag].force_login(User.objects.get(pk=org.owner_id))
        urls[org.tag] = resolve_page_links(clients[org.tag], org, owner_views(org))
    admin_urls = admin_views(admin_org)
    results: dict[str, dict[str, Sample]] = {}
    for view in owner_views(sizes[0]):
        sides = {org.tag: getter(clients[org.tag], urls[org.tag][view]) for org in sizes}
        sides["admin"] = getter(admin_client, admin_urls[view])
        results[view] = interleave(sides, rounds=rounds)
    return _report(results, sizes=sizes, admin_org=admin_org)


def _report(results: dict[str, dict[str, Sample]], *, sizes, admin_org) -> list[Verdict]:
    small, large = sizes[0], sizes[-1]
    verdicts = []
    rows = []
    for view, samples in results.items():
        ratio = samples[large.tag].median / samples[small.tag].median
        paired = paired_ratio(samples[large.tag], samples[small.tag])
        verdicts.append(Verdict(f"1. {view}: {large.members:,} vs {small.members:,}", ratio, 1.5, paired=paired))
        medians = [ms(samples[org.tag].median) for org in sizes]
        counts = "/".join(str(samples[org.tag].queries) for org in sizes)
        rows.append([view, *medians, f"**{ratio:.2f}x**", f"{paired:.2f}x", counts])
    sizes_header = [f"{org.members:,} members" for org in sizes]
    print_table(
        f"Target 1a: the Members page is flat ({large.members:,} vs {small.members:,} members, ≤ 1.5x)",
        ["view", *sizes_header, "ratio", "per-round", "queries"],
        rows,
    )
    rows = []
    for view, samples in results.items():
        ratio = samples[admin_org.tag].median / samples["admin"].median
        page, admin = samples[admin_org.tag], samples["admin"]
        paired = paired_ratio(page, admin)
        verdicts.append(Verdict(f"1. {view}: vs admin at {admin_org.members:,}", ratio, 1.0, paired=paired))
        rows.append(
            [
                view,
                ms(page.median),
                ms(admin.median),
                f"**{ratio:.2f}x**",
                f"{paired:.2f}x",
                f"{page.queries}/{admin.queries}",
            ]
        )
    print_table(
        f"Target 1b: the Members page vs Django admin's changelist, {admin_org.members:,} members (≤ 1.0x)",
        ["view", "Members page", "admin changelist", "ratio", "per-round", "queries (page/admin)"],
        rows,
    )
    return verdicts
