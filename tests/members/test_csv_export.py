"""The shared CSV writer: formula-safe cells, UTC times, and a streamed export whose memory does not grow
with the number of rows."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.urls import reverse

from members.csv_export import csv_lines, safe_cell
from members.models import MembershipEvent


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_prefixed(start):
    assert safe_cell(f"{start}1+2") == f"'{start}1+2"


@pytest.mark.parametrize("value", ["plain", "a=b", "ann@example.com", "", "1-2"])
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == value


def test_times_are_iso_8601_utc_and_none_is_empty():
    paris = timezone(timedelta(hours=1))
    assert safe_cell(datetime(2026, 3, 4, 13, 30, tzinfo=paris)) == "2026-03-04T12:30:00Z"
    assert safe_cell(None) == ""


def test_every_cell_is_quoted_and_commas_and_newlines_survive():
    text = "".join(csv_lines(["a", "b"], [["x,y", "line\nbreak"], ["=cmd", 3]]))
    assert text.startswith('\ufeff"a","b"\r\n')
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["a", "b"],
        ["x,y", "line\nbreak"],
        ["'=cmd", "3"],
    ]


def _seed(organization, count: int) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    MembershipEvent.objects.bulk_create(
        (
            MembershipEvent(
                organization=organization,
                organization_name=organization.name,
                actor_email="owner@example.com",
                action=MembershipEvent.Action.INVITED,
                target_email=f"person{n}@example.com",
                new_role="member",
                created_at=moment + timedelta(seconds=n),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )


def _peak_while_streaming(client, organization) -> tuple[int, int]:
    """Consume the export as a server would send it, keeping nothing; the peak memory and the line count."""
    response = client.post(reverse("members:activity_export", kwargs={"org_slug": organization.slug}))
    assert response.streaming
    lines = 0
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, lines


@pytest.mark.django_db
def test_export_memory_does_not_grow_with_the_row_count(owner_client, organization, monkeypatch):
    # A smaller fetch size than production's keeps the test quick; both runs are several chunks long,
    # so what is measured is the streaming, not the size of one chunk.
    monkeypatch.setattr("members.activity.EXPORT_CHUNK_SIZE", 200)
    _seed(organization, 1_000)
    small_peak, small_lines = _peak_while_streaming(owner_client, organization)
    _seed(organization, 9_000)
    large_peak, large_lines = _peak_while_streaming(owner_client, organization)

    # The header, every event, and the export events themselves (recorded before the file streams).
    assert (small_lines, large_lines) == (1 + 1_000 + 1, 1 + 10_000 + 2)
    # Ten times the rows in the same memory, within 25% + 64 KB (holding 10,000 rows as text alone would
    # take over 1 MB more).
    assert large_peak < small_peak * 1.25 + 64_000, (small_peak, large_peak)
