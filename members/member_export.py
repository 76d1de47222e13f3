"""Export CSV on the Members page: every row the current search and filters select (all pages), read with the
Members page's own keyset query (``members.member_list``) a chunk at a time: each chunk is one index range scan
after the previous chunk's last row and a fixed few queries for its details, so memory and the cost per row
stay flat at any organization size."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from members.member_list import Query, fetch_keys
from members.models import Organization
from members.roles import OWNER_PROJECT_ROLE, OrgRole, ProjectRole
from members.selectors import MemberRow, attach_row_details

# Rows per chunk: one keyset query for the chunk's keys, then a fixed few for its details.
MEMBERS_EXPORT_CHUNK_SIZE = 500


def members_csv_header() -> list[str]:
    # The Members page's own column names; "last active" is a membership's (members.last_active), hourly.
    return [
        _("Name"),
        _("Email"),
        _("Organization Role"),
        _("Project Access"),
        _("Status"),
        _("Invited by"),
        _("Invited / Joined (UTC)"),
        _("Last active (UTC)"),
    ]


def members_csv_rows(organization: Organization, filters: dict[str, str]) -> Iterator[tuple[object, ...]]:
    """The rows the Members page would show for ``filters`` on all of its pages, in its order."""
    query, now, size = Query(**filters), timezone.now(), MEMBERS_EXPORT_CHUNK_SIZE
    cursor = None
    while True:
        keys = fetch_keys(organization, query, cursor=cursor, limit=size, now=now)
        details = attach_row_details(organization, keys)
        yield from (_csv_row(row) for row in details)
        for row in details:
            if row.obj is None:
                continue
            # A prefetched invitation and its grants point at each other: a reference cycle only the
            # garbage collector's rare full pass frees. Break it, so each chunk is freed when done.
            vars(row.obj).pop("_prefetched_objects_cache", None)
        if len(keys) < size:
            return
        cursor = keys[-1]


def _csv_row(row: MemberRow) -> tuple[object, ...]:
    inviter = row.invited_by.email if row.invited_by else ""
    last_active = row.last_active or ""  # an invitation, or a member not seen since this was recorded
    return (row.name, row.email, row.role_label, _project_access(row), row.status_label, inviter, row.date, last_active)


def _project_access(row: MemberRow) -> str:
    if row.is_membership and row.role == OrgRole.OWNER:
        return _("%(role)s on every project") % {"role": ProjectRole(OWNER_PROJECT_ROLE).label}
    return "; ".join(f"{project}: {label}" for project, label in row.projects)
