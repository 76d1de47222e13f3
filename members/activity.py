"""Reading the audit log of one organization: the Activity page's filters and its keyset pages.

Pages are keyset pages on (created_at, id), newest first, served by ``event_org_created_id_idx``:
a page deep in a million events costs what the first page costs (no OFFSET, no count).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from members.models import MembershipEvent, Organization

ACTIVITY_PAGE_SIZE = 50
# Rows fetched from the server-side cursor at a time by an export: its memory is about this many rows.
EXPORT_CHUNK_SIZE = 2000


class ActivityFilterForm(forms.Form):
    """Who did it, what, to whom and when; every filter is a query parameter, so a view is a URL."""

    actor = forms.EmailField(label=_("Actor email"), required=False, max_length=254)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *MembershipEvent.Action.choices]
    )
    person = forms.EmailField(label=_("Person affected (email)"), required=False, max_length=254)
    since = forms.DateField(label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> ActivityFilters:
        """The valid filters; an invalid one is ignored (and shown as an error next to its field)."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return ActivityFilters(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            person=data.get("person") or "",
            since=data.get("since"),
            until=data.get("until") if "until" not in self.errors else None,
        )


@dataclass(frozen=True)
class ActivityFilters:
    actor: str = ""
    action: str = ""
    person: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.actor or self.action or self.person or self.since or self.until)

    def as_dict(self) -> dict[str, str]:
        """The filters as they appear in the URL (for the audit row of an export)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "person": self.person,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in values.items() if value}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def organization_events(organization: Organization, filters: ActivityFilters) -> QuerySet[MembershipEvent]:
    """Every event of the organization the filters select, newest first (ties broken by id)."""
    events = MembershipEvent.objects.filter(organization=organization)
    if filters.actor:
        events = events.filter(actor_email__iexact=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.person:
        events = events.filter(target_email__iexact=filters.person)
    if filters.since:
        events = events.filter(created_at__gte=_start_of(filters.since))
    if filters.until:
        events = events.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    return events.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Cursor:
    """A position in the log: the (created_at, id) of an event, written ``<microseconds>-<id>``."""

    created_at: datetime
    id: int

    @classmethod
    def of(cls, event: MembershipEvent) -> Cursor:
        return cls(created_at=event.created_at, id=event.pk)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in a URL, or None for anything malformed (the first page is shown instead)."""
        micros, _sep, pk = (text or "").partition("-")
        if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
            return None
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(created_at=moment, id=int(pk))

    def __str__(self) -> str:
        delta = self.created_at - datetime(1970, 1, 1, tzinfo=UTC)
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}-{self.id}"


@dataclass(frozen=True)
class EventPage:
    events: list[MembershipEvent]
    older: Cursor | None  # the "Older" link's cursor, when there are older events
    newer: Cursor | None  # the "Newer" link's cursor, when there are newer events


def older_than(events: QuerySet[MembershipEvent], cursor: Cursor) -> QuerySet[MembershipEvent]:
    # The plain bound on created_at is what the index scan starts from; the OR settles ties within it.
    return events.filter(created_at__lte=cursor.created_at).filter(
        Q(created_at__lt=cursor.created_at) | Q(id__lt=cursor.id)
    )


def newer_than(events: QuerySet[MembershipEvent], cursor: Cursor) -> QuerySet[MembershipEvent]:
    return events.filter(created_at__gte=cursor.created_at).filter(
        Q(created_at__gt=cursor.created_at) | Q(id__gt=cursor.id)
    )


def event_page(
    events: QuerySet[MembershipEvent],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = ACTIVITY_PAGE_SIZE,
) -> EventPage:
    """One page of ``events`` (newest first): the ones older than ``after``, or the ones just newer
    than ``before``, or the newest. One query of ``size + 1`` rows, whatever the page's depth."""
    if before is not None:
        rows = list(newer_than(events, before).order_by("created_at", "id").select_related("actor")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size]
        rows.reverse()
        return EventPage(
            events=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and has_more else None,
        )
    if after is not None:
        events = older_than(events, after)
    rows = list(events.select_related("actor")[: size + 1])
    has_more, rows = len(rows) > size, rows[:size]
    return EventPage(
        events=rows,
        older=Cursor.of(rows[-1]) if rows and has_more else None,
        newer=Cursor.of(rows[0]) if rows and after is not None else None,
    )


def event_in_organization(organization: Organization, event_id: int) -> MembershipEvent:
    """One event by id, only within the organization in the URL (404 otherwise)."""
    event = MembershipEvent.objects.select_related("actor").filter(organization=organization, pk=event_id).first()
    if event is None:
        raise Http404("No such event.")
    return event


ACTIVITY_CSV_HEADER = (
    "time_utc",
    "actor_email",
    "action",
    "person_affected",
    "role_before",
    "role_after",
    "projects_before",
    "projects_after",
    "detail",
    "client_address",
    "event_id",
)


def activity_csv_rows(events: QuerySet[MembershipEvent]) -> Iterator[tuple[object, ...]]:
    """The CSV rows of ``events``, read through a server-side cursor a chunk at a time."""
    columns = ("created_at", "actor_email", "action", "target_email", "old_role", "new_role", "project_access")
    for row in events.values_list(*columns, "detail", "ip_address", "pk").iterator(chunk_size=EXPORT_CHUNK_SIZE):
        *who_what, access, detail, ip, pk = row
        yield (*who_what, _access_text(access, "before"), _access_text(access, "after"), detail, ip, pk)


def _access_text(access: dict[str, Any] | None, side: str) -> str:
    """``{"before": {"Production": "admin"}}`` as ``Production: admin`` (projects joined by "; ")."""
    projects = (access or {}).get(side) or {}
    return "; ".join(f"{name}: {role}" for name, role in sorted(projects.items()))
