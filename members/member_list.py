"""The Members page's rows: memberships and open invitations of one organization, filtered, sorted and paged in SQL
at a cost that does not grow with the organization.

- Keyset (seek) pagination: a page is the 50 rows after (or before) a cursor in one total order, (sort keys, kind,
  id). Each half of the page is an index scan over a stored normalised key (``members.sortkeys``) that stops after
  51 rows, so page 20,000 costs what page 1 costs. ``?page=N`` alone (old links) still works by OFFSET up to
  ``EXACT_COUNT_LIMIT`` rows, the cost the count already has.
- Counts are exact up to ``EXACT_COUNT_LIMIT`` (a count that stops there); past it PostgreSQL's planner estimate,
  shown as "about 1.2 million". Where the estimate alone is far past the limit, the count is not tried.
- Search folds the query like the keys (case and accents) and matches ``LIKE '%q%'`` on the organization's keys,
  which PostgreSQL serves with trigram (pg_trgm) indexes scoped to the organization. The filters' SQL:
  ``members.member_filters``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from members.member_filters import Query as Query
from members.member_filters import invitation_conditions, membership_conditions
from members.models import Organization

PAGE_SIZE = 50
EXACT_COUNT_LIMIT = 10_000
# Past this many rows by PostgreSQL's estimate, the exact count is not tried: it would stop at EXACT_COUNT_LIMIT
# anyway, and reading those index entries was the Members page's slowest query at 100,000 members (issue 17).
ESTIMATE_TRUSTED_ABOVE = 5 * EXACT_COUNT_LIMIT
MEMBERSHIP, INVITATION = 0, 1  # the kind column: memberships sort before invitations with the same keys
FAR = 2**62  # an id past every id: a seek to (keys, FAR) skips every row with those keys


Key = tuple  # (sort key values..., kind, id)
Part = tuple[int, str, list, tuple[str, ...]]  # (kind, FROM/WHERE source, its parameters, sort columns)


def _param(value: object) -> object:
    """A datetime as this database stores it (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def _key(row: tuple, *, dated: bool) -> Key:
    """A row's key, its date an aware datetime on every database (SQLite hands back naive UTC, as text or as a
    datetime depending on the column's declared type)."""
    if dated and isinstance(row[0], str):
        return (datetime.fromisoformat(row[0]).replace(tzinfo=UTC), *row[1:])
    if dated and isinstance(row[0], datetime) and timezone.is_naive(row[0]):
        return (row[0].replace(tzinfo=UTC), *row[1:])
    return tuple(row)


def _parts(query: Query, organization: Organization, now: datetime) -> list[Part]:
    """(kind, FROM + WHERE, params, key columns) of each half of the page the filters keep."""
    member_columns, invitation_columns = query.columns
    parts = []
    if query.status not in ("pending", "expired"):
        where, params = membership_conditions(query, organization)
        parts.append((MEMBERSHIP, "members_membership WHERE " + " AND ".join(where), params, member_columns))
    # Two-factor authentication belongs to an account: an invitation has none to filter by.
    if query.status != "verified" and not query.two_factor:
        where, params = invitation_conditions(query, organization, now)
        parts.append((INVITATION, "members_invitation WHERE " + " AND ".join(where), params, invitation_columns))
    return parts


def _seek(kind: int, columns: tuple[str, ...], cursor: Key | None, forward: bool) -> tuple[str, list]:
    """The condition "after the cursor" (or before it) for one half, on its own index: (keys, id) > (c, id')."""
    if cursor is None:
        return "", []
    *values, cursor_kind, cursor_id = cursor
    if kind != cursor_kind:
        # Rows with the cursor's keys come wholly before or wholly after it, by kind.
        cursor_id = 0 if (kind > cursor_kind) == forward else FAR
    operator = ">" if forward else "<"
    row = ", ".join((*columns, "id"))
    marks = ", ".join(["%s"] * (len(values) + 1))
    return f" AND ({row}) {operator} ({marks})", [*values, cursor_id]


def fetch_keys(
    organization: Organization,
    query: Query,
    *,
    cursor: Key | None = None,
    forward: bool = True,
    limit: int = PAGE_SIZE + 1,
    offset: int = 0,
    now: datetime | None = None,
) -> list[Key]:
    """Up to ``limit`` row keys after ``cursor`` (forward) or before it (backward, returned nearest first)."""
    now = now or timezone.now()
    ascending = forward != query.descending
    direction = "ASC" if ascending else "DESC"
    selects, params = [], []
    for kind, source, part_params, columns in _parts(query, organization, now):
        seek, seek_params = _seek(kind, columns, cursor, forward=ascending)
        names = [f"{column} AS k{n}" for n, column in enumerate(columns)]
        order = ", ".join(f"{column} {direction}" for column in (*columns, "id"))
        selects.append(
            # Only fixed column names and placeholders are formatted in; every value is a parameter.
            f"SELECT * FROM (SELECT {', '.join(names)}, {kind} AS kind, id FROM {source}{seek} "  # noqa: S608
            f"ORDER BY {order} LIMIT %s) AS part{kind}"
        )
        params += [*part_params, *seek_params, offset + limit]
    if not selects:
        return []
    key_count = len(query.columns[0])
    order = ", ".join(f"{name} {direction}" for name in [*(f"k{n}" for n in range(key_count)), "kind", "id"])
    sql = f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS page ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608
    with connection.cursor() as db:
        db.execute(sql, [_param(value) for value in (*params, limit, offset)])
        dated = query.columns[0] == ("created_at",)
        return [_key(row, dated=dated) for row in db.fetchall()]


def count_rows(organization: Organization, query: Query, *, now: datetime | None = None) -> tuple[int, bool]:
    """(count, is_estimate): exact up to EXACT_COUNT_LIMIT, PostgreSQL's estimate past it. At most two queries
    whatever the size: the planner's estimate (PostgreSQL), then a count that stops past EXACT_COUNT_LIMIT unless
    the estimate is far beyond it."""
    parts = _parts(query, organization, now or timezone.now())
    if not parts:
        return 0, False
    estimate = _estimate(parts) if connection.vendor == "postgresql" else None
    if estimate is not None and estimate > ESTIMATE_TRUSTED_ABOVE:
        return estimate, True
    counts, params = [], []
    for kind, source, part_params, columns in parts:
        # Ordered like an index, so the count reads at most EXACT_COUNT_LIMIT + 1 index entries.
        counts.append(
            f"(SELECT count(*) FROM (SELECT 1 AS one FROM {source} "  # noqa: S608
            f"ORDER BY {', '.join((*columns, 'id'))} LIMIT %s) AS part{kind})"
        )
        params += [*part_params, EXACT_COUNT_LIMIT + 1]
    with connection.cursor() as db:
        db.execute(f"SELECT {' + '.join(counts)}", [_param(value) for value in params])
        exact = db.fetchone()[0]
    if exact <= EXACT_COUNT_LIMIT or estimate is None:
        return exact, False
    return max(estimate, exact), True


def _estimate(parts: list[Part]) -> int:
    """PostgreSQL's estimate of the rows ``parts`` select, from the planner's statistics (no rows read)."""
    union = " UNION ALL ".join(f"SELECT 1 FROM {source}" for _, source, _, _ in parts)  # noqa: S608
    with connection.cursor() as db:
        db.execute(f"EXPLAIN (FORMAT JSON) {union}", [_param(p) for part in parts for p in part[2]])
        plan = db.fetchone()[0]
    return int((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"])


# --- cursors: the last (or first) row's keys, in the link ---------------------------------------------------


def encode_cursor(key: Key) -> str:
    values = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str, query: Query) -> Key | None:
    """The key in a link, or None for anything malformed (the page then starts over; never a 500)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        *keys, kind, row_id = values
        columns = query.columns[0]
        if len(keys) != len(columns) or kind not in (MEMBERSHIP, INVITATION) or type(row_id) is not int:
            return None
        if columns == ("created_at",):
            keys = [datetime.fromisoformat(keys[0])]
            if timezone.is_naive(keys[0]):
                return None
        elif not all(isinstance(value, str) for value in keys):
            return None
        return (*keys, kind, row_id)
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        return None


# --- one page ---------------------------------------------------------------------------------------------------


@dataclass
class MembersPage:
    """One page of keys with what the template needs: counts, position and the links a user can follow."""

    keys: list[Key]
    number: int
    count: int
    estimated: bool
    has_previous: bool
    has_next: bool
    links: dict[str, str] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.keys else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.keys) - 1 if self.keys else 0

    @property
    def count_label(self) -> str:
        return about(self.count) if self.estimated else str(self.count)

    @property
    def num_pages_label(self) -> str:
        return about(self.num_pages) if self.estimated else str(self.num_pages)

    def link(self, params: dict[str, str]) -> None:
        """The First, Previous, Next and Last links, keeping the filters in ``params``."""
        kept = {name: value for name, value in params.items() if name not in ("page", "after", "before", "last")}
        if self.has_previous:
            self.links["first"] = "?" + urlencode(kept)
            self.links["previous"] = "?" + urlencode(
                {**kept, "page": self.number - 1, "before": encode_cursor(self.keys[0])}
            )
        if self.has_next:
            self.links["next"] = "?" + urlencode(
                {**kept, "page": self.number + 1, "after": encode_cursor(self.keys[-1])}
            )
            self.links["last"] = "?" + urlencode({**kept, "last": "1"})


def about(number: int) -> str:
    """A rounded count: "about 1.2 million", "about 98,000"."""
    if number >= 1_000_000:
        return _("about %(count)s million") % {"count": f"{number / 1_000_000:.1f}".removesuffix(".0")}
    rounded = int(float(f"{number:.2g}"))
    return _("about %(count)s") % {"count": f"{rounded:,}"}


@dataclass(frozen=True)
class Position:
    """Where the link points: after or before a row, the last page, or a page number (old links)."""

    number: int = 1
    after: Key | None = None
    before: Key | None = None
    last: bool = False


def members_page(organization: Organization, query: Query, position: Position) -> MembersPage:
    """The page at ``position``: a count (exact or estimated) and one seek, a fixed number of queries."""
    now = timezone.now()
    count, estimated = count_rows(organization, query, now=now)
    page = MembersPage([], position.number, count, estimated, has_previous=False, has_next=False)
    if not position.last:
        _seek_page(page, organization, query, position, now)
    if position.last or (not page.keys and (position.after is not None or position.number > 1)):
        _last_page(page, organization, query, now)
    if not page.has_previous:
        page.number = 1
    if not estimated:
        page.number = min(page.number, page.num_pages)
    return page


def _seek_page(page: MembersPage, organization: Organization, query: Query, position: Position, now) -> None:
    if position.after is not None:
        keys = fetch_keys(organization, query, cursor=position.after, now=now)
        page.has_previous, page.has_next = True, len(keys) > PAGE_SIZE
    elif position.before is not None:
        keys = fetch_keys(organization, query, cursor=position.before, forward=False, now=now)
        page.has_previous, page.has_next = len(keys) > PAGE_SIZE, True
        keys = keys[:PAGE_SIZE][::-1] or fetch_keys(organization, query, now=now)
    elif position.number > 1 and (position.number - 1) * PAGE_SIZE <= EXACT_COUNT_LIMIT:
        keys = fetch_keys(organization, query, offset=(position.number - 1) * PAGE_SIZE, now=now)
        page.has_previous, page.has_next = True, len(keys) > PAGE_SIZE
    else:
        page.number = 1
        keys = fetch_keys(organization, query, now=now)
        page.has_next = len(keys) > PAGE_SIZE
    page.keys = keys[:PAGE_SIZE]


def _last_page(page: MembersPage, organization: Organization, query: Query, now) -> None:
    """The last rows, as many as the last page holds when the count is exact (so pages line up from both ends)."""
    size = page.count - (page.num_pages - 1) * PAGE_SIZE if not page.estimated else PAGE_SIZE
    size = size if size > 0 else PAGE_SIZE
    keys = fetch_keys(organization, query, forward=False, limit=size + 1, now=now)
    page.keys = keys[:size][::-1]
    page.has_previous, page.has_next = len(keys) > size, False
    page.number = page.num_pages


def position_from(params: dict[str, str], query: Query) -> Position:
    """The position a link asks for; anything malformed means the first page."""
    try:
        number = max(int(params.get("page", "1")), 1)
    except ValueError:
        number = 1
    after, before = params.get("after"), params.get("before")
    return Position(
        number=number,
        after=decode_cursor(after, query) if after else None,
        before=decode_cursor(before, query) if before else None,
        last=params.get("last") == "1",
    )


def link_to_page(organization: Organization, number: int, query: Query | None = None) -> str:
    """The link a user reaches page ``number`` by following Next (for benchmarks and tests: it seeks by OFFSET)."""
    query = query or Query()
    if number <= 1:
        return "?" + urlencode({"sort": query.sort})
    [key] = fetch_keys(organization, query, offset=(number - 1) * PAGE_SIZE - 1, limit=1)
    return "?" + urlencode({"sort": query.sort, "page": number, "after": encode_cursor(key)})
