"""The Members page's filters as SQL conditions on each half of the page (memberships, open invitations):
search, Organization Role, status, Project and two-factor status. Every value is a parameter; only fixed
table and column names are formatted in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from allauth.mfa.models import Authenticator

from members.models import Invitation, InvitationProject, Organization, ProjectMembership
from members.roles import OrgRole
from members.second_factors import SECOND_FACTORS
from members.sortkeys import fold

# Per sort, the key columns of (memberships, invitations); the id breaks ties.
SORT_COLUMNS = {
    "name": (("sort_name",), ("sort_name",)),
    "role": (("role", "sort_name"), ("role", "sort_name")),
    "date": (("created_at",), ("sent_at",)),
}


@dataclass(frozen=True)
class Query:
    """What the page shows: the filter form's values."""

    q: str = ""
    role: str = ""
    status: str = ""
    project: str = ""  # a project id: the people with access to it (owners have access to every project)
    two_factor: str = ""  # "on" or "off": members with or without two-factor authentication (no invitations)
    sort: str = "name"

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return SORT_COLUMNS.get(self.sort.lstrip("-"), SORT_COLUMNS["name"])


# The Project and two-factor filters: each EXISTS probes a unique index ((project, user), (invitation,
# project)) or allauth's user index per row read. Only fixed names are formatted in; values are parameters.
HAS_PROJECT = (
    f"EXISTS (SELECT 1 FROM {ProjectMembership._meta.db_table} "  # noqa: S608
    "WHERE user_id = members_membership.user_id AND project_id = %s)"
)
GRANTS_PROJECT = (
    f"EXISTS (SELECT 1 FROM {InvitationProject._meta.db_table} "  # noqa: S608
    "WHERE invitation_id = members_invitation.id AND project_id = %s)"
)
HAS_TWO_FACTOR = (
    f"EXISTS (SELECT 1 FROM {Authenticator._meta.db_table} "  # noqa: S608
    "WHERE user_id = members_membership.user_id AND type IN (%s, %s))"
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(column: str, q: str) -> tuple[list[str], list[str]]:
    """WHERE conditions and parameters: ``column`` contains the folded ``q``.

    An address's domain is shared by many rows ("@gmail.com"), and a trigram index lookup reads the rows of every
    trigram in the pattern: with the domain (or a common "42." or ".smith") in it, a search for one address reads
    much of the table. So the index is asked for the longest word before "@" only, and the whole pattern is checked
    on the few rows found (``|| ''`` keeps that check out of the index); what matches is the same. Letters only:
    digits ("42", an organization's code) are what many addresses share."""
    folded = fold(q)
    whole = f"%{_escape_like(folded)}%"
    words = re.findall(r"[^\W\d_]+", folded.split("@", 1)[0]) if "@" in folded else []
    longest = max(words, key=len, default="")
    if len(longest) < 3:
        return [f"{column} LIKE %s ESCAPE '\\'"], [whole]
    conditions = [f"{column} LIKE %s ESCAPE '\\'", f"({column} || '') LIKE %s ESCAPE '\\'"]
    return conditions, [f"%{_escape_like(longest)}%", whole]


def _shared(query: Query, *, search_column: str, access: str) -> tuple[list[str], list]:
    """The conditions both halves share: role, search (on ``search_column``) and Project (``access``: the
    half's EXISTS; an Organization Owner, or an invitation to be one, reaches every project)."""
    where: list[str] = []
    params: list = []
    if query.role:
        where.append("role = %s")
        params.append(query.role)
    if query.q:
        conditions, values = _search(search_column, query.q)
        where += conditions
        params += values
    if query.project:
        where.append(f"(role = %s OR {access})")
        params += [OrgRole.OWNER, int(query.project)]
    return where, params


def membership_conditions(query: Query, organization: Organization) -> tuple[list[str], list]:
    where, params = _shared(query, search_column="search_key", access=HAS_PROJECT)
    if query.two_factor:
        where.append(HAS_TWO_FACTOR if query.two_factor == "on" else f"NOT {HAS_TWO_FACTOR}")
        params += list(SECOND_FACTORS)
    return ["organization_id = %s", *where], [organization.pk, *params]


def invitation_conditions(query: Query, organization: Organization, now: datetime) -> tuple[list[str], list]:
    where, params = _shared(query, search_column="sort_name", access=GRANTS_PROJECT)
    if query.status == "pending":
        where.append("expires_at >= %s")
        params.append(now)
    elif query.status == "expired":
        where.append("expires_at < %s")
        params.append(now)
    return ["organization_id = %s", "status = %s", *where], [organization.pk, Invitation.Status.PENDING, *params]
