"""Shared machinery of the benchmark: a throwaway PostgreSQL database, interleaved timing, medians, tables.

Every comparison is interleaved (A B, then B A, ...) within one run, so the machine's load on a shared 2-core box
hits both sides alike; only the ratio of the two medians is judged, the milliseconds are context.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the run, dropped afterwards whatever happens."""
    name = f"orgconsole_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "orgconsole.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)


@dataclass
class Sample:
    """Timings (ms) and the query count of one side of a comparison."""

    timings: list[float] = field(default_factory=list)
    queries: int = 0  # the fewest of any round: a session refresh now and then is not the page's own cost

    @property
    def median(self) -> float:
        return statistics.median(self.timings)


def interleave(sides: dict[str, Callable[[], int]], *, rounds: int) -> dict[str, Sample]:
    """Run each side once per round, rotating the order every round; each callable returns its query count."""
    samples = {name: Sample() for name in sides}
    names = list(sides)
    for _ in range(1):  # warm-up: caches, connections, compiled templates
        for name in names:
            sides[name]()
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            queries = sides[name]()
            samples[name].queries = min(samples[name].queries or queries, queries)
            samples[name].timings.append((time.perf_counter() - started) * 1000)
    return samples


@dataclass
class Verdict:
    """A ratio and its target. ``paired`` is the median of the per-round ratios (each round's A over its B, measured
    moments apart): on a shared machine a burst of load lands on both sides of one round, so it moves ``paired``
    far less than the ratio of the two medians. A miss counts when both statistics miss."""

    label: str
    ratio: float
    target: float
    higher_is_better: bool = False
    paired: float | None = None

    def _miss(self, value: float) -> float:
        if self.higher_is_better:
            return max(0.0, (self.target - value) / self.target)
        return max(0.0, (value - self.target) / self.target)

    def missed_by(self) -> float:
        """How far past the target the ratio is, as a fraction of the target (0 when met)."""
        return min(self._miss(self.ratio), self._miss(self.paired if self.paired is not None else self.ratio))


def paired_ratio(a: Sample, b: Sample) -> float:
    """Median over the rounds of a's time over b's time in the same round."""
    return statistics.median(x / y for x, y in zip(a.timings, b.timings, strict=True))


def ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()
