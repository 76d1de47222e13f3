"""Seed benchmark organizations with set-based SQL (INSERT ... SELECT generate_series): 1,000,000 members in
about a minute, where one ORM save per row would take an hour.

Each organization of N members has its own users, named like people (two made-up words per person, ``word(n, "a")``
and ``word(n, "b")``: as varied as real names, not one shared prefix) with unique addresses
(``<first>.<last>.42.<tag>@bench.example``),
one owner in 10, half of them with project access, and N/50 open invitations, one in five of them expired (at
least 99, so every view fills a page, and 1,000 members + their owner + 99 make a full last page too). The names
and addresses are ASCII, so the stored normalised sort and search keys (see ``members.sortkeys``) are simply
their lower-case forms; ``check_keys`` compares a sample with the application's own function.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import connection

HEX, LETTERS = "0123456789abcdef", "aeioubdfgklmnprt"


@dataclass
class SeededOrganization:
    tag: str
    members: int
    invitations: int
    organization_id: int
    slug: str
    owner_id: int

    @property
    def rows(self) -> int:
        """Members (the owner included) plus open invitations: the rows of the unfiltered Members page."""
        return self.members + 1 + self.invitations


def _has_column(table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        return column in [c.name for c in connection.introspection.get_table_description(cursor, table)]


def seed_organization(*, tag: str, members: int, invitations: int | None = None) -> SeededOrganization:
    from members.models import Membership, Organization, Project, User
    from members.roles import OrgRole

    owner = User.objects.create_user(email=f"owner.{tag}@bench.example", name="Olivia Owner", password="bench")
    organization = Organization.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    Membership.objects.create(organization=organization, user=owner, role=OrgRole.OWNER)
    for name in ("Production", "Staging"):
        Project.objects.create(organization=organization, name=name)
    invitations = max(members // 50, 99) if invitations is None else invitations
    params = {"org": organization.pk, "owner": owner.pk, "tag": tag, "n": members, "inv": invitations}
    with connection.cursor() as cursor:
        _insert_users(cursor, params)
        _insert_memberships(cursor, params)
        _insert_project_access(cursor, params)
        _insert_invitations(cursor, params)
    return SeededOrganization(tag, members, invitations, organization.pk, organization.slug, owner.pk)


def _sql_word(salt: str) -> str:
    return f"initcap(translate(substr(md5(n::text || '{salt}'), 1, 7), '{HEX}', '{LETTERS}'))"


def word(n: int, salt: str) -> str:
    """The made-up name word of person ``n`` (what the SQL above computes)."""
    return hashlib.md5(f"{n}{salt}".encode()).hexdigest()[:7].translate(str.maketrans(HEX, LETTERS)).capitalize()


def email(n: int, tag: str) -> str:
    return f"{word(n, 'a').lower()}.{word(n, 'b').lower()}.{n}.{tag}@bench.example"


def _insert_users(cursor, params: dict) -> None:
    cursor.execute(
        """
        INSERT INTO members_user (password, is_superuser, email, name, is_staff, is_active, date_joined)
        SELECT '!', false,
               lower({WORD_A} || '.' || {WORD_B}) || '.' || n || '.' || %(tag)s || '@bench.example',
               {WORD_A} || ' ' || {WORD_B}, false, true, now()
        FROM generate_series(0, %(n)s - 1) AS n
        """.replace("{WORD_A}", _sql_word("a")).replace("{WORD_B}", _sql_word("b")),
        params,
    )


def _insert_memberships(cursor, params: dict) -> None:
    keyed = _has_column("members_membership", "sort_name")
    columns = ", sort_name, search_key" if keyed else ""
    values = ", lower(u.name), lower(u.name) || chr(31) || lower(u.email)" if keyed else ""
    cursor.execute(
        f"""
        INSERT INTO members_membership (organization_id, user_id, role, created_at, invited_by_id{columns})
        SELECT %(org)s, u.id, CASE WHEN u.id %% 10 = 0 THEN 'owner' ELSE 'member' END,
               now() - (u.id %% 100000) * interval '1 minute', %(owner)s{values}
        FROM members_user u
        WHERE u.email LIKE '%%.' || %(tag)s || '@bench.example' AND u.email NOT LIKE 'owner.%%'
        """,
        params,
    )


def _insert_project_access(cursor, params: dict) -> None:
    cursor.execute(
        """
        INSERT INTO members_projectmembership (project_id, user_id, role, created_at)
        SELECT (SELECT min(id) FROM members_project WHERE organization_id = %(org)s) + m.user_id %% 2,
               m.user_id, 'read_only', now()
        FROM members_membership m
        WHERE m.organization_id = %(org)s AND m.user_id %% 4 < 2 AND m.user_id <> %(owner)s
        """,
        params,
    )


def _insert_invitations(cursor, params: dict) -> None:
    keyed = _has_column("members_invitation", "sort_name")
    columns = ", sort_name" if keyed else ""
    values = ", lower('i' || lpad(n::text, 6, '0') || '.' || %(tag)s || '@bench.example')" if keyed else ""
    if _has_column("members_invitation", "name"):  # the name typed with the address (#12): none here
        columns, values = columns + ", name", values + ", ''"
    cursor.execute(
        f"""
        INSERT INTO members_invitation (organization_id, email, role, invited_by_id, status, nonce, created_at,
                                        sent_at, expires_at, delivery_status{columns})
        SELECT %(org)s, 'i' || lpad(n::text, 6, '0') || '.' || %(tag)s || '@bench.example',
               CASE WHEN n %% 10 = 0 THEN 'owner' ELSE 'member' END, %(owner)s, 'pending', md5(n::text),
               now() - n * interval '1 minute', now() - n * interval '1 minute',
               now() + CASE WHEN n %% 5 = 0 THEN interval '-1 hour' ELSE interval '48 hours' END, 'sent'{values}
        FROM generate_series(0, %(inv)s - 1) AS n
        """,
        params,
    )


def vacuum_analyze() -> None:
    """What autovacuum does for a real database: statistics, and a visibility map for index-only scans."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def check_keys() -> None:
    """The SQL above wrote the same keys the application computes (skipped before the keys existed)."""
    try:
        from members.sortkeys import membership_keys
    except ImportError:
        return
    from members.models import Membership

    for membership in Membership.objects.select_related("user").order_by("?")[:20]:
        expected = membership_keys(membership.user)
        assert (membership.sort_name, membership.search_key) == expected, (membership.pk, expected)
