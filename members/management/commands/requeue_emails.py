"""Reschedule notification emails whose delivery task was lost (``run_worker`` also sweeps every minute)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from members.outbox import requeue_stalled


class Command(BaseCommand):
    help = "Schedule delivery again for queued emails that are overdue (their task was lost)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Seconds past its due time before a queued email counts as stalled "
            "(default: the EMAIL_REQUEUE_AFTER_SECONDS setting).",
        )

    def handle(self, *args: Any, older_than: int | None, **options: Any) -> None:
        count = requeue_stalled(older_than=None if older_than is None else timedelta(seconds=older_than))
        self.stdout.write(f"Rescheduled {count} email(s).")
